//! `{#signature-algorithms}`: which keys and algorithms a verifier takes from an agent's
//! `cnf.jwk`. The trusted agent provider mints tokens whose bound key is shaped wrongly; the
//! request itself is signed by the agent's real key, so only the key's description is at
//! fault.
//!
//! These run at the resource and the person server, where agents present their own tokens
//! (the access server's caller is a person server signing with `jwks_uri`).

use aauth_harness::jose::claims::{TokenClaims, TokenKind};
use aauth_harness::jose::mutate::{mint, TokenDefect};
use aauth_harness::jose::Alg;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::role::Role;
use aauth_harness::wire::accept_signature::ALG_FIELD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::verification::ready;
use crate::capability::Capability;
use crate::case::{profiles, Case};
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};
use crate::probe::{self, Probe};

/// Where agents present their own tokens.
const AGENT_FACING: &[Role] = &[Role::Resource, Role::PersonServer];

const UNSUPPORTED_ALGORITHM: Expect = Expect::SignatureRejected {
    codes: &["unsupported_algorithm"],
    alternatives: &[],
};
const INVALID_KEY: Expect = Expect::SignatureRejected {
    codes: &["invalid_key"],
    alternatives: &[],
};
const NOT_USABLE: Expect = Expect::SignatureRejected {
    codes: &["unsupported_algorithm", "invalid_key"],
    alternatives: &[],
};

/// A base64url string of `n` bytes, standing in for a coordinate of a curve the harness
/// cannot sign with (the verifier must refuse before it looks at the point).
fn coordinate(n: usize, fill: u8) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(vec![fill; n])
}

/// How the `cnf.jwk` of the agent token differs from the signer's key.
#[derive(Clone, Copy, Debug)]
enum CnfShape {
    /// One [`TokenDefect`] applied by the provider.
    Defect(fn() -> TokenDefect),
    /// A whole replacement JWK.
    Replace(fn() -> Value),
}

/// The baseline presenting an agent token whose `cnf.jwk` has `shape`, signed by the agent.
fn with_cnf(ctx: &CaseContext, probe: &Probe, shape: CnfShape) -> Result<Request, HarnessError> {
    let agent = probe
        .agent
        .as_ref()
        .ok_or_else(|| HarnessError::Unsupported("no agent signs at this role".into()))?;
    let ap = ctx.world.ap();
    let mut order = ap.request("sig-alg", &agent.public_key());
    order.ps = agent.ps.clone().or(order.ps);
    let token = match shape {
        CnfShape::Defect(defect) => {
            order.defect = Some(defect());
            ap.mint(&order).token
        }
        CnfShape::Replace(jwk) => {
            let minted = ap.mint(&order);
            let mut claims = minted.claims.to_map();
            claims.insert("cnf".into(), json!({ "jwk": jwk() }));
            mint(
                ap.issuer(&Alg::ED25519),
                TokenKind::Agent,
                &claims,
                None,
                ctx.now(),
            )
        }
    };
    probe.clone().presenting(&token).sign(None)
}

macro_rules! cnf_builder {
    ($name:ident, $shape:expr) => {
        fn $name(ctx: &CaseContext, probe: &Probe) -> Result<Request, HarnessError> {
            with_cnf(ctx, probe, $shape)
        }
    };
}
cnf_builder!(alg_absent, CnfShape::Defect(|| TokenDefect::JwkAlg(None)));
cnf_builder!(
    alg_eddsa,
    CnfShape::Defect(|| TokenDefect::JwkAlg(Some("EdDSA".into())))
);
cnf_builder!(
    alg_es512,
    CnfShape::Replace(|| json!({
        "kty": "EC", "crv": "P-521", "alg": "ES512",
        "x": coordinate(66, 1), "y": coordinate(66, 2)
    }))
);
cnf_builder!(
    okp_with_es256,
    CnfShape::Defect(|| TokenDefect::JwkAlg(Some("ES256".into())))
);
cnf_builder!(
    p384_with_es256,
    CnfShape::Replace(|| json!({
        "kty": "EC", "crv": "P-384", "alg": "ES256",
        "x": coordinate(48, 3), "y": coordinate(48, 4)
    }))
);
cnf_builder!(
    oct_hs256,
    CnfShape::Replace(|| json!({ "kty": "oct", "alg": "HS256", "k": coordinate(32, 5) }))
);
cnf_builder!(
    alg_none,
    CnfShape::Defect(|| TokenDefect::JwkAlg(Some("none".into())))
);

