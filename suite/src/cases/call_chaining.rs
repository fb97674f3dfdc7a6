//! `{#call-chaining}`: a resource that received an auth token calls a downstream resource
//! as an agent, presenting that token as `upstream_token` to the person server (and, in
//! four-party, the PS forwards it to the access server). The harness plays the original
//! agent, the intermediary (`https://mid.harness.test`, a resource that is its own agent
//! provider, so its agent tokens' `iss` is the `aud` of the auth tokens addressed to it)
//! and the downstream resource (the World's resource); the PS or AS is the target.
//!
//! Person-server cases get a real upstream token: the original agent redeems, at the
//! target, a resource token the intermediary minted, so the target itself issued it to the
//! person at the intermediary. Cases that bend the upstream token re-issue those claims
//! as the World's access server (a server the target federates with, so the token is one
//! it may extend), first checking that the unbent re-issue is honoured. Access-server
//! cases get the upstream token from the harness PS, the PS that asks.
//!
//! Not tested: that the upstream token's `cnf` is the intermediary's key. AAuth
//! "Upstream Token Verification" applies auth-token verification, whose step 6 compares
//! `cnf` with the request signer, and "Call Chaining" says the upstream token's `cnf` is
//! the intermediary's key; but the token an intermediary receives was issued to the
//! calling agent and is bound to that agent's key, so a correct server can neither
//! require nor forbid the match.

use std::sync::atomic::{AtomicU64, Ordering};

use aauth_harness::jose::claims::{dwk, ResourceClaims, TokenClaims, TokenKind};
use aauth_harness::jose::mutate::{mint, TokenDefect};
use aauth_harness::jose::Alg;
use aauth_harness::message::Response;
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{unverified_claims, HarnessAgent};
use aauth_harness::role::Role;
use aauth_harness::world::{OddProvider, Party};
use serde_json::{json, Map, Value};

