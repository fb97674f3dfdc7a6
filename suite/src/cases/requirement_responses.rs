//! `{#requirement-responses}` and the challenges it defines (`{#requirement-agent-token}`,
//! `{#requirement-auth-token}`): what a resource answers when a request lacks the credential
//! an operation needs, and where it puts that answer.

use aauth_harness::message::{Fields, Response};
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::AauthRequirement;

use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{auth_path, identity_path, res_case, send, sign, Step};
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, Mismatch, Outcome};

/// RES-001: an unsigned request to the identity path is challenged for an agent token.
async fn unsigned_gets_agent_token(ctx: &CaseContext) -> Step<Outcome> {
    let path = identity_path(ctx)?;
    let response = send(ctx, &ctx.request("GET", &path)).await?;
    Ok(judge(
        &Expect::Challenge {
            status: 401,
            requirement: "agent-token",
        },
        &response,
        ctx.role(),
    ))
}

/// True when a `WWW-Authenticate` field carries an AAuth requirement.
fn aauth_in_www_authenticate(response: &Response) -> bool {
    response.header_all("www-authenticate").any(|v| {
        let lower = v.to_ascii_lowercase();
        lower.trim_start().starts_with("aauth") || lower.contains("requirement=")
    })
}

/// RES-025: the challenges the resource gives (no credential, agent token on the auth path)
/// never travel in `WWW-Authenticate`.
async fn never_www_authenticate(ctx: &CaseContext) -> Step<Outcome> {
    let path = identity_path(ctx)?;
    let mut responses = vec![send(ctx, &ctx.request("GET", &path)).await?];
    if let Ok((auth, _)) = auth_path(ctx) {
        let agent = ctx.agent();
        let request = sign(
            ctx,
            &agent,
            ctx.request("GET", &auth),
            &agent.agent_token,
            None,
        )?;
        responses.push(send(ctx, &request).await?);
    }
    for response in &responses {
        if aauth_in_www_authenticate(response) {
            return Ok(Outcome::Fail(
                Failure::new(
                    Role::Resource,
                    Mismatch::UnexpectedHeader("WWW-Authenticate".into()),
                )
                .accepting(["the requirement in AAuth-Requirement only"])
                .saw(describe(response)),
            ));
        }
    }
    Ok(Outcome::Pass)
}

/// RES-012: the auth-token challenge carries a `resource-token` parameter. Under `aauth-11`
/// the request presents a valid person token, earlier profiles the agent token.
async fn auth_token_challenge_has_resource_token(ctx: &CaseContext) -> Step<Outcome> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let token = if ctx.profile().has_person_tokens() {
        ctx.world
            .mint_person_token(&agent, &ctx.target.identifier, None)
    } else {
        agent.agent_token.clone()
    };
    let request = sign(ctx, &agent, ctx.request("GET", &path), &token, None)?;
    let response = send(ctx, &request).await?;
    let expect = Expect::Challenge {
        status: 401,
        requirement: "auth-token",
    };
    let verdict = judge(&expect, &response, ctx.role());
    if verdict != Outcome::Pass {
        return Ok(verdict);
    }
    let parsed = response
        .header("aauth-requirement")
        .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok());
    let has_token = parsed
        .and_then(|r| r.resource_token)
        .is_some_and(|t| t.split('.').count() == 3);
    if has_token {
        Ok(Outcome::Pass)
    } else {
        Ok(Outcome::Fail(
            Failure::new(
                Role::Resource,
                Mismatch::Other(
                    "requirement=auth-token carries no resource-token parameter holding a JWT"
                        .into(),
                ),
            )
            .accepting(["requirement=auth-token; resource-token=\"<jwt>\""])
            .saw(describe(&response)),
        ))
    }
}

/// The challenge cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.challenge.unsigned-gets-agent-token",
        "Sends an unsigned request to the identity path",
        "RES-001",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        unsigned_gets_agent_token
    ),
    res_case!(
        "res.challenge.never-in-www-authenticate",
        "Sends an unsigned request and an agent-token request to the auth path",
        "RES-025",
        MustNot,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        never_www_authenticate
    ),
    res_case!(
        "res.challenge.auth-token-carries-resource-token",
        "Sends a request without an auth token to the auth path",
        "RES-012",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        auth_token_challenge_has_resource_token
    ),
];
