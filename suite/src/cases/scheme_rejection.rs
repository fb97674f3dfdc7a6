//! `{#scheme-rejection}` and the label rules of HTTP Signature Keys: which `Signature-Key`
//! member a verifier reads, and how it refuses a scheme it does not take from agents.
//!
//! Scheme rejection runs at the resource and the person server only: the access server's
//! token endpoint is called by a person server signing with `jwks_uri`, so refusing that
//! scheme there would be wrong (requirements §6 G2).

use aauth_harness::defect::RequestDefect;
use aauth_harness::jose::PublicKey;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::role::Role;
use aauth_harness::wire::accept_signature::SCHEME_FIELD;
use base64::Engine as _;

use super::verification::{built_case, defect_case, ready};
use crate::case::{profiles, roles, Case};
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};
use crate::probe::{passed_verification, Probe};

/// Agent-facing verifiers: where only `jwt` is expected from callers.
const AGENT_FACING: &[Role] = &[Role::Resource, Role::PersonServer];

const UNSUPPORTED_SCHEME: Expect = Expect::SignatureRejected {
    codes: &["unsupported_scheme"],
    alternatives: &[],
};

/// The `Signature-Key` member (without label) for `scheme`, filled from the probe's agent so
/// each one is as plausible as the harness can make it.
fn member_for(ctx: &CaseContext, probe: &Probe, scheme: &str) -> String {
    let ap = ctx.world.ap();
    let ap_kid = ap.issuer(&aauth_harness::jose::Alg::ED25519).kid.clone();
    let x = match probe.agent.as_ref().map(|a| a.public_key()) {
        Some(PublicKey::Ed25519(bytes)) => {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        }
        _ => "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs".to_string(),
    };
    let token = probe
        .agent
        .as_ref()
        .map(|a| a.agent_token.clone())
        .unwrap_or_default();
    match scheme {
        "hwk" => format!("hwk;kty=\"OKP\";crv=\"Ed25519\";x=\"{x}\";alg=\"Ed25519\""),
        "jwks_uri" => format!(
            "jwks_uri;id=\"{}\";dwk=\"aauth-agent.json\";kid=\"{ap_kid}\"",
            ap.identifier()
        ),
        "jwks" => format!(
            "jwks;id=\"{}\";dwk=\"aauth-agent.json\";kid=\"{ap_kid}\"",
            ap.identifier()
        ),
        "x509" => format!("x509;x5u=\"{}/agent.pem\";x5t=\"{x}\"", ap.identifier()),
        "jkt-jwt" => format!("jkt-jwt;jwt=\"{token}\""),
        "cached" => "cached;cid=\"x\"".to_string(),
        other => format!("{other};a=\"b\""),
    }
}

/// Signs the verified baseline with the `Signature-Key` member replaced by `scheme`'s.
fn with_scheme(ctx: &CaseContext, probe: &Probe, scheme: &str) -> Result<Request, HarnessError> {
    let mut probe = probe.clone();
    probe.spec.signature_key_member = member_for(ctx, &probe, scheme);
    probe.sign(None)
}

macro_rules! scheme_builder {
    ($name:ident, $scheme:literal) => {
        fn $name(ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
            with_scheme(ctx, probe, $scheme)
        }
    };
}
scheme_builder!(hwk, "hwk");
scheme_builder!(jwks_uri, "jwks_uri");
scheme_builder!(jwks, "jwks");
scheme_builder!(x509, "x509");
scheme_builder!(jkt_jwt, "jkt-jwt");
scheme_builder!(cached, "cached");
scheme_builder!(unknown, "zz-unknown");

/// The baseline with a second member for another label, whose scheme nobody knows.
fn unselected_member(_ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
    let mut probe = probe.clone();
    probe.spec.signature_key_member = format!(
        "{}, other=zz-unknown;a=\"b\"",
        probe.spec.signature_key_member
    );
    probe.sign(None)
}

/// A registered scheme AAuth does not use: `unsupported_scheme` per step 4, or, where the
/// server also serves non-AAuth clients and implements the scheme (scheme-rejection allows
/// that), a refusal from that scheme's own verification. Ambiguity accepted both ways; what
/// must never happen is acceptance or a server error.
const REGISTERED_SCHEME: Expect = Expect::SignatureRejectedAnyCode;

