//! `{#ps-as-federation}`: four-party redemption through the PS under test. The harness
//! mints a resource token as the World's resource addressed to an access server (the
//! World's AS, a lying AS that only the built-in PS target trusts, or one of the World's
//! policy access servers), the agent redeems it at the PS, and the case reads what the AS
//! received and what the agent got back.
//!
//! PS-018 has a case per branch of the PS's deferred loop, each against its own policy AS
//! (`claims-as`, `payment-as`, `approval-as`) so no case changes the AS others share.
//!
//! ERR-002 (§13.6.1): the only sentence that binds a *consumer* of `Signature-Error` names
//! agents ("agents MUST NOT depend on the body"); nothing tells a PS how to react when an AS
//! refuses its signature (no retry is required, no mapping to its answer is given). What a
//! PS does owe its agent is §13.6.1's first rule: a `401` from its own endpoint carries
//! `Signature-Error`. So `ps.federation.as-signature-error` has `sigerror-as` answer the PS
//! `401` with a header and a body that disagree, and fails a PS that hands the agent a `401`
//! without the header, or one whose header repeats the code only the AS's body named. Any
//! other refusal passes. The agent half of the row (an agent acting on the header) needs an
//! agent under test, which the suite does not drive.

use aauth_harness::jose::claims::TokenClaims;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::unverified_claims;
use aauth_harness::transcript::Exchange;
use aauth_harness::wire::aauth_requirement::{AauthRequirement, Requirement};
use aauth_harness::wire::signature_error::SignatureError;
use aauth_harness::world::{
    lying_access_server_identifier, target_person_server_identifier, Party, PolicyAccessServer,
    SIGERROR_BODY_CODE, SIGERROR_HEADER_CODE,
};
use serde_json::{json, Value};

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{self, body_member, fail, precondition_skip, redeemable};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::describe;
use crate::outcome::{HarnessError, Outcome};

