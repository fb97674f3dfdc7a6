//! `{#auth-token-verification}` and `{#trust-posture-in-ps-asserted-access}`: the auth tokens a
//! resource accepts. Each case first runs the whole agent flow with a fresh agent (so the
//! resource has sent a resource token to the harness PS for that key) and checks that a
//! correctly minted auth token from that PS is served; only then is one thing changed.

use aauth_harness::jose::claims::{TokenClaims, TokenKind};
use aauth_harness::jose::mutate::TokenDefect;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::world::Party;

use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{
    auth_path, not_served, require_served, res_case, send, served_flow, sign, Step,
};
use crate::context::CaseContext;
use crate::outcome::Outcome;

/// The agent the flow ran for, the auth path and its scope, once a valid minted auth token
/// from the harness PS is served there.
pub async fn auth_baseline(ctx: &CaseContext) -> Step<(HarnessAgent, String, String)> {
    let (path, scope) = auth_path(ctx)?;
    let agent = ctx.agent();
    served_flow(ctx, &agent).await?;
    let token = ctx
        .world
        .mint_auth_token(&agent, &ctx.target.identifier, &scope, None);
    let request = sign(ctx, &agent, ctx.request("GET", &path), &token, None)?;
    require_served(ctx, &request, "a valid auth token from the harness PS").await?;
    Ok((agent, path, scope))
}

/// Presents `token` on the auth path as `agent`; it must not be served.
async fn present_refused(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    path: &str,
    token: &str,
) -> Step<Outcome> {
    let request = sign(ctx, agent, ctx.request("GET", path), token, None)?;
    let response = send(ctx, &request).await?;
    Ok(not_served(ctx, &response))
}

async fn auth_defect(ctx: &CaseContext, defect: TokenDefect) -> Step<Outcome> {
    let (agent, path, scope) = auth_baseline(ctx).await?;
    let token = ctx
        .world
        .mint_auth_token(&agent, &ctx.target.identifier, &scope, Some(&defect));
    present_refused(ctx, &agent, &path, &token).await
}

async fn wrong_audience(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(
        ctx,
        TokenDefect::Aud("https://other-resource.harness.test".into()),
    )
    .await
}

async fn expired(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(ctx, TokenDefect::Expired).await
}

async fn iat_future(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(ctx, TokenDefect::IatFuture(3600)).await
}

async fn wrong_dwk(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(ctx, TokenDefect::Dwk("aauth-agent.json".into())).await
}

async fn cnf_other_key(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(ctx, TokenDefect::CnfOtherKey).await
}

async fn sub_missing(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(ctx, TokenDefect::RemoveClaim("sub".into())).await
}

async fn signed_by_other_key(ctx: &CaseContext) -> Step<Outcome> {
    auth_defect(ctx, TokenDefect::SignWithOtherKey).await
}

/// A perfectly formed auth token for this resource from a rogue issuer (`party`) with its own
/// valid metadata and keys.
pub async fn rogue_issuer(ctx: &CaseContext, party: Party) -> Step<Outcome> {
    let (agent, path, scope) = auth_baseline(ctx).await?;
    let claims = ctx
        .world
        .auth_token_claims(party, &agent, &ctx.target.identifier, &scope);
    let token = ctx
        .world
        .mint_from(party, TokenKind::Auth, &claims.to_map(), None);
    present_refused(ctx, &agent, &path, &token).await
}

async fn rogue_person_server(ctx: &CaseContext) -> Step<Outcome> {
    rogue_issuer(ctx, Party::EvilPersonServer).await
}

/// RES-016: a token whose scope does not include the operation's is not served.
async fn scope_enforced(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, _) = auth_baseline(ctx).await?;
    let token = ctx.world.mint_auth_token(
        &agent,
        &ctx.target.identifier,
        "aauth-conform.unrelated",
        None,
    );
    present_refused(ctx, &agent, &path, &token).await
}

/// Declares an auth-token case on the resource under every profile.
macro_rules! auth_case {
    ($id:literal, $title:literal, $req:literal, $level:ident, $f:path) => {
        res_case!(
            $id,
            $title,
            $req,
            $level,
            roles::RESOURCE,
            profiles::ALL,
            &[],
            $f
        )
    };
}

/// The auth-token cases.
pub const CASES: &[Case<CaseContext>] = &[
    auth_case!(
        "res.auth-token.wrong-audience",
        "Presents an auth token issued for another resource",
        "RES-014",
        Must,
        wrong_audience
    ),
    auth_case!(
        "res.auth-token.expired",
        "Presents an expired auth token",
        "RES-014",
        Must,
        expired
    ),
    auth_case!(
        "res.auth-token.iat-future",
        "Presents an auth token issued an hour in the future",
        "RES-014",
        Must,
        iat_future
    ),
    auth_case!(
        "res.auth-token.wrong-dwk",
        "Presents an auth token whose dwk names the agent metadata",
        "RES-014",
        Must,
        wrong_dwk
    ),
    auth_case!(
        "res.auth-token.cnf-other-key",
        "Presents an auth token bound to another key than the one signing",
        "RES-014",
        Must,
        cnf_other_key
    ),
    // aauth-10 accepts a token with scope and no sub ("at least one of sub or scope").
    res_case!(
        "res.auth-token.sub-missing",
        "Presents an auth token without sub",
        "RES-014",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        &[],
        sub_missing
    ),
    auth_case!(
        "res.auth-token.bad-issuer-signature",
        "Presents an auth token signed with a key the issuer does not publish",
        "RES-014",
        Must,
        signed_by_other_key
    ),
    auth_case!(
        "res.auth-token.rogue-person-server",
        "Presents a well-formed auth token from a person server the resource never sent a resource token to",
        "RES-015",
        Must,
        rogue_person_server
    ),
    auth_case!(
        "res.auth-token.scope-enforced",
        "Presents an auth token whose scope lacks the operation's scope",
        "RES-016",
        Must,
        scope_enforced
    ),
];
