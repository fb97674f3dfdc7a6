//! `sign_aauth` against the derived AAuth request vectors V1 and V2 (requirements.md §5.4:
//! computed independently with Python `cryptography` and OpenSSL; agent key = RFC 9421
//! `test-key-ed25519`). Ed25519 is deterministic, so the signatures must match byte for
//! byte, which pins the covered-component order and the exact `Signature-Key` bytes.

use aauth_harness::httpsig::profile::{verify_aauth, ProfileRequirements};
use aauth_harness::httpsig::sign::{sign_aauth, AauthSignContext};
use aauth_harness::jose::{Alg, SigningKey};
use aauth_harness::message::{Fields, Request};
use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use base64::Engine as _;
use sha2::Digest as _;

const CREATED: i64 = 1_730_217_600;
const AGENT_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiYWEtYWdlbnQrand0Iiwia2lkIjoiYXAta2V5LTEifQ.eyJpc3MiOiJodHRwczovL2FnZW50LmV4YW1wbGUiLCJkd2siOiJhYXV0aC1hZ2VudC5qc29uIiwic3ViIjoiYWF1dGg6YXNzaXN0YW50LXYyQGFnZW50LmV4YW1wbGUiLCJqdGkiOiJhZ3QtMDAwMSIsImNuZiI6eyJqd2siOnsia3R5IjoiT0tQIiwiY3J2IjoiRWQyNTUxOSIsIngiOiJKclFMajVQXzg5aVhFUzktdkZnckl5MjljbEY5Q0Nfb1BQc3czYzVEMGJzIiwiYWxnIjoiRWQyNTUxOSJ9fSwicHMiOiJodHRwczovL3BzLmV4YW1wbGUiLCJpYXQiOjE3MzAyMTc2MDAsImV4cCI6MTczMDIyMTIwMH0.jcx5JzSWfLQuOpau5LGBDuKqm5ABipkKqTrxaoNN1lXk0LotOIrQzdMfESBG6Z6Wj-OUnc1IFSVi_LMD0p6bCQ";

fn agent_key() -> SigningKey {
    let d = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU")
        .expect("d");
    SigningKey::from_seed(&Alg::ED25519, d.try_into().expect("32 bytes")).expect("ed25519")
}

fn member() -> String {
    format!("jwt;jwt=\"{AGENT_TOKEN}\"")
}

#[test]
fn v1_resource_get_matches_the_derived_signature() {
    let mut r = Request::new("GET", "https", "resource.example", "/api/documents")
        .with_header("Host", "resource.example");
    let base = sign_aauth(
        &mut r,
        &agent_key(),
        "sig",
        &member(),
        CREATED,
        &AauthSignContext::resource(),
    )
    .expect("signs");
    assert_eq!(base.as_bytes().len(), 731);
    assert_eq!(
        hex::encode(sha2::Sha256::digest(base.as_bytes())),
        "9e047d1a042662c6eefc79ae55bb3e9baec357390d1f271e6d9d9db0c75d6fd7"
    );
    assert_eq!(
        r.header("signature-input").as_deref(),
        Some(r#"sig=("@method" "@authority" "@path" "signature-key");created=1730217600"#)
    );
    assert_eq!(
        r.header("signature").as_deref(),
        Some("sig=:6v/yFLqu6BuVKCR0ApIY9t4nZ9PdBt2d8b3XFBf6cv5+U8NEqglIay5BQ3jk5l+sshkSzGfM1hZUng2XJs/3AQ==:")
    );
    verify_aauth(
        &r,
        "sig",
        &["sig"],
        &agent_key().public_key(),
        &ProfileRequirements::resource(),
        CREATED,
    )
    .expect("verifies");
}

#[test]
fn v2_person_server_post_matches_the_derived_signature() {
    let mut r = Request::new("POST", "https", "ps.example", "/person")
        .with_header("Host", "ps.example")
        .with_header("Content-Type", "application/json")
        .with_body(r#"{"resource":"https://resource.example"}"#);
    let ctx = AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer);
    sign_aauth(&mut r, &agent_key(), "sig", &member(), CREATED, &ctx).expect("signs");
    assert_eq!(
        r.header("content-digest").as_deref(),
        Some("sha-256=:nJxjM/eJDL6/sWg44NobfMWuVck7ev1KSiJopPVqF8I=:")
    );
    assert_eq!(
        r.header("signature-input").as_deref(),
        Some(
            r#"sig=("@method" "@authority" "@path" "content-type" "content-digest" "signature-key");created=1730217600"#
        )
    );
    assert_eq!(
        r.header("signature").as_deref(),
        Some("sig=:Smj74XuZV2+ZqPpcck5iyVGt/VMvr50xMP9qNlpxAMaZNcGLrVz2o90m8toSj2zuJtliXZTcFCspNyE0mIrlDw==:")
    );
    let reqs = ProfileRequirements::for_role(Profile::Aauth11, Role::PersonServer);
    verify_aauth(
        &r,
        "sig",
        &["sig"],
        &agent_key().public_key(),
        &reqs,
        CREATED + 59,
    )
    .expect("verifies within the window");
    assert!(verify_aauth(
        &r,
        "sig",
        &["sig"],
        &agent_key().public_key(),
        &reqs,
        CREATED + 61
    )
    .is_err());
}