/// What one federated redemption left behind: the agent's answer, the PS→AS request, every
/// exchange at that AS since the redemption began, and the resource token's `sub`.
struct Federated {
    response: aauth_harness::message::Response,
    forwarded: Option<Exchange>,
    at_as: Vec<Exchange>,
    rt_sub: Option<String>,
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
    let at_as: Vec<Exchange> = ctx
        .world
        .host()
        .transcript()
        .since(mark)
        .into_iter()
        .filter(|x| x.request.authority == authority)
        .collect();
    let forwarded = at_as
        .iter()
        .find(|x| {
            x.request.method == "POST" && String::from_utf8_lossy(&x.request.body).contains(&token)
        })
        .cloned();
    Ok(Federated {
        response,
        forwarded,
        at_as,
        rt_sub: rt.sub.clone(),
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

/// The AS's first answer to the PS, or the harness error when the policy AS did not answer.
fn first_answer(f: &Federated) -> Result<(&Exchange, &Response), Box<Outcome>> {
    let exchange = f
        .forwarded
        .as_ref()
        .ok_or_else(|| Box::new(Outcome::Skip("the PS did not reach the AS".into())))?;
    let response = exchange.response.as_ref().ok_or_else(|| {
        Box::new(Outcome::Error(HarnessError::Config(
            "the harness policy AS did not answer the PS".into(),
        )))
    })?;
    Ok((exchange, response))
}

/// The request-target of a `Location` value at `access_server` (absolute or relative).
fn location_path(access_server: &str, response: &Response) -> Option<String> {
    let location = response.header("location")?;
    Some(
        location
            .strip_prefix(access_server)
            .unwrap_or(&location)
            .to_string(),
    )
}

/// The PS's first request to `path` at the AS after the exchange numbered `after`.
fn follow_up<'a>(f: &'a Federated, after: u64, path: &str) -> Option<&'a Exchange> {
    f.at_as
        .iter()
        .find(|x| x.seq > after && x.request.path == path)
}

/// Why a follow-up request at the AS is not signed by the PS, if it is not.
fn unsigned(exchange: &Exchange, what: &str) -> Option<String> {
    let r = &exchange.request;
    for header in ["signature-input", "signature", "signature-key"] {
        if r.header(header).is_none() {
            return Some(format!("the {what} has no {header} header"));
        }
    }
    match &exchange.response {
        Some(answer) if answer.status == 401 => Some(format!(
            "the AS refused the signature on the {what} ({})",
            describe(answer)
        )),
        _ => None,
    }
}

/// The last step: the agent holds the token the AS issued in answer to `exchange`.
fn relayed_after(ctx: &CaseContext, f: &Federated, exchange: &Exchange, step: &str) -> Outcome {
    let issued = exchange
        .response
        .as_ref()
        .filter(|r| r.status == 200)
        .and_then(|r| body_member(r, "auth_token"));
    let Some(issued) = issued else {
        return Outcome::Error(HarnessError::Config(format!(
            "the harness policy AS did not issue after the {step}"
        )));
    };
    match body_member(&f.response, "auth_token") {
        Some(got) if f.response.status == 200 && got == issued => Outcome::Pass,
        _ => fail(
            ctx.role(),
            format!(
                "after the {step} the AS issued a token, but the agent got {}",
                describe(&f.response)
            ),
        ),
    }
}

/// PS-018: the AS's `202 requirement=claims` is answered by a signed POST to `Location`
/// carrying the directed `sub`, and the token the AS then issues reaches the agent.
async fn claims_posted(ctx: &CaseContext) -> Outcome {
    let access_server = PolicyAccessServer::Claims.identifier();
    let f = match federate(ctx, &access_server).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    if let Err(o) = forwarded_or_skip(&f) {
        return *o;
    }
    let (first, answer) = match first_answer(&f) {
        Ok(x) => x,
        Err(o) => return *o,
    };
    let asks_claims = answer
        .header("aauth-requirement")
        .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok())
        .is_some_and(|r| r.requirement == Requirement::CLAIMS);
    let Some(path) = location_path(&access_server, answer).filter(|_| asks_claims) else {
        return Outcome::Error(HarnessError::Config(format!(
            "the harness claims AS did not ask for claims ({})",
            describe(answer)
        )));
    };
    let Some(post) = follow_up(&f, first.seq, &path).filter(|x| x.request.method == "POST") else {
        return fail(
            ctx.role(),
            format!(
                "the PS did not POST claims to the Location of the AS's 202 requirement=claims \
                 (the agent got {})",
                describe(&f.response)
            ),
        );
    };
    if let Some(reason) = unsigned(post, "claims POST") {
        return fail(ctx.role(), reason);
    }
    let body: Value = serde_json::from_slice(&post.request.body).unwrap_or(Value::Null);
    let sub = body.get("sub").and_then(Value::as_str).unwrap_or_default();
    if sub.is_empty() {
        return fail(
            ctx.role(),
            format!("the claims POSTed to the AS carry no directed sub ({body})"),
        );
    }
    if ctx.profile() == Profile::Aauth11 && f.rt_sub.as_deref() != Some(sub) {
        return fail(
            ctx.role(),
            format!(
                "the claims' sub {sub:?} is not the directed sub {:?} the resource token carries",
                f.rt_sub
            ),
        );
    }
    relayed_after(ctx, &f, post, "claims POST")
}

/// PS-018, `402`: the PS settles (nothing to do for the harness's scripted billing), polls
/// the `402`'s `Location` signed, and hands the agent the token that poll yields.
async fn payment_followed(ctx: &CaseContext) -> Outcome {
    let access_server = PolicyAccessServer::Payment.identifier();
    let f = match federate(ctx, &access_server).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    if let Err(o) = forwarded_or_skip(&f) {
        return *o;
    }
    let (first, answer) = match first_answer(&f) {
        Ok(x) => x,
        Err(o) => return *o,
    };
    if answer.status == 200 {
        return Outcome::Skip(
            "the payment AS did not ask this PS for payment (billing was already settled in this run)"
                .into(),
        );
    }
    let Some(path) = location_path(&access_server, answer).filter(|_| answer.status == 402) else {
        return Outcome::Error(HarnessError::Config(format!(
            "the harness payment AS did not answer 402 ({})",
            describe(answer)
        )));
    };
    let Some(poll) = follow_up(&f, first.seq, &path) else {
        return fail(
            ctx.role(),
            format!(
                "the PS did not poll the Location of the AS's 402 (the agent got {})",
                describe(&f.response)
            ),
        );
    };
    if let Some(reason) = unsigned(poll, "poll after payment") {
        return fail(ctx.role(), reason);
    }
    relayed_after(ctx, &f, poll, "poll after payment")
}

