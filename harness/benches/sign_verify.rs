//! Signing and verifying a realistic AAuth request, against the raw primitives on the same
//! inputs.
//!
//! The request: `POST https://resource.example/api/documents` with a ~1 KB JSON body, an
//! agent token (issued by an agent provider's Ed25519 key) in `Signature-Key`, covering
//! `@method @authority @path content-digest signature-key`. For an Ed25519 and an ES256
//! agent key:
//!
//! - `full-sign`: [`sign_aauth`] (digest the body, build the base, sign, attach the fields);
//! - `full-verify`: the reference verifier, [`verify_request`] with its in-memory
//!   [`StaticKeys`] source: the headers, the label, covered components, freshness, the
//!   `Signature-Key` member and scheme, the agent token (decoded, issuer key resolved from
//!   the issuer's metadata and JWKS, validated), `cnf.jwk`, `@authority`, the HTTP signature
//!   and the body digest;
//! - `layers-verify`: the same checks composed directly from the layers below the verifier
//!   (`wire`, `jose::validate` with a [`StaticResolver`], `httpsig`), to tell the verifier's
//!   own cost from theirs;
//! - `raw-sign`: the primitive over the same base (`ed25519-dalek` / `p256`);
//! - `raw-verify-http` and `raw-verify-jwt`: the primitives over the same base and the same
//!   JWT signing input (`ed25519-dalek` `verify_strict`, `ring` for ES256), each decoding its
//!   public key from bytes once, as any verifier receiving the key in a token must.
//!
//! The report compares `full-verify` with `raw-verify-http + raw-verify-jwt` and `full-sign`
//! with `raw-sign`. Run:
//! `cargo bench -p aauth-harness --bench sign_verify -- --warm-up-time 1 --measurement-time 5`
//!
//! Wall-clock numbers on a shared machine are noisy; instruction counts are not. The measured
//! functions are kept out of line so that callgrind can count them per call:
//! `valgrind --tool=callgrind target/release/deps/sign_verify-<hash> --bench --profile-time 1
//! '^ed25519/full-verify$'`, then divide the inclusive cost of calls to
//! `sign_verify::full_verify` by their number (`callgrind_annotate --inclusive=yes` shows
//! where it goes).
//!
//! Two costs are inherent to what a full verify must do and bound the ratio from below: the
//! body digest (`Content-Digest` is covered, so SHA-256 over the ~1 KB body) and, for Ed25519,
//! checking at key-parse time that each of the two keys (issuer and `cnf.jwk`) is a valid
//! point, which costs one point decompression each on top of the one inside verification.

use aauth_harness::httpsig::base::{FieldTypes, Message};
use aauth_harness::httpsig::component::ComponentId;
use aauth_harness::httpsig::profile::{self, ProfileRequirements};
use aauth_harness::httpsig::sign::{sign_aauth, AauthSignContext};
use aauth_harness::httpsig::verify::verify_message;
use aauth_harness::jose::claims::{dwk, AgentClaims, TokenIssuer, TokenKind};
use aauth_harness::jose::jwk::JwkRules;
use aauth_harness::jose::jws;
use aauth_harness::jose::validate::{validate_token, Expected, StaticResolver};
use aauth_harness::jose::{Alg, PublicKey, SigningKey};
use aauth_harness::message::{Fields, Request};
use aauth_harness::profile::Profile;
use aauth_harness::verify::{verify_request, StaticKeys, VerifierConfig};
use aauth_harness::wire::signature_key::{KeyScheme, SignatureKey};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::error::Error;

const NOW: i64 = 1_730_217_600;
const AP: &str = "https://agent.example";

/// Everything one agent-key algorithm needs, built once.
struct Scenario {
    name: &'static str,
    agent: SigningKey,
    ctx: AauthSignContext,
    member: String,
    unsigned: Request,
    signed: Request,
    resolver: StaticResolver,
    keys: StaticKeys,
    base: Vec<u8>,
    http_signature: Vec<u8>,
    jwt_input: String,
    jwt_signature: Vec<u8>,
    ap_public: [u8; 32],
    agent_public: PublicKey,
}

