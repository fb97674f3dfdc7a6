//! `{#jwks-discovery}`: how a verifier gets an agent provider's keys. Each case points the
//! target at one of the World's odd agent providers ([`OddProvider`]), which serve a fixed
//! unusual document, so the shared trusted AP is never switched under parallel cases.
//!
//! The kid flood counts the JWKS fetches the provider's host sees: a provider per verifying
//! role keeps each target's count its own.
//!
//! The refresh cases (TOK-013) rotate a provider's keys after the target has fetched them and
//! need the target's once-a-minute refetch floor to have passed before the rotated token
//! arrives. Each uses a provider of its own ([`OddProvider::RotateResource`], ...), so the
//! target's first fetch of its keys is the case's own. A built-in target's floor is waited
//! out for that issuer alone ([`aauth_harness::world::World::backdate_target_keys`]), in no
//! time; a real target's only in real time, so against one the cases run only with
//! `run --slow` and are skipped, saying so, otherwise.

use aauth_harness::jose::mutate::TokenDefect;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use aauth_harness::wire::metadata::{AGENT_DWK, JWKS_PATH};
use aauth_harness::world::OddProvider;
use serde_json::{json, Map};

use crate::capability::Capability;
use std::time::Duration;

use aauth_harness::jose::Alg;
use aauth_harness::verify::REFETCH_FLOOR;

