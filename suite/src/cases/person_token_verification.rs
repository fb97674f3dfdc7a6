//! `{#person-token-verification}` and its neighbours (`{#authorization-endpoint-request}`,
//! `{#resource-tokens}`, `{#person-token-not-authorization}`): under `aauth-11` a resource
//! issues resource tokens only on the strength of a verified person token, verifies that
//! token like any other, and never lets it stand in for an auth token.

use aauth_harness::jose::claims::{TokenClaims, TokenKind};
use aauth_harness::jose::mutate::TokenDefect;
use aauth_harness::message::Fields;
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::AauthRequirement;
use aauth_harness::world::Party;
use serde_json::{json, Value};

use crate::capability::Capability;
use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{
    auth_path, decode_token, endpoint_path, metadata, not_served, post_json, require_served,
    res_case, send, sign, Step,
};
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, Mismatch, Outcome};

/// The scope to ask the authorization endpoint for: the auth path's, else the first one the
/// metadata describes.
pub async fn request_scope(ctx: &CaseContext) -> Step<String> {
    if let Some(scope) = &ctx.target.resource.auth_scope {
        return Ok(scope.clone());
    }
    let meta = metadata(ctx).await?;
    meta.get("scope_descriptions")
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned())
        .ok_or_else(|| Outcome::Skip("no auth_scope knob and no scope_descriptions".into()))
}

/// RES-002: the authorization endpoint challenges a bare agent token for a person token.
async fn authorize_without_person_token(ctx: &CaseContext) -> Step<Outcome> {
    let path = endpoint_path(ctx, "authorization_endpoint").await?;
    let scope = request_scope(ctx).await?;
    let agent = ctx.agent();
    let request = post_json(ctx, &path, &json!({ "scope": scope }));
    let request = sign(ctx, &agent, request, &agent.agent_token, None)?;
    let response = send(ctx, &request).await?;
    Ok(judge(
        &Expect::Challenge {
            status: 401,
            requirement: "person-token",
        },
        &response,
        ctx.role(),
    ))
}

/// RES-003: an agent token alone on the auth path never yields a resource token.
async fn no_resource_token_before_person_token(ctx: &CaseContext) -> Step<Outcome> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let request = sign(
        ctx,
        &agent,
        ctx.request("GET", &path),
        &agent.agent_token,
        None,
    )?;
    let response = send(ctx, &request).await?;
    let leaked = response
        .header("aauth-requirement")
        .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok())
        .is_some_and(|r| r.resource_token.is_some())
        || response
            .body_json()
            .is_some_and(|b| b.get("resource_token").is_some());
    if leaked {
        return Ok(Outcome::Fail(
            Failure::new(
                Role::Resource,
                Mismatch::Other(
                    "a resource token was issued to an agent token without a verified person token"
                        .into(),
                ),
            )
            .accepting(["401 AAuth-Requirement: requirement=person-token"])
            .saw(describe(&response)),
        ));
    }
    Ok(judge(
        &Expect::Challenge {
            status: 401,
            requirement: "person-token",
        },
        &response,
        ctx.role(),
    ))
}

/// Sends a person token with `defect` to the authorization endpoint after the valid one was
/// answered with a resource token.
async fn person_defect(ctx: &CaseContext, defect: TokenDefect) -> Step<Outcome> {
    let path = endpoint_path(ctx, "authorization_endpoint").await?;
    let scope = request_scope(ctx).await?;
    let agent = ctx.agent();
    let body = json!({ "scope": scope });
    let valid = ctx
        .world
        .mint_person_token(&agent, &ctx.target.identifier, None);
    let request = sign(ctx, &agent, post_json(ctx, &path, &body), &valid, None)?;
    require_served(
        ctx,
        &request,
        "a valid person token at the authorization endpoint",
    )
    .await?;
    let bad = ctx
        .world
        .mint_person_token(&agent, &ctx.target.identifier, Some(&defect));
    let request = sign(ctx, &agent, post_json(ctx, &path, &body), &bad, None)?;
    let response = send(ctx, &request).await?;
    Ok(judge(
        &Expect::SignatureRejected {
            codes: &[
                "invalid_jwt",
                "expired_jwt",
                "invalid_signature",
                "invalid_key",
            ],
            alternatives: &[(400, "invalid_person_token"), (401, "invalid_person_token")],
        },
        &response,
        ctx.role(),
    ))
}

async fn person_wrong_audience(ctx: &CaseContext) -> Step<Outcome> {
    person_defect(
        ctx,
        TokenDefect::Aud("https://other-resource.harness.test".into()),
    )
    .await
}

