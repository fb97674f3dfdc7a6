//! Differential test against `httpsig-hyper` 0.0.26 (dev-dependency only): for every valid
//! vector, our signature base must equal theirs and both implementations must verify the
//! signature. Run with `--nocapture` to see the comparison table.
//!
//! Outcomes are three-valued, as in wasmtime's differential oracles: `agree`, `known` (a
//! divergence listed in [`KNOWN_DIVERGENCES`] with the reason, where the RFC sides with us)
//! and `DISAGREE`, the only one that fails the test. A listed divergence that stops
//! diverging fails too, so the list cannot go stale.
//!
//! What `httpsig-hyper` cannot express, and is therefore not compared:
//! - RSA-PSS verification (B.2.1 to B.2.3) needs its `rsa-signature` feature, which the
//!   workspace does not enable; those cases compare bases only.
//! - It derives `@authority` from the request URI and never normalizes it (no lowercasing,
//!   no default-port removal) and has no notion of a `Host` that differs from the URI, so
//!   `@authority` normalization (SIG-025) is not compared.
//! - It drops unknown signature parameters and cannot build a base for `tr`, `sf` on its
//!   own field types, or `req` on a request; the vectors use none of those.

#[path = "rfc9421_support/mod.rs"]
mod support;

use aauth_harness::httpsig::base::{signature_base, FieldTypes, Message};
use aauth_harness::httpsig::component::ComponentId;
use aauth_harness::httpsig::sign::{sign_aauth, sign_request, AauthSignContext};
use aauth_harness::httpsig::verify::verify_message;
use aauth_harness::jose::{Alg, PublicKey, SigningKey};
use aauth_harness::message::{Field, Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use aauth_harness::wire::signature_input::{SignatureParam, SignatureParams};
use httpsig_hyper::prelude::{AlgorithmName, PublicKey as TheirPublicKey, SharedKey};
use httpsig_hyper::{
    MessageSignatureReq, MessageSignatureReqSync, MessageSignatureRes, MessageSignatureResSync,
};
use support::{load_all, Built, KeyKind};

/// Cases where `httpsig-hyper` 0.0.26 and RFC 9421 part ways, with the reason.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    (
        "B.2.1",
        "httpsig re-serializes signature parameters in a fixed order (created, expires, nonce, alg, keyid, tag); \
         RFC 9421 §2.3 keeps the signer's order, here created;keyid;nonce",
    ),
    (
        "query-param-reencoded",
        "httpsig takes @query-param values raw and joins repeats with \", \"; RFC 9421 §2.2.8 form-decodes, \
         re-encodes, and gives each repeat its own line",
    ),
];

/// What the other implementation needs to verify one case.
enum TheirKey {
    Asymmetric(TheirPublicKey),
    Shared(SharedKey),
    None,
}

struct DiffCase {
    id: String,
    message: Built,
    label: String,
    ours_key: Option<PublicKey>,
    theirs_key: TheirKey,
}

fn to_http_request(r: &Request) -> http::Request<String> {
    let mut b = http::Request::builder()
        .method(r.method.as_str())
        .uri(r.target_uri());
    for (n, v) in &r.headers {
        b = b.header(n.as_str(), v.as_str());
    }
    b.body(String::from_utf8(r.body.to_vec()).expect("utf-8 body"))
        .expect("valid http request")
}

fn to_http_response(r: &Response) -> http::Response<String> {
    let mut b = http::Response::builder().status(r.status);
    for (n, v) in &r.headers {
        b = b.header(n.as_str(), v.as_str());
    }
    b.body(String::from_utf8(r.body.to_vec()).expect("utf-8 body"))
        .expect("valid http response")
}

fn ours_message(b: &Built) -> Message<'_> {
    match b {
        Built::Request(r) => Message::Request(r),
        Built::Response(r, req) => Message::Response {
            response: r,
            request: req.as_ref(),
        },
    }
}

fn fields(b: &Built) -> &[Field] {
    match b {
        Built::Request(r) => r.fields(),
        Built::Response(r, _) => r.fields(),
    }
}

fn their_base(b: &Built, label: &str) -> Option<Vec<u8>> {
    let map = match b {
        Built::Request(r) => to_http_request(r).extract_signatures().ok()?,
        Built::Response(r, req) => {
            let req = req.as_ref().map(to_http_request);
            to_http_response(r).extract_signatures(req.as_ref()).ok()?
        }
    };
    map.get(label).map(|(base, _)| base.as_bytes())
}

