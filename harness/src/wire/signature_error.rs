//! `Signature-Error` (HTTP Signature Keys §5): the machine-readable reason a signed request
//! was refused. The code is an open newtype so unknown codes from an implementation are kept.
//!
//! The header is a Dictionary whose `error` member is a Token; `invalid_input` adds
//! `required_input`, an Inner List of Strings naming component identifiers, each with its
//! parameters (`"@query-param";name="q"`). Members other than those two, and parameters on
//! them, are kept so a report shows everything the implementation sent.

use std::borrow::Cow;

use super::error::WireError;
use super::sf;

/// The header name.
pub const FIELD: &str = "Signature-Error";

/// A `Signature-Error` `error` code, e.g. `invalid_signature`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignatureErrorCode(Cow<'static, str>);

impl SignatureErrorCode {
    /// A required header (`Signature`, `Signature-Input`, `Signature-Key`) is missing.
    pub const INVALID_REQUEST: Self = Self(Cow::Borrowed("invalid_request"));
    /// A required component is not covered; carries `required_input`.
    pub const INVALID_INPUT: Self = Self(Cow::Borrowed("invalid_input"));
    /// `created`/`expires` unacceptable or the signature does not verify.
    pub const INVALID_SIGNATURE: Self = Self(Cow::Borrowed("invalid_signature"));
    /// The selected `Signature-Key` scheme is not supported.
    pub const UNSUPPORTED_SCHEME: Self = Self(Cow::Borrowed("unsupported_scheme"));
    /// Key material unparsable, or `kty`/`crv` disagree with `alg`.
    pub const INVALID_KEY: Self = Self(Cow::Borrowed("invalid_key"));
    /// `kid` not found in the issuer's JWKS.
    pub const UNKNOWN_KEY: Self = Self(Cow::Borrowed("unknown_key"));
    /// The JWT in `Signature-Key` is malformed or does not verify.
    pub const INVALID_JWT: Self = Self(Cow::Borrowed("invalid_jwt"));
    /// The JWT in `Signature-Key` has expired.
    pub const EXPIRED_JWT: Self = Self(Cow::Borrowed("expired_jwt"));
    /// Issuer metadata lacks `issuer`.
    pub const ISSUER_MISSING: Self = Self(Cow::Borrowed("issuer_missing"));
    /// Issuer metadata `issuer` differs from the identity it was fetched for.
    pub const ISSUER_MISMATCH: Self = Self(Cow::Borrowed("issuer_mismatch"));
    /// The key's `alg` is absent, polymorphic or not implemented.
    pub const UNSUPPORTED_ALGORITHM: Self = Self(Cow::Borrowed("unsupported_algorithm"));
    /// SK-08 `cached` scheme: the verifier has no such cached key.
    pub const CACHE_MISS: Self = Self(Cow::Borrowed("cache_miss"));
    /// SK-09 editor's copy: the JWT was revoked.
    pub const REVOKED_JWT: Self = Self(Cow::Borrowed("revoked_jwt"));
    /// SK-09 editor's copy: `created` too far from the verifier's clock.
    pub const CLOCK_SKEW: Self = Self(Cow::Borrowed("clock_skew"));

