//! `{#as-token-endpoint}`: a person server asks the access server for an auth token. The
//! harness plays the trusted PS (it signs as `https://ps.harness.test`), the agent (a fresh
//! agent token) and the resource (a resource token addressed to the AS under test).

use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::{ResourceClaims, TokenClaims, TokenKind};
use aauth_harness::message::Fields;
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{unverified_claims, HarnessAgent};
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::{AauthRequirement, Requirement};
use aauth_harness::world::Party;
use serde_json::{json, Value};

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::ps_flow::{
    body_member, cnf_thumbprint, exp_within, fail, precondition_skip, with_body,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::{attempt, probe};

/// Longest lifetime an AS may give an auth token (seconds).
const MAX_LIFETIME: i64 = 3600;

/// The resource token a correct resource issues for `agent`, to be redeemed at the AS by
/// the harness PS.
pub(crate) fn resource_claims(ctx: &CaseContext, agent: &HarnessAgent) -> ResourceClaims {
    resource_claims_scoped(ctx, agent, "read")
}

/// As [`resource_claims`], asking for `scope`.
fn resource_claims_scoped(ctx: &CaseContext, agent: &HarnessAgent, scope: &str) -> ResourceClaims {
    let now = ctx.now();
    let claims = ResourceClaims::new(
        &Party::Resource.identifier(),
        &ctx.target.identifier,
        &format!("rt-as-{}-{now}", agent.thumbprint()),
        &agent.public_key(),
        scope,
        now,
        now.saturating_add(300),
    );
    if ctx.profile() == Profile::Aauth11 {
        let resource = Party::Resource.identifier();
        claims.for_person(
            &Party::PersonServer.identifier(),
            &ctx.world.directed_sub(Party::PersonServer, &resource),
            &format!("pt-as-{}", agent.thumbprint()),
        )
    } else {
        claims.for_agent(&agent.id)
    }
}

/// Sends the PS's request with `body`, signed as the harness PS.
pub(crate) async fn send(
    ctx: &CaseContext,
    body: &Value,
) -> Result<aauth_harness::message::Response, crate::outcome::HarnessError> {
    let probe = with_body(probe::baseline(ctx).await?, body);
    let request = probe.sign(None)?;
    ctx.send(&request).await
}

/// The body a correct PS sends for `agent` with resource-token claims `rt`.
pub(crate) fn body(ctx: &CaseContext, agent: &HarnessAgent, rt: &ResourceClaims) -> Value {
    let token = ctx
        .world
        .mint_from(Party::Resource, TokenKind::Resource, &rt.to_map(), None);
    json!({ "resource_token": token, "agent_token": agent.agent_token })
}

/// Sends the valid request first; returns the skip when even that is not answered with a
/// token.
async fn baseline_issues(
    ctx: &CaseContext,
) -> Result<Option<Outcome>, crate::outcome::HarnessError> {
    let agent = ctx.agent();
    let rt = resource_claims(ctx, &agent);
    let response = send(ctx, &body(ctx, &agent, &rt)).await?;
    if response.status == 200 && body_member(&response, "auth_token").is_some() {
        Ok(None)
    } else {
        Ok(Some(precondition_skip(
            "the valid PS-to-AS token request",
            &response,
        )))
    }
}

/// AS-007: the valid request yields a token for the resource, bound to the agent, living at
/// most an hour and never past the agent token.
async fn issued(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let rt = resource_claims(ctx, &agent);
    let response = attempt!(send(ctx, &body(ctx, &agent, &rt)).await);
    let outcome = judge(&Expect::Served, &response, ctx.role());
    if outcome != Outcome::Pass {
        return outcome;
    }
    let Some(token) = body_member(&response, "auth_token") else {
        return fail(Role::AccessServer, "the answer has no auth_token".into());
    };
    let Some(claims) = unverified_claims(&token) else {
        return fail(Role::AccessServer, "the auth_token is not a JWS".into());
    };
    let aud = claims.get("aud").and_then(Value::as_str);
    if aud != Some(Party::Resource.identifier().as_str()) {
        return fail(
            Role::AccessServer,
            format!("aud is {aud:?}, not the resource"),
        );
    }
    let agent_exp = agent
        .agent_token_claims()
        .and_then(|c| c.get("exp").and_then(Value::as_i64))
        .unwrap_or(i64::MAX);
    let cap = ctx.now().saturating_add(MAX_LIFETIME).min(agent_exp);
    exp_within(&token, cap, "the auth token", Role::AccessServer)
}

/// One change to a valid request; the AS must refuse it.
async fn refused(
    ctx: &CaseContext,
    change: fn(&CaseContext, &HarnessAgent, &mut ResourceClaims, &mut Value),
    expect: Expect,
) -> Outcome {
    match baseline_issues(ctx).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let agent = ctx.agent();
    let mut rt = resource_claims(ctx, &agent);
    let mut extra = json!({});
    change(ctx, &agent, &mut rt, &mut extra);
    let mut request_body = body(ctx, &agent, &rt);
    if let (Some(map), Some(more)) = (request_body.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            if v.is_null() {
                map.remove(k);
            } else {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    let response = attempt!(send(ctx, &request_body).await);
    judge(&expect, &response, ctx.role())
}

async fn ps_claim_other(ctx: &CaseContext) -> Outcome {
    refused(
        ctx,
        |_, _, rt, _| rt.ps = Some(Party::EvilPersonServer.identifier()),
        Expect::Refused,
    )
    .await
}

async fn agent_token_missing(ctx: &CaseContext) -> Outcome {
    refused(
        ctx,
        |_, _, _, extra| extra["agent_token"] = Value::Null,
        Expect::Problem {
            status: 400,
            codes: &["invalid_request"],
        },
    )
    .await
}

async fn agent_jkt_other(ctx: &CaseContext) -> Outcome {
    refused(
        ctx,
        |ctx, _, rt, _| rt.agent_jkt = ctx.agent().thumbprint(),
        Expect::Refused,
    )
    .await
}

async fn aud_other(ctx: &CaseContext) -> Outcome {
    refused(
        ctx,
        |_, _, rt, _| rt.aud = Party::EvilAccessServer.identifier(),
        Expect::Refused,
    )
    .await
}

/// AS-001: the valid body sent without any signature is refused.
async fn unsigned(ctx: &CaseContext) -> Outcome {
    match baseline_issues(ctx).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let agent = ctx.agent();
    let rt = resource_claims(ctx, &agent);
    let probe = attempt!(probe::baseline(ctx).await);
    let request = with_body(probe, &body(ctx, &agent, &rt)).request;
    let response = attempt!(ctx.send(&request).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// AS-001: the valid body signed by the agent itself (its agent token as credential) is
/// refused: only a person server may call.
async fn agent_signed(ctx: &CaseContext) -> Outcome {
    match baseline_issues(ctx).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let agent = ctx.agent();
    let rt = resource_claims(ctx, &agent);
    let probe = attempt!(probe::baseline(ctx).await);
    let request = with_body(probe, &body(ctx, &agent, &rt)).request;
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::AccessServer);
    let signed = match agent.sign(request, &agent.agent_token, &sign_ctx, ctx.now()) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Error(crate::outcome::HarnessError::Config(format!(
                "cannot sign: {e}"
            )))
        }
    };
    let response = attempt!(ctx.send(&signed).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// AS-006: with `subagent_token`, the issued token is bound to the sub-agent's key.
async fn subagent_bound(ctx: &CaseContext) -> Outcome {
    match baseline_issues(ctx).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let parent = ctx.agent();
    let sub = crate::cases::ps_flow::sub_agent(ctx, &parent);
    let rt = resource_claims(ctx, &sub);
    let mut request_body = body(ctx, &parent, &rt);
    request_body["subagent_token"] = json!(sub.agent_token);
    let response = attempt!(send(ctx, &request_body).await);
    let Some(token) = body_member(&response, "auth_token").filter(|_| response.status == 200)
    else {
        return precondition_skip("a sub-agent token request", &response);
    };
    let bound = cnf_thumbprint(&token);
    if bound.as_deref() == Some(sub.thumbprint().as_str()) {
        Outcome::Pass
    } else if bound.as_deref() == Some(parent.thumbprint().as_str()) {
        fail(
            Role::AccessServer,
            "the auth token is bound to the parent agent's key, not the sub-agent's".into(),
        )
    } else {
        fail(
            Role::AccessServer,
            "the auth token's cnf.jwk is not the sub-agent's key".into(),
        )
    }
}

/// Sends a valid token request for a resource token asking for `scope`.
async fn request_with_scope(
    ctx: &CaseContext,
    scope: &str,
) -> Result<aauth_harness::message::Response, crate::outcome::HarnessError> {
    let agent = ctx.agent();
    let rt = resource_claims_scoped(ctx, &agent, scope);
    send(ctx, &body(ctx, &agent, &rt)).await
}

/// AS-008: for the target's `claims_scope` the AS answers `202 requirement=claims` whose
/// body lists `required_claims` (an array of claim names) and which carries the headers of
/// every pending answer.
async fn claims_requirement_listed(ctx: &CaseContext) -> Outcome {
    let Some(scope) = ctx.target.access_server.claims_scope.clone() else {
        return Outcome::Skip(
            "the target file names no [access-server] claims_scope (a scope for which the \
             target asks the PS for claims)"
                .into(),
        );
    };
    let response = attempt!(request_with_scope(ctx, &scope).await);
    let requirement = response
        .header("aauth-requirement")
        .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok());
    let asks_claims = requirement.is_some_and(|r| r.requirement == Requirement::CLAIMS);
    let listed = response
        .body_json()
        .and_then(|b| b.get("required_claims").cloned());
    if response.status != 202 || !asks_claims {
        if response.status == 202 && listed.is_some() {
            return fail(
                Role::AccessServer,
                "a 202 listing required_claims does not say requirement=claims".into(),
            );
        }
        return precondition_skip(
            &format!("asking for claims_scope {scope:?} (expected 202 requirement=claims)"),
            &response,
        );
    }
    match listed {
        Some(Value::Array(names)) if names.iter().all(Value::is_string) => {}
        Some(other) => {
            return fail(
                Role::AccessServer,
                format!("required_claims is not an array of claim names: {other}"),
            )
        }
        None => {
            return fail(
                Role::AccessServer,
                "the 202 requirement=claims body has no required_claims".into(),
            )
        }
    }
    if response
        .header("location")
        .is_none_or(|l| l.trim().is_empty())
    {
        return fail(
            Role::AccessServer,
            "the 202 requirement=claims has no Location to post the claims to".into(),
        );
    }
    if response.header("retry-after").is_none() {
        return fail(
            Role::AccessServer,
            "the 202 requirement=claims has no Retry-After".into(),
        );
    }
    let no_store = response.header("cache-control").is_some_and(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    });
    if !no_store {
        return fail(
            Role::AccessServer,
            "the 202 requirement=claims does not say Cache-Control: no-store".into(),
        );
    }
    Outcome::Pass
}

/// AS-009: for the target's `payment_scope` the AS answers `402`, and the `402` names the
/// `Location` the PS polls once it has paid.
async fn payment_has_location(ctx: &CaseContext) -> Outcome {
    let Some(scope) = ctx.target.access_server.payment_scope.clone() else {
        return Outcome::Skip(
            "the target file names no [access-server] payment_scope (a scope for which the \
             target asks for payment)"
                .into(),
        );
    };
    let response = attempt!(request_with_scope(ctx, &scope).await);
    match response.status {
        402 if response
            .header("location")
            .is_some_and(|l| !l.trim().is_empty()) =>
        {
            Outcome::Pass
        }
        402 => fail(
            Role::AccessServer,
            "the 402 carries no Location for the PS to poll after paying".into(),
        ),
        200 => Outcome::Skip(format!(
            "the target issued a token for payment_scope {scope:?} without asking for payment \
             (billing with the harness PS may already be settled)"
        )),
        _ => precondition_skip(
            &format!("asking for payment_scope {scope:?} (expected 402)"),
            &response,
        ),
    }
}

macro_rules! case {
    ($id:literal, $title:literal, $req:literal, $level:ident, $profiles:expr, $f:ident) => {
        Case {
            meta: CaseMeta::new(
                CaseId::from_static($id),
                $title,
                ReqId::from_static($req),
                Level::$level,
                roles::ACCESS_SERVER,
                $profiles,
            ),
            run: {
                fn body<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
                    Box::pin($f(ctx))
                }
                body
            },
        }
    };
}

/// The AS token-endpoint cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "as.token.issued",
        "Sends a valid PS-signed token request with agent_token and a resource token for the AS",
        "AS-007",
        Must,
        profiles::FROM_10,
        issued
    ),
    case!(
        "as.token.ps-claim-other-ps",
        "Sends a resource token whose ps names another person server than the signer",
        "AS-003",
        Must,
        profiles::ONLY_11,
        ps_claim_other
    ),
    case!(
        "as.token.agent-token-missing",
        "Sends a token request without agent_token",
        "AS-005",
        Must,
        profiles::FROM_10,
        agent_token_missing
    ),
    case!(
        "as.token.agent-jkt-other-key",
        "Sends a resource token whose agent_jkt is not agent_token's cnf key",
        "AS-004",
        Must,
        profiles::FROM_10,
        agent_jkt_other
    ),
    case!(
        "as.token.aud-other-as",
        "Sends a resource token addressed to another access server",
        "AS-002",
        Must,
        profiles::FROM_10,
        aud_other
    ),
    case!(
        "as.token.unsigned",
        "Sends a valid token request body without any HTTP signature",
        "AS-001",
        Must,
        profiles::FROM_10,
        unsigned
    ),
    case!(
        "as.token.agent-signed",
        "Sends a valid token request body signed by the agent with its agent token",
        "AS-001",
        Must,
        profiles::FROM_10,
        agent_signed
    ),
    case!(
        "as.token.subagent-bound",
        "Sends a token request with the parent's agent_token and a subagent_token",
        "AS-006",
        Must,
        profiles::FROM_10,
        subagent_bound
    ),
    case!(
        "as.token.claims-requirement-listed",
        "Sends a valid token request for the scope the target demands claims for",
        "AS-008",
        Must,
        profiles::FROM_10,
        claims_requirement_listed
    ),
    case!(
        "as.token.payment-has-location",
        "Sends a valid token request for the scope the target demands payment for",
        "AS-009",
        Must,
        profiles::FROM_10,
        payment_has_location
    ),
];
