//! `{#verification}` and its neighbours (`{#covered-components}`, `{#freshness-and-replay}`):
//! one valid signed request, one deviation, and the verdict the profile requires, run against
//! every verifying role (resource, person server, access server).
//!
//! Every case first sends the valid baseline: a target that refuses everything cannot pass a
//! negative case by accident (the baseline case reports that refusal as its own failure).

use aauth_harness::defect::{AuthorityForm, RequestDefect, Tamper};
use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::role::Role;

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::connect::AuthorityMode;
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};
use crate::probe::{self, Probe};

/// Runs one defect case: baseline precondition, then the defective request, then the verdict.
pub async fn defect_case(ctx: &CaseContext, defect: RequestDefect, expect: Expect) -> Outcome {
    if defect == RequestDefect::TamperAfterSigning(Tamper::Authority)
        && ctx.target.authority_mode == AuthorityMode::Identifier
    {
        // Such a target verifies @authority against its configured identifier, not the Host
        // header: a Host changed in transit does not change what it verifies, so the request
        // legitimately still verifies. Cross-host replay is attack.cross-host's to test.
        return Outcome::Skip(
            "the target verifies @authority against its identifier, not the Host header".into(),
        );
    }
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

/// The baseline probe for the role under test, once it has been shown to verify; otherwise
/// the outcome the case must return (a skip when the target refuses the valid request).
pub async fn ready(ctx: &CaseContext) -> Result<Probe, Outcome> {
    let probe = probe::baseline(ctx).await.map_err(Outcome::Error)?;
    match probe::precondition(ctx, &probe).await {
        Ok(None) => Ok(probe),
        Ok(Some(skip)) => Err(skip),
        Err(e) => Err(Outcome::Error(e)),
    }
}

/// Builds a request from the verified baseline with `build`, sends it and judges it.
pub async fn built_case(
    ctx: &CaseContext,
    build: fn(&CaseContext, &Probe) -> Result<Request, HarnessError>,
    expect: Expect,
) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let request = match build(ctx, &probe) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => judge(&expect, &response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}

/// A verdict for deviations the spec lets a verifier accept or refuse: anything but a
/// server error passes.
pub fn either(response: &Response, at_fault: Role) -> Outcome {
    if response.status >= 500 {
        Outcome::Fail(
            Failure::new(
                at_fault,
                Mismatch::Other(format!(
                    "answered {} where either an acceptance or a refusal was allowed",
                    response.status
                )),
            )
            .accepting(["any answer below 500"]),
        )
    } else {
        Outcome::Pass
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
    "sig.tamper.authority" => "Changes the authority (Host) after signing",
        "SIG-015", Must, profiles::ALL, RequestDefect::TamperAfterSigning(Tamper::Authority), Expect::Refused;
    "sig.tamper.signature-key-bytes" => "Inserts a space inside the quoted Signature-Key value after signing",
        "SIG-015", Must, profiles::ALL, RequestDefect::TamperAfterSigning(Tamper::SignatureKeyBytes), Expect::Refused;
    "sig.authority.uppercase-host" => "Sends Host in uppercase while the signature covers the lowercase authority",
        "SIG-025", Must, profiles::ALL, RequestDefect::EquivalentAuthority(AuthorityForm::Uppercase), Expect::SignatureAccepted;
};

/// Body tampering, only meaningful where bodies are digested (PS and AS under aauth-11).
pub const BODY_TAMPER: &[Case<CaseContext>] = cases! {
    "sig.tamper.content-digest" => "Replaces the covered Content-Digest after signing",
        "SIG-015", Must, PS_AND_AS, profiles::ONLY_11, &[],
        |ctx| defect_case(ctx, RequestDefect::TamperAfterSigning(Tamper::ContentDigest), Expect::Refused);
    "sig.authority.explicit-default-port" => "Sends Host with :443 while the signature covers the authority without it",
        "SIG-025", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| default_port_accepted(ctx);
    "sig.keyid.other-key" => "Sends keyid naming the agent provider's key while Signature-Key carries the signer's",
        "SIG-011", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| keyid_naming_other_key(ctx);
    "sig.keyid.names-actual-signer" => "Signs with a resolvable key B, keyid naming B, and Signature-Key carrying key A",
        "SIG-011", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| keyid_names_actual_signer(ctx);
    "sig.failure.status-401-with-header" => "Sends several broken signatures and checks each answer is 401 with Signature-Error",
        "SIG-019", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| failures_are_401(ctx);
    "sig.forbidden.no-signature-headers" => "Sends a valid auth token lacking the needed scope and checks the 403 carries no signature headers",
        "SIG-020", Must, roles::RESOURCE, profiles::FROM_10, &[],
        |ctx| forbidden_without_signature_headers(ctx);
};

/// The person server and the access server: the roles whose requests carry digested bodies.
pub const PS_AND_AS: &[Role] = &[Role::PersonServer, Role::AccessServer];

/// `resource.example:443` normalizes to `resource.example`; skipped when the target's
/// authority already names a port.
async fn default_port_accepted(ctx: &CaseContext) -> Outcome {
    if ctx.target.authority.contains(':') {
        return Outcome::Skip(format!(
            "the target's authority {} already names a port",
            ctx.target.authority
        ));
    }
    defect_case(
        ctx,
        RequestDefect::EquivalentAuthority(AuthorityForm::ExplicitDefaultPort),
        Expect::SignatureAccepted,
    )
    .await
}

/// `keyid` naming a key the target can resolve (the trusted agent provider's): verifying with
/// the `Signature-Key` key or refusing are both allowed (requirements §6 G15); a server
/// error is not.
async fn keyid_naming_other_key(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let kid = ctx
        .world
        .ap()
        .issuer(&aauth_harness::jose::Alg::ED25519)
        .kid
        .clone();
    let request = match probe.sign(Some(&RequestDefect::KeyId(kid))) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => either(&response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}

/// The signature is made by key B (the agent provider's, resolvable by `kid`) and `keyid`
/// names B, but `Signature-Key` conveys A: a verifier that trusts `keyid` would accept it.
async fn keyid_names_actual_signer(ctx: &CaseContext) -> Outcome {
    let mut probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let issuer = ctx.world.ap().issuer(&aauth_harness::jose::Alg::ED25519);
    probe.spec.key = issuer.key.clone();
    let request = match probe.sign(Some(&RequestDefect::KeyId(issuer.kid.clone()))) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => judge(&Expect::Refused, &response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}

/// A sample of signature failures from different verification steps; each must be a `401`
/// carrying `Signature-Error` (the codes are judged by their own cases).
async fn failures_are_401(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let sample = [
        RequestDefect::OmitCreated,
        RequestDefect::CreatedSkew(-3600),
        RequestDefect::OmitComponent("@path".into()),
        RequestDefect::TamperAfterSigning(Tamper::SignatureBit),
        RequestDefect::SignWithOtherKey,
    ];
    for defect in sample {
        let request = match probe.sign(Some(&defect)) {
            Ok(r) => r,
            Err(e) => return Outcome::Error(e),
        };
        let response = match ctx.send(&request).await {
            Ok(r) => r,
            Err(e) => return Outcome::Error(e),
        };
        let mismatch = if response.status != 401 {
            Some(Mismatch::Status {
                want: vec![401],
                got: response.status,
            })
        } else if !response.has_header("signature-error") {
            Some(Mismatch::MissingHeader("Signature-Error".into()))
        } else {
            None
        };
        if let Some(mismatch) = mismatch {
            return Outcome::Fail(
                Failure::new(ctx.role(), mismatch)
                    .accepting(["401 with Signature-Error"])
                    .saw(crate::judge::describe(&response))
                    .detail(format!("stimulus: {}", defect.description())),
            );
        }
    }
    Outcome::Pass
}

/// Headers that belong to signature failures only.
const SIGNATURE_FAILURE_HEADERS: [&str; 3] = [
    "Signature-Error",
    "Accept-Signature-Scheme",
    "Accept-Signature-Alg",
];

/// At the resource's auth path: the token with the needed scope is served (precondition),
/// one with another scope is refused; when that refusal is a `403` it must not look like a
/// signature failure.
async fn forbidden_without_signature_headers(ctx: &CaseContext) -> Outcome {
    let knobs = &ctx.target.resource;
    let (Some(path), Some(scope)) = (knobs.auth_path.clone(), knobs.auth_scope.clone()) else {
        return Outcome::Skip(
            "the target file names no [resource] auth_path and auth_scope".into(),
        );
    };
    let agent = ctx.agent();
    let resource = ctx.target.identifier.clone();
    let sign = |scope: &str| -> Result<Request, HarnessError> {
        let token = ctx.world.mint_auth_token(&agent, &resource, scope, None);
        agent
            .sign(
                ctx.request("GET", &path),
                &token,
                &AauthSignContext::resource(),
                ctx.now(),
            )
            .map_err(|e| HarnessError::Config(format!("cannot sign: {e}")))
    };
    let granted = match sign(&scope) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&granted).await {
        Ok(r) if (200..300).contains(&r.status) => {}
        Ok(r) => {
            return Outcome::Skip(format!(
            "precondition failed: an auth token with scope {scope} was not served at {path} ({})",
            crate::judge::describe(&r)
        ))
        }
        Err(e) => return Outcome::Error(e),
    }
    let denied = match sign("zz.not-granted") {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    let response = match ctx.send(&denied).await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    if response.status != 403 {
        return Outcome::Skip(format!(
            "the target did not answer the unscoped token with 403 ({})",
            crate::judge::describe(&response)
        ));
    }
    for header in SIGNATURE_FAILURE_HEADERS {
        if response.has_header(header) {
            return Outcome::Fail(
                Failure::new(ctx.role(), Mismatch::UnexpectedHeader(header.into()))
                    .accepting(["403 without Signature-Error or Accept-Signature-*"])
                    .saw(crate::judge::describe(&response)),
            );
        }
    }
    Outcome::Pass
}
