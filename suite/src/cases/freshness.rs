//! `{#freshness-and-replay}`: replays inside and outside the window, and a resource's own
//! advertised `signature_window`.

use aauth_harness::defect::RequestDefect;
use aauth_harness::role::Role;

use super::verification::{defect_case, ready};
use crate::capability::Capability;
use crate::case::{profiles, roles, Case};
use crate::context::CaseContext;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::probe;

const INVALID_SIGNATURE: Expect = Expect::SignatureRejected {
    codes: &["invalid_signature"],
    alternatives: &[],
};

/// The freshness cases.
pub const CASES: &[Case<CaseContext>] = cases! {
    "sig.replay.in-window" => "Sends the same signed request twice within the window (recorded either way)",
        "SIG-024", May, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| replay_in_window(ctx);
    "attack.replay.stale" => "Replays a signed request captured ten minutes ago",
        "SIG-007", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| defect_case(ctx, RequestDefect::CreatedSkew(-600), INVALID_SIGNATURE);
    "sig.created.advertised-window" => "Probes created just outside and just inside the resource's advertised signature_window",
        "SIG-007", Must, roles::RESOURCE, profiles::ALL, &[Capability::SIGNATURE_WINDOW],
        |ctx| advertised_window(ctx);
    "res.signature-window.honoured" => "Probes created 5 s inside and 5 s outside the signature_window the resource publishes",
        "RES-034", Must, roles::RESOURCE, profiles::ALL, &[Capability::SIGNATURE_WINDOW],
        |ctx| advertised_window(ctx);
};

/// An identical request sent again: both answers conform (a replay cache is optional), so
/// the case passes either way; a server error still fails.
async fn replay_in_window(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let request = match probe.sign(None) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    // `ready` already sent these exact bytes once; this is the replay.
    match ctx.send(&request).await {
        Ok(response) => {
            tracing::info!(
                role = %ctx.role(),
                replay_refused = !probe::passed_verification(&response),
                status = response.status,
                "in-window replay observed"
            );
            super::verification::either(&response, ctx.role())
        }
        Err(e) => Outcome::Error(e),
    }
}

/// With `signature_window` W in the resource metadata: `created` W+5 s old is refused,
/// W−5 s old accepted. Skipped when the metadata names no window.
async fn advertised_window(ctx: &CaseContext) -> Outcome {
    if ctx.role() != Role::Resource {
        return Outcome::Skip("only resources advertise signature_window".into());
    }
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let metadata = match probe::target_metadata(ctx, "aauth-resource.json").await {
        Ok(m) => m,
        Err(e) => return Outcome::Error(e),
    };
    let Some(window) = metadata.get("signature_window").and_then(|w| w.as_i64()) else {
        return Outcome::Skip("the resource metadata names no signature_window".into());
    };
    if window <= 5 {
        return Outcome::Skip(format!("signature_window {window} is too small to probe"));
    }
    for (skew, expect) in [
        (-(window + 5), INVALID_SIGNATURE),
        (-(window - 5), Expect::SignatureAccepted),
    ] {
        let request = match probe.sign(Some(&RequestDefect::CreatedSkew(skew))) {
            Ok(r) => r,
            Err(e) => return Outcome::Error(e),
        };
        match ctx.send(&request).await {
            Ok(response) => match judge(&expect, &response, ctx.role()) {
                Outcome::Pass => {}
                other => return other,
            },
            Err(e) => return Outcome::Error(e),
        }
    }
    Outcome::Pass
}