use crate::case::{profiles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::agent_token::{
    agent_token, agent_token_from, token_case, token_cases, Presented, AGENT_TOKEN_VERIFIERS,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{describe, Expect};
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};
use crate::probe::{self, passed_verification};
use crate::target::TargetSpec;

/// A valid token for the agent's key from `which`, signed by the agent.
pub fn from_odd(ctx: &CaseContext, agent: &HarnessAgent, which: OddProvider) -> Presented {
    Presented::token(agent_token_from(
        ctx.world.odd_ap(which),
        agent,
        None,
        Map::new(),
    ))
}

fn no_alg(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    from_odd(ctx, a, OddProvider::NoAlg)
}
fn extra_keys(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    from_odd(ctx, a, OddProvider::ExtraKeys)
}
fn redirecting(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    from_odd(ctx, a, OddProvider::Redirecting)
}
fn iss_loopback(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(agent_token(
        ctx,
        a,
        TokenDefect::Iss("https://127.0.0.1".into()),
    ))
}
fn iss_metadata_address(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(agent_token(
        ctx,
        a,
        TokenDefect::Iss("https://169.254.169.254".into()),
    ))
}
fn iss_private(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(agent_token(
        ctx,
        a,
        TokenDefect::Iss("https://10.0.0.1".into()),
    ))
}

const UNUSABLE_KEY: Expect = Expect::SignatureRejected {
    codes: &[
        "invalid_jwt",
        "invalid_key",
        "unknown_key",
        "unsupported_algorithm",
    ],
    alternatives: &[(400, "invalid_agent_token")],
};

/// The token cases over odd providers.
pub const CASES: &[Case<CaseContext>] = token_cases! {
    "jwks.key.alg-missing" => "Presents a token signed by a key the provider's JWKS lists without alg",
        "TOK-009", Must, AGENT_TOKEN_VERIFIERS, profiles::FROM_10, no_alg, UNUSABLE_KEY;
    "jwks.members.unusable-others" => "Presents a token from a provider whose JWKS also holds unusable members",
        "TOK-011", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, extra_keys, Expect::SignatureAccepted;
};

/// Issuers naming addresses a verifier must not fetch from; external targets must declare
/// they can tell them from the harness's own names.
pub const EGRESS: &[Case<CaseContext>] = token_cases! {
    needs: &[Capability::EGRESS_CONTROL];
    "jwks.egress.iss-loopback" => "Presents a token whose iss is https://127.0.0.1",
        "TOK-015", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_loopback, Expect::Refused;
    "jwks.egress.iss-link-local" => "Presents a token whose iss is the link-local metadata address 169.254.169.254",
        "TOK-015", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_metadata_address, Expect::Refused;
    "jwks.egress.iss-private" => "Presents a token whose iss is the private address 10.0.0.1",
        "TOK-015", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_private, Expect::Refused;
};

/// The provider whose JWKS counter is the flood case's alone at this role.
fn flood_provider(role: Role) -> Option<OddProvider> {
    match role {
        Role::Resource => Some(OddProvider::FloodResource),
        Role::PersonServer => Some(OddProvider::FloodPersonServer),
        _ => None,
    }
}

/// Tokens the flood presents, each under a kid nobody published.
const FLOOD: usize = 20;

/// TOK-012: one valid token (the first fetch), then [`FLOOD`] tokens with fresh unknown
/// kids; the provider's JWKS may be fetched at most once more.
async fn kid_flood(ctx: &CaseContext) -> Outcome {
    let Some(which) = flood_provider(ctx.role()) else {
        return Outcome::Error(HarnessError::Unsupported(format!(
            "no flood provider for the {} role",
            ctx.role()
        )));
    };
    let agent = ctx.agent();
    let probe = match probe::probe_for(ctx, agent.clone()).await {
        Ok(p) => p,
        Err(e) => return Outcome::Error(e),
    };
    let ap = ctx.world.odd_ap(which);
    let host = ctx.world.host();
    let before = host.hits(which.name(), JWKS_PATH);
    let valid = agent_token_from(ap, &agent, None, Map::new());
    let first = match send_presenting(ctx, &probe, &valid).await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    if !passed_verification(&first) {
        return Outcome::Skip(format!(
            "precondition failed: a valid token from {} was refused ({})",
            which.identifier(),
            describe(&first)
        ));
    }
    let local = crate::cases::agent_token::local_of(&agent).to_string();
    for i in 0..FLOOD {
        let mut request = ap.request(&local, &agent.key.public_key());
        request.ps = agent.ps.clone().or(request.ps);
        request.defect = Some(TokenDefect::SetHeader(
            "kid".into(),
            json!(format!("flood-{local}-{i}")),
        ));
        let token = ap.mint(&request).token;
        match send_presenting(ctx, &probe, &token).await {
            Ok(r) if passed_verification(&r) => {
                return Outcome::Fail(
                    Failure::new(
                        ctx.role(),
                        Mismatch::Other(format!(
                        "a token under the unpublished kid flood-{local}-{i} passed verification"
                    )),
                    )
                    .accepting(vec![
                        "a refusal of a token under an unpublished kid".to_string()
                    ])
                    .saw(describe(&r)),
                )
            }
            Ok(_) => {}
            Err(e) => return Outcome::Error(e),
        }
    }
    let fetches = host.hits(which.name(), JWKS_PATH).saturating_sub(before);
    if fetches <= 2 {
        Outcome::Pass
    } else {
        Outcome::Fail(
            Failure::new(
                ctx.role(),
                Mismatch::Other(format!(
                    "{FLOOD} tokens with unknown kids caused {fetches} JWKS fetches (the first fetch included)"
                )),
            )
            .accepting(vec!["at most 2 fetches: the first and one refresh".to_string()])
            .saw(format!("{fetches} fetches")),
        )
    }
}

async fn send_presenting(
    ctx: &CaseContext,
    probe: &probe::Probe,
    token: &str,
) -> Result<aauth_harness::message::Response, HarnessError> {
    let request = probe.clone().presenting(token).sign(None)?;
    ctx.send(&request).await
}

/// TOK-015: the provider's metadata redirects to another host; the verifier must refuse
/// without following (the redirect target's counter stays put).
async fn metadata_redirect(ctx: &CaseContext) -> Outcome {
    let target = OddProvider::RedirectTarget;
    let path = format!("/.well-known/{AGENT_DWK}");
    let before = ctx.world.host().hits(target.name(), &path);
    let verdict = token_case(ctx, redirecting, Expect::Refused).await;
    let followed = ctx
        .world
        .host()
        .hits(target.name(), &path)
        .saturating_sub(before);
    match verdict {
        Outcome::Pass if followed > 0 => Outcome::Fail(
            Failure::new(
                ctx.role(),
                Mismatch::Other(format!(
                    "the metadata redirect to {} was followed",
                    target.identifier()
                )),
            )
            .accepting(vec!["refused without following the redirect".to_string()])
            .saw(format!("{followed} fetch(es) at the redirect target")),
        ),
        other => other,
    }
}

/// The provider a refresh case rotates at this role: its keys are that case's alone.
fn refresh_provider(role: Role, rekey: bool) -> Option<OddProvider> {
    match (role, rekey) {
        (Role::Resource, false) => Some(OddProvider::RotateResource),
        (Role::PersonServer, false) => Some(OddProvider::RotatePersonServer),
        (Role::Resource, true) => Some(OddProvider::RekeyResource),
        (Role::PersonServer, true) => Some(OddProvider::RekeyPersonServer),
        _ => None,
    }
}

/// Real time a real target is given for its refetch floor to pass.
const FLOOR_WAIT: Duration = Duration::from_secs(REFETCH_FLOOR.unsigned_abs() + 2);

/// TOK-013: a valid token from a fresh provider (the target fetches its keys), the floor
/// waited out, then the provider publishes a key under a new `kid` (`rekey`: new key
/// material under the old `kid`) and a token signed with it is presented. It must pass
/// verification after exactly one more fetch of the provider's JWKS.
async fn refresh_after_rotation(ctx: &CaseContext, rekey: bool) -> Outcome {
    let Some(which) = refresh_provider(ctx.role(), rekey) else {
        return Outcome::Error(HarnessError::Unsupported(format!(
            "no rotating provider for the {} role",
            ctx.role()
        )));
    };
    let builtin = matches!(ctx.target.declared.spec, TargetSpec::Builtin { .. });
    if !builtin && !ctx.slow {
        return Outcome::Skip(format!(
            "slow case: a real target's once-a-minute JWKS refetch floor can only be waited out in real time ({} s); run with --slow",
            FLOOR_WAIT.as_secs()
        ));
    }
    let agent = ctx.agent();
    let probe = match probe::probe_for(ctx, agent.clone()).await {
        Ok(p) => p,
        Err(e) => return Outcome::Error(e),
    };
    let ap = ctx.world.odd_ap(which);
    let valid = agent_token_from(ap, &agent, None, Map::new());
    let first = match send_presenting(ctx, &probe, &valid).await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    if !passed_verification(&first) {
        return Outcome::Skip(format!(
            "precondition failed: a valid token from {} was refused ({})",
            which.identifier(),
            describe(&first)
        ));
    }
    if builtin {
        let seconds = REFETCH_FLOOR.saturating_add(1);
        if !ctx
            .world
            .backdate_target_keys(ctx.role(), &which.identifier(), seconds)
        {
            return Outcome::Error(HarnessError::Config(format!(
                "the built-in {} accepted a token from {} without fetching its keys",
                ctx.role(),
                which.identifier()
            )));
        }
    } else {
        tokio::time::sleep(FLOOR_WAIT).await;
    }
    // A kid and key material no earlier run can have published, so a long-lived target's
    // cache cannot already hold them.
    let stamp = ctx.now();
    let kid = if rekey {
        ap.issuer(&Alg::ED25519).kid.clone()
    } else {
        format!("{}-rotated-{stamp}", which.name())
    };
    let host = ctx.world.host();
    let before = host.hits(which.name(), JWKS_PATH);
    let issuer = ap.rotate_key(&kid, &format!("rotated-{stamp}"));
    let local = crate::cases::agent_token::local_of(&agent).to_string();
    let mut order = ap.request(&local, &agent.key.public_key());
    order.ps = agent.ps.clone().or(order.ps);
    let token = ap.mint_signed_by(&order, &issuer).token;
    let response = match send_presenting(ctx, &probe, &token).await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    let fetches = host.hits(which.name(), JWKS_PATH).saturating_sub(before);
    let change = if rekey {
        format!("new key material under the kid {kid} it had already fetched")
    } else {
        format!("a key under the new kid {kid}")
    };
    let wanted = vec!["accepted after exactly one refresh of the JWKS".to_string()];
    let failure = |what: String| {
        Outcome::Fail(
            Failure::new(ctx.role(), Mismatch::Other(what))
                .accepting(wanted.clone())
                .saw(format!("{}; {fetches} JWKS fetch(es)", describe(&response))),
        )
    };
    match (passed_verification(&response), fetches) {
        (true, 1) => Outcome::Pass,
        (false, 0) => failure(format!(
            "{} published {change} more than a minute after the verifier's last fetch; a token signed with it was refused without refreshing the JWKS",
            which.identifier()
        )),
        (false, _) => failure(format!(
            "{} published {change}; the verifier refreshed the JWKS yet refused a token signed with it",
            which.identifier()
        )),
        (true, 0) => failure(format!(
            "a token signed with {change} passed verification although the JWKS publishing that key was never fetched"
        )),
        (true, n) => failure(format!(
            "one token signed with {change} caused {n} JWKS fetches (one refresh expected)"
        )),
    }
}

fn body_unknown_kid<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(refresh_after_rotation(ctx, false))
}