async fn person_expired(ctx: &CaseContext) -> Step<Outcome> {
    person_defect(ctx, TokenDefect::Expired).await
}

async fn person_other_cnf(ctx: &CaseContext) -> Step<Outcome> {
    person_defect(ctx, TokenDefect::CnfOtherKey).await
}

async fn person_wrong_dwk(ctx: &CaseContext) -> Step<Outcome> {
    person_defect(ctx, TokenDefect::Dwk("aauth-agent.json".into())).await
}

/// RES-006: a person token for this resource is not served on the auth path.
async fn person_token_not_auth_token(ctx: &CaseContext) -> Step<Outcome> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let token = ctx
        .world
        .mint_person_token(&agent, &ctx.target.identifier, None);
    let request = sign(ctx, &agent, ctx.request("GET", &path), &token, None)?;
    let response = send(ctx, &request).await?;
    Ok(not_served(ctx, &response))
}

/// RES-005: two person servers asserting the same `sub` are two persons: each resource token
/// names the person server whose person token it rests on.
async fn same_sub_two_issuers(ctx: &CaseContext) -> Step<Outcome> {
    let path = endpoint_path(ctx, "authorization_endpoint").await?;
    let scope = request_scope(ctx).await?;
    let body = json!({ "scope": scope });
    let target = ctx.target.identifier.clone();
    let agent = ctx.agent();
    let trusted = ctx
        .world
        .person_token_claims(Party::PersonServer, &agent, &target);
    let mut evil = ctx
        .world
        .person_token_claims(Party::EvilPersonServer, &agent, &target);
    evil.sub = trusted.sub.clone();
    let mut issued = Vec::new();
    for (party, claims) in [
        (Party::PersonServer, trusted.to_map()),
        (Party::EvilPersonServer, evil.to_map()),
    ] {
        let token = ctx.world.mint_from(party, TokenKind::Person, &claims, None);
        let request = sign(ctx, &agent, post_json(ctx, &path, &body), &token, None)?;
        let response = send(ctx, &request).await?;
        let resource_token = response.body_json().and_then(|b| {
            b.get("resource_token")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        match resource_token {
            Some(t) => issued.push((party, t)),
            // A resource may refuse persons from a PS it does not know: that is separation too.
            None if party == Party::EvilPersonServer => return Ok(Outcome::Pass),
            None => {
                return Err(Outcome::Skip(format!(
                    "precondition failed: no resource token for the trusted person ({})",
                    describe(&response)
                )))
            }
        }
    }
    for (party, token) in &issued {
        let claims = decode_token(token).map(|(_, c)| c).unwrap_or_default();
        let ps = claims.get("ps");
        if ps.and_then(Value::as_str) != Some(party.identifier().as_str()) {
            return Ok(crate::cases::resource_common::claim_fail(
                Role::Resource,
                "ps",
                format!(
                    "{} (the issuer of the person token, not another PS with the same sub)",
                    party.identifier()
                ),
                ps,
            ));
        }
    }
    Ok(Outcome::Pass)
}

/// Cases that need an authorization endpoint issuing resource tokens.
const ISSUES: &[Capability] = &[Capability::RESOURCE_TOKENS];

/// The person-token cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.authorize.agent-token-gets-person-token-challenge",
        "Posts to the authorization endpoint signed with only an agent token",
        "RES-002",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        authorize_without_person_token
    ),
    res_case!(
        "res.resource-token.none-without-person-token",
        "Sends an agent-token request to the auth path with no person token",
        "RES-003",
        MustNot,
        roles::RESOURCE,
        profiles::ONLY_11,
        &[],
        no_resource_token_before_person_token
    ),
    res_case!(
        "res.person-token.wrong-audience",
        "Presents a person token issued for another resource at the authorization endpoint",
        "RES-004",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        person_wrong_audience
    ),
    res_case!(
        "res.person-token.expired",
        "Presents an expired person token at the authorization endpoint",
        "RES-004",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        person_expired
    ),
    res_case!(
        "res.person-token.cnf-other-key",
        "Presents a person token bound to another key at the authorization endpoint",
        "RES-004",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        person_other_cnf
    ),
    res_case!(
        "res.person-token.wrong-dwk",
        "Presents a person token whose dwk names the agent metadata",
        "RES-004",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        person_wrong_dwk
    ),
    res_case!(
        "res.person-token.not-an-auth-token",
        "Presents a valid person token on the path that needs an auth token",
        "RES-006",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        &[],
        person_token_not_auth_token
    ),
    res_case!(
        "res.person-token.same-sub-two-issuers",
        "Presents person tokens from two person servers asserting the same sub",
        "RES-005",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        same_sub_two_issuers
    ),
];