/// The algorithm cases.
pub const CASES: &[Case<CaseContext>] = cases! {
    "sig.alg.cnf-alg-absent" => "Presents an agent token whose cnf.jwk has no alg",
        "SIG-016", Must, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| super::verification::built_case(ctx, alg_absent, UNSUPPORTED_ALGORITHM);
    "sig.alg.cnf-alg-eddsa" => "Presents an agent token whose cnf.jwk names the polymorphic alg EdDSA",
        "SIG-016", Must, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| super::verification::built_case(ctx, alg_eddsa, UNSUPPORTED_ALGORITHM);
    "sig.alg.cnf-alg-es512" => "Presents an agent token whose cnf.jwk is a P-521 key with alg ES512",
        "SIG-016", Must, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| super::verification::built_case(ctx, alg_es512, UNSUPPORTED_ALGORITHM);
    "sig.alg.okp-key-es256" => "Presents a cnf.jwk {kty OKP, crv Ed25519, alg ES256}",
        "SIG-017", Must, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| super::verification::built_case(ctx, okp_with_es256, INVALID_KEY);
    "sig.alg.p384-key-es256" => "Presents a cnf.jwk {kty EC, crv P-384, alg ES256}",
        "SIG-017", Must, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| super::verification::built_case(ctx, p384_with_es256, INVALID_KEY);
    "sig.alg.oct-hs256" => "Presents a symmetric cnf.jwk {kty oct, alg HS256}",
        "SIG-018", Must, AGENT_FACING, profiles::ALL, &[],
        |ctx| super::verification::built_case(ctx, oct_hs256, NOT_USABLE);
    "sig.alg.cnf-alg-none" => "Presents a cnf.jwk whose alg is none",
        "SIG-018", Must, AGENT_FACING, profiles::ALL, &[],
        |ctx| super::verification::built_case(ctx, alg_none, NOT_USABLE);
    "sig.alg.unsupported-lists-accepted" => "Provokes unsupported_algorithm and looks for Accept-Signature-Alg on the refusal",
        "SIG-016", Should, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| accept_alg_sent(ctx);
    "sig.alg.accept-list-no-none-or-mac" => "Provokes unsupported_algorithm and reads Accept-Signature-Alg",
        "SIG-022", Should, AGENT_FACING, profiles::FROM_10, &[],
        |ctx| accept_alg_clean(ctx);
    "sig.alg.es256-agent-accepted" => "Sends a correctly signed request from an agent with an ES256 key",
        "SIG-023", Should, AGENT_FACING, profiles::ALL, &[Capability::ES256],
        |ctx| es256_accepted(ctx);
};

/// SHOULD: an `unsupported_algorithm` refusal names the algorithms that would work.
async fn accept_alg_sent(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let request = match alg_absent(ctx, &probe) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    let response = match ctx.send(&request).await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    if judge(&UNSUPPORTED_ALGORITHM, &response, ctx.role()) != Outcome::Pass {
        return Outcome::Skip(format!(
            "the key was not refused with unsupported_algorithm ({}); see sig.alg.cnf-alg-absent",
            describe(&response)
        ));
    }
    if response.has_header(ALG_FIELD) {
        Outcome::Pass
    } else {
        Outcome::Fail(
            Failure::new(ctx.role(), Mismatch::MissingHeader(ALG_FIELD.into()))
                .accepting(["401 unsupported_algorithm with Accept-Signature-Alg"])
                .saw(describe(&response)),
        )
    }
}

/// SHOULD: when `Accept-Signature-Alg` is sent it never offers `none` or a MAC.
async fn accept_alg_clean(ctx: &CaseContext) -> Outcome {
    let probe = match ready(ctx).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let request = match alg_absent(ctx, &probe) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    let response: Response = match ctx.send(&request).await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    let Some(list) = response.header(ALG_FIELD) else {
        return Outcome::Pass;
    };
    let bad: Vec<String> = list
        .split(',')
        .map(|a| {
            a.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .filter(|a| {
            let lower = a.to_ascii_lowercase();
            lower == "none" || lower.starts_with("hs") || lower.contains("hmac")
        })
        .collect();
    if bad.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(
            Failure::new(
                ctx.role(),
                Mismatch::Other(format!("Accept-Signature-Alg offers {bad:?}")),
            )
            .accepting(["asymmetric, fully specified algorithms only"])
            .saw(describe(&response)),
        )
    }
}

/// An ES256 agent (its token minted by the trusted provider) must verify like an Ed25519 one.
async fn es256_accepted(ctx: &CaseContext) -> Outcome {
    if let Err(outcome) = ready(ctx).await {
        return outcome;
    }
    let agent = ctx.agent_with(&Alg::ES256);
    let probe = match probe::probe_for(ctx, agent).await {
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
