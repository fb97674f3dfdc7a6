//! `{#ps-token-endpoint}`: an agent redeems a resource token at its person server. The
//! harness plays the agent and the resource (it mints resource tokens as the World's
//! resource, addressed to the PS under test and citing a person token that PS really
//! issued under -11). Each case changes one claim and expects a refusal, or checks the
//! three-party auth token the PS issues.

use aauth_harness::jose::claims::TokenClaims;
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::unverified_claims;
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::{json, Value};

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{
    self, agent_exp, body_member, exp_within, fail, precondition_skip, redeem_claims, redeemable,
    short_lived_agent,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::{attempt, step};

/// The issued auth token of a redemption, or the skip when the PS refused the valid one.
fn issued(response: &aauth_harness::message::Response) -> Result<String, Box<Outcome>> {
    match body_member(response, "auth_token") {
        Some(token) if response.status == 200 => Ok(token),
        _ => Err(Box::new(precondition_skip(
            "redeeming a valid resource token",
            response,
        ))),
    }
}

/// PS-017: the valid redemption yields an auth token for the resource, bound to the agent.
async fn three_party_issued(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let rt = step!(redeemable(ctx, &agent, &json!({}), "read").await);
    let response = attempt!(redeem_claims(ctx, &agent, &rt).await);
    let outcome = judge(&Expect::Served, &response, ctx.role());
    if outcome != Outcome::Pass {
        return outcome;
    }
    let Some(claims) = body_member(&response, "auth_token").and_then(|t| unverified_claims(&t))
    else {
        return fail(
            Role::PersonServer,
            "no decodable auth_token in the answer".into(),
        );
    };
    let aud = claims.get("aud").and_then(Value::as_str);
    if aud != Some(Party::Resource.identifier().as_str()) {
        return fail(
            Role::PersonServer,
            format!("aud is {aud:?}, not the resource"),
        );
    }
    Outcome::Pass
}

/// PS-017: the auth token never outlives the presenting agent token.
async fn auth_token_capped(ctx: &CaseContext) -> Outcome {
    let agent = short_lived_agent(ctx);
    let Some(cap) = agent_exp(&agent) else {
        return Outcome::Error(HarnessError::Config("short agent token without exp".into()));
    };
    let rt = step!(redeemable(ctx, &agent, &json!({}), "read").await);
    let response = attempt!(redeem_claims(ctx, &agent, &rt).await);
    let token = match issued(&response) {
        Ok(t) => t,
        Err(o) => return *o,
    };
    exp_within(&token, cap, "the auth token", Role::PersonServer)
}

/// PS-017: the scope granted is the resource token's, not everything consented before.
async fn scope_not_broadened(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let first = step!(redeemable(ctx, &agent, &json!({}), "read").await);
    let response = attempt!(redeem_claims(ctx, &agent, &first).await);
    if let Err(o) = issued(&response) {
        return *o;
    }
    let mut second = step!(redeemable(ctx, &agent, &json!({}), "write").await);
    second.scope = Some("write".into());
    let response = attempt!(redeem_claims(ctx, &agent, &second).await);
    let token = match issued(&response) {
        Ok(t) => t,
        Err(o) => return *o,
    };
    let scope = unverified_claims(&token)
        .and_then(|c| c.get("scope").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    if scope.split(' ').all(|s| s == "write") {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!("asked for scope \"write\" and was granted \"{scope}\""),
        )
    }
}

/// A valid redemption with one change to the resource token: must be refused.
async fn altered(
    ctx: &CaseContext,
    change: fn(&CaseContext, &mut aauth_harness::jose::claims::ResourceClaims),
    expect: Expect,
) -> Outcome {
    let agent = ctx.agent();
    let mut rt = step!(redeemable(ctx, &agent, &json!({}), "read").await);
    change(ctx, &mut rt);
    let response = attempt!(redeem_claims(ctx, &agent, &rt).await);
    judge(&expect, &response, ctx.role())
}

async fn agent_jkt_other_key(ctx: &CaseContext) -> Outcome {
    altered(
        ctx,
        |ctx, rt| rt.agent_jkt = ctx.agent().thumbprint(),
        Expect::Refused,
    )
    .await
}

async fn aud_other_ps(ctx: &CaseContext) -> Outcome {
    altered(
        ctx,
        |_, rt| rt.aud = Party::EvilPersonServer.identifier(),
        Expect::Refused,
    )
    .await
}

async fn unknown_presented_jti(ctx: &CaseContext) -> Outcome {
    altered(
        ctx,
        |_, rt| rt.presented_jti = Some("pt-never-issued-by-anyone".into()),
        Expect::Problem {
            status: 400,
            codes: &["unknown_person_token"],
        },
    )
    .await
}

async fn sub_changed(ctx: &CaseContext) -> Outcome {
    altered(
        ctx,
        |_, rt| rt.sub = Some("someone-else".into()),
        Expect::Refused,
    )
    .await
}

/// PS-020: a sub-agent redeeming on its own is refused (under -10 the token endpoint is
/// its only way in; under -11 the person-token endpoint case covers the first step).
async fn subagent_redeems(ctx: &CaseContext) -> Outcome {
    let parent = ctx.agent();
    let sub = ps_flow::sub_agent(ctx, &parent);
    let rt = if ctx.profile() == Profile::Aauth11 {
        // The parent's person token, presented by the sub-agent's key.
        let token = step!(ps_flow::person_token(ctx, &parent, &json!({})).await);
        ps_flow::resource_claims(ctx, &sub, Some(&token), "read")
    } else {
        ps_flow::resource_claims(ctx, &sub, None, "read")
    };
    let response = attempt!(redeem_claims(ctx, &sub, &rt).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// PS-002: a token the PS issued itself (a person token under -11, an auth token under -10)
/// presented as the request's credential instead of an agent token is refused.
async fn issued_token_as_credential(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (path, body, credential) = if ctx.profile() == Profile::Aauth11 {
        let token = step!(ps_flow::person_token(ctx, &agent, &json!({})).await);
        let path =
            attempt!(ps_flow::endpoint(ctx, "aauth-person.json", "person_token_endpoint").await);
        let body = ps_flow::with_hints(ctx, json!({ "resource": Party::Resource.identifier() }));
        (path, body, token)
    } else {
        let rt = step!(redeemable(ctx, &agent, &json!({}), "read").await);
        let response = attempt!(redeem_claims(ctx, &agent, &rt).await);
        let token = match issued(&response) {
            Ok(t) => t,
            Err(o) => return *o,
        };
        let again = ps_flow::resource_claims(ctx, &agent, None, "read");
        let minted = ps_flow::mint_resource_token(ctx, &again.to_map());
        let path = attempt!(ps_flow::ps_token_path(ctx).await);
        let body = ps_flow::with_hints(ctx, json!({ "resource_token": minted }));
        (path, body, token)
    };
    let response = attempt!(ps_flow::post_as_agent(ctx, &agent, &credential, &path, &body).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// The token-endpoint cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.token.three-party-issued",
        "Redeems a valid resource token addressed to the PS",
        "PS-017",
        Must,
        profiles::FROM_10,
        three_party_issued
    ),
    case!(
        "ps.token.capped-by-agent-token",
        "Redeems a resource token presenting an agent token that expires in ten minutes",
        "PS-017",
        Must,
        profiles::FROM_10,
        auth_token_capped
    ),
    case!(
        "ps.token.scope-not-broadened",
        "Redeems scope read, then a resource token for scope write only",
        "PS-017",
        Must,
        profiles::FROM_10,
        scope_not_broadened
    ),
    case!(
        "ps.token.agent-jkt-other-key",
        "Redeems a resource token whose agent_jkt is another agent's key",
        "PS-011",
        Must,
        profiles::FROM_10,
        agent_jkt_other_key
    ),
    case!(
        "ps.token.aud-other-ps",
        "Redeems a resource token addressed to another person server",
        "PS-011",
        Must,
        profiles::FROM_10,
        aud_other_ps
    ),
    case!(
        "ps.token.unknown-presented-jti",
        "Redeems a resource token whose presented_jti the PS never issued",
        "PS-009",
        Must,
        profiles::ONLY_11,
        unknown_presented_jti
    ),
    case!(
        "ps.token.sub-differs-from-record",
        "Redeems a resource token whose sub differs from the cited person token",
        "PS-012",
        Must,
        profiles::ONLY_11,
        sub_changed
    ),
    case!(
        "ps.token.subagent-signer",
        "Redeems a resource token signed by a sub-agent directly",
        "PS-020",
        Must,
        profiles::FROM_10,
        subagent_redeems
    ),
    case!(
        "ps.token.issued-token-as-credential",
        "Signs a request presenting a token the PS issued (person or auth token) as credential",
        "PS-002",
        Must,
        profiles::FROM_10,
        issued_token_as_credential
    ),
];
