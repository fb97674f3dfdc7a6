//! `{#interaction-required}`, `{#interaction-code-format}` and `{#pending-url-security}`: a
//! resource that defers its answer with `202`, an interaction requirement and a pending URL.
//! Every case needs the `[resource] deferred_path` knob (a path answered that way when
//! signed with a valid agent token) and is skipped without it.
//!
//! `{#deferred-auth-token}` (RES-013) needs `[resource] deferred_auth_path` instead: a path
//! whose invocation the resource holds behind a `202 requirement=auth-token`. The agent flow
//! obtains the auth token and completes at the pending URL; the case then presents the same
//! auth token there again. The answer must be the stored one: a `404`/`410` means the result
//! was forgotten, a different body means the invocation ran again. (A target whose result
//! carries nothing invocation-specific, such as an id it generates, can only be caught
//! forgetting; the built-in resource's results carry an `invocation` id.)
//!
//! Like the other resource cases, errors carry a whole [`Outcome`], built once on the way out.
#![allow(clippy::result_large_err)]

use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::role::agent::flow::StepKind;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::{AauthRequirement, Requirement, FIELD};
use serde_json::Value;

use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{claim_fail, knob, not_served, res_case, send, sign, Step};
use crate::context::CaseContext;
use crate::judge::describe;
use crate::outcome::{Failure, Mismatch, Outcome};

/// How many interaction codes RES-020 looks at.
const CODE_SAMPLES: usize = 20;
/// Polls tried before giving up on a terminal answer.
const MAX_POLLS: usize = 10;

/// Crockford base32 symbols (either case; I, L, O and U are not among them).
fn is_crockford(c: char) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c.to_ascii_uppercase(), 'I' | 'L' | 'O' | 'U')
}

fn fail(mismatch: Mismatch) -> Outcome {
    Outcome::Fail(Failure::new(Role::Resource, mismatch))
}

/// Opens a deferred request as `agent`; skips unless the target answers `202`.
async fn open(ctx: &CaseContext, agent: &HarnessAgent) -> Step<Response> {
    let path = knob(&ctx.target.resource.deferred_path, "deferred_path")?;
    let request = sign(
        ctx,
        agent,
        ctx.request("GET", &path),
        &agent.agent_token,
        None,
    )?;
    let response = send(ctx, &request).await?;
    if response.status != 202 {
        return Err(Outcome::Skip(format!(
            "precondition failed: {path} did not defer ({})",
            describe(&response)
        )));
    }
    Ok(response)
}

/// The interaction requirement of a `202`, or the failure that it is missing or malformed.
fn interaction(response: &Response) -> Result<AauthRequirement, Outcome> {
    let value = response
        .header(FIELD)
        .ok_or_else(|| fail(Mismatch::MissingHeader(FIELD.into())))?;
    let parsed = AauthRequirement::parse(value.as_bytes()).map_err(|e| {
        fail(Mismatch::Claim {
            name: FIELD.into(),
            want: "a valid requirement=interaction field".into(),
            got: Some(format!("{value} ({e})")),
        })
    })?;
    if parsed.requirement != Requirement::INTERACTION {
        return Err(fail(Mismatch::Claim {
            name: "requirement".into(),
            want: "interaction".into(),
            got: Some(parsed.requirement.as_str().to_string()),
        }));
    }
    Ok(parsed)
}

/// The path of the pending URL in `Location`, which must be on the target's origin.
fn pending_path(ctx: &CaseContext, response: &Response) -> Result<String, Outcome> {
    let location = response
        .header("location")
        .ok_or_else(|| fail(Mismatch::MissingHeader("Location".into())))?;
    let origin = ctx.target.identifier.trim_end_matches('/');
    let path = if location.starts_with('/') {
        Some(location.clone())
    } else {
        location
            .strip_prefix(origin)
            .filter(|rest| rest.starts_with('/'))
            .map(str::to_string)
    };
    path.ok_or_else(|| {
        fail(Mismatch::Claim {
            name: "Location".into(),
            want: format!("a URL on {origin}"),
            got: Some(location),
        })
    })
}

