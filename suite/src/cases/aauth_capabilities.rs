//! `{#aauth-capabilities}`: a resource ignores capability values and parameters it does not
//! know, so an agent announcing something new never breaks a request.

use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{identity_path, require_served, res_case, send, sign, Step};
use crate::context::CaseContext;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;

/// RES-026: the valid identity request, with an unknown capability (with a parameter) beside
/// a known one.
async fn unknown_capability_ignored(ctx: &CaseContext) -> Step<Outcome> {
    let path = identity_path(ctx)?;
    let agent = ctx.agent();
    let plain = sign(
        ctx,
        &agent,
        ctx.request("GET", &path),
        &agent.agent_token,
        None,
    )?;
    require_served(ctx, &plain, "the valid identity request").await?;
    let request = ctx
        .request("GET", &path)
        .with_header("AAuth-Capabilities", "zz-conform;p=1, interaction");
    let request = sign(ctx, &agent, request, &agent.agent_token, None)?;
    Ok(judge(
        &Expect::Served,
        &send(ctx, &request).await?,
        ctx.role(),
    ))
}

/// The capability cases.
pub const CASES: &[Case<CaseContext>] = &[res_case!(
    "res.capabilities.unknown-ignored",
    "Sends AAuth-Capabilities: zz-conform;p=1, interaction on a valid identity request",
    "RES-026",
    Must,
    roles::RESOURCE,
    profiles::ALL,
    &[],
    unknown_capability_ignored
)];