use crate::capability::Capability;
use crate::case::{profiles, roles};
use crate::cases::ps_flow::{
    body_member, fail, mint_resource_token, post_as_agent, precondition_skip, ps_token_path,
    redeem, redeemable, request_person_token, resource_claims, text_claim, with_body, with_hints,
};
use crate::context::CaseContext;
use crate::judge::{judge, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::probe;

/// Every case here needs a target that takes `upstream_token`.
const NEEDS: &[Capability] = &[Capability::CALL_CHAINING];

/// Distinguishes intermediaries (each case gets its own agent identity) and made-up subs.
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// A step of a case: its value, or the outcome the case ends with (boxed: outcomes are
/// large).
type Step<T> = Result<T, Box<Outcome>>;

/// Ends a case with `outcome`.
fn stop(outcome: Outcome) -> Box<Outcome> {
    Box::new(outcome)
}

/// Ends a case with a harness error.
fn broke(error: HarnessError) -> Box<Outcome> {
    stop(Outcome::Error(error))
}

/// Flattens a harness step that may also end in a precondition outcome.
fn flat<T>(result: Result<Result<T, Outcome>, HarnessError>) -> Step<T> {
    result.map_err(broke)?.map_err(stop)
}

/// The outcome of a case written as steps.
fn settle(step: Step<Outcome>) -> Outcome {
    step.unwrap_or_else(|o| *o)
}

/// The intermediary's identifier: `aud` of the upstream token, `iss` of its agent tokens.
fn mid() -> String {
    OddProvider::Intermediary.identifier()
}

/// A fresh agent of the intermediary (its own key, agent token issued by itself).
fn intermediary(ctx: &CaseContext) -> HarnessAgent {
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    let agent = ctx
        .world
        .intermediary()
        .new_agent(&format!("svc-{n}"), &Alg::ED25519);
    ctx.bound(ctx.world.intermediary(), agent)
}

/// How a case bends the upstream token. Each one is re-issued with the valid claims and
/// exactly one change.
#[derive(Clone, Copy, Debug)]
enum Bend {
    /// `exp` five minutes ago.
    Expired,
    /// `iat` an hour ahead.
    IatFuture,
    /// Signed by a key the issuer never published, under its `kid`.
    BadSignature,
    /// Unsecured (`alg` `none`).
    AlgNone,
    /// Header `typ` of a person token.
    PersonTyp,
    /// Addressed to another resource (the World's), not to the intermediary.
    AudOther,
    /// Minted by an issuer nobody trusts, claims otherwise the same.
    UntrustedIssuer,
    /// (-11, PS) Names a person of another PS: `ps` and `sub` from the World's PS.
    OtherPsPerson,
    /// (-11, PS) Names this PS but a `sub` it never issued.
    UnknownSub,
}

impl Bend {
    /// The token defect this bend applies, if it is one.
    fn defect(self) -> Option<TokenDefect> {
        match self {
            Bend::Expired => Some(TokenDefect::Expired),
            Bend::IatFuture => Some(TokenDefect::IatFuture(3600)),
            Bend::BadSignature => Some(TokenDefect::SignWithOtherKey),
            Bend::AlgNone => Some(TokenDefect::AlgNone),
            Bend::PersonTyp => Some(TokenDefect::Typ("aa-person+jwt".into())),
            Bend::AudOther => Some(TokenDefect::Aud(Party::Resource.identifier())),
            _ => None,
        }
    }
}

/// Re-issues upstream `claims` as `party` (its `iss` and `dwk`), bent by `bend` (none: the
/// valid re-issue); `untrusted` issues instead for [`Bend::UntrustedIssuer`].
fn reissue(
    ctx: &CaseContext,
    claims: &Map<String, Value>,
    party: Party,
    untrusted: Party,
    bend: Option<Bend>,
) -> String {
    let issuer = match bend {
        Some(Bend::UntrustedIssuer) => untrusted,
        _ => party,
    };
    let mut claims = claims.clone();
    claims.insert("iss".into(), json!(issuer.identifier()));
    let document = if issuer.role() == Role::AccessServer {
        dwk::ACCESS
    } else {
        dwk::PERSON
    };
    claims.insert("dwk".into(), json!(document));
    match bend {
        Some(Bend::OtherPsPerson) => {
            claims.insert("ps".into(), json!(Party::PersonServer.identifier()));
            claims.insert(
                "sub".into(),
                json!(ctx.world.directed_sub(Party::PersonServer, &mid())),
            );
        }
        Some(Bend::UnknownSub) => {
            let n = SERIAL.fetch_add(1, Ordering::Relaxed);
            claims.insert("sub".into(), json!(format!("never-issued-{n}")));
        }
        _ => {}
    }
    let defect = bend.and_then(Bend::defect);
    ctx.world
        .mint_from(issuer, TokenKind::Auth, &claims, defect.as_ref())
}

// ---- person server ----

/// An auth token the target PS issued to a fresh agent for the resource that minted the
/// resource token: the intermediary (`to_mid`) or the World's resource.
async fn issued_by_target(ctx: &CaseContext, to_mid: bool) -> Step<String> {
    let agent = ctx.agent();
    let extra = if to_mid {
        json!({ "resource": mid() })
    } else {
        json!({})
    };
    let mut rt = flat(redeemable(ctx, &agent, &extra, "read").await)?;
    let token = if to_mid {
        rt.iss = mid();
        let issuer = ctx.world.intermediary().issuer(&Alg::ED25519);
        mint(issuer, TokenKind::Resource, &rt.to_map(), None, ctx.now())
    } else {
        mint_resource_token(ctx, &rt.to_map())
    };
    let response = redeem(ctx, &agent, &token).await.map_err(broke)?;
    match body_member(&response, "auth_token") {
        Some(token) if response.status == 200 => Ok(token),
        _ => Err(stop(precondition_skip(
            "redeeming a resource token for the original agent (the upstream token)",
            &response,
        ))),
    }
}

/// The downstream resource token claims for `intermediary`: under -11 citing
/// `person_token`, under -10 naming the intermediary.
fn downstream_claims(
    ctx: &CaseContext,
    intermediary: &HarnessAgent,
    person_token: Option<&str>,
) -> ResourceClaims {
    resource_claims(ctx, intermediary, person_token, "read")
}

/// Redeems `resource_token` at the target PS as `intermediary`, with `upstream`.
async fn redeem_chained(
    ctx: &CaseContext,
    intermediary: &HarnessAgent,
    resource_token: &str,
    upstream: &str,
) -> Step<Response> {
    let path = ps_token_path(ctx).await.map_err(broke)?;
    let body = with_hints(
        ctx,
        json!({ "resource_token": resource_token, "upstream_token": upstream }),
    );
    post_as_agent(ctx, intermediary, &intermediary.agent_token, &path, &body)
        .await
        .map_err(broke)
}

/// The intermediary's first downstream request with `upstream`: a person token for the
/// World's resource (-11), or the redemption of a resource token naming it (-10).
async fn ask_downstream(
    ctx: &CaseContext,
    intermediary: &HarnessAgent,
    upstream: &str,
) -> Step<Response> {
    if ctx.profile() == Profile::Aauth11 {
        request_person_token(ctx, intermediary, &json!({ "upstream_token": upstream }))
            .await
            .map_err(broke)
    } else {
        let rt = downstream_claims(ctx, intermediary, None);
        let token = mint_resource_token(ctx, &rt.to_map());
        redeem_chained(ctx, intermediary, &token, upstream).await
    }
}

/// The token a downstream answer carries (`person_token` or `auth_token`), or the skip.
fn granted(response: &Response, what: &str) -> Step<String> {
    ["person_token", "auth_token"]
        .into_iter()
        .find_map(|member| body_member(response, member))
        .filter(|_| response.status == 200)
        .ok_or_else(|| stop(precondition_skip(what, response)))
}

/// Whether the target honours a valid chain whose upstream token it issued; returns that
/// token.
async fn ps_chain(ctx: &CaseContext) -> Step<String> {
    let upstream = issued_by_target(ctx, true).await?;
    let response = ask_downstream(ctx, &intermediary(ctx), &upstream).await?;
    granted(
        &response,
        "a valid chained request (upstream token issued by the target)",
    )?;
    Ok(upstream)
}

/// PS-008/PS-023: the valid re-issue by the World's AS is honoured, the `bend`ed one is
/// refused.
async fn ps_bent(ctx: &CaseContext, bend: Bend) -> Outcome {
    settle(ps_bent_step(ctx, bend).await)
}

async fn ps_bent_step(ctx: &CaseContext, bend: Bend) -> Step<Outcome> {
    let upstream = issued_by_target(ctx, true).await?;
    let claims = unverified_claims(&upstream).unwrap_or_default();
    let (trusted, untrusted) = (Party::AccessServer, Party::EvilAccessServer);
    let valid = reissue(ctx, &claims, trusted, untrusted, None);
    let response = ask_downstream(ctx, &intermediary(ctx), &valid).await?;
    granted(
        &response,
        "a chained request whose upstream token the World's access server issued",
    )?;
    let bent = reissue(ctx, &claims, trusted, untrusted, Some(bend));
    let response = ask_downstream(ctx, &intermediary(ctx), &bent).await?;
    Ok(judge(&Expect::Refused, &response, ctx.role()))
}

/// PS-023: an upstream token the target issued, but to the World's resource, presented by
/// the intermediary at its first downstream request.
async fn ps_issued_to_other(ctx: &CaseContext) -> Outcome {
    let step = async {
        ps_chain(ctx).await?;
        let other = issued_by_target(ctx, false).await?;
        let response = ask_downstream(ctx, &intermediary(ctx), &other).await?;
        Ok(judge(&Expect::Refused, &response, ctx.role()))
    };
    settle(step.await)
}

/// PS-023 (-11): the same at the token endpoint, after a valid upstream token got the
/// intermediary its downstream person token.
async fn ps_token_issued_to_other(ctx: &CaseContext) -> Outcome {
    let step = async {
        let upstream = ps_chain(ctx).await?;
        let middle = intermediary(ctx);
        let person_token = granted(
            &ask_downstream(ctx, &middle, &upstream).await?,
            "the downstream person token",
        )?;
        let other = issued_by_target(ctx, false).await?;
        let rt = downstream_claims(ctx, &middle, Some(&person_token));
        let token = mint_resource_token(ctx, &rt.to_map());
        let response = redeem_chained(ctx, &middle, &token, &other).await?;
        Ok(judge(&Expect::Refused, &response, ctx.role()))
    };
    settle(step.await)
}

/// Fails unless `issued` carries a `sub` that is not the upstream token's.
fn sub_not_carried(issued: &str, upstream: &str, what: &str, role: Role) -> Step<String> {
    let upstream_sub = text_claim(upstream, "sub").unwrap_or_default();
    match text_claim(issued, "sub") {
        Some(sub) if sub == upstream_sub => Err(stop(fail(
            role,
            format!(
                "{what} carries the upstream token's sub {sub:?}, directed at the intermediary"
            ),
        ))),
        Some(sub) => Ok(sub),
        None => Err(stop(fail(role, format!("{what} has no sub")))),
    }
}

/// PS-022 (-11): the downstream person token's `sub` is not the upstream token's.
async fn ps_person_token_sub(ctx: &CaseContext) -> Outcome {
    let step = async {
        let upstream = issued_by_target(ctx, true).await?;
        let response = ask_downstream(ctx, &intermediary(ctx), &upstream).await?;
        let person_token = granted(&response, "a valid chained person-token request")?;
        sub_not_carried(
            &person_token,
            &upstream,
            "the downstream person token",
            Role::PersonServer,
        )?;
        Ok(Outcome::Pass)
    };
    settle(step.await)
}

/// PS-022: the downstream auth token's `sub` is not the upstream token's; under -11 it is
/// the downstream person token's.
async fn ps_auth_token_sub(ctx: &CaseContext) -> Outcome {
    let step = async {
        let upstream = issued_by_target(ctx, true).await?;
        let middle = intermediary(ctx);
        let person_token = if ctx.profile() == Profile::Aauth11 {
            let response = ask_downstream(ctx, &middle, &upstream).await?;
            Some(granted(&response, "a valid chained person-token request")?)
        } else {
            None
        };
        let rt = downstream_claims(ctx, &middle, person_token.as_deref());
        let token = mint_resource_token(ctx, &rt.to_map());
        let response = redeem_chained(ctx, &middle, &token, &upstream).await?;
        let auth_token = granted(&response, "a valid chained token request")?;
        let sub = sub_not_carried(
            &auth_token,
            &upstream,
            "the downstream auth token",
            Role::PersonServer,
        )?;
        if let Some(expected) = person_token.as_deref().and_then(|t| text_claim(t, "sub")) {
            if sub != expected {
                return Err(stop(fail(
                    Role::PersonServer,
                    format!(
                        "the downstream auth token's sub {sub:?} is not the downstream person \
                         token's {expected:?}"
                    ),
                )));
            }
        }
        Ok(Outcome::Pass)
    };
    settle(step.await)
}

// ---- access server ----

/// The request a correct PS forwards for `middle` in a chain: a downstream resource token
/// addressed to the AS under test, the intermediary's agent token, and `upstream`.
fn as_body(ctx: &CaseContext, middle: &HarnessAgent, upstream: &str) -> Value {
    let now = ctx.now();
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    let resource = Party::Resource.identifier();
    let claims = ResourceClaims::new(
        &resource,
        &ctx.target.identifier,
        &format!("rt-chain-{n}-{now}"),
        &middle.public_key(),
        "read",
        now,
        now.saturating_add(300),
    );
    let claims = if ctx.profile() == Profile::Aauth11 {
        claims.for_person(
            &Party::PersonServer.identifier(),
            &ctx.world.directed_sub(Party::PersonServer, &resource),
            &format!("pt-chain-{n}"),
        )
    } else {
        claims.for_agent(&middle.id)
    };
    json!({
        "resource_token": mint_resource_token(ctx, &claims.to_map()),
        "agent_token": middle.agent_token,
        "upstream_token": upstream,
    })
}

/// Sends `body` to the AS under test, signed as the World's PS.
async fn as_send(ctx: &CaseContext, body: &Value) -> Step<Response> {
    let send = async {
        let probe = with_body(probe::baseline(ctx).await?, body);
        let request = probe.sign(None)?;
        ctx.send(&request).await
    };
    send.await.map_err(broke)
}

/// The upstream claims the World's PS issued to a fresh agent for the intermediary.
fn as_upstream_claims(ctx: &CaseContext) -> Map<String, Value> {
    ctx.world
        .auth_token_claims(Party::PersonServer, &ctx.agent(), &mid(), "read")
        .to_map()
}

/// Sends a valid chain; returns the upstream token and the issued auth token.
async fn as_chain(ctx: &CaseContext) -> Step<(String, String, Value)> {
    let claims = as_upstream_claims(ctx);
    let upstream = reissue(
        ctx,
        &claims,
        Party::PersonServer,
        Party::EvilPersonServer,
        None,
    );
    let body = as_body(ctx, &intermediary(ctx), &upstream);
    let response = as_send(ctx, &body).await?;
    let issued = granted(&response, "a valid chained PS-to-AS token request")?;
    Ok((upstream, issued, body))
}

/// AS-010: the valid chain is honoured, the `bend`ed upstream token refused.
async fn as_bent(ctx: &CaseContext, bend: Bend) -> Outcome {
    let step = async {
        as_chain(ctx).await?;
        let claims = as_upstream_claims(ctx);
        let bent = reissue(
            ctx,
            &claims,
            Party::PersonServer,
            Party::EvilPersonServer,
            Some(bend),
        );
        let response = as_send(ctx, &as_body(ctx, &intermediary(ctx), &bent)).await?;
        Ok(judge(&Expect::Refused, &response, ctx.role()))
    };
    settle(step.await)
}

/// AS-010: the issued token's `sub` is not the upstream token's; under -11 it is the
/// resource token's.
async fn as_sub_not_copied(ctx: &CaseContext) -> Outcome {
    let step = async {
        let (upstream, issued, body) = as_chain(ctx).await?;
        let issued_sub = text_claim(&issued, "sub");
        if issued_sub.is_some() {
            sub_not_carried(&issued, &upstream, "the auth token", Role::AccessServer)?;
        }
        if ctx.profile() == Profile::Aauth11 {
            let expected = body
                .get("resource_token")
                .and_then(Value::as_str)
                .and_then(|t| text_claim(t, "sub"));
            if issued_sub != expected {
                return Err(stop(fail(
                    Role::AccessServer,
                    format!(
                        "the auth token's sub {issued_sub:?} is not the resource token's \
                         {expected:?}"
                    ),
                )));
            }
        }
        Ok(Outcome::Pass)
    };
    settle(step.await)
}

/// The call-chaining cases.
pub const CASES: &[crate::case::Case<CaseContext>] = cases! {
    "ps.chaining.upstream-other-ps-person" =>
        "Asks for a downstream person token with an upstream token naming another PS's person",
        "PS-008", Must, roles::PERSON_SERVER, profiles::ONLY_11, NEEDS,
        |ctx| ps_bent(ctx, Bend::OtherPsPerson);
    "ps.chaining.upstream-unknown-sub" =>
        "Asks for a downstream person token with an upstream token whose sub the PS never issued",
        "PS-008", Must, roles::PERSON_SERVER, profiles::ONLY_11, NEEDS,
        |ctx| ps_bent(ctx, Bend::UnknownSub);
    "ps.chaining.person-token-sub-not-copied" =>
        "Asks for a downstream person token as an intermediary holding an upstream token",
        "PS-022", MustNot, roles::PERSON_SERVER, profiles::ONLY_11, NEEDS,
        |ctx| ps_person_token_sub(ctx);
    "ps.chaining.auth-token-sub-not-copied" =>
        "Redeems a downstream resource token with an upstream token as an intermediary",
        "PS-022", MustNot, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_auth_token_sub(ctx);
    "ps.chaining.upstream-issued-to-other" =>
        "Presents as upstream token an auth token the PS issued for another resource",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_issued_to_other(ctx);
    "ps.chaining.token-endpoint-upstream-issued-to-other" =>
        "Redeems a downstream resource token with an upstream token issued for another resource",
        "PS-023", Must, roles::PERSON_SERVER, profiles::ONLY_11, NEEDS,
        |ctx| ps_token_issued_to_other(ctx);
    "ps.chaining.upstream-aud-other" =>
        "Sends an upstream token from a federated AS addressed to another resource",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::AudOther);
    "ps.chaining.upstream-untrusted-issuer" =>
        "Sends an upstream token minted by an access server the PS does not federate with",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::UntrustedIssuer);
    "ps.chaining.upstream-expired" =>
        "Sends an upstream token that expired five minutes ago",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::Expired);
    "ps.chaining.upstream-iat-future" =>
        "Sends an upstream token issued an hour in the future",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::IatFuture);
    "ps.chaining.upstream-bad-signature" =>
        "Sends an upstream token signed with a key its issuer never published",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::BadSignature);
    "ps.chaining.upstream-alg-none" =>
        "Sends an unsecured (alg none) upstream token",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::AlgNone);
    "ps.chaining.upstream-person-typ" =>
        "Sends an upstream token whose typ is aa-person+jwt",
        "PS-023", Must, roles::PERSON_SERVER, profiles::FROM_10, NEEDS,
        |ctx| ps_bent(ctx, Bend::PersonTyp);
    "as.chaining.sub-not-copied" =>
        "Forwards a chained token request with an upstream token carrying another sub",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_sub_not_copied(ctx);
    "as.chaining.upstream-aud-other" =>
        "Forwards an upstream token addressed to another resource, not the intermediary",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::AudOther);
    "as.chaining.upstream-untrusted-issuer" =>
        "Forwards an upstream token minted by a PS that is neither the caller nor trusted",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::UntrustedIssuer);
    "as.chaining.upstream-expired" =>
        "Forwards an upstream token that expired five minutes ago",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::Expired);
    "as.chaining.upstream-iat-future" =>
        "Forwards an upstream token issued an hour in the future",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::IatFuture);
    "as.chaining.upstream-bad-signature" =>
        "Forwards an upstream token signed with a key its issuer never published",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::BadSignature);
    "as.chaining.upstream-alg-none" =>
        "Forwards an unsecured (alg none) upstream token",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::AlgNone);
    "as.chaining.upstream-person-typ" =>
        "Forwards an upstream token whose typ is aa-person+jwt",
        "AS-010", Must, roles::ACCESS_SERVER, profiles::FROM_10, NEEDS,
        |ctx| as_bent(ctx, Bend::PersonTyp);
};