    /// Any code, kept verbatim.
    pub fn new(code: impl Into<String>) -> Self {
        Self(Cow::Owned(code.into()))
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SignatureErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SignatureErrorCode {
    fn from(s: &str) -> Self {
        SignatureErrorCode::new(s)
    }
}

impl SignatureErrorCode {
    /// Every code SK-08 and the SK-09 editor's copy define.
    pub const KNOWN: [SignatureErrorCode; 14] = [
        Self::INVALID_REQUEST,
        Self::INVALID_INPUT,
        Self::INVALID_SIGNATURE,
        Self::UNSUPPORTED_SCHEME,
        Self::INVALID_KEY,
        Self::UNKNOWN_KEY,
        Self::INVALID_JWT,
        Self::EXPIRED_JWT,
        Self::ISSUER_MISSING,
        Self::ISSUER_MISMATCH,
        Self::UNSUPPORTED_ALGORITHM,
        Self::CACHE_MISS,
        Self::REVOKED_JWT,
        Self::CLOCK_SKEW,
    ];

    /// True for the codes SK defines (case-sensitive).
    pub fn is_known(&self) -> bool {
        Self::KNOWN.contains(self)
    }

    /// The Problem Details `type` SK-08 requires alongside this code:
    /// `urn:ietf:params:sig-error:<code>`.
    pub fn problem_type(&self) -> String {
        format!("urn:ietf:params:sig-error:{}", self.0)
    }
}

/// One entry of `required_input`: a component identifier as the server listed it, its name
/// and its parameters (`"@query-param";name="q"` needs both to mean anything).
#[derive(Clone, Debug, PartialEq)]
pub struct RequiredComponent {
    /// The component name, e.g. `@method` or `content-digest`.
    pub name: String,
    /// The identifier's parameters (`name`, `key`, `sf`, `req`, ...), as received.
    pub params: sfv::Parameters,
}

impl RequiredComponent {
    /// A component without parameters.
    pub fn new(name: impl Into<String>) -> Self {
        RequiredComponent {
            name: name.into(),
            params: sfv::Parameters::new(),
        }
    }

    /// Reads one entry given either as a bare name (`@method`) or as a serialized component
    /// identifier (`"@query-param";name="q"`); text that is neither is kept as a name.
    pub fn from_text(text: &str) -> Self {
        if text.starts_with('"') {
            if let Ok(sfv::Item {
                bare_item: sfv::BareItem::String(name),
                params,
            }) = sfv::Parser::new(text).parse::<sfv::Item>()
            {
                return RequiredComponent {
                    name: name.as_str().to_string(),
                    params,
                };
            }
        }
        Self::new(text)
    }
}

/// A parsed `Signature-Error` field.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureError {
    /// The `error` Token.
    pub error: SignatureErrorCode,
    /// Parameters on the `error` member, as received (none are defined).
    pub error_params: sfv::Parameters,
    /// `required_input`, when present: the components the server requires, with their
    /// parameters.
    pub required_input: Option<Vec<RequiredComponent>>,
    /// Parameters on the `required_input` Inner List itself, as received (none are defined).
    pub required_input_params: sfv::Parameters,
    /// Every other member, as received.
    pub other: sfv::Dictionary,
}

impl SignatureError {
    /// A header carrying just `error=<code>`.
    pub fn new(error: SignatureErrorCode) -> Self {
        SignatureError {
            error,
            error_params: sfv::Parameters::new(),
            required_input: None,
            required_input_params: sfv::Parameters::new(),
            other: sfv::Dictionary::new(),
        }
    }

    /// `invalid_input` with the components the server requires, each a bare name
    /// (`@method`) or a serialized component identifier (`"@query-param";name="q"`).
    pub fn invalid_input<'a>(required: impl IntoIterator<Item = &'a str>) -> Self {
        SignatureError {
            required_input: Some(
                required
                    .into_iter()
                    .map(RequiredComponent::from_text)
                    .collect(),
            ),
            ..Self::new(SignatureErrorCode::INVALID_INPUT)
        }
    }

    /// The names in `required_input`, without their parameters.
    pub fn required_names(&self) -> Option<Vec<&str>> {
        self.required_input
            .as_ref()
            .map(|r| r.iter().map(|c| c.name.as_str()).collect())
    }

