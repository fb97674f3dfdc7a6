//! The harness's transcript entries as report exchanges.
//!
//! The harness keeps messages as it put them on the wire ([`aauth_harness::message`]), with
//! bodies already cut to its own limit and the original lengths beside them. The report keeps
//! the absolute URL, the headers in wire order, and each body as text or base64 with the
//! size of the whole body, so a truncated body still says how long it was.

use aauth_harness::message::{Request, Response};
use aauth_harness::transcript::Exchange as HarnessExchange;
use aauth_reports::{Body, Exchange, HttpRequest, HttpResponse};

/// Converts one transcript entry.
///
/// `elapsed_ms` is the harness's own measure (the time the exchange took); the harness does
/// not record when, within the case, the request was sent.
pub fn exchange(entry: &HarnessExchange) -> Exchange {
    let mut exchange = Exchange::new(
        entry.seq,
        entry.from.as_str(),
        entry.to.as_str(),
        request(&entry.request, entry.request_body_len),
    )
    .at_ms(entry.elapsed_ms);
    if let Some(response) = &entry.response {
        let full_len = entry.response_body_len.unwrap_or(response.body.len());
        exchange = exchange.with_response(self::response(response, full_len));
    }
    if let Some(error) = &entry.error {
        exchange = exchange.with_error(error.as_str());
    }
    if let Some(note) = &entry.note {
        exchange = exchange.with_note(note.as_str());
    }
    exchange
}

/// The request with its absolute URL (`scheme://authority/path?query`).
fn request(request: &Request, full_len: usize) -> HttpRequest {
    let mut out = HttpRequest::new(request.method.as_str(), request.target_uri());
    out.headers.clone_from(&request.headers);
    out.body = body(&request.body, full_len);
    out
}

fn response(response: &Response, full_len: usize) -> HttpResponse {
    let mut out = HttpResponse::new(response.status);
    out.headers.clone_from(&response.headers);
    out.body = body(&response.body, full_len);
    out
}

/// The kept bytes, marked truncated when the harness already cut them (`full_len` is the
/// length before cutting) or when they exceed the report's own limit.
fn body(kept: &[u8], full_len: usize) -> Body {
    let mut body = Body::from_bytes(kept, Body::DEFAULT_LIMIT);
    if full_len > kept.len() {
        body.truncated = true;
        body.size = u64::try_from(full_len).unwrap_or(u64::MAX);
    }
    body
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aauth_harness::transcript::{ExchangeRecord, Transcript, TranscriptLimits};
    use aauth_reports::BodyContent;

    use super::*;

    #[test]
    fn exchanges_keep_url_headers_bodies_and_cut_lengths() {
        let transcript = Transcript::with_limits(TranscriptLimits {
            max_body_bytes: 4,
            max_exchanges: 10,
        });
        let request = Request::new("POST", "https", "resource.example:8443", "/data?x=1&y")
            .with_header("Signature-Input", "sig=(\"@method\")")
            .with_header("Accept", "a")
            .with_header("Accept", "b")
            .with_body(&b"0123456789"[..]);
        let response = Response::new(401)
            .with_header("Signature-Error", "error=invalid_signature")
            .with_body(&[0xffu8, 0x00][..]);
        transcript.record(ExchangeRecord {
            from: "harness (agent)",
            to: "resource under test",
            request: &request,
            result: Ok(&response),
            elapsed: Duration::from_millis(12),
            note: Some("created = now - 61 s".into()),
        });
        transcript.record(ExchangeRecord {
            from: "harness (agent)",
            to: "resource under test",
            request: &Request::new("GET", "http", "127.0.0.1:1", "/"),
            result: Err("connection refused".into()),
            elapsed: Duration::from_millis(1),
            note: None,
        });
        let entries = transcript.snapshot();
        let first = exchange(&entries[0]);
        assert_eq!(first.seq, 1);
        assert_eq!(first.elapsed_ms, 12);
        assert_eq!(first.note.as_deref(), Some("created = now - 61 s"));
        assert_eq!(first.request.method, "POST");
        assert_eq!(
            first.request.url,
            "https://resource.example:8443/data?x=1&y"
        );
        assert_eq!(first.request.headers.len(), 3);
        assert_eq!(first.request.headers[2], ("Accept".into(), "b".into()));
        assert_eq!(first.request.body.content, BodyContent::Text("0123".into()));
        assert!(first.request.body.truncated);
        assert_eq!(first.request.body.size, 10);
        let response = first.response.unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(response.body.content, BodyContent::Base64("/wA=".into()));
        assert!(!response.body.truncated);
        assert_eq!(response.body.size, 2);

        let second = exchange(&entries[1]);
        assert_eq!(second.request.url, "http://127.0.0.1:1/");
        assert!(second.response.is_none());
        assert_eq!(second.error.as_deref(), Some("connection refused"));
        assert!(second.request.body.is_empty());
    }
}