fn body() -> String {
    let docs: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            serde_json::json!({
                "id": format!("doc-{i:04}"),
                "title": format!("Quarterly report {i}"),
                "tags": ["finance", "q3", "draft"],
                "owner": "aauth:assistant@agent.example",
                "size": 1024 * i,
            })
        })
        .collect();
    serde_json::json!({ "action": "summarize", "documents": docs }).to_string()
}

fn scenario(name: &'static str, agent_alg: &Alg) -> Scenario {
    let ap_key = SigningKey::from_seed(&Alg::ED25519, [11; 32]).expect("Ed25519");
    let agent = SigningKey::from_seed(agent_alg, [22; 32]).expect("agent key");
    let issuer = TokenIssuer::new(ap_key.clone(), "ap-key-1", Profile::Aauth11);
    let claims = AgentClaims::new(
        Profile::Aauth11,
        AP,
        "aauth:assistant@agent.example",
        "agt-0001",
        &agent.public_key(),
        NOW,
        NOW + 3600,
    );
    let token = issuer.issue(&claims).expect("agent token");
    let mut resolver = StaticResolver::new(JwkRules::FULLY_SPECIFIED);
    resolver.insert(AP, dwk::AGENT, issuer.jwks());
    let keys = StaticKeys::new().with_issuer(AP, dwk::AGENT, &issuer.jwks());

    let body = body();
    assert!(
        (900..1300).contains(&body.len()),
        "body is {} bytes",
        body.len()
    );
    let unsigned = Request::new("POST", "https", "resource.example", "/api/documents")
        .with_header("Content-Type", "application/json")
        .with_body(body);
    let ctx = AauthSignContext::resource().with_additional([ComponentId::field("content-digest")]);
    let member = format!("jwt;jwt=\"{token}\"");
    let mut signed = unsigned.clone();
    let base = sign_aauth(&mut signed, &agent, "sig", &member, NOW, &ctx).expect("signs");
    assert_eq!(
        signed.header("signature-input").as_deref(),
        Some(
            r#"sig=("@method" "@authority" "@path" "content-digest" "signature-key");created=1730217600"#
        )
    );
    let http_signature = profile_signature(&signed);

    let decoded = jws::decode(&token).expect("token");
    let PublicKey::Ed25519(ap_public) = ap_key.public_key() else {
        panic!("AP key is Ed25519")
    };
    Scenario {
        name,
        agent_public: agent.public_key(),
        agent,
        ctx,
        member,
        unsigned,
        signed,
        resolver,
        keys,
        base: base.as_bytes().to_vec(),
        http_signature,
        jwt_input: decoded.signing_input().to_string(),
        jwt_signature: decoded.signature().to_vec(),
        ap_public,
    }
}

fn profile_signature(request: &Request) -> Vec<u8> {
    aauth_harness::httpsig::verify::read_signature(request.fields(), "sig").expect("signature")
}

/// Runs a future that never waits (the in-memory key source answers at once).
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The reference verifier on `request` (see the module docs). Returns the agent key.
#[inline(never)]
fn full_verify(request: &Request, keys: &StaticKeys, config: &VerifierConfig) -> Option<PublicKey> {
    ready(verify_request(request, config, keys, NOW))
        .ok()
        .map(|v| v.key)
}

/// The verifier's checks composed from the layers (see the module docs). Returns the agent
/// key the request was signed with.
#[inline(never)]
fn layers_verify(
    request: &Request,
    resolver: &StaticResolver,
    reqs: &ProfileRequirements,
) -> Result<PublicKey, Box<dyn Error>> {
    let header = request.header("signature-key").ok_or("no Signature-Key")?;
    let signature_key = SignatureKey::parse(header)?;
    let labels: Vec<&str> = signature_key.labels().collect();
    let label = profile::select_label(request, &labels)?;
    profile::check_before_key(request, &label, &labels, reqs, NOW)?;
    let KeyScheme::Jwt { jwt, .. } = signature_key.select(&label)? else {
        return Err("not the jwt scheme".into());
    };
    let expected = Expected::new(Profile::Aauth11, NOW);
    let token = validate_token(TokenKind::Agent, &jwt, &expected, resolver)?;
    let key = token.cnf_key.ok_or("agent token without cnf")?;
    let verified = verify_message(
        Message::Request(request),
        &label,
        &key,
        &FieldTypes::aauth(),
    )?;
    profile::check_content_digest(request, &verified.params)?;
    Ok(key)
}

