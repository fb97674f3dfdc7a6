//! RFC 9421 Appendix B, checked against our signature base, signer and verifier.
//!
//! Data lives in `vectors/rfc9421/*.json`; the checks live in
//! `aauth_harness::vectors::rfc9421` (also run by `aauth-conform vectors verify`). This file
//! says which checks must have run, proves they bite, and keeps the round trips that are not
//! data-driven.

#[path = "rfc9421_support/mod.rs"]
mod support;

use aauth_harness::httpsig::base::{signature_base, FieldTypes, Message};
use aauth_harness::httpsig::sign::sign_response;
use aauth_harness::httpsig::verify::verify_message;
use aauth_harness::message::Request;
use aauth_harness::vectors::rfc9421::{self, check_case};
use aauth_harness::wire::signature_input::SignatureParams;
use support::{load_all, Built, Check};

#[test]
fn every_case_passes_every_check_it_lists() {
    let reports = rfc9421::verify_dir(&support::vector_dir()).expect("files load");
    assert_eq!(reports.len(), 1, "appendix-b.json");
    for report in &reports {
        assert!(
            report.ok(),
            "{}: {:?}",
            report.path.display(),
            report.failures
        );
    }
    assert_eq!(reports.iter().map(|r| r.passed).sum::<usize>(), 6);
}

#[test]
fn the_named_checks_run_where_the_rfc_gives_values() {
    let mut ran: Vec<(String, Vec<Check>)> = Vec::new();
    for (_, file) in load_all() {
        for case in &file.cases {
            let checks = check_case(&file, case).unwrap_or_else(|e| panic!("{}: {e}", case.id));
            ran.push((case.id.clone(), checks));
        }
    }
    let has = |id: &str, check: Check| {
        ran.iter()
            .any(|(case, checks)| case == id && checks.contains(&check))
    };
    // Every Appendix B base byte for byte, B.2.1 to B.2.6.
    assert_eq!(
        ran.iter().filter(|(_, c)| c.contains(&Check::Base)).count(),
        6
    );
    assert!(
        has("B.2.6", Check::SignExact),
        "B.2.6 signature byte for byte"
    );
    assert!(has("B.2.6", Check::Verify));
    assert!(has("B.2.4", Check::Verify), "B.2.4 ECDSA response verifies");
    assert!(has("B.2.5", Check::HmacExact), "B.2.5 HMAC recomputed");
}

#[test]
fn the_checks_fail_on_a_tampered_vector() {
    let files = load_all();
    let (_, file) = files.first().expect("one file");
    let mut tampered = file.0.clone();
    for case in &mut tampered.cases {
        // Change one character of each published value the case relies on.
        if let Some(sig) = &mut case.signature {
            let flip = if sig.starts_with('A') { "B" } else { "A" };
            sig.replace_range(0..1, flip);
        } else if let Some(line) = case.base.first_mut() {
            line.push(' ');
        }
    }
    for case in &tampered.cases {
        assert!(
            check_case(&tampered, case).is_err(),
            "{}: a tampered case still passes",
            case.id
        );
    }
}

#[test]
fn an_ecdsa_response_signature_round_trips_with_our_signer() {
    // B.2.4's shape, signed by us: ECDSA here is randomized, so only a round trip can be
    // checked.
    let key = aauth_harness::jose::SigningKey::from_seed(&aauth_harness::jose::Alg::ES256, [7; 32])
        .expect("key");
    for (_, file) in load_all() {
        let Some(case) = file.cases.iter().find(|c| c.id == "B.2.4") else {
            continue;
        };
        let Built::Response(mut response, related) = file.message(&case.message) else {
            panic!("response")
        };
        let params = case.params().expect("params");
        let base = sign_response(&mut response, related.as_ref(), &key, &case.label, &params)
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
fn the_loader_refuses_unknown_fields_and_bad_references() {
    let text =
        std::fs::read_to_string(support::vector_dir().join("appendix-b.json")).expect("file");
    let valid = |text: &str| {
        support::parse(text)
            .map_err(|e| e.to_string())
            .and_then(|f| f.validate())
    };
    assert_eq!(valid(&text), Ok(()));
    let extra = text.replacen("\"format\":", "\"formats\": 1, \"format\":", 1);
    assert!(valid(&extra).is_err(), "unknown top-level field accepted");
    let extra_case = text.replacen(
        "\"label\": \"sig-b26\",",
        "\"label\": \"sig-b26\", \"labels\": 2,",
        1,
    );
    assert!(valid(&extra_case).is_err(), "unknown case field accepted");
    let bad_check = text.replacen("\"sign-exact\"", "\"sign-exactly\"", 1);
    assert!(valid(&bad_check).is_err(), "unknown check accepted");
    let bad_message = text.replacen(
        "\"message\": \"test-response\"",
        "\"message\": \"nowhere\"",
        1,
    );
    assert_ne!(bad_message, text);
    assert!(valid(&bad_message).is_err(), "unknown message accepted");
    let bad_format = text.replacen("rfc9421-vectors/1", "rfc9421-vectors/2", 1);
    assert!(valid(&bad_format).is_err(), "unknown format accepted");
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
}
