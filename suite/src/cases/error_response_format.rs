//! `{#error-response-format}`: every error body an AAuth endpoint sends is
//! `application/problem+json` with a string `error` member. Run at every verifying role:
//! the stimuli are the role's baseline request left unsigned and signed an hour late, plus,
//! at a resource, a malformed authorization request.

use aauth_harness::defect::RequestDefect;
use aauth_harness::message::{Fields, Response};
use aauth_harness::role::Role;
use aauth_harness::wire::problem::PROBLEM_JSON;
use serde_json::{json, Value};

use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{metadata, post_json, res_case, send, sign, Step};
use crate::context::CaseContext;
use crate::judge::describe;
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};
use crate::probe;

/// Why `response` is not an acceptable error body, if it is an error with a body at all.
fn body_fault(response: &Response) -> Option<String> {
    if response.status < 400 || response.body.is_empty() {
        return None;
    }
    let media = response.header("content-type").map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    if media.as_deref() != Some(PROBLEM_JSON) {
        return Some(format!(
            "a {} error body is sent as {} instead of {PROBLEM_JSON}",
            response.status,
            media.as_deref().unwrap_or("(no content-type)")
        ));
    }
    let error = response
        .body_json()
        .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_string));
    if error.is_none() {
        return Some(format!(
            "a {} problem body has no string error member",
            response.status
        ));
    }
    None
}

/// ERR-001: the error answers the role gives to common faults.
async fn error_bodies(ctx: &CaseContext) -> Step<Outcome> {
    let probe = probe::baseline(ctx).await.map_err(Outcome::Error)?;
    let mut responses = vec![send(ctx, &probe.request).await?];
    let late = probe
        .sign(Some(&RequestDefect::CreatedSkew(-3600)))
        .map_err(Outcome::Error)?;
    responses.push(send(ctx, &late).await?);
    if ctx.role() == Role::Resource {
        if let Some(path) = metadata(ctx)
            .await
            .ok()
            .and_then(|m| {
                m.get("authorization_endpoint")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .and_then(|u| {
                let rest = u.strip_prefix("https://")?.to_string();
                rest.find('/').map(|i| rest[i..].to_string())
            })
        {
            let agent = ctx.agent();
            let token = if ctx.profile().has_person_tokens() {
                ctx.world
                    .mint_person_token(&agent, &ctx.target.identifier, None)
            } else {
                agent.agent_token.clone()
            };
            let request = post_json(ctx, &path, &json!({ "scope": 7 }));
            responses.push(send(ctx, &sign(ctx, &agent, request, &token, None)?).await?);
        }
    }
    if !responses.iter().any(|r| r.status >= 400) {
        return Err(Outcome::Error(HarnessError::Unsupported(
            "none of the stimuli drew an error answer".into(),
        )));
    }
    for response in &responses {
        if let Some(fault) = body_fault(response) {
            return Ok(Outcome::Fail(
                Failure::new(ctx.role(), Mismatch::Other(fault))
                    .accepting([format!("{PROBLEM_JSON} with an error member")])
                    .saw(describe(response)),
            ));
        }
    }
    Ok(Outcome::Pass)
}

/// The error-format cases.
pub const CASES: &[Case<CaseContext>] = &[res_case!(
    "err.body.problem-json",
    "Sends an unsigned, a stale and (at a resource) a malformed request and reads the error bodies",
    "ERR-001",
    Must,
    roles::VERIFIERS,
    profiles::FROM_10,
    &[],
    error_bodies
)];
