//! `AAuth-Access` (response) and `Authorization: AAuth <token68>` (request): the opaque
//! session token a resource hands an agent and gets back (requirements §2.6).
//!
//! The value is an RFC 9110 `token68`. Recipients must reject empty values, embedded
//! whitespace or control characters, and more than one credential, so the parser names each
//! of those separately instead of a generic "invalid".

use std::fmt;

use super::error::{WireError, WireErrorKind};

/// The response header name.
pub const AAUTH_ACCESS: &str = "AAuth-Access";
/// The request header name the token comes back in.
pub const AUTHORIZATION: &str = "Authorization";
/// The registered HTTP authentication scheme.
pub const SCHEME: &str = "AAuth";

/// Which token68 or credential rule a value broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialFault {
    /// No value, or a scheme with no credential after it.
    Empty,
    /// Space or tab inside the credential (the byte offset is given).
    EmbeddedWhitespace(usize),
    /// A control character (the byte offset is given).
    ControlCharacter(usize),
    /// More than one credential: several `Authorization` fields, a comma-joined list, or
    /// auth-params where a single token68 belongs.
    MultipleCredentials,
    /// A character token68 does not allow, or `=` before the end (the offset is given).
    NotToken68(usize),
    /// The `Authorization` scheme is not `AAuth` (the scheme received is given).
    WrongScheme(String),
}

impl fmt::Display for CredentialFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialFault::Empty => f.write_str("empty credential"),
            CredentialFault::EmbeddedWhitespace(i) => {
                write!(f, "whitespace inside the credential at byte {i}")
            }
            CredentialFault::ControlCharacter(i) => {
                write!(f, "control character in the credential at byte {i}")
            }
            CredentialFault::MultipleCredentials => f.write_str("more than one credential"),
            CredentialFault::NotToken68(i) => write!(f, "not a token68 (byte {i})"),
            CredentialFault::WrongScheme(s) => write!(f, "scheme {s:?} is not AAuth"),
        }
    }
}

/// A session token: a valid token68, kept as sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionToken(String);

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Checks a token68, reporting the first rule broken with its offset relative to `base`.
fn check_token68(value: &[u8], base: usize) -> Result<(), CredentialFault> {
    if value.is_empty() {
        return Err(CredentialFault::Empty);
    }
    if value.contains(&b',') {
        return Err(CredentialFault::MultipleCredentials);
    }
    let mut padding = false;
    for (i, &b) in value.iter().enumerate() {
        let at = base + i;
        if b == b' ' || b == b'\t' {
            return Err(CredentialFault::EmbeddedWhitespace(at));
        }
        if b.is_ascii_control() {
            return Err(CredentialFault::ControlCharacter(at));
        }
        if b == b'=' {
            padding = true;
            continue;
        }
        if padding || !is_token68_char(b) {
            return Err(CredentialFault::NotToken68(at));
        }
    }
    if padding && value.first() == Some(&b'=') {
        return Err(CredentialFault::NotToken68(base));
    }
    Ok(())
}

fn trim_ows(v: &[u8]) -> (&[u8], usize) {
    let start = v
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(start, |e| e + 1);
    (v.get(start..end).unwrap_or_default(), start)
}

fn credential_error(field: &'static str, fault: CredentialFault) -> WireError {
    let offset = match fault {
        CredentialFault::EmbeddedWhitespace(i)
        | CredentialFault::ControlCharacter(i)
        | CredentialFault::NotToken68(i) => Some(i),
        _ => None,
    };
    let e = WireError::new(field, WireErrorKind::Credential(fault));
    match offset {
        Some(o) => e.with_offset(o),
        None => e,
    }
}

impl SessionToken {
    /// Parses an `AAuth-Access` field value (surrounding OWS is not part of the value).
    pub fn parse(value: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let (v, start) = trim_ows(value.as_ref());
        check_token68(v, start).map_err(|f| credential_error(AAUTH_ACCESS, f))?;
        Ok(SessionToken(String::from_utf8_lossy(v).into_owned()))
    }

    /// Parses every `AAuth-Access` field line of one response: more than one is refused.
    pub fn parse_fields<V: AsRef<[u8]>>(values: &[V]) -> Result<Self, WireError> {
        match values {
            [] => Err(credential_error(AAUTH_ACCESS, CredentialFault::Empty)),
            [one] => Self::parse(one),
            _ => Err(credential_error(
                AAUTH_ACCESS,
                CredentialFault::MultipleCredentials,
            )),
        }
    }

    /// Parses an `Authorization` field value that must be `AAuth <token68>`. The scheme is
    /// matched case-insensitively (RFC 9110 §11.1).
    pub fn parse_authorization(value: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let (v, start) = trim_ows(value.as_ref());
        if v.is_empty() {
            return Err(credential_error(AUTHORIZATION, CredentialFault::Empty));
        }
        let scheme_end = v
            .iter()
            .position(|b| *b == b' ' || *b == b'\t' || *b == b',')
            .unwrap_or(v.len());
        let (scheme, rest) = v.split_at(scheme_end);
        if !scheme.eq_ignore_ascii_case(SCHEME.as_bytes()) {
            return Err(credential_error(
                AUTHORIZATION,
                CredentialFault::WrongScheme(String::from_utf8_lossy(scheme).into_owned()),
            ));
        }
        // RFC 9110: 1*SP between scheme and token68.
        let spaces = rest.iter().take_while(|b| **b == b' ').count();
        if spaces == 0 && !rest.is_empty() {
            let fault = if rest.first() == Some(&b',') {
                CredentialFault::MultipleCredentials
            } else {
                CredentialFault::EmbeddedWhitespace(start + scheme_end)
            };
            return Err(credential_error(AUTHORIZATION, fault));
        }
        let cred = rest.get(spaces..).unwrap_or_default();
        check_token68(cred, start + scheme_end + spaces)
            .map_err(|f| credential_error(AUTHORIZATION, f))?;
        Ok(SessionToken(String::from_utf8_lossy(cred).into_owned()))
    }