async fn poll(ctx: &CaseContext, agent: &HarnessAgent, path: &str) -> Step<Response> {
    let request: Request = sign(
        ctx,
        agent,
        ctx.request("GET", path),
        &agent.agent_token,
        None,
    )?;
    send(ctx, &request).await
}

/// RES-019: the `202` carries Location, Retry-After, `Cache-Control: no-store`, a pending
/// status body, and an interaction requirement with `url` and `code`.
async fn accepted_headers(ctx: &CaseContext) -> Step<Outcome> {
    let response = open(ctx, &ctx.agent()).await?;
    if let Err(outcome) = interaction(&response) {
        return Ok(outcome);
    }
    for name in ["Location", "Retry-After"] {
        if response.header(name).is_none() {
            return Ok(fail(Mismatch::MissingHeader(name.into())));
        }
    }
    let no_store = response.header("cache-control").is_some_and(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    });
    if !no_store {
        return Ok(fail(Mismatch::MissingHeader(
            "Cache-Control: no-store".into(),
        )));
    }
    let status = response.body_json().and_then(|b| b.get("status").cloned());
    if status.as_ref().and_then(Value::as_str) != Some("pending") {
        return Ok(claim_fail(
            Role::Resource,
            "status",
            "pending",
            status.as_ref(),
        ));
    }
    Ok(Outcome::Pass)
}

/// RES-020: every code is Crockford base32 (hyphens aside) with at least eight symbols.
async fn code_format(ctx: &CaseContext) -> Step<Outcome> {
    let agent = ctx.agent();
    for _ in 0..CODE_SAMPLES {
        let response = open(ctx, &agent).await?;
        let requirement = match interaction(&response) {
            Ok(r) => r,
            Err(_) => return Err(Outcome::Skip("the 202 carries no interaction code".into())),
        };
        let code = requirement.code.unwrap_or_default();
        let symbols: Vec<char> = code.chars().filter(|c| *c != '-').collect();
        if symbols.len() < 8 || !symbols.iter().all(|c| is_crockford(*c)) {
            return Ok(fail(Mismatch::Claim {
                name: "code".into(),
                want: "at least 8 Crockford base32 symbols, hyphens allowed".into(),
                got: Some(code),
            }));
        }
    }
    Ok(Outcome::Pass)
}