    /// Parses a field value strictly: `error` must be a Token, `required_input` an Inner List
    /// of Strings.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let mut dict = sf::parse_dictionary(FIELD, input)?;
        if dict.is_empty() {
            return Err(WireError::empty(FIELD));
        }
        let error_key = sf::key(FIELD, "error")?;
        let (error, error_params) = match dict.shift_remove(&error_key) {
            None => return Err(WireError::missing(FIELD, "error")),
            Some(sfv::ListEntry::Item(sfv::Item {
                bare_item: sfv::BareItem::Token(t),
                params,
            })) => (SignatureErrorCode::new(t.as_str()), params),
            Some(other) => {
                return Err(WireError::wrong_type(
                    FIELD,
                    "error",
                    "a Token",
                    sf::entry_type_name(&other),
                ))
            }
        };
        let ri_key = sf::key(FIELD, "required_input")?;
        let mut required_input_params = sfv::Parameters::new();
        let required_input = match dict.shift_remove(&ri_key) {
            None => None,
            Some(sfv::ListEntry::InnerList(list)) => {
                let mut out = Vec::with_capacity(list.items.len());
                for (i, item) in list.items.into_iter().enumerate() {
                    match item.bare_item {
                        sfv::BareItem::String(s) => out.push(RequiredComponent {
                            name: s.as_str().to_string(),
                            params: item.params,
                        }),
                        other => {
                            return Err(WireError::wrong_type(
                                FIELD,
                                format!("required_input item {i}"),
                                "a String",
                                sf::type_name(&other),
                            ))
                        }
                    }
                }
                required_input_params = list.params;
                Some(out)
            }
            Some(other) => {
                return Err(WireError::wrong_type(
                    FIELD,
                    "required_input",
                    "an Inner List of Strings",
                    sf::entry_type_name(&other),
                ))
            }
        };
        Ok(SignatureError {
            error,
            error_params,
            required_input,
            required_input_params,
            other: dict,
        })
    }

    /// Canonical serialization: `error` first, then `required_input`, then the rest.
    pub fn serialize(&self) -> Result<String, WireError> {
        let mut dict = sfv::Dictionary::new();
        dict.insert(
            sf::key(FIELD, "error")?,
            sfv::ListEntry::Item(sfv::Item::with_params(
                sf::token_item(FIELD, "error", self.error.as_str())?,
                self.error_params.clone(),
            )),
        );
        if let Some(ri) = &self.required_input {
            let mut items = Vec::with_capacity(ri.len());
            for c in ri {
                items.push(sfv::Item::with_params(
                    sf::string_item(FIELD, "required_input", &c.name)?,
                    c.params.clone(),
                ));
            }
            dict.insert(
                sf::key(FIELD, "required_input")?,
                sfv::ListEntry::InnerList(sfv::InnerList::with_params(
                    items,
                    self.required_input_params.clone(),
                )),
            );
        }
        for (k, v) in &self.other {
            dict.insert(k.clone(), v.clone());
        }
        Ok(sf::serialize_dictionary(&dict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::error::WireErrorKind;
    use proptest::prelude::*;

    #[test]
    fn parses_invalid_input_example() {
        let raw = r#"error=invalid_input, required_input=("@method" "@authority" "@path" "signature-key" "content-digest")"#;
        let e = SignatureError::parse(raw).unwrap();
        assert_eq!(e.error, SignatureErrorCode::INVALID_INPUT);
        assert_eq!(e.required_input.as_ref().unwrap().len(), 5);
        assert_eq!(e.serialize().unwrap(), raw);
        let built = SignatureError::invalid_input([
            "@method",
            "@authority",
            "@path",
            "signature-key",
            "content-digest",
        ]);
        assert_eq!(built, e);
    }

    #[test]
    fn required_components_keep_their_parameters() {
        // Found by `cargo fuzz run signature_error`: parameters on `required_input` items
        // (and on the list) were dropped, so `"@query-param";name="q"` read as
        // `"@query-param"`.
        let raw = r#"error=invalid_input, required_input=("@query-param";name="q" "@method");p=1"#;
        let e = SignatureError::parse(raw).unwrap();
        let ri = e.required_input.as_ref().unwrap();
        assert_eq!(ri[0].name, "@query-param");
        assert_eq!(ri[0].params.len(), 1);
        assert_eq!(e.required_input_params.len(), 1);
        assert_eq!(e.required_names(), Some(vec!["@query-param", "@method"]));
        assert_eq!(e.serialize().unwrap(), raw);
        // A serialized identifier given to the builder is read as one, not quoted again.
        let built = SignatureError::invalid_input([r#""@query-param";name="q""#, "@method"]);
        assert_eq!(
            built.serialize().unwrap(),
            r#"error=invalid_input, required_input=("@query-param";name="q" "@method")"#
        );
    }

    #[test]
    fn unknown_codes_and_members_are_kept() {
        let e = SignatureError::parse("error=brand_new;p=1, supported_algorithms=(Ed25519), x=?0")
            .unwrap();
        assert_eq!(e.error.as_str(), "brand_new");
        assert!(!e.error.is_known());
        assert_eq!(e.other.len(), 2);
        assert_eq!(
            e.serialize().unwrap(),
            "error=brand_new;p=1, supported_algorithms=(Ed25519), x=?0"
        );
    }

    #[test]
    fn strict_types() {
        let e = SignatureError::parse(r#"error="invalid_signature""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a String",
                ..
            }
        ));
        let e = SignatureError::parse("reason=x").unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("error".into()));
        let e = SignatureError::parse("error=invalid_input, required_input=(method)").unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a Token",
                ..
            }
        ));
        let e =
            SignatureError::parse(r#"error=invalid_input, required_input="@method""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a String",
                ..
            }
        ));
        assert_eq!(
            SignatureError::parse("").unwrap_err().kind,
            WireErrorKind::Empty
        );
        assert!(SignatureError::parse("error=invalid_signature;")
            .unwrap_err()
            .is_syntax());
    }

    #[test]
    fn problem_type_urn() {
        assert_eq!(
            SignatureErrorCode::UNSUPPORTED_ALGORITHM.problem_type(),
            "urn:ietf:params:sig-error:unsupported_algorithm"
        );
    }

    proptest! {
        #[test]
        fn round_trip(
            code in "[a-z][a-z_]{0,20}",
            ri in proptest::option::of(proptest::collection::vec("[ -~]{0,12}", 0..5)),
        ) {
            let e = SignatureError {
                required_input: ri.map(|r| r.into_iter().map(RequiredComponent::new).collect()),
                ..SignatureError::new(SignatureErrorCode::new(code))
            };
            let s = e.serialize().unwrap();
            prop_assert_eq!(SignatureError::parse(&s).unwrap(), e);
        }

        #[test]
        fn parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = SignatureError::parse(&input);
        }
    }
}
