//! `{#ps-as-federation}`: four-party redemption through the PS under test. The harness
//! mints a resource token as the World's resource addressed to an access server (the
//! World's AS, or a lying AS that only the built-in PS target trusts), the agent redeems it
//! at the PS, and the case reads what the AS received and what the agent got back.

use aauth_harness::jose::claims::TokenClaims;
use aauth_harness::message::{Fields, Request};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::unverified_claims;
use aauth_harness::transcript::Exchange;
use aauth_harness::world::{
    lying_access_server_identifier, target_person_server_identifier, Party,
};
use serde_json::{json, Value};

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{self, body_member, fail, precondition_skip, redeemable};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::outcome::Outcome;

/// What one federated redemption left behind: the agent's answer and the PS→AS request.
struct Federated {
    response: aauth_harness::message::Response,
    forwarded: Option<Exchange>,
}

/// Redeems a resource token addressed to `access_server` at the PS under test and finds the
/// request the PS sent the AS carrying it.
async fn federate(ctx: &CaseContext, access_server: &str) -> Result<Federated, Box<Outcome>> {
    let agent = ctx.agent();
    let mut rt = match redeemable(ctx, &agent, &json!({}), "read").await {
        Ok(Ok(rt)) => rt,
        Ok(Err(o)) => return Err(Box::new(o)),
        Err(e) => return Err(Box::new(Outcome::Error(e))),
    };
    rt.aud = access_server.to_string();
    let token = ps_flow::mint_resource_token(ctx, &rt.to_map());
    let mark = ctx.world.host().transcript().mark();
    let response = match ps_flow::redeem(ctx, &agent, &token).await {
        Ok(r) => r,
        Err(e) => return Err(Box::new(Outcome::Error(e))),
    };
    let authority = access_server.trim_start_matches("https://");
    let forwarded = ctx
        .world
        .host()
        .transcript()
        .since(mark)
        .into_iter()
        .find(|x| {
            x.request.authority == authority
                && x.request.method == "POST"
                && String::from_utf8_lossy(&x.request.body).contains(&token)
        });
    Ok(Federated {
        response,
        forwarded,
    })
}

/// The federation request, or the skip when the PS never reached the AS and refused.
fn forwarded_or_skip(f: &Federated) -> Result<&Request, Box<Outcome>> {
    match &f.forwarded {
        Some(x) => Ok(&x.request),
        None if f.response.status == 200 => Err(Box::new(fail(
            aauth_harness::role::Role::PersonServer,
            "the PS answered a resource token addressed to an AS without asking that AS".into(),
        ))),
        None => Err(Box::new(precondition_skip(
            "redeeming a resource token addressed to the World's AS",
            &f.response,
        ))),
    }
}

/// PS-014: a resource token addressed to an AS is sent on to that AS.
async fn forwards_to_as(ctx: &CaseContext) -> Outcome {
    let f = match federate(ctx, &Party::AccessServer.identifier()).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    let request = match forwarded_or_skip(&f) {
        Ok(r) => r,
        Err(o) => return *o,
    };
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    for member in ["resource_token", "agent_token"] {
        if body.get(member).and_then(Value::as_str).is_none() {
            return fail(
                ctx.role(),
                format!("the PS's request to the AS carries no {member}"),
            );
        }
    }
    Outcome::Pass
}

/// PS-015: the PS→AS request is signed by the PS and, under -11, covers `content-type` and
/// `content-digest`.
async fn signed_by_ps(ctx: &CaseContext) -> Outcome {
    let f = match federate(ctx, &Party::AccessServer.identifier()).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    let request = match forwarded_or_skip(&f) {
        Ok(r) => r,
        Err(o) => return *o,
    };
    let (Some(input), Some(key)) = (
        request.header("signature-input"),
        request.header("signature-key"),
    ) else {
        return fail(
            ctx.role(),
            "the PS's request to the AS is not signed".into(),
        );
    };
    if request.header("signature").is_none() {
        return fail(
            ctx.role(),
            "the PS's request to the AS has no Signature".into(),
        );
    }
    let host = ctx.target.identifier.trim_start_matches("https://");
    if !key.contains(host) {
        return fail(
            ctx.role(),
            format!("the Signature-Key does not point at the PS ({key})"),
        );
    }
    if ctx.profile() == Profile::Aauth11 {
        for component in ["\"content-type\"", "\"content-digest\""] {
            if !input.contains(component) {
                return fail(
                    ctx.role(),
                    format!("the signature does not cover {component} ({input})"),
                );
            }
        }
    }
    Outcome::Pass
}

/// PS-016: the token the agent receives is the one the AS issued, and it checks out.
async fn relays_as_token(ctx: &CaseContext) -> Outcome {
    let f = match federate(ctx, &Party::AccessServer.identifier()).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    if let Err(o) = forwarded_or_skip(&f) {
        return *o;
    }
    let issued = f
        .forwarded
        .as_ref()
        .and_then(|x| x.response.as_ref())
        .and_then(|r| body_member(r, "auth_token"));
    let Some(issued) = issued else {
        return Outcome::Skip("the World's AS did not issue a token directly".into());
    };
    match body_member(&f.response, "auth_token") {
        Some(got) if f.response.status == 200 && got == issued => Outcome::Pass,
        Some(_) if f.response.status == 200 => fail(
            ctx.role(),
            "the agent received a different token than the AS issued".into(),
        ),
        _ => precondition_skip(
            "relaying a valid auth token from the World's AS",
            &f.response,
        ),
    }
}

/// PS-016: an AS that issues a token for the wrong audience is not relayed.
async fn wrong_aud_not_relayed(ctx: &CaseContext) -> Outcome {
    if ctx.target.identifier != target_person_server_identifier() {
        return Outcome::Skip(
            "only the built-in PS target federates with the harness's lying AS".into(),
        );
    }
    let lying = lying_access_server_identifier();
    let f = match federate(ctx, &lying).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    if f.forwarded.is_none() {
        return precondition_skip(
            "redeeming a resource token addressed to the lying AS",
            &f.response,
        );
    }
    match body_member(&f.response, "auth_token") {
        Some(token) => {
            let aud = unverified_claims(&token)
                .and_then(|c| c.get("aud").and_then(Value::as_str).map(str::to_string));
            fail(
                ctx.role(),
                format!("the PS relayed an AS auth token whose aud is {aud:?}, not the resource"),
            )
        }
        None => Outcome::Pass,
    }
}

/// The four-party cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.federation.forwards-to-as",
        "Redeems a resource token whose aud is the World's access server",
        "PS-014",
        Must,
        profiles::FROM_10,
        forwards_to_as
    ),
    case!(
        "ps.federation.request-signed",
        "Redeems a resource token for the World's AS and inspects the PS's request there",
        "PS-015",
        Must,
        profiles::FROM_10,
        signed_by_ps
    ),
    case!(
        "ps.federation.relays-issued-token",
        "Redeems a resource token for the World's AS and compares the returned auth token",
        "PS-016",
        Must,
        profiles::FROM_10,
        relays_as_token
    ),
    case!(
        "ps.federation.wrong-aud-not-relayed",
        "Redeems a resource token for an AS that issues auth tokens for the wrong audience",
        "PS-016",
        Must,
        profiles::FROM_10,
        wrong_aud_not_relayed
    ),
];