/// RES-022: a poll signed by another agent is not served.
async fn other_agent_poll(ctx: &CaseContext) -> Step<Outcome> {
    let response = open(ctx, &ctx.agent()).await?;
    let path = match pending_path(ctx, &response) {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let stranger = ctx.agent();
    let answer = poll(ctx, &stranger, &path).await?;
    Ok(not_served(ctx, &answer))
}

/// RES-022: after the terminal answer, the pending URL answers `410`.
async fn gone_after_terminal(ctx: &CaseContext) -> Step<Outcome> {
    let agent = ctx.agent();
    let response = open(ctx, &agent).await?;
    let path = match pending_path(ctx, &response) {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let mut terminal = None;
    for _ in 0..MAX_POLLS {
        let answer = poll(ctx, &agent, &path).await?;
        if answer.status != 202 {
            terminal = Some(answer);
            break;
        }
    }
    match terminal {
        Some(t) if (200..300).contains(&t.status) => {}
        other => {
            return Err(Outcome::Skip(format!(
                "precondition failed: the pending request did not complete without a person ({})",
                other
                    .as_ref()
                    .map(describe)
                    .unwrap_or_else(|| "still 202".into())
            )))
        }
    }
    let after = poll(ctx, &agent, &path).await?;
    if after.status == 410 {
        Ok(Outcome::Pass)
    } else {
        Ok(fail(Mismatch::Status {
            want: vec![410],
            got: after.status,
        }))
    }
}

/// RES-013: complete a held invocation with an auth token, then present the same token at
/// the pending URL again: the same answer must come back.
async fn held_result_kept(ctx: &CaseContext) -> Step<Outcome> {
    let path = knob(
        &ctx.target.resource.deferred_auth_path,
        "deferred_auth_path",
    )?;
    let agent = ctx.agent();
    let mut flow = ctx.world.flow(&agent);
    let result = flow
        .call(&ctx.target.address, ctx.request("GET", &path))
        .await;
    let skip = |why: String| Err(Outcome::Skip(format!("precondition failed: {why}")));
    let first = match (result.is_completed(), result.response()) {
        (true, Some(response)) => response.clone(),
        (_, seen) => {
            return skip(format!(
                "the agent flow on {path} was not served ({})",
                seen.map(describe)
                    .unwrap_or_else(|| format!("{:?}", result.failure()))
            ))
        }
    };
    let deferred_auth = result.steps_of(StepKind::Resource).any(|step| {
        step.response.as_ref().is_ok_and(|r| {
            r.status == 202
                && r.header(FIELD)
                    .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok())
                    .is_some_and(|req| req.requirement == Requirement::AUTH_TOKEN)
        })
    });
    let last_poll = result.steps_of(StepKind::ResourcePoll).last();
    let (Some(poll_step), true) = (last_poll, deferred_auth) else {
        return skip(format!(
            "{path} did not answer 202 requirement=auth-token and complete at a pending URL"
        ));
    };
    let Some(auth_token) = result.credentials.auth_token.clone() else {
        return skip("the flow completed without an auth token".into());
    };
    let mut target = poll_step.request.path.clone();
    if let Some(query) = &poll_step.request.query {
        target.push('?');
        target.push_str(query);
    }
    let request = sign(ctx, &agent, ctx.request("GET", &target), &auth_token, None)?;
    let again = send(ctx, &request).await?;
    if again.status != first.status {
        let mismatch = Mismatch::Status {
            want: vec![first.status],
            got: again.status,
        };
        return Ok(Outcome::Fail(
            Failure::new(Role::Resource, mismatch)
                .accepting(vec![format!(
                    "the stored answer to the first completion ({})",
                    describe(&first)
                )])
                .saw(format!(
                    "{} when the same auth token was presented at {target} again",
                    describe(&again)
                )),
        ));
    }
    let same_json = matches!((first.body_json(), again.body_json()), (Some(a), Some(b)) if a == b);
    if first.body != again.body && !same_json {
        let mismatch = Mismatch::Other(format!(
            "the same auth token got a different answer at {target}: the invocation ran again"
        ));
        return Ok(Outcome::Fail(
            Failure::new(Role::Resource, mismatch)
                .accepting(vec![format!(
                    "the stored answer: {}",
                    String::from_utf8_lossy(&first.body)
                )])
                .saw(String::from_utf8_lossy(&again.body).into_owned()),
        ));
    }
    Ok(Outcome::Pass)
}

/// The deferred-response cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.deferred.accepted-headers",
        "Sends a signed request to the deferred path and checks the 202's headers and body",
        "RES-019",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        accepted_headers
    ),
    res_case!(
        "res.deferred.interaction-code-format",
        "Opens 20 deferred requests and checks each interaction code's alphabet and length",
        "RES-020",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        code_format
    ),
    res_case!(
        "res.deferred.pending-url-other-agent",
        "Polls a pending URL signed by an agent other than the one that opened it",
        "RES-022",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        other_agent_poll
    ),
    res_case!(
        "res.deferred.pending-url-gone",
        "Polls a pending URL until its terminal answer, then once more",
        "RES-022",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        gone_after_terminal
    ),
    res_case!(
        "res.deferred.auth-token-result-kept",
        "Completes a held invocation with an auth token, then presents that auth token at the pending URL again",
        "RES-013",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        &[],
        held_result_kept
    ),
];
