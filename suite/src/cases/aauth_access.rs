//! `{#aauth-access}`: session tokens from `AAuth-Access`. A session token is worth nothing
//! without a signature covering `authorization` by the agent it was issued to, and the
//! `Authorization: AAuth` credential must be a single clean token.

use aauth_harness::defect::RequestDefect;
use aauth_harness::message::{Fields, Request};
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::wire::aauth_access::SessionToken;

use crate::capability::Capability;
use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{
    auth_path, not_served, require_served, res_case, send, served_flow, sign, Step,
};
use crate::context::CaseContext;
use crate::outcome::Outcome;

const NEEDS: &[Capability] = &[Capability::SESSION_TOKEN];

/// A served flow's session token, shown to work when signed properly by its agent.
async fn session(ctx: &CaseContext) -> Step<(HarnessAgent, String, SessionToken)> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let result = served_flow(ctx, &agent).await?;
    let Some(token) = result.credentials.session_token else {
        return Err(Outcome::Skip(
            "precondition failed: the served answer carried no AAuth-Access session token".into(),
        ));
    };
    let request = with_session(ctx, &path, &token.authorization_value());
    let request = sign(ctx, &agent, request, &agent.agent_token, None)?;
    require_served(ctx, &request, "the session token signed by its agent").await?;
    Ok((agent, path, token))
}

fn with_session(ctx: &CaseContext, path: &str, value: &str) -> Request {
    ctx.request("GET", path).with_header("Authorization", value)
}

/// RES-017: the session token replayed without any signature.
async fn bearer_unsigned(ctx: &CaseContext) -> Step<Outcome> {
    let (_, path, token) = session(ctx).await?;
    let response = send(ctx, &with_session(ctx, &path, &token.authorization_value())).await?;
    Ok(not_served(ctx, &response))
}

/// RES-017: signed by its agent, but `authorization` not covered.
async fn authorization_not_covered(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, token) = session(ctx).await?;
    let request = with_session(ctx, &path, &token.authorization_value());
    let defect = RequestDefect::OmitComponent("authorization".into());
    let request = sign(ctx, &agent, request, &agent.agent_token, Some(&defect))?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// RES-017: signed properly, by another agent.
async fn other_agent(ctx: &CaseContext) -> Step<Outcome> {
    let (_, path, token) = session(ctx).await?;
    let thief = ctx.agent();
    let request = with_session(ctx, &path, &token.authorization_value());
    let request = sign(ctx, &thief, request, &thief.agent_token, None)?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// RES-018: `Authorization: AAuth <token> extra`.
async fn two_credentials_in_one_field(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, token) = session(ctx).await?;
    let value = format!("{} extra", token.authorization_value());
    let request = sign(
        ctx,
        &agent,
        with_session(ctx, &path, &value),
        &agent.agent_token,
        None,
    )?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// RES-018: two `Authorization` fields.
async fn two_authorization_fields(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, token) = session(ctx).await?;
    let mut request = with_session(ctx, &path, &token.authorization_value());
    request.append_header("Authorization", token.authorization_value());
    let request = sign(ctx, &agent, request, &agent.agent_token, None)?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// RES-018: `Authorization: AAuth` with no token at all, beside a working session.
async fn empty_credential(ctx: &CaseContext) -> Step<Outcome> {
    let (agent, path, _) = session(ctx).await?;
    let request = sign(
        ctx,
        &agent,
        with_session(ctx, &path, "AAuth "),
        &agent.agent_token,
        None,
    )?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// The session-token cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.session.bearer-unsigned",
        "Replays a session token in Authorization: AAuth without any signature",
        "RES-017",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        bearer_unsigned
    ),
    res_case!(
        "res.session.authorization-not-covered",
        "Sends the session token signed by its agent without covering authorization",
        "RES-017",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        authorization_not_covered
    ),
    res_case!(
        "res.session.other-agent",
        "Sends the session token signed by another agent",
        "RES-017",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        other_agent
    ),
    res_case!(
        "res.session.two-tokens-one-field",
        "Sends Authorization: AAuth with a second token after a space",
        "RES-018",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        two_credentials_in_one_field
    ),
    res_case!(
        "res.session.two-authorization-fields",
        "Sends the session token in two Authorization fields",
        "RES-018",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        two_authorization_fields
    ),
    res_case!(
        "res.session.empty-credential",
        "Sends Authorization: AAuth with no token",
        "RES-018",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        NEEDS,
        empty_credential
    ),
];
