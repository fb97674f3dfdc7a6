//! `{#token-revocation}`: a resource's `revocation_endpoint`. Only the token's issuer (or a
//! person server the resource trusts) may revoke, revocation is keyed by `(iss, jti)`, and a
//! revoked token is refused from then on.

use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::{TokenClaims, TokenKind};
use aauth_harness::message::Response;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::json;

use crate::capability::Capability;
use crate::case::{profiles, roles, Case};
use crate::cases::auth_token_verification::auth_baseline;
use crate::cases::resource_common::{
    endpoint_path, not_served, post_json, require_served, res_case, send, sign, Step,
};
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};

const NEEDS: &[Capability] = &[Capability::REVOCATION];

/// Asks the target to revoke `(iss, jti)`, signed by `caller` as itself.
async fn revoke(ctx: &CaseContext, caller: Party, iss: &str, jti: &str) -> Step<Response> {
    let path = endpoint_path(ctx, "revocation_endpoint").await?;
    let request = post_json(ctx, &path, &json!({ "iss": iss, "jti": jti }));
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::PersonServer);
    let request = ctx
        .world
        .sign_as(caller, request, &sign_ctx)
        .map_err(|e| Outcome::Error(HarnessError::Config(format!("cannot sign: {e}"))))?;
    send(ctx, &request).await
}

/// A served auth token from the harness PS: the agent, the path, the token and its `jti`.
async fn served_token(ctx: &CaseContext) -> Step<(HarnessAgent, String, String, String)> {
    let (agent, path, scope) = auth_baseline(ctx).await?;
    let claims =
        ctx.world
            .auth_token_claims(Party::PersonServer, &agent, &ctx.target.identifier, &scope);
    let jti = claims.jti.clone();
    let token = ctx
        .world
        .mint_from(Party::PersonServer, TokenKind::Auth, &claims.to_map(), None);
    let request = sign(ctx, &agent, ctx.request("GET", &path), &token, None)?;
    require_served(ctx, &request, "the auth token before revocation").await?;
    Ok((agent, path, token, jti))
}

async fn present(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    path: &str,
    token: &str,
) -> Step<Response> {
    let request = sign(ctx, agent, ctx.request("GET", path), token, None)?;
    send(ctx, &request).await
}

/// RES-030: the issuer revokes; `200`, then the token is refused.
async fn issuer_revokes(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, token, jti) = served_token(ctx).await?;
    let answer = revoke(
        ctx,
        Party::PersonServer,
        &Party::PersonServer.identifier(),
        &jti,
    )
    .await?;
    let verdict = judge(&Expect::Served, &answer, ctx.role());
    if verdict != Outcome::Pass {
        return Ok(verdict);
    }
    Ok(not_served(ctx, &present(ctx, &agent, &path, &token).await?))
}

/// RES-030 (A30): a person server that did not issue the token cannot revoke it.
async fn third_party_refused(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, token, jti) = served_token(ctx).await?;
    let answer = revoke(
        ctx,
        Party::EvilPersonServer,
        &Party::PersonServer.identifier(),
        &jti,
    )
    .await?;
    let verdict = judge(&Expect::Refused, &answer, ctx.role());
    if verdict != Outcome::Pass {
        return Ok(verdict);
    }
    let after = present(ctx, &agent, &path, &token).await?;
    Ok(judge(&Expect::Served, &after, ctx.role()))
}

/// RES-030: an unknown `(iss, jti)` is `404`.
async fn unknown_pair(ctx: &CaseContext) -> Step<Outcome> {
    let answer = revoke(
        ctx,
        Party::PersonServer,
        &Party::PersonServer.identifier(),
        "aauth-conform-never-issued",
    )
    .await?;
    if answer.status == 404 {
        Ok(Outcome::Pass)
    } else {
        Ok(Outcome::Fail(
            Failure::new(
                Role::Resource,
                Mismatch::Status {
                    want: vec![404],
                    got: answer.status,
                },
            )
            .accepting(["404"])
            .saw(describe(&answer)),
        ))
    }
}

/// RES-030 (A30): the same `jti` under two issuers; revoking one leaves the other.
async fn keyed_by_issuer_and_jti(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, token, jti) = served_token(ctx).await?;
    let scope = ctx.target.resource.auth_scope.clone().unwrap_or_default();
    let mut other =
        ctx.world
            .auth_token_claims(Party::AccessServer, &agent, &ctx.target.identifier, &scope);
    other.jti = jti.clone();
    let twin = ctx
        .world
        .mint_from(Party::AccessServer, TokenKind::Auth, &other.to_map(), None);
    let twin_request = sign(ctx, &agent, ctx.request("GET", &path), &twin, None)?;
    require_served(ctx, &twin_request, "an AS token sharing the PS token's jti").await?;
    let answer = revoke(
        ctx,
        Party::PersonServer,
        &Party::PersonServer.identifier(),
        &jti,
    )
    .await?;
    let verdict = judge(&Expect::Served, &answer, ctx.role());
    if verdict != Outcome::Pass {
        return Ok(verdict);
    }
    let revoked = not_served(ctx, &present(ctx, &agent, &path, &token).await?);
    if revoked != Outcome::Pass {
        return Ok(revoked);
    }
    Ok(judge(
        &Expect::Served,
        &present(ctx, &agent, &path, &twin).await?,
        ctx.role(),
    ))
}

/// The revocation cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.revocation.issuer-revokes",
        "Revokes a served auth token as its issuer, then presents it again",
        "RES-030",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        issuer_revokes
    ),
    res_case!(
        "res.revocation.third-party-refused",
        "Asks to revoke another issuer's token, signed by an unrelated person server",
        "RES-030",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        third_party_refused
    ),
    res_case!(
        "res.revocation.unknown-pair",
        "Asks to revoke a jti that was never issued",
        "RES-030",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        unknown_pair
    ),
    res_case!(
        "res.revocation.keyed-by-issuer-and-jti",
        "Revokes one of two served tokens from different issuers sharing a jti",
        "RES-030",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        keyed_by_issuer_and_jti
    ),
];