fn body_rekeyed_kid<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(refresh_after_rotation(ctx, true))
}

/// Time a refresh case may take: the real-time wait plus the requests around it.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(REFETCH_FLOOR.unsigned_abs() + 60);

fn body_flood<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(kid_flood(ctx))
}

fn body_redirect<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(metadata_redirect(ctx))
}

/// The flood and redirect cases.
pub const FLOWS: &[Case<CaseContext>] = &[
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("jwks.refetch.kid-flood"),
            "Presents 20 tokens with fresh unknown kids from one provider",
            ReqId::from_static("TOK-012"),
            Level::Must,
            AGENT_TOKEN_VERIFIERS,
            profiles::ALL,
        ),
        run: body_flood,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("jwks.egress.metadata-redirect"),
            "Presents a token from a provider whose metadata answers 302 to another host",
            ReqId::from_static("TOK-015"),
            Level::Must,
            AGENT_TOKEN_VERIFIERS,
            profiles::ALL,
        )
        .with_needs(&[Capability::EGRESS_CONTROL]),
        run: body_redirect,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("jwks.refresh.unknown-kid"),
            "Rotates a provider to a new kid after the refetch floor and presents a token under it",
            ReqId::from_static("TOK-013"),
            Level::Should,
            AGENT_TOKEN_VERIFIERS,
            profiles::ALL,
        )
        .with_timeout(REFRESH_TIMEOUT),
        run: body_unknown_kid,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("jwks.refresh.rekeyed-kid"),
            "Re-keys a provider's kid after the refetch floor and presents a token signed with the new key",
            ReqId::from_static("TOK-013"),
            Level::Should,
            AGENT_TOKEN_VERIFIERS,
            profiles::ALL,
        )
        .with_timeout(REFRESH_TIMEOUT),
        run: body_rekeyed_kid,
    },
];
