//! `{#verification}` and its neighbours (`{#covered-components}`, `{#freshness-and-replay}`):
//! one valid signed request, one deviation, and the verdict the profile requires, run against
//! every verifying role (resource, person server, access server).
//!
//! Every case first sends the valid baseline: a target that refuses everything cannot pass a
//! negative case by accident (the baseline case reports that refusal as its own failure).

use aauth_harness::defect::{RequestDefect, Tamper};
use aauth_harness::profile::Profile;
use aauth_harness::role::Role;

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::probe;

/// Runs one defect case: baseline precondition, then the defective request, then the verdict.
pub async fn defect_case(ctx: &CaseContext, defect: RequestDefect, expect: Expect) -> Outcome {
    let probe = match probe::baseline(ctx).await {
        Ok(p) => p,
        Err(e) => return Outcome::Error(e),
    };
    match probe::precondition(ctx, &probe).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let request = match probe.sign(Some(&defect)) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => judge(&expect, &response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}

/// The baseline alone must verify.
async fn baseline_accepted(ctx: &CaseContext) -> Outcome {
    let probe = match probe::baseline(ctx).await {
        Ok(p) => p,
        Err(e) => return Outcome::Error(e),
    };
    let request = match probe.sign(None) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => judge(&Expect::SignatureAccepted, &response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}

const INVALID_SIGNATURE: Expect = Expect::SignatureRejected {
    codes: &["invalid_signature"],
    alternatives: &[],
};
const INVALID_INPUT: Expect = Expect::SignatureRejected {
    codes: &["invalid_input"],
    alternatives: &[],
};
const INVALID_REQUEST: Expect = Expect::SignatureRejected {
    codes: &["invalid_request"],
    alternatives: &[],
};

/// Declares data-driven defect cases: id, stimulus, requirement, level, defect, verdict.
macro_rules! defect_cases {
    ($( $id:literal => $title:literal, $req:literal, $level:ident, $profiles:expr, $defect:expr, $expect:expr; )*) => {
        &[ $( Case {
            meta: CaseMeta::new(
                CaseId::from_static($id),
                $title,
                ReqId::from_static($req),
                Level::$level,
                roles::VERIFIERS,
                $profiles,
            ),
            run: {
                fn body<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
                    Box::pin(defect_case(ctx, $defect, $expect))
                }
                body
            },
        }, )* ]
    };
}

fn body_baseline<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(baseline_accepted(ctx))
}

/// The baseline case, then the defect table.
pub const CASES: &[Case<CaseContext>] = &[Case {
    meta: CaseMeta::new(
        CaseId::from_static("sig.baseline.accepted"),
        "Sends a correctly signed request with an Ed25519 key and a valid credential",
        ReqId::from_static("SIG-023"),
        Level::Must,
        roles::VERIFIERS,
        profiles::FROM_10,
    ),
    run: body_baseline,
}];

/// Requests that deviate in exactly one way from the baseline.
pub const DEFECTS: &[Case<CaseContext>] = defect_cases! {
    "sig.created.too-old" => "Sends a signature whose created is 61 seconds old",
        "SIG-007", Must, profiles::ALL, RequestDefect::CreatedSkew(-61), INVALID_SIGNATURE;
    "sig.created.an-hour-old" => "Sends a signature whose created is an hour old",
        "SIG-007", Must, profiles::ALL, RequestDefect::CreatedSkew(-3600), INVALID_SIGNATURE;
    "sig.created.within-window" => "Sends a signature whose created is 30 seconds old",
        "SIG-007", Must, profiles::ALL, RequestDefect::CreatedSkew(-30), Expect::SignatureAccepted;
    "sig.created.far-future" => "Sends a signature whose created is 120 seconds in the future",
        "SIG-008", Must, profiles::ALL, RequestDefect::CreatedSkew(120), Expect::SignatureRejected {
            codes: &["invalid_signature", "clock_skew"], alternatives: &[] };
    "sig.created.missing" => "Sends a Signature-Input without a created parameter",
        "SIG-006", Must, profiles::ALL, RequestDefect::OmitCreated, INVALID_SIGNATURE;
    "sig.expires.past" => "Sends a signature whose expires parameter has passed",
        "SIG-009", Must, profiles::ALL, RequestDefect::Expires(-1), INVALID_SIGNATURE;
    "sig.expires.future-honoured" => "Sends a signature whose expires parameter is 30 seconds ahead",
        "SIG-009", Must, profiles::ALL, RequestDefect::Expires(30), Expect::SignatureAccepted;
    "sig.covered.method-missing" => "Sends a signature that does not cover @method",
        "SIG-002", Must, profiles::ALL, RequestDefect::OmitComponent("@method".into()), INVALID_INPUT;
    "sig.covered.authority-missing" => "Sends a signature that does not cover @authority",
        "SIG-002", Must, profiles::ALL, RequestDefect::OmitComponent("@authority".into()), INVALID_INPUT;
    "sig.covered.path-missing" => "Sends a signature that does not cover @path",
        "SIG-002", Must, profiles::ALL, RequestDefect::OmitComponent("@path".into()), INVALID_INPUT;
    "sig.covered.signature-key-missing" => "Sends a signature that does not cover signature-key",
        "SIG-002", Must, profiles::ALL, RequestDefect::OmitComponent("signature-key".into()), INVALID_INPUT;
    "sig.headers.signature-missing" => "Sends a signed request without its Signature header",
        "SIG-001", Must, profiles::ALL, RequestDefect::OmitHeader("Signature".into()), INVALID_REQUEST;
    "sig.headers.signature-input-missing" => "Sends a signed request without its Signature-Input header",
        "SIG-001", Must, profiles::ALL, RequestDefect::OmitHeader("Signature-Input".into()), INVALID_REQUEST;
    "sig.headers.signature-key-missing" => "Sends a signed request without its Signature-Key header",
        "SIG-001", Must, profiles::ALL, RequestDefect::OmitHeader("Signature-Key".into()), INVALID_REQUEST;
    "sig.alg-param.ignored" => "Sends a valid Ed25519 signature with alg=\"hmac-sha256\" in Signature-Input",
        "SIG-010", Must, profiles::FROM_10, RequestDefect::AlgParam("hmac-sha256".into()), Expect::SignatureAccepted;
    "sig.tamper.path" => "Changes the path after signing",
        "SIG-015", Must, profiles::ALL, RequestDefect::TamperAfterSigning(Tamper::Path), Expect::Refused;
    "sig.tamper.method" => "Changes the method after signing",
        "SIG-015", Must, profiles::ALL, RequestDefect::TamperAfterSigning(Tamper::Method), Expect::Refused;
    "sig.tamper.signature-bit" => "Flips one bit of the signature",
        "SIG-015", Must, profiles::ALL, RequestDefect::TamperAfterSigning(Tamper::SignatureBit), INVALID_SIGNATURE;
    "sig.key.other-key-signs" => "Signs with a key other than the one the credential binds",
        "SIG-015", Must, profiles::ALL, RequestDefect::SignWithOtherKey, INVALID_SIGNATURE;
};

#[allow(dead_code)]
fn _uses(_: Profile, _: Role) {}
