//! Request-level attacks (requirements §4 A3–A8): each stimulus is an attacker's move, and
//! each case cites the catalogue row whose check defends against it.

use aauth_harness::defect::RequestDefect;
use aauth_harness::message::{Fields, Request};
use aauth_harness::role::agent::jwt_member;
use aauth_harness::role::Role;

use super::verification::{built_case, defect_case};
use crate::case::{profiles, roles, Case};
use crate::context::CaseContext;
use crate::judge::Expect;
use crate::outcome::HarnessError;
use crate::probe::Probe;

/// Where agents present their own tokens.
const AGENT_FACING: &[Role] = &[Role::Resource, Role::PersonServer];

const INVALID_SIGNATURE: Expect = Expect::SignatureRejected {
    codes: &["invalid_signature"],
    alternatives: &[],
};
const INVALID_INPUT: Expect = Expect::SignatureRejected {
    codes: &["invalid_input"],
    alternatives: &[],
};

/// A request correctly signed for another path of the same server, sent to the real one.
fn signed_for_other_path(_ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
    let mut signed_for = probe.clone();
    let real = probe.spec.request.path.clone();
    signed_for.spec.request.path = "/zz-elsewhere".into();
    let mut request = signed_for.sign(None)?;
    request.path = real;
    Ok(request)
}

/// A request correctly signed for another host, sent to the target under its own name.
fn signed_for_other_host(_ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
    let mut signed_for = probe.clone();
    let real = probe.spec.request.authority.clone();
    signed_for.spec.request.authority = format!("other-{real}");
    if signed_for.spec.request.has_header("host") {
        signed_for
            .spec
            .request
            .set_header("Host", format!("other-{real}"));
    }
    let mut request = signed_for.sign(None)?;
    request.authority = real.clone();
    if request.has_header("host") {
        request.set_header("Host", real);
    }
    Ok(request)
}

/// A second agent token for the same key, as an attacker holding a broader credential would
/// have.
fn another_token(ctx: &CaseContext, probe: &Probe) -> Result<String, HarnessError> {
    let agent = probe
        .agent
        .as_ref()
        .ok_or_else(|| HarnessError::Unsupported("no agent signs at this role".into()))?;
    let ap = ctx.world.ap();
    let mut request = ap.request("swap", &agent.public_key());
    request.ps = agent.ps.clone().or(request.ps);
    Ok(ap.mint(&request).token)
}

/// Signed with one token in `Signature-Key`, then that token swapped for another bound to
/// the same key.
fn swapped_token(ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
    let other = another_token(ctx, probe)?;
    let mut request = probe.sign(None)?;
    request.set_header(
        "Signature-Key",
        format!("{}={}", probe.spec.label, jwt_member(&other)),
    );
    Ok(request)
}

/// A second `Signature-Key` field line for the same label, carrying another token.
fn appended_other_token(ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
    let other = another_token(ctx, probe)?;
    let mut request = probe.sign(None)?;
    request.append_header(
        "Signature-Key",
        format!("{}={}", probe.spec.label, jwt_member(&other)),
    );
    Ok(request)
}

/// The request-level attack cases.
pub const CASES: &[Case<CaseContext>] = cases! {
    "attack.replay.cross-path" => "Sends a request signed for another path of the same server",
        "SIG-015", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| built_case(ctx, signed_for_other_path, Expect::Refused);
    "attack.cross-host" => "Sends a request signed for another host to the target under its own name",
        "SIG-015", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| built_case(ctx, signed_for_other_host, Expect::Refused);
    "attack.key-substitution.swap-jwt" => "Replaces the signed Signature-Key token with another token bound to the same key",
        "SIG-015", Must, AGENT_FACING, profiles::ALL, &[],
        |ctx| built_case(ctx, swapped_token, INVALID_SIGNATURE);
    "attack.duplicate-signature-key" => "Appends a second Signature-Key field for the same label carrying another token",
        "SIG-015", Must, AGENT_FACING, profiles::ALL, &[],
        |ctx| built_case(ctx, appended_other_token, Expect::Refused);
    "attack.duplicate-signature-key.repeated" => "Appends a copy of the Signature-Key field line after signing",
        "SIG-015", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| defect_case(ctx, RequestDefect::DuplicateSignatureKey, Expect::Refused);
    "attack.too-few-components" => "Sends a signature covering only signature-key, replayable at any method, host and path",
        "SIG-002", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| defect_case(ctx, RequestDefect::CoverOnly(vec!["signature-key".into()]), INVALID_INPUT);
    "attack.alg-confusion.signature-input-alg" => "Sends a valid Ed25519 signature with alg=\"rsa-pss-sha512\" in Signature-Input",
        "SIG-010", Must, roles::VERIFIERS, profiles::FROM_10, &[],
        |ctx| defect_case(ctx, RequestDefect::AlgParam("rsa-pss-sha512".into()), Expect::SignatureAccepted);
};
