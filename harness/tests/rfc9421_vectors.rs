//! RFC 9421 Appendix B, checked against our signature base, signer and verifier.
//!
//! Data lives in `vectors/rfc9421/*.json`; this file only says what each `check` means.

#[path = "rfc9421_support/mod.rs"]
mod support;

use aauth_harness::httpsig::base::{signature_base, FieldTypes, Message};
use aauth_harness::httpsig::profile::{check_covered, ProfileRequirements};
use aauth_harness::httpsig::sign::{sign_request, sign_response};
use aauth_harness::httpsig::verify::{verify_message, VerifyError, Violation};
use aauth_harness::message::{Fields, Request};
use aauth_harness::wire::signature_error::SignatureErrorCode;
use aauth_harness::wire::signature_input::{SignatureInput, SignatureParams};
use support::{load_all, Built, Case, Check, VectorFile};

fn params(case: &Case) -> SignatureParams {
    SignatureParams::parse(&case.signature_input).unwrap_or_else(|e| panic!("{}: {e}", case.id))
}

fn message(b: &Built) -> Message<'_> {
    match b {
        Built::Request(r) => Message::Request(r),
        Built::Response(r, req) => Message::Response {
            response: r,
            request: req.as_ref(),
        },
    }
}

/// The message with the case's `Signature-Input` and `Signature` attached.
fn signed(file: &VectorFile, case: &Case, signature: &str) -> Built {
    let mut built = file.message(&case.message);
    let fields = match &mut built {
        Built::Request(r) => &mut r.headers,
        Built::Response(r, _) => &mut r.headers,
    };
    fields.push(("Signature-Input".into(), case.signature_input_field()));
    fields.push(("Signature".into(), format!("{}=:{signature}:", case.label)));
    built
}

/// Run `f` on every case that asks for `check`; returns how many ran.
fn each_case(check: Check, mut f: impl FnMut(&VectorFile, &Case)) -> usize {
    let mut n = 0;
    for (_, file) in load_all() {
        for case in file.cases.iter().filter(|c| c.checks.contains(&check)) {
            f(&file, case);
            n += 1;
        }
    }
    n
}

#[test]
fn every_appendix_b_base_is_reproduced_exactly() {
    let mut n = 0;
    for (_, file) in load_all() {
        for case in &file.cases {
            let built = file.message(&case.message);
            let base = signature_base(message(&built), &params(case), &FieldTypes::aauth())
                .unwrap_or_else(|e| panic!("{}: {e}", case.id));
            assert_eq!(
                base.as_str(),
                case.expected_base(),
                "{}: base differs",
                case.id
            );
            n += 1;
        }
    }
    assert_eq!(n, 6, "B.2.1 to B.2.6");
    println!("{n} Appendix B signature bases reproduced byte for byte");
}

#[test]
fn signature_input_members_round_trip_byte_for_byte() {
    for (_, file) in load_all() {
        for case in &file.cases {
            let field = case.signature_input_field();
            let parsed =
                SignatureInput::parse(&field).unwrap_or_else(|e| panic!("{}: {e}", case.id));
            assert_eq!(parsed.serialize(), field, "{}", case.id);
            assert_eq!(
                parsed
                    .get(&case.label)
                    .map(SignatureParams::serialize)
                    .as_deref(),
                Some(case.signature_input.as_str())
            );
        }
    }
}

#[test]
fn deterministic_signatures_are_reproduced_and_attached_exactly() {
    let n = each_case(Check::SignExact, |file, case| {
        let key = file.signing_key(&case.key);
        let want = case.signature.clone().expect("signature");
        let Built::Request(mut request) = file.message(&case.message) else {
            panic!("{}: request expected", case.id)
        };
        let base = sign_request(&mut request, &key, &case.label, &params(case)).expect("signs");
        assert_eq!(base.as_str(), case.expected_base());
        assert_eq!(
            request.header("signature-input"),
            Some(case.signature_input_field()),
            "{}",
            case.id
        );
        assert_eq!(
            request.header("signature"),
            Some(format!("{}=:{want}:", case.label)),
            "{}: signature differs",
            case.id
        );
        println!("{}: signature reproduced byte for byte", case.id);
    });
    assert!(n >= 1, "B.2.6");
}