    /// Parses every `Authorization` field line of one request: more than one is refused.
    pub fn parse_authorization_fields<V: AsRef<[u8]>>(values: &[V]) -> Result<Self, WireError> {
        match values {
            [] => Err(credential_error(AUTHORIZATION, CredentialFault::Empty)),
            [one] => Self::parse_authorization(one),
            _ => Err(credential_error(
                AUTHORIZATION,
                CredentialFault::MultipleCredentials,
            )),
        }
    }

    /// Wraps a value the harness minted, checking it is a token68.
    pub fn new(value: impl Into<String>) -> Result<Self, WireError> {
        let v = value.into();
        check_token68(v.as_bytes(), 0).map_err(|f| credential_error(AAUTH_ACCESS, f))?;
        Ok(SessionToken(v))
    }

    /// The token as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `AAuth-Access` field value.
    pub fn serialize(&self) -> String {
        self.0.clone()
    }

    /// The `Authorization` field value, `AAuth <token>`.
    pub fn authorization_value(&self) -> String {
        format!("{SCHEME} {}", self.0)
    }
}

impl fmt::Display for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(e: WireError) -> CredentialFault {
        match e.kind {
            WireErrorKind::Credential(f) => f,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn valid_values() {
        assert_eq!(
            SessionToken::parse("wrapped-session-token-value")
                .unwrap()
                .as_str(),
            "wrapped-session-token-value"
        );
        assert_eq!(
            SessionToken::parse("abc+/~._-==").unwrap().as_str(),
            "abc+/~._-=="
        );
        let t = SessionToken::parse_authorization("AAuth abc123==").unwrap();
        assert_eq!(t.as_str(), "abc123==");
        assert_eq!(t.authorization_value(), "AAuth abc123==");
        assert!(SessionToken::parse_authorization("aauth  abc").is_ok());
        assert_eq!(
            SessionToken::parse(t.serialize()).unwrap(),
            SessionToken::parse_authorization(t.authorization_value()).unwrap()
        );
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(
            fault(SessionToken::parse("").unwrap_err()),
            CredentialFault::Empty
        );
        assert_eq!(
            fault(SessionToken::parse("  ").unwrap_err()),
            CredentialFault::Empty
        );
        assert_eq!(
            fault(SessionToken::parse_authorization("AAuth").unwrap_err()),
            CredentialFault::Empty
        );
        assert_eq!(
            fault(SessionToken::parse_authorization("AAuth ").unwrap_err()),
            CredentialFault::Empty
        );
    }

    #[test]
    fn rejects_embedded_whitespace_and_controls() {
        let e = SessionToken::parse("abc def").unwrap_err();
        assert_eq!(e.offset, Some(3));
        assert_eq!(fault(e), CredentialFault::EmbeddedWhitespace(3));
        assert_eq!(
            fault(SessionToken::parse("abc\tdef").unwrap_err()),
            CredentialFault::EmbeddedWhitespace(3)
        );
        assert_eq!(
            fault(SessionToken::parse("abc\x01def").unwrap_err()),
            CredentialFault::ControlCharacter(3)
        );
        assert_eq!(
            fault(SessionToken::parse_authorization("AAuth abc def").unwrap_err()),
            CredentialFault::EmbeddedWhitespace(9)
        );
        assert_eq!(
            fault(SessionToken::parse_authorization("AAuth\tabc").unwrap_err()),
            CredentialFault::EmbeddedWhitespace(5)
        );
    }

    #[test]
    fn rejects_more_than_one_credential() {
        assert_eq!(
            fault(SessionToken::parse_authorization("AAuth abc, AAuth def").unwrap_err()),
            CredentialFault::MultipleCredentials
        );
        assert_eq!(
            fault(SessionToken::parse_authorization_fields(&["AAuth a", "AAuth b"]).unwrap_err()),
            CredentialFault::MultipleCredentials
        );
        assert_eq!(
            fault(SessionToken::parse_fields(&["a", "b"]).unwrap_err()),
            CredentialFault::MultipleCredentials
        );
        assert_eq!(
            fault(SessionToken::parse_authorization("AAuth a=1, b=2").unwrap_err()),
            CredentialFault::MultipleCredentials
        );
    }

    #[test]
    fn rejects_non_token68_and_wrong_scheme() {
        assert_eq!(
            fault(SessionToken::parse("a=b").unwrap_err()),
            CredentialFault::NotToken68(2)
        );
        assert_eq!(
            fault(SessionToken::parse("\"abc\"").unwrap_err()),
            CredentialFault::NotToken68(0)
        );
        assert_eq!(
            fault(SessionToken::parse("===").unwrap_err()),
            CredentialFault::NotToken68(0)
        );
        assert_eq!(
            fault(SessionToken::parse("é").unwrap_err()),
            CredentialFault::NotToken68(0)
        );
        assert_eq!(
            fault(SessionToken::parse_authorization("Bearer abc").unwrap_err()),
            CredentialFault::WrongScheme("Bearer".into())
        );
    }
}
