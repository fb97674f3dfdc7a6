//! Fuzzing functions for the JSON documents in [`crate::wire`]: problem+json error bodies
//! and the four metadata documents with their validator.
//!
//! Oracles: no panic anywhere (parsers, judges, validators under every profile); a parsed
//! document serializes to JSON that parses back to an equal value; and that serialization is
//! a fixed point. Documents are compared as values and as serialized text, because JSON
//! object equality ignores member order while the text does not.

use super::oracle::fixed_point;
use crate::profile::Profile;
use crate::wire::metadata::{self, DocumentKind, MetadataDocument, ValidationContext};
use crate::wire::problem::{self, LegacyErrorBody, Problem};

/// A problem+json body (and the pre -09 error body): parse, judge, round trip.
pub fn problem_json(data: &[u8]) {
    const FIELD: &str = "problem+json";
    if let Ok(parsed) = Problem::parse(data) {
        let out = parsed.to_bytes();
        let again = Problem::parse(&out).unwrap_or_else(|e| {
            panic!(
                "{FIELD}: our serialization {:?} does not parse: {e}",
                String::from_utf8_lossy(&out)
            )
        });
        assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
        fixed_point(
            FIELD,
            &String::from_utf8_lossy(&out),
            &String::from_utf8_lossy(&again.to_bytes()),
        );
        let response = parsed.to_response(parsed.status.unwrap_or(400));
        let check = problem::check_error_response(&response);
        assert!(
            check.problem.as_ref() == Some(&parsed),
            "{FIELD}: the response we built reads back differently"
        );
    }
    if let Ok(legacy) = LegacyErrorBody::parse(data) {
        let out = legacy.to_json().to_string();
        let again = LegacyErrorBody::parse(out.as_bytes()).unwrap_or_else(|e| {
            panic!("error body: our serialization {out:?} does not parse: {e}")
        });
        assert_eq!(again, legacy, "error body: round trip changed the value");
        fixed_point("error body", &out, &again.to_json().to_string());
    }
    for content_type in [
        None,
        Some(problem::PROBLEM_JSON),
        Some("Application/Problem+JSON; charset=utf-8"),
        Some(problem::JSON),
    ] {
        let _ = problem::check_error_body(content_type, data);
    }
}

/// A metadata document of every kind: typed parse and round trip, the validator under every
/// profile and context, and the `issuer` check.
pub fn metadata(data: &[u8]) {
    for kind in DocumentKind::ALL {
        if let Ok(doc) = MetadataDocument::parse(kind, data) {
            let field = kind.dwk();
            let out = doc.to_bytes();
            let again = MetadataDocument::parse(kind, &out).unwrap_or_else(|e| {
                panic!(
                    "{field}: our serialization {:?} does not parse: {e}",
                    String::from_utf8_lossy(&out)
                )
            });
            assert_eq!(again, doc, "{field}: round trip changed the value");
            fixed_point(
                field,
                &String::from_utf8_lossy(&out),
                &String::from_utf8_lossy(&again.to_bytes()),
            );
            assert_eq!(again.kind(), kind);
            let _ = doc.common();
        }
        for profile in Profile::ALL {
            for (fetched_for, resource_signs) in [(Some("https://x.example"), true), (None, false)]
            {
                let ctx = ValidationContext {
                    profile,
                    fetched_for,
                    resource_signs,
                };
                for violation in metadata::validate(kind, data, &ctx) {
                    let _ = violation.to_string();
                }
            }
        }
    }
    let _ = metadata::check_issuer(data, "https://x.example");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_bodies_round_trip_with_mistyped_and_extra_members() {
        problem_json(br#"{"error":"invalid_request","detail":"x","status":401}"#);
        problem_json(
            br#"{"status":"401","error":"e","required_claims":["a",1],"z":{"n":[1.5,-0.0]}}"#,
        );
        problem_json(br#"{"error":"e","error_description":"old"}"#);
        problem_json(br#"{"error":1}"#);
        problem_json(b"[]");
        problem_json(b"\xff");
    }

    #[test]
    fn metadata_documents_round_trip_and_validate() {
        metadata(br#"{"issuer":"https://x.example","jwks_uri":"https://x.example/jwks","signature_window":-1,"extra":true}"#);
        metadata(br#"{"issuer":5}"#);
        metadata(br#"{"signature_window":18446744073709551615}"#);
        metadata(b"null");
    }
}
