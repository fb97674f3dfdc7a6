//! One error type for every wire parser: which field or document was wrong, what was wrong
//! with it, and where.
//!
//! A `WireError` is always the sender's fault: the bytes came from the other party (or from a
//! deliberately broken builder). Cases turn it into a `Fail` with the message shown as is, so
//! the message names the header or document, the member or parameter, and the byte offset
//! when the Structured Field parser reported one.

use std::borrow::Cow;
use std::fmt;

use super::aauth_access::CredentialFault;
use super::identifier::IdentifierFault;

/// A header or document did not have the shape its specification gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// The header field or document, e.g. `Signature-Key`, `aauth-person.json`, `problem+json`.
    pub field: Cow<'static, str>,
    /// The member, parameter or JSON member inside it, e.g. `sig;jwt` or `jwks_uri`.
    pub location: Option<String>,
    /// Byte offset into the field value where parsing stopped, when known.
    pub offset: Option<usize>,
    /// What was wrong.
    pub kind: WireErrorKind,
}

/// The ways a wire value can be wrong. Each says enough for a report to be read without the
/// bytes at hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireErrorKind {
    /// The field is absent or empty where a value is needed.
    Empty,
    /// RFC 9651 syntax was violated; the text is the parser's reason.
    Syntax(String),
    /// The body is not JSON, or not the JSON shape expected (e.g. not an object).
    Json(String),
    /// A required member or parameter is absent.
    Missing(String),
    /// A required parameter was sent as a separate dictionary member (the `,`-vs-`;` mix-up),
    /// or a required member as a parameter.
    Misplaced {
        /// The member or parameter name.
        name: String,
        /// Where it was found instead, e.g. "dictionary member".
        found_as: &'static str,
    },
    /// A member or parameter has the wrong Structured Field or JSON type.
    WrongType {
        /// The member or parameter name (or list index).
        name: String,
        /// The type the specification requires.
        expected: &'static str,
        /// The type received.
        found: &'static str,
    },
    /// A member or parameter the specification forbids in this position (e.g. `kid` in `hwk`).
    Forbidden(String),
    /// The value has the right type but is not allowed.
    InvalidValue {
        /// The member or parameter name.
        name: String,
        /// Why it is not allowed.
        reason: String,
    },
    /// An identifier, URL, digest or code broke an identifier rule.
    Identifier {
        /// The member or parameter name.
        name: String,
        /// The rule broken.
        fault: IdentifierFault,
    },
    /// An `AAuth-Access` or `Authorization: AAuth` credential broke the token68 rules.
    Credential(CredentialFault),
    /// The input exceeds a size limit the harness applies before parsing.
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl WireError {
    /// An error about `field` of the given kind, with no location yet.
    pub fn new(field: impl Into<Cow<'static, str>>, kind: WireErrorKind) -> Self {
        WireError {
            field: field.into(),
            location: None,
            offset: None,
            kind,
        }
    }

    /// A Structured Field syntax error, keeping the parser's reason and byte offset.
    pub fn syntax(field: impl Into<Cow<'static, str>>, err: &sfv::Error) -> Self {
        WireError {
            field: field.into(),
            location: None,
            offset: err.index(),
            kind: WireErrorKind::Syntax(format!("{err:#}")),
        }
    }

    /// The field was absent or empty.
    pub fn empty(field: impl Into<Cow<'static, str>>) -> Self {
        Self::new(field, WireErrorKind::Empty)
    }

    /// A required member or parameter is absent.
    pub fn missing(field: impl Into<Cow<'static, str>>, name: impl Into<String>) -> Self {
        Self::new(field, WireErrorKind::Missing(name.into()))
    }

    /// A member or parameter has the wrong type.
    pub fn wrong_type(
        field: impl Into<Cow<'static, str>>,
        name: impl Into<String>,
        expected: &'static str,
        found: &'static str,
    ) -> Self {
        Self::new(
            field,
            WireErrorKind::WrongType {
                name: name.into(),
                expected,
                found,
            },
        )
    }

    /// A value of the right type that is not allowed.
    pub fn invalid(
        field: impl Into<Cow<'static, str>>,
        name: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(
            field,
            WireErrorKind::InvalidValue {
                name: name.into(),
                reason: reason.into(),
            },
        )
    }

    /// Adds the member or parameter path.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Adds the byte offset.
    pub fn with_offset(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    /// True when the value was not even syntactically valid (SF or JSON), as opposed to
    /// well-formed but wrong. Verifiers often map the two to different error codes.
    pub fn is_syntax(&self) -> bool {
        matches!(
            self.kind,
            WireErrorKind::Syntax(_) | WireErrorKind::Json(_) | WireErrorKind::Empty
        )
    }
}

impl fmt::Display for WireErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireErrorKind::Empty => f.write_str("empty or absent"),
            WireErrorKind::Syntax(r) => write!(f, "invalid structured field: {r}"),
            WireErrorKind::Json(r) => write!(f, "invalid JSON: {r}"),
            WireErrorKind::Missing(n) => write!(f, "required `{n}` is missing"),
            WireErrorKind::Misplaced { name, found_as } => {
                write!(f, "`{name}` was sent as a {found_as}")
            }
            WireErrorKind::WrongType {
                name,
                expected,
                found,
            } => write!(f, "`{name}` must be {expected}, found {found}"),
            WireErrorKind::Forbidden(n) => write!(f, "`{n}` is not allowed here"),
            WireErrorKind::InvalidValue { name, reason } => write!(f, "`{name}`: {reason}"),
            WireErrorKind::Identifier { name, fault } => write!(f, "`{name}`: {fault}"),
            WireErrorKind::Credential(c) => write!(f, "{c}"),
            WireErrorKind::TooLarge { size, limit } => {
                write!(f, "{size} bytes exceeds the {limit}-byte limit")
            }
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.field)?;
        if let Some(loc) = &self.location {
            write!(f, " ({loc})")?;
        }
        write!(f, ": {}", self.kind)?;
        if let Some(off) = self.offset {
            write!(f, " at byte {off}")?;
        }
        Ok(())
    }
}

impl std::error::Error for WireError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_field_location_and_offset() {
        let e = WireError::wrong_type("Signature-Key", "jwt", "a String", "a Token")
            .at("sig;jwt")
            .with_offset(12);
        assert_eq!(
            e.to_string(),
            "Signature-Key (sig;jwt): `jwt` must be a String, found a Token at byte 12"
        );
    }

    #[test]
    fn syntax_error_keeps_sfv_offset() {
        let err = sfv::Parser::new("a=1;0")
            .parse::<sfv::Dictionary>()
            .unwrap_err();
        let e = WireError::syntax("X", &err);
        assert_eq!(e.offset, Some(4));
        assert!(e.is_syntax());
        assert!(matches!(e.kind, WireErrorKind::Syntax(ref s) if !s.contains("index")));
    }
}