fn their_verify(b: &Built, key: &TheirKey) -> Option<Result<String, String>> {
    fn run<K: httpsig_hyper::prelude::VerifyingKey + Sync>(
        b: &Built,
        k: &K,
    ) -> Result<String, String> {
        match b {
            Built::Request(r) => to_http_request(r)
                .verify_message_signature_sync(k, None)
                .map_err(|e| e.to_string()),
            Built::Response(r, req) => {
                let req = req.as_ref().map(to_http_request);
                to_http_response(r)
                    .verify_message_signature_sync(k, None, req.as_ref())
                    .map_err(|e| e.to_string())
            }
        }
    }
    match key {
        TheirKey::Asymmetric(k) => Some(run(b, k)),
        TheirKey::Shared(k) => Some(run(b, k)),
        TheirKey::None => None,
    }
}

fn their_public(key: &PublicKey) -> TheirPublicKey {
    match key {
        PublicKey::Ed25519(x) => {
            TheirPublicKey::from_bytes(&AlgorithmName::Ed25519, x.as_bytes()).expect("ed25519 key")
        }
        PublicKey::Es256 { x, y } => {
            let mut sec1 = vec![4u8];
            sec1.extend_from_slice(x);
            sec1.extend_from_slice(y);
            TheirPublicKey::from_bytes(&AlgorithmName::EcdsaP256Sha256, &sec1).expect("p256 key")
        }
    }
}

/// Appendix B cases, with their signatures attached (a placeholder where none is given).
fn appendix_b_cases() -> Vec<DiffCase> {
    let mut out = Vec::new();
    for (_, file) in load_all() {
        for case in &file.cases {
            let mut built = file.message(&case.message);
            let sig = case.signature.clone().unwrap_or_else(|| "AAAA".into());
            let headers = match &mut built {
                Built::Request(r) => &mut r.headers,
                Built::Response(r, _) => &mut r.headers,
            };
            headers.push(("Signature-Input".into(), case.signature_input_field()));
            headers.push(("Signature".into(), format!("{}=:{sig}:", case.label)));
            let key_kind = file
                .key(&case.key)
                .map(|k| k.kind)
                .filter(|_| case.signature.is_some());
            let (ours_key, theirs_key) = match key_kind {
                Some(KeyKind::Ed25519 | KeyKind::P256) => {
                    let pk = file.public_key(&case.key);
                    let theirs = their_public(&pk);
                    (Some(pk), TheirKey::Asymmetric(theirs))
                }
                Some(KeyKind::Hmac) => {
                    let secret = file
                        .key(&case.key)
                        .and_then(|k| k.secret.clone())
                        .expect("secret");
                    (
                        None,
                        TheirKey::Shared(
                            SharedKey::from_base64(&AlgorithmName::HmacSha256, &secret)
                                .expect("hmac"),
                        ),
                    )
                }
                None => (None, TheirKey::None),
            };
            out.push(DiffCase {
                id: case.id.clone(),
                message: built,
                label: case.label.clone(),
                ours_key,
                theirs_key,
            });
        }
    }
    out
}

/// Requests signed by our signer, the way the harness will sign them against real targets.
fn generated_cases() -> Vec<DiffCase> {
    let mut out = Vec::new();
    for (alg, seed) in [(Alg::ED25519, 11u8), (Alg::ES256, 12u8)] {
        let key = SigningKey::from_seed(&alg, [seed; 32]).expect("key");
        let member = "jwt;jwt=\"eyJhbGciOiJFZDI1NTE5In0.e30.c2ln\"";

        let mut get = Request::new("GET", "https", "resource.example", "/api/documents?page=2")
            .with_header("Host", "resource.example")
            .with_header("Authorization", "AAuth c2Vzc2lvbg");
        let ctx = AauthSignContext::resource().with_additional([ComponentId::QUERY]);
        sign_aauth(&mut get, &key, "sig", member, 1_730_217_600, &ctx).expect("signs");

        let mut post = Request::new("POST", "https", "ps.example", "/token")
            .with_header("Host", "ps.example")
            .with_header("Content-Type", "application/json")
            .with_body(r#"{"resource_token":"x"}"#);
        let ctx = AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer);
        sign_aauth(&mut post, &key, "sig", member, 1_730_217_600, &ctx).expect("signs");

        let mut wide = Request::new("PUT", "https", "api.example", "/v1/items/7?a=1&b=two")
            .with_header("Host", "api.example")
            .with_header("Cache-Control", "max-age=60")
            .with_header("Cache-Control", "must-revalidate");
        let params = SignatureParams::new(
            [
                "@method",
                "@target-uri",
                "@scheme",
                "@request-target",
                "@path",
                "@query",
                "cache-control",
            ]
            .iter()
            .map(|c| ComponentId::parse(c).expect("id"))
            .chain([ComponentId::query_param("b")])
            .collect(),
        )
        .with(SignatureParam::Created(1_730_217_600))
        .with(SignatureParam::Expires(4_000_000_000))
        .with(SignatureParam::KeyId("k1".into()));
        sign_request(&mut wide, &key, "wide", &params).expect("signs");

        for (name, request, label) in [
            ("aauth-get", get, "sig"),
            ("aauth-post-digest", post, "sig"),
            ("derived-components", wide, "wide"),
        ] {
            let pk = key.public_key();
            out.push(DiffCase {
                id: format!("{name}/{alg}"),
                message: Built::Request(request),
                label: label.into(),
                theirs_key: TheirKey::Asymmetric(their_public(&pk)),
                ours_key: Some(pk),
            });
        }
    }

    // RFC 9421 §2.2.8's own example: values that need decoding and re-encoding.
    let key = SigningKey::from_seed(&Alg::ED25519, [13; 32]).expect("key");
    let mut q = Request::new(
        "GET",
        "https",
        "www.example.com",
        "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace",
    );
    let params = SignatureParams::new(vec![
        ComponentId::query_param("var"),
        ComponentId::query_param("bar"),
    ])
    .with(SignatureParam::Created(1));
    sign_request(&mut q, &key, "sig", &params).expect("signs");
    let pk = key.public_key();
    out.push(DiffCase {
        id: "query-param-reencoded".into(),
        message: Built::Request(q),
        label: "sig".into(),
        theirs_key: TheirKey::Asymmetric(their_public(&pk)),
        ours_key: Some(pk),
    });
    out
}

