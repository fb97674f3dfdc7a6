//! Signing and verifying a realistic AAuth request, against the raw primitives on the same
//! inputs.
//!
//! The inputs and the five operations are [`SignVerifyFixture`]'s (see `aauth_harness::bench`),
//! so this benchmark and `aauth-conform bench` measure the same thing: a
//! `POST https://resource.example/api/documents` with a ~1 KB JSON body, an agent token in
//! `Signature-Key`, covering `@method @authority @path content-digest signature-key`, for an
//! Ed25519 and an ES256 agent key. Per key:
//!
//! - `full-sign`, `raw-sign`: [`SignVerifyFixture::full_sign`] and the primitive alone;
//! - `full-verify`: [`SignVerifyFixture::full_verify`], the reference verifier;
//! - `raw-verify-http`, `raw-verify-jwt`: the two primitives alone (each decoding its key);
//! - `layers-verify` (only here): the same checks composed straight from the layers below the
//!   verifier (`wire`, `jose::validate`, `httpsig`), to tell the verifier's own cost from
//!   theirs.
//!
//! The ratios that matter are `full-verify / (raw-verify-http + raw-verify-jwt)`, whose goal
//! (issue #2) is at most [`VERIFY_RATIO_GOAL`](aauth_harness::bench::VERIFY_RATIO_GOAL) (1.15),
//! and `full-sign / raw-sign`. Run:
//! `cargo bench -p aauth-harness --bench sign_verify -- --warm-up-time 1 --measurement-time 5`
//!
//! Wall-clock numbers on a shared machine are noisy; instruction counts are not. The measured
//! functions are kept out of line so that callgrind can count them per call:
//! `valgrind --tool=callgrind target/release/deps/sign_verify-<hash> --bench --profile-time 1
//! '^ed25519/full-verify$'`, then divide the inclusive cost of calls to
//! `sign_verify::full_verify` by their number (`callgrind_annotate --inclusive=yes` shows
//! where it goes). `examples/verify_profile.rs` does the same without criterion:
//! `valgrind --tool=callgrind target/release/examples/verify_profile <ed25519|es256>
//! <full|raw-http|raw-jwt|none> 200`, subtracting the `none` run (the fixture) from each.
//!
//! What a full verify costs beyond the two signature checks, per call under callgrind (Ed25519
//! agent key; the ES256 column differs only in the HTTP signature): the body digest
//! (`Content-Digest` is covered, so SHA-256 over the ~1 KB body, about 40k instructions
//! under valgrind, which hides the SHA extensions `ring` uses natively); reading the agent
//! token's payload JSON (about 25k); parsing `Signature-Input` and `Signature-Key` as
//! structured fields (about 15k and 12k); the JWS segments (about 11k); the signature base
//! (about 9k). Keys cost less than in the raw pair: a `PublicKey` holds its decoded point,
//! `cnf.jwk` is decompressed once when read (which also checks it is a point), and the
//! issuer key is decoded once and remembered by the key source, as a caching verifier
//! would, where each raw check decodes its key from bytes.

use aauth_harness::bench::{SignVerifyFixture, LABEL};
use aauth_harness::httpsig::base::{FieldTypes, Message};
use aauth_harness::httpsig::profile;
use aauth_harness::httpsig::verify::verify_message_params;
use aauth_harness::jose::claims::TokenKind;
use aauth_harness::jose::validate::{begin_token, Expected};
use aauth_harness::jose::{Alg, PublicKey};
use aauth_harness::message::{Fields, Request};
use aauth_harness::profile::Profile;
use aauth_harness::verify::{KeySource, StaticKeys};
use aauth_harness::wire::signature_key::{KeyScheme, SignatureKey};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::error::Error;

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

#[inline(never)]
fn full_verify(f: &SignVerifyFixture) -> bool {
    f.full_verify().is_ok()
}

#[inline(never)]
fn full_sign(f: &SignVerifyFixture) -> Option<Request> {
    f.full_sign().ok()
}

#[inline(never)]
fn raw_sign(f: &SignVerifyFixture) -> Vec<u8> {
    f.raw_sign()
}

#[inline(never)]
fn raw_verify_http(f: &SignVerifyFixture) -> bool {
    f.raw_verify_http()
}

#[inline(never)]
fn raw_verify_jwt(f: &SignVerifyFixture) -> bool {
    f.raw_verify_jwt()
}

/// The verifier's checks composed from the layers (see the module docs). Returns the agent
/// key the request was signed with.
#[inline(never)]
fn layers_verify(f: &SignVerifyFixture, keys: &StaticKeys) -> Result<PublicKey, Box<dyn Error>> {
    let request = &f.signed;
    let reqs = &f.verifier.requirements;
    let header = request.header("signature-key").ok_or("no Signature-Key")?;
    let signature_key = SignatureKey::parse(header)?;
    let labels: Vec<&str> = signature_key.labels().collect();
    let (label, params) = profile::select_signature(request, &labels)?;
    profile::check_covered(request, &params, reqs)?;
    profile::check_freshness(&params, f.now, reqs.window)?;
    let KeyScheme::Jwt { jwt, .. } = signature_key.select(&label)? else {
        return Err("not the jwt scheme".into());
    };
    let expected = Expected::new(Profile::Aauth11, f.now);
    let pending = begin_token(TokenKind::Agent, &jwt, &expected)?;
    let issuer_key = ready(keys.resolve(pending.iss(), pending.dwk(), Some(pending.kid())));
    let token = pending.finish(&expected, issuer_key)?;
    let key = token.cnf_key.ok_or("agent token without cnf")?;
    let verified = verify_message_params(
        Message::Request(request),
        &label,
        params,
        &key,
        &FieldTypes::aauth(),
    )?;
    profile::check_content_digest(request, &verified.params)?;
    Ok(key)
}

fn benches(c: &mut Criterion) {
    for (name, alg) in [("ed25519", Alg::ED25519), ("es256", Alg::ES256)] {
        let f = SignVerifyFixture::new(&alg).expect("fixture");
        // Every path succeeds on these inputs before anything is timed.
        assert!(full_verify(&f), "full verify");
        assert_eq!(
            layers_verify(&f, &f.keys).expect("layers verify"),
            f.agent_public
        );
        assert!(raw_verify_http(&f) && raw_verify_jwt(&f));
        assert!(full_sign(&f).is_some_and(|r| r.header_all("signature").count() == 1));
        assert_eq!(
            f.signed.header("signature-input").as_deref(),
            Some(format!(
                r#"{LABEL}=("@method" "@authority" "@path" "content-digest" "signature-key");created={}"#,
                f.now
            ))
            .as_deref()
        );

        let mut group = c.benchmark_group(name);
        group.bench_function("full-sign", |b| {
            b.iter(|| black_box(full_sign(black_box(&f))))
        });
        group.bench_function("raw-sign", |b| {
            b.iter(|| black_box(raw_sign(black_box(&f))))
        });
        group.bench_function("full-verify", |b| {
            b.iter(|| black_box(full_verify(black_box(&f))))
        });
        group.bench_function("layers-verify", |b| {
            b.iter(|| black_box(layers_verify(black_box(&f), &f.keys).is_ok()))
        });
        group.bench_function("raw-verify-http", |b| {
            b.iter(|| black_box(raw_verify_http(black_box(&f))))
        });
        group.bench_function("raw-verify-jwt", |b| {
            b.iter(|| black_box(raw_verify_jwt(black_box(&f))))
        });
        group.finish();
    }
}

criterion_group!(sign_verify, benches);
criterion_main!(sign_verify);