#[inline(never)]
fn raw_verify_ed25519(public: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
        return false;
    };
    key.verify_strict(msg, &sig).is_ok()
}

#[inline(never)]
fn raw_verify_es256(public: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    let PublicKey::Es256 { x, y } = public else {
        return false;
    };
    let mut point = [0u8; 65];
    point[0] = 4;
    point[1..33].copy_from_slice(x);
    point[33..].copy_from_slice(y);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(msg, sig)
        .is_ok()
}

#[inline(never)]
fn raw_verify_http(s: &Scenario) -> bool {
    match &s.agent_public {
        PublicKey::Ed25519(x) => raw_verify_ed25519(x, &s.base, &s.http_signature),
        es256 => raw_verify_es256(es256, &s.base, &s.http_signature),
    }
}

/// The agent's whole signing step on a fresh copy of the request.
#[inline(never)]
fn full_sign(s: &Scenario) -> Request {
    let mut r = s.unsigned.clone();
    sign_aauth(&mut r, &s.agent, "sig", &s.member, NOW, &s.ctx).expect("signs");
    r
}

#[inline(never)]
fn raw_sign(key: &SigningKey, msg: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer as _;
    match key {
        SigningKey::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
        SigningKey::Es256(k) => {
            let sig: p256::ecdsa::Signature = k.sign(msg);
            sig.to_bytes().to_vec()
        }
    }
}

fn benches(c: &mut Criterion) {
    let reqs =
        ProfileRequirements::resource().with_additional([ComponentId::field("content-digest")]);
    let config = VerifierConfig::new(Profile::Aauth11, "https://resource.example")
        .with_requirements(reqs.clone());
    for s in [
        scenario("ed25519", &Alg::ED25519),
        scenario("es256", &Alg::ES256),
    ] {
        // Sanity: every path succeeds on these inputs before anything is timed.
        assert_eq!(
            full_verify(&s.signed, &s.keys, &config).expect("full verify"),
            s.agent_public
        );
        assert_eq!(
            layers_verify(&s.signed, &s.resolver, &reqs).expect("layers verify"),
            s.agent_public
        );
        assert!(raw_verify_http(&s));
        assert!(raw_verify_ed25519(
            &s.ap_public,
            s.jwt_input.as_bytes(),
            &s.jwt_signature
        ));

        let mut group = c.benchmark_group(s.name);
        group.bench_function("full-sign", |b| {
            b.iter(|| black_box(full_sign(black_box(&s))))
        });
        group.bench_function("raw-sign", |b| {
            b.iter(|| black_box(raw_sign(&s.agent, black_box(&s.base))))
        });
        group.bench_function("full-verify", |b| {
            b.iter(|| black_box(full_verify(black_box(&s.signed), &s.keys, &config).is_some()))
        });
        group.bench_function("layers-verify", |b| {
            b.iter(|| black_box(layers_verify(black_box(&s.signed), &s.resolver, &reqs).is_ok()))
        });
        group.bench_function("raw-verify-http", |b| {
            b.iter(|| black_box(raw_verify_http(black_box(&s))))
        });
        group.bench_function("raw-verify-jwt", |b| {
            b.iter(|| {
                black_box(raw_verify_ed25519(
                    &s.ap_public,
                    black_box(s.jwt_input.as_bytes()),
                    &s.jwt_signature,
                ))
            })
        });
        group.finish();
    }
}

criterion_group!(sign_verify, benches);
criterion_main!(sign_verify);