/// The scheme-rejection and label cases.
pub const CASES: &[Case<CaseContext>] = cases! {
    "sig.scheme.hwk-unsupported" => "Sends Signature-Key with scheme hwk (a bare key, no agent token)",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, hwk, REGISTERED_SCHEME);
    "sig.scheme.jwks-uri-unsupported" => "Sends Signature-Key with scheme jwks_uri naming the agent provider's key",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, jwks_uri, REGISTERED_SCHEME);
    "sig.scheme.jwks-unsupported" => "Sends Signature-Key with scheme jwks",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, jwks, REGISTERED_SCHEME);
    "sig.scheme.x509-unsupported" => "Sends Signature-Key with scheme x509",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, x509, REGISTERED_SCHEME);
    "sig.scheme.jkt-jwt-unsupported" => "Sends Signature-Key with scheme jkt-jwt carrying the agent token",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, jkt_jwt, REGISTERED_SCHEME);
    "sig.scheme.cached-unsupported" => "Sends Signature-Key with scheme cached",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, cached, UNSUPPORTED_SCHEME);
    "sig.scheme.unknown-unsupported" => "Sends Signature-Key with the unregistered scheme zz-unknown",
        "SIG-012", Must, AGENT_FACING, profiles::ALL, &[], |ctx| built_case(ctx, unknown, UNSUPPORTED_SCHEME);
    "sig.scheme.rejection-lists-accepted" => "Sends an unsupported scheme and looks for Accept-Signature-Scheme on the refusal",
        "SIG-012", Should, AGENT_FACING, profiles::ALL, &[], |ctx| accept_scheme_sent(ctx);
    "sig.scheme.accept-list-complete" => "Compares Accept-Signature-Scheme with the schemes the target actually accepts",
        "SIG-021", Must, AGENT_FACING, profiles::ALL, &[], |ctx| accept_scheme_complete(ctx);
    "sig.label.unselected-member-ignored" => "Adds a Signature-Key member other=zz-unknown for a label that is not verified",
        "SIG-013", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| built_case(ctx, unselected_member, Expect::SignatureAccepted);
    "sig.label.mismatch" => "Sends Signature-Input for sig and a Signature-Key member only for another label",
        "SIG-014", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| defect_case(ctx, RequestDefect::LabelMismatch, Expect::SignatureRejectedAnyCode);
};

/// Sends the baseline with `scheme`'s member; the response.
async fn send_scheme(ctx: &CaseContext, probe: &Probe, scheme: &str) -> Result<Response, Outcome> {
    let request = with_scheme(ctx, probe, scheme).map_err(Outcome::Error)?;
    ctx.send(&request).await.map_err(Outcome::Error)
}

/// SHOULD: the `unsupported_scheme` refusal names what is accepted.
async fn accept_scheme_sent(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let response = match send_scheme(ctx, &probe, "zz-unknown").await {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    match judge(&UNSUPPORTED_SCHEME, &response, ctx.role()) {
        Outcome::Pass => {}
        _ => {
            return Outcome::Skip(format!(
                "the scheme was not refused with unsupported_scheme ({}); see sig.scheme.unknown-unsupported",
                describe(&response)
            ))
        }
    }
    if response.has_header(SCHEME_FIELD) {
        Outcome::Pass
    } else {
        Outcome::Fail(
            Failure::new(ctx.role(), Mismatch::MissingHeader(SCHEME_FIELD.into()))
                .accepting(["401 unsupported_scheme with Accept-Signature-Scheme"])
                .saw(describe(&response)),
        )
    }
}

/// Every scheme the target lets through must appear in the list it sends on a refusal.
async fn accept_scheme_complete(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let refusal = match send_scheme(ctx, &probe, "zz-unknown").await {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let Some(list) = refusal.header(SCHEME_FIELD) else {
        return Outcome::Skip("the refusal carries no Accept-Signature-Scheme (a SHOULD, judged by sig.scheme.rejection-lists-accepted)".into());
    };
    let listed: Vec<String> = list
        .split(',')
        .map(|s| s.split(';').next().unwrap_or_default().trim().to_string())
        .collect();
    let mut accepted = vec!["jwt".to_string()];
    for scheme in ["hwk", "jwks_uri", "jwks", "x509", "jkt-jwt"] {
        match send_scheme(ctx, &probe, scheme).await {
            Ok(r) if passed_verification(&r) => accepted.push(scheme.to_string()),
            Ok(_) => {}
            Err(outcome) => return outcome,
        }
    }
    let missing: Vec<&String> = accepted.iter().filter(|s| !listed.contains(s)).collect();
    if missing.is_empty() {
        return Outcome::Pass;
    }
    Outcome::Fail(
        Failure::new(
            ctx.role(),
            Mismatch::Other(format!(
                "Accept-Signature-Scheme {list:?} leaves out accepted scheme(s) {missing:?}"
            )),
        )
        .accepting([format!("a list naming {}", accepted.join(", "))])
        .saw(describe(&refusal)),
    )
}