/// PS-018, other `202`s: a `202 requirement=approval` is polled at its `Location` until the
/// AS issues, and the agent gets that token.
async fn approval_polled(ctx: &CaseContext) -> Outcome {
    let access_server = PolicyAccessServer::Approval.identifier();
    let f = match federate(ctx, &access_server).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    if let Err(o) = forwarded_or_skip(&f) {
        return *o;
    }
    let (first, answer) = match first_answer(&f) {
        Ok(x) => x,
        Err(o) => return *o,
    };
    let Some(path) = location_path(&access_server, answer).filter(|_| answer.status == 202) else {
        return Outcome::Error(HarnessError::Config(format!(
            "the harness approval AS did not answer 202 ({})",
            describe(answer)
        )));
    };
    let Some(poll) = follow_up(&f, first.seq, &path) else {
        return fail(
            ctx.role(),
            format!(
                "the PS did not poll the Location of the AS's 202 requirement=approval (the agent got {})",
                describe(&f.response)
            ),
        );
    };
    if let Some(reason) = unsigned(poll, "poll of the approval") {
        return fail(ctx.role(), reason);
    }
    relayed_after(ctx, &f, poll, "poll of the approval")
}

/// ERR-002: the AS refuses the PS's signature with a header and a body that disagree; a
/// `401` the PS gives its agent must carry `Signature-Error`, never one taken from the body.
async fn as_signature_error(ctx: &CaseContext) -> Outcome {
    let access_server = PolicyAccessServer::SignatureRefusal.identifier();
    let f = match federate(ctx, &access_server).await {
        Ok(f) => f,
        Err(o) => return *o,
    };
    if let Err(o) = forwarded_or_skip(&f) {
        return *o;
    }
    let r = &f.response;
    if r.status != 401 {
        return Outcome::Pass;
    }
    match r
        .header("signature-error")
        .map(|v| SignatureError::parse(v.as_bytes()))
    {
        None => fail(
            ctx.role(),
            "the PS answered its agent 401 without Signature-Error after the AS refused the \
             PS's signature: the agent is left with a body it must not rely on"
                .into(),
        ),
        Some(Ok(e)) if e.error.as_str() == SIGERROR_BODY_CODE => fail(
            ctx.role(),
            format!(
                "the PS's Signature-Error says {SIGERROR_BODY_CODE}, which only the AS's body \
                 said (the AS's header said {SIGERROR_HEADER_CODE})"
            ),
        ),
        Some(_) => Outcome::Pass,
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
    case!(
        "ps.federation.claims-posted",
        "Redeems a resource token for an AS that answers 202 requirement=claims",
        "PS-018",
        Must,
        profiles::FROM_10,
        claims_posted
    ),
    case!(
        "ps.federation.payment-followed",
        "Redeems a resource token for an AS that answers 402 with a Location",
        "PS-018",
        Must,
        profiles::FROM_10,
        payment_followed
    ),
    case!(
        "ps.federation.approval-polled",
        "Redeems a resource token for an AS that answers 202 requirement=approval",
        "PS-018",
        Must,
        profiles::FROM_10,
        approval_polled
    ),
    case!(
        "ps.federation.as-signature-error",
        "Redeems a resource token for an AS that refuses the PS's signature with 401, a Signature-Error header and a contradicting body",
        "ERR-002",
        Must,
        profiles::FROM_10,
        as_signature_error
    ),
];