#[test]
fn published_signatures_verify_and_a_flipped_bit_does_not() {
    let n = each_case(Check::Verify, |file, case| {
        let key = file.public_key(&case.key);
        let sig = case.signature.clone().expect("signature");
        let built = signed(file, case, &sig);
        let ok = verify_message(message(&built), &case.label, &key, &FieldTypes::aauth())
            .unwrap_or_else(|e| panic!("{}: {e}", case.id));
        assert_eq!(ok.base.as_str(), case.expected_base());

        let mut bytes = case.signature_bytes().expect("bytes");
        bytes[10] ^= 0x01;
        let flipped = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        let built = signed(file, case, &flipped);
        assert_eq!(
            verify_message(message(&built), &case.label, &key, &FieldTypes::aauth()).map(|_| ()),
            Err(VerifyError::Violation(Violation::SignatureMismatch)),
            "{}",
            case.id
        );
        println!(
            "{}: published signature verifies; flipped bit rejected",
            case.id
        );
    });
    assert!(n >= 2, "B.2.4 and B.2.6");
}

#[test]
fn hmac_signatures_are_recomputed_with_ring() {
    let n = each_case(Check::HmacExact, |file, case| {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &file.hmac_secret(&case.key));
        let built = file.message(&case.message);
        let base =
            signature_base(message(&built), &params(case), &FieldTypes::aauth()).expect("base");
        let tag = ring::hmac::sign(&key, base.as_bytes());
        assert_eq!(
            Some(tag.as_ref().to_vec()),
            case.signature_bytes(),
            "{}",
            case.id
        );
    });
    assert_eq!(n, 1, "B.2.5");
}

#[test]
fn an_ecdsa_response_signature_round_trips_with_our_signer() {
    // B.2.4's shape, signed by us: ECDSA is randomized, so only a round trip can be checked.
    let key = aauth_harness::jose::SigningKey::from_seed(&aauth_harness::jose::Alg::ES256, [7; 32])
        .expect("key");
    for (_, file) in load_all() {
        let Some(case) = file.cases.iter().find(|c| c.id == "B.2.4") else {
            continue;
        };
        let Built::Response(mut response, related) = file.message(&case.message) else {
            panic!("response")
        };
        let base = sign_response(
            &mut response,
            related.as_ref(),
            &key,
            &case.label,
            &params(case),
        )
        .expect("signs");
        assert_eq!(base.as_str(), case.expected_base());
        let m = Message::Response {
            response: &response,
            request: related.as_ref(),
        };
        verify_message(m, &case.label, &key.public_key(), &FieldTypes::aauth()).expect("verifies");
    }
}

#[test]
fn appendix_b_signatures_would_not_satisfy_the_aauth_profile() {
    // They cover no `signature-key` (and B.2.4 is a response): an AAuth verifier answers
    // invalid_input at step 2, whatever the signature.
    for (_, file) in load_all() {
        for case in &file.cases {
            let Built::Request(request) = file.message(&case.message) else {
                continue;
            };
            let e = check_covered(&request, &params(case), &ProfileRequirements::resource())
                .expect_err(&case.id);
            assert_eq!(
                SignatureErrorCode::from(&e),
                SignatureErrorCode::INVALID_INPUT,
                "{}",
                case.id
            );
        }
    }
}

#[test]
fn the_loader_refuses_unknown_fields_and_bad_references() {
    let text =
        std::fs::read_to_string(support::vector_dir().join("appendix-b.json")).expect("file");
    assert!(support::parse(&text).is_ok());
    let extra = text.replacen("\"format\":", "\"formats\": 1, \"format\":", 1);
    assert!(
        support::parse(&extra).is_err(),
        "unknown top-level field accepted"
    );
    let extra_case = text.replacen(
        "\"label\": \"sig-b26\",",
        "\"label\": \"sig-b26\", \"labels\": 2,",
        1,
    );
    assert!(
        support::parse(&extra_case).is_err(),
        "unknown case field accepted"
    );
    let bad_check = text.replacen("\"sign-exact\"", "\"sign-exactly\"", 1);
    assert!(
        support::parse(&bad_check).is_err(),
        "unknown check accepted"
    );
}

#[test]
fn rfc_base_requests_also_come_out_of_a_plain_request() {
    // The RFC's own request built by hand, for readers who skip the JSON.
    let r = Request::new("POST", "https", "example.com", "/foo?param=Value&Pet=dog")
        .with_header("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
        .with_header("Content-Type", "application/json")
        .with_header("Content-Length", "18");
    let p = SignatureParams::parse(r#"("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#).expect("params");
    let base = signature_base(Message::Request(&r), &p, &FieldTypes::aauth()).expect("base");
    assert_eq!(base.lines().count(), 7);
    assert!(r.has_header("date"));
}
