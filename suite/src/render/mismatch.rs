//! The suite's [`Mismatch`] as the report's typed mismatch.
//!
//! The two models were written for different readers and differ in three places, each
//! filled from the evidence rather than invented:
//! - the suite names an unexpected header without its value; the report wants the value,
//!   which is taken from the last exchange that carried the header (responses first, then
//!   requests, since an agent under test is judged on what it sends);
//! - the suite's claim `want` is a description, always present, so it maps to `Some`;
//! - the suite's `Other` is one sentence of what was seen; the report also wants what was
//!   asked for, which is the cited requirement's summary from the index.

use aauth_harness::message::Fields;
use aauth_harness::transcript::Exchange as HarnessExchange;
use aauth_reports::Mismatch as ReportMismatch;

use crate::outcome::Mismatch;

/// What a mismatch conversion may consult besides the mismatch itself.
#[derive(Clone, Copy, Debug)]
pub struct MismatchEvidence<'a> {
    /// The case's transcript, in order.
    pub transcript: &'a [HarnessExchange],
    /// What the cited requirement asks, in words (the index summary, or its id).
    pub requirement: &'a str,
}

/// The value shown when a header the case names appears in no recorded message.
pub const HEADER_VALUE_NOT_RECORDED: &str = "(value not in the transcript)";

/// Converts one mismatch; every variant has a counterpart.
pub fn mismatch(mismatch: &Mismatch, evidence: MismatchEvidence<'_>) -> ReportMismatch {
    match mismatch {
        Mismatch::Status { want, got } => ReportMismatch::Status {
            want: want.clone(),
            got: *got,
        },
        Mismatch::SignatureError { want, got } => ReportMismatch::SignatureError {
            want: want.iter().map(|code| code.as_str().to_owned()).collect(),
            got: got.as_ref().map(|code| code.as_str().to_owned()),
        },
        Mismatch::ProblemCode { want, got } => ReportMismatch::ProblemCode {
            want: want.clone(),
            got: got.clone(),
        },
        Mismatch::MissingHeader(name) => ReportMismatch::MissingHeader {
            header: name.to_ascii_lowercase(),
        },
        Mismatch::UnexpectedHeader(name) => ReportMismatch::UnexpectedHeader {
            header: name.to_ascii_lowercase(),
            got: last_value(evidence.transcript, name)
                .unwrap_or_else(|| HEADER_VALUE_NOT_RECORDED.to_owned()),
        },
        Mismatch::UnexpectedSuccess { got } => ReportMismatch::UnexpectedSuccess { got: *got },
        Mismatch::Claim { name, want, got } => ReportMismatch::Claim {
            claim: name.clone(),
            want: Some(want.clone()),
            got: got.clone(),
        },
        Mismatch::Other(text) => ReportMismatch::Other {
            want: evidence.requirement.to_owned(),
            got: text.clone(),
        },
    }
}

/// The value of `name` in the last response carrying it, else in the last request.
fn last_value(transcript: &[HarnessExchange], name: &str) -> Option<String> {
    let in_responses = transcript
        .iter()
        .rev()
        .filter_map(|e| e.response.as_ref())
        .find_map(|response| response.header(name));
    in_responses.or_else(|| transcript.iter().rev().find_map(|e| e.request.header(name)))
}

#[cfg(test)]
mod tests {
    use aauth_harness::message::{Request, Response};
    use aauth_harness::wire::signature_error::SignatureErrorCode;
    use aauth_reports::MismatchKind;

    use super::*;

    fn entry(request: Request, response: Option<Response>) -> HarnessExchange {
        HarnessExchange {
            seq: 1,
            from: "a".into(),
            to: "b".into(),
            request,
            response,
            error: None,
            elapsed_ms: 0,
            note: None,
            request_body_len: 0,
            response_body_len: Some(0),
        }
    }

    #[test]
    fn every_variant_maps_to_its_kind() {
        let transcript = [entry(
            Request::new("GET", "https", "r.example", "/").with_header("X-Req", "sent"),
            Some(Response::new(200).with_header("WWW-Authenticate", "Basic")),
        )];
        let evidence = MismatchEvidence {
            transcript: &transcript,
            requirement: "reject stale signatures",
        };
        let cases = [
            (
                Mismatch::Status {
                    want: vec![401, 400],
                    got: 200,
                },
                ReportMismatch::Status {
                    want: vec![401, 400],
                    got: 200,
                },
            ),
            (
                Mismatch::SignatureError {
                    want: vec![SignatureErrorCode::INVALID_SIGNATURE],
                    got: Some(SignatureErrorCode::new("zz_custom")),
                },
                ReportMismatch::SignatureError {
                    want: vec!["invalid_signature".into()],
                    got: Some("zz_custom".into()),
                },
            ),
            (
                Mismatch::ProblemCode {
                    want: vec!["invalid_request".into()],
                    got: None,
                },
                ReportMismatch::ProblemCode {
                    want: vec!["invalid_request".into()],
                    got: None,
                },
            ),
            (
                Mismatch::MissingHeader("Signature-Error".into()),
                ReportMismatch::MissingHeader {
                    header: "signature-error".into(),
                },
            ),
            (
                Mismatch::UnexpectedHeader("www-authenticate".into()),
                ReportMismatch::UnexpectedHeader {
                    header: "www-authenticate".into(),
                    got: "Basic".into(),
                },
            ),
            (
                Mismatch::UnexpectedHeader("x-req".into()),
                ReportMismatch::UnexpectedHeader {
                    header: "x-req".into(),
                    got: "sent".into(),
                },
            ),
            (
                Mismatch::UnexpectedHeader("x-nowhere".into()),
                ReportMismatch::UnexpectedHeader {
                    header: "x-nowhere".into(),
                    got: HEADER_VALUE_NOT_RECORDED.into(),
                },
            ),
            (
                Mismatch::UnexpectedSuccess { got: 204 },
                ReportMismatch::UnexpectedSuccess { got: 204 },
            ),
            (
                Mismatch::Claim {
                    name: "aud".into(),
                    want: "the resource identifier".into(),
                    got: None,
                },
                ReportMismatch::Claim {
                    claim: "aud".into(),
                    want: Some("the resource identifier".into()),
                    got: None,
                },
            ),
            (
                Mismatch::Other("the key was reused".into()),
                ReportMismatch::Other {
                    want: "reject stale signatures".into(),
                    got: "the key was reused".into(),
                },
            ),
        ];
        let mut kinds = Vec::new();
        for (suite, report) in cases {
            let converted = mismatch(&suite, evidence);
            assert_eq!(converted, report, "{suite:?}");
            kinds.push(converted.kind());
        }
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), 8, "every report kind is reachable: {kinds:?}");
        assert!(kinds.contains(&MismatchKind::Other));
    }
}
