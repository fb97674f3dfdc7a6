//! The transcript: every HTTP exchange of a case, as the report stores it.
//!
//! These types are deliberately not the harness's message types: a report knows nothing about
//! HTTP libraries, and it must hold whatever the implementation sent, including bytes that are
//! not text and bodies too large to keep. Bodies are stored as text when they are printable
//! UTF-8 and as base64 otherwise, truncated to a caller-chosen limit with the original size
//! kept. Renderers escape everything here: it is hostile input.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// One request and its response (or the error that took its place).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Position in the case's transcript, from 1.
    pub seq: u64,
    /// Who sent the request, e.g. `harness (agent)`.
    pub from: String,
    /// Who received it, e.g. `resource under test`.
    pub to: String,
    /// When the request was sent, in milliseconds since the case started.
    #[serde(default)]
    pub elapsed_ms: u64,
    /// The request as sent.
    pub request: HttpRequest,
    /// The response, or `None` when none arrived.
    #[serde(default)]
    pub response: Option<HttpResponse>,
    /// Why no response arrived (connection refused, timeout...).
    #[serde(default)]
    pub error: Option<String>,
    /// What the case was doing with this exchange ("replay of #1 after 61 s").
    #[serde(default)]
    pub note: Option<String>,
}

impl Exchange {
    /// Starts an exchange record with the request; add the response or error afterwards.
    pub fn new(
        seq: u64,
        from: impl Into<String>,
        to: impl Into<String>,
        request: HttpRequest,
    ) -> Self {
        Exchange {
            seq,
            from: from.into(),
            to: to.into(),
            elapsed_ms: 0,
            request,
            response: None,
            error: None,
            note: None,
        }
    }

    /// Sets when the request was sent, relative to the case start.
    pub fn at_ms(mut self, elapsed_ms: u64) -> Self {
        self.elapsed_ms = elapsed_ms;
        self
    }

    /// Records the response.
    pub fn with_response(mut self, response: HttpResponse) -> Self {
        self.response = Some(response);
        self
    }

    /// Records why no response arrived.
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }

    /// Annotates the exchange.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// A request as sent: headers in wire order, duplicates kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Method, verbatim.
    pub method: String,
    /// Absolute URL the request was sent to.
    pub url: String,
    /// `[name, value]` pairs in the order sent.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body (empty text when there was none).
    #[serde(default)]
    pub body: Body,
}

impl HttpRequest {
    /// Starts a request record with no headers and an empty body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        HttpRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Body::default(),
        }
    }

    /// Appends a header, keeping earlier ones with the same name.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// A response as received: headers in wire order, duplicates kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// `[name, value]` pairs in the order received.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body (empty text when there was none).
    #[serde(default)]
    pub body: Body,
}

impl HttpResponse {
    /// Starts a response record with no headers and an empty body.
    pub fn new(status: u16) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: Body::default(),
        }
    }

    /// Appends a header, keeping earlier ones with the same name.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// A message body, possibly truncated.
///
/// Serialised as `{"text": "...", "truncated": false, "size": 12}` or
/// `{"base64": "...", "truncated": true, "size": 70000}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// The kept bytes, as text or base64.
    #[serde(flatten)]
    pub content: BodyContent,
    /// True when `content` holds only a prefix of the body.
    #[serde(default)]
    pub truncated: bool,
    /// Size of the whole body in bytes, before truncation.
    #[serde(default)]
    pub size: u64,
}

/// The kept bytes of a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyContent {
    /// Printable UTF-8 (tab, CR and LF allowed; no other control characters).
    Text(String),
    /// Anything else, standard base64 with padding.
    Base64(String),
}

impl Default for Body {
    fn default() -> Self {
        Body::text("")
    }
}

impl Body {
    /// The limit renderers and the suite use unless told otherwise: 64 KiB.
    pub const DEFAULT_LIMIT: usize = 64 * 1024;

    /// A complete text body.
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Body {
            size: text.len() as u64,
            content: BodyContent::Text(text),
            truncated: false,
        }
    }

    /// Keeps at most `limit` bytes of `bytes`, as text when they are printable UTF-8 and as
    /// base64 otherwise. A text prefix is cut at a character boundary.
    pub fn from_bytes(bytes: &[u8], limit: usize) -> Self {
        let size = bytes.len() as u64;
        let kept = bytes.get(..limit).unwrap_or(bytes);
        let truncated = kept.len() < bytes.len();
        let text = match std::str::from_utf8(kept) {
            Ok(text) => Some(text),
            // A multi-byte character split by the limit: keep the whole characters before it.
            Err(error) if truncated && error.error_len().is_none() => kept
                .get(..error.valid_up_to())
                .and_then(|prefix| std::str::from_utf8(prefix).ok()),
            Err(_) => None,
        };
        let content = match text {
            Some(text) if is_printable(text) => BodyContent::Text(text.to_owned()),
            _ => BodyContent::Base64(base64::engine::general_purpose::STANDARD.encode(kept)),
        };
        Body {
            content,
            truncated,
            size,
        }
    }

    /// True when the body has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.size == 0
            && match &self.content {
                BodyContent::Text(text) => text.is_empty(),
                BodyContent::Base64(data) => data.is_empty(),
            }
    }

    /// The kept bytes, decoded; `None` when a parsed report holds invalid base64.
    pub fn kept_bytes(&self) -> Option<Vec<u8>> {
        match &self.content {
            BodyContent::Text(text) => Some(text.as_bytes().to_vec()),
            BodyContent::Base64(data) => {
                base64::engine::general_purpose::STANDARD.decode(data).ok()
            }
        }
    }
}

fn is_printable(text: &str) -> bool {
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_utf8_is_kept_as_text() {
        let body = Body::from_bytes("{\"a\":\"é\"}\n".as_bytes(), 100);
        assert_eq!(body.content, BodyContent::Text("{\"a\":\"é\"}\n".into()));
        assert!(!body.truncated);
        assert_eq!(body.size, 11);
    }

    #[test]
    fn binary_and_control_characters_become_base64() {
        let body = Body::from_bytes(&[0xff, 0x00, 0x01], 100);
        assert_eq!(body.content, BodyContent::Base64("/wAB".into()));
        let body = Body::from_bytes(b"ab\x1b[31m", 100);
        assert!(matches!(body.content, BodyContent::Base64(_)));
        assert_eq!(body.kept_bytes().unwrap(), b"ab\x1b[31m");
    }

    #[test]
    fn truncation_cuts_at_a_character_boundary() {
        // "é" is two bytes; a limit of 2 splits it after "a".
        let body = Body::from_bytes("aéb".as_bytes(), 2);
        assert_eq!(body.content, BodyContent::Text("a".into()));
        assert!(body.truncated);
        assert_eq!(body.size, 4);
    }

    #[test]
    fn body_serialises_flat() {
        let text = serde_json::to_string(&Body::text("hi")).unwrap();
        assert_eq!(text, r#"{"text":"hi","truncated":false,"size":2}"#);
        let back: Body =
            serde_json::from_str(r#"{"base64":"aGk=","truncated":true,"size":9}"#).unwrap();
        assert_eq!(back.content, BodyContent::Base64("aGk=".into()));
        assert_eq!(back.kept_bytes().unwrap(), b"hi");
    }
}
