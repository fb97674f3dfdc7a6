//! `{#token-revocation}` at the person server: who may revoke what, and what a revoked
//! agent token is worth afterwards. The harness signs as the trusted agent provider (the
//! issuer of every agent token it plays) or as an agent.

use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::message::Response;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::{json, Value};

use crate::capability::Capability;
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{self, endpoint, precondition_skip};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::{attempt, step};

/// The `jti` of `agent`'s agent token.
fn agent_jti(agent: &HarnessAgent) -> String {
    agent
        .agent_token_claims()
        .and_then(|c| c.get("jti").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}

/// POSTs a revocation of `(iss, jti)` signed by `party` as a server.
async fn revoke_as(
    ctx: &CaseContext,
    party: Party,
    iss: &str,
    jti: &str,
) -> Result<Response, HarnessError> {
    let path = endpoint(ctx, "aauth-person.json", "revocation_endpoint").await?;
    let request = ctx
        .request("POST", &path)
        .with_header("Content-Type", "application/json")
        .with_body(json!({ "iss": iss, "jti": jti }).to_string());
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::PersonServer);
    let signed = ctx
        .world
        .sign_as(party, request, &sign_ctx)
        .map_err(|e| HarnessError::Config(format!("cannot sign: {e}")))?;
    ctx.send(&signed).await
}

/// A request the target serves for `agent` before anything is revoked.
async fn works(
    ctx: &CaseContext,
    agent: &HarnessAgent,
) -> Result<Result<(), Outcome>, HarnessError> {
    match ps_flow::redeemable(ctx, agent, &json!({}), "read").await? {
        Ok(rt) => {
            let response = ps_flow::redeem_claims(ctx, agent, &rt).await?;
            if response.status == 200 {
                Ok(Ok(()))
            } else {
                Ok(Err(precondition_skip(
                    "a token request before revocation",
                    &response,
                )))
            }
        }
        Err(o) => Ok(Err(o)),
    }
}

/// PS-039: once the agent provider revokes an agent token, the PS refuses it.
async fn revoked_agent_token_refused(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    step!(works(ctx, &agent).await);
    let ap = Party::AgentProvider.identifier();
    let response = attempt!(revoke_as(ctx, Party::AgentProvider, &ap, &agent_jti(&agent)).await);
    if response.status != 200 {
        return precondition_skip("the agent provider's revocation", &response);
    }
    let path = attempt!(ps_flow::ps_token_path(ctx).await);
    let rt = ps_flow::resource_claims(ctx, &agent, None, "read");
    let token =
        ps_flow::mint_resource_token(ctx, &aauth_harness::jose::claims::TokenClaims::to_map(&rt));
    let body = ps_flow::with_hints(ctx, json!({ "resource_token": token }));
    let response =
        attempt!(ps_flow::post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// REV-001: an agent signing with its agent token may not revoke anything.
async fn agent_cannot_revoke(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let victim = ctx.agent();
    let path = attempt!(endpoint(ctx, "aauth-person.json", "revocation_endpoint").await);
    let body = json!({ "iss": Party::AgentProvider.identifier(), "jti": agent_jti(&victim) });
    let response =
        attempt!(ps_flow::post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    let outcome = judge(&Expect::Refused, &response, ctx.role());
    if outcome != Outcome::Pass {
        return outcome;
    }
    // The victim's token must still work.
    step!(works(ctx, &victim).await);
    Outcome::Pass
}

/// REV-001: a server may not revoke a token another issuer issued.
async fn other_issuer_denied(ctx: &CaseContext) -> Outcome {
    let victim = ctx.agent();
    let ap = Party::AgentProvider.identifier();
    let response =
        attempt!(revoke_as(ctx, Party::EvilAgentProvider, &ap, &agent_jti(&victim)).await);
    let outcome = judge(&Expect::Refused, &response, ctx.role());
    if outcome != Outcome::Pass {
        return outcome;
    }
    step!(works(ctx, &victim).await);
    Outcome::Pass
}

/// The revocation cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.revocation.revoked-agent-token-refused",
        "Revokes an agent token as its agent provider, then presents it",
        "PS-039",
        Must,
        profiles::FROM_10,
        revoked_agent_token_refused,
        needs & [Capability::REVOCATION]
    ),
    case!(
        "ps.revocation.agent-cannot-revoke",
        "Asks, as an agent, to revoke another agent's token",
        "REV-001",
        Must,
        profiles::FROM_10,
        agent_cannot_revoke,
        needs & [Capability::REVOCATION]
    ),
    case!(
        "ps.revocation.other-issuer-denied",
        "Asks, as another agent provider, to revoke an agent token it did not issue",
        "REV-001",
        Must,
        profiles::FROM_10,
        other_issuer_denied,
        needs & [Capability::REVOCATION]
    ),
];