#[test]
fn our_signature_base_matches_httpsig_hyper_and_both_verify() {
    let mut disagreements = Vec::new();
    let mut agreed = 0;
    println!(
        "{:<32} {:<8} {:<12} {:<12}",
        "case", "base", "ours", "httpsig"
    );
    for case in appendix_b_cases().into_iter().chain(generated_cases()) {
        let params = aauth_harness::httpsig::verify::read_signature_input(
            fields(&case.message),
            &case.label,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.id));
        let ours = signature_base(ours_message(&case.message), &params, &FieldTypes::aauth())
            .unwrap_or_else(|e| panic!("{}: our base failed: {e}", case.id));
        let theirs = their_base(&case.message, &case.label);
        let same_base = theirs.as_deref() == Some(ours.as_bytes());

        let ours_verified = case.ours_key.as_ref().map(|k| {
            verify_message(
                ours_message(&case.message),
                &case.label,
                k,
                &FieldTypes::aauth(),
            )
            .is_ok()
        });
        let theirs_verified =
            their_verify(&case.message, &case.theirs_key).map(|r| r == Ok(case.label.clone()));

        let known = KNOWN_DIVERGENCES.iter().find(|(id, _)| *id == case.id);
        let all_ok = same_base && ours_verified != Some(false) && theirs_verified != Some(false);
        let verdict = match (all_ok, known) {
            (true, None) => {
                agreed += 1;
                "agree"
            }
            (false, Some(_)) => "known",
            (true, Some(_)) => {
                disagreements.push(format!(
                    "{}: listed as a known divergence but now agrees; remove it",
                    case.id
                ));
                "XPASS"
            }
            (false, None) => {
                disagreements.push(format!(
                    "{}: base equal={same_base} ours verified={ours_verified:?} httpsig verified={theirs_verified:?}\n ours:   {:?}\n theirs: {:?}",
                    case.id,
                    ours.as_str(),
                    theirs.as_deref().map(String::from_utf8_lossy)
                ));
                "DISAGREE"
            }
        };
        let show = |v: Option<bool>| match v {
            Some(true) => "verified",
            Some(false) => "FAILED",
            None => "-",
        };
        println!(
            "{:<32} {:<8} {:<12} {:<12} {verdict}",
            case.id,
            if same_base { "same" } else { "differs" },
            show(ours_verified),
            show(theirs_verified)
        );
        if let (Some(reason), false) = (known, same_base) {
            println!("    known divergence: {}", reason.1);
        }
    }
    println!("{agreed} cases agree with httpsig-hyper 0.0.26 (bases byte-equal, both verify)");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(agreed >= 10, "too few agreeing cases: {agreed}");
}

#[test]
fn both_verify_rfc_b26_and_b24_with_the_rfc_keys() {
    let cases = appendix_b_cases();
    for id in ["B.2.4", "B.2.6"] {
        let case = cases.iter().find(|c| c.id == id).expect("present");
        assert_eq!(
            their_verify(&case.message, &case.theirs_key),
            Some(Ok(case.label.clone())),
            "{id}: httpsig"
        );
        let key = case.ours_key.as_ref().expect("key");
        verify_message(
            ours_message(&case.message),
            &case.label,
            key,
            &FieldTypes::aauth(),
        )
        .expect("ours");
        println!("{id}: verified by both implementations");
    }
}
