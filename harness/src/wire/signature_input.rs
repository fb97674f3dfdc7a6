//! `Signature-Input` (RFC 9421 §4.1): per label, the covered components and the signature
//! parameters, exactly as they are signed in the `@signature-params` line.
//!
//! The field is a Dictionary keyed by label; each member is an Inner List of component
//! identifiers carrying the signature parameters. Everything is kept in received order
//! (labels, components, component parameters, signature parameters), because the
//! serialization of a member *is* the last line of the signature base: re-ordering anything
//! would change what was signed. Unknown signature parameters are kept verbatim.
//!
//! Parsing is strict (RFC 8941, which RFC 9421 builds on): a member that is not an Inner
//! List, a covered item that is not a String, a duplicated identifier, or a known parameter
//! of the wrong type is an error that names the label and the position.

use crate::httpsig::component::{
    bare_item_kind, sf_bare_item, sf_string, ComponentId, ComponentIdError,
};
use std::fmt;

/// One signature parameter (RFC 9421 §2.3), in its received position.
#[derive(Clone, Debug, PartialEq)]
pub enum SignatureParam {
    /// `created`: Unix time the signature was made.
    Created(i64),
    /// `expires`: Unix time after which the signature is no longer valid.
    Expires(i64),
    /// `nonce`: a value for replay detection (AAuth defines none).
    Nonce(String),
    /// `alg`: an HTTP Signature Algorithm name. AAuth verifiers ignore it.
    Alg(String),
    /// `keyid`: a key identifier. AAuth takes the key from `Signature-Key` instead.
    KeyId(String),
    /// `tag`: an application tag.
    Tag(String),
    /// Any other parameter, kept as received.
    Other(String, sfv::BareItem),
}

impl SignatureParam {
    /// The parameter key as serialized.
    pub fn key(&self) -> &str {
        match self {
            SignatureParam::Created(_) => "created",
            SignatureParam::Expires(_) => "expires",
            SignatureParam::Nonce(_) => "nonce",
            SignatureParam::Alg(_) => "alg",
            SignatureParam::KeyId(_) => "keyid",
            SignatureParam::Tag(_) => "tag",
            SignatureParam::Other(k, _) => k,
        }
    }

    fn serialize_into(&self, out: &mut String) {
        out.push(';');
        out.push_str(self.key());
        match self {
            SignatureParam::Created(n) | SignatureParam::Expires(n) => {
                out.push('=');
                out.push_str(&n.to_string());
            }
            SignatureParam::Nonce(s)
            | SignatureParam::Alg(s)
            | SignatureParam::KeyId(s)
            | SignatureParam::Tag(s) => {
                out.push('=');
                out.push_str(&sf_string(s));
            }
            SignatureParam::Other(_, v) => {
                if *v != sfv::BareItem::Boolean(true) {
                    out.push('=');
                    out.push_str(&sf_bare_item(v));
                }
            }
        }
    }
}

/// One `Signature-Input` member: what a signature covers and how it was made. Its
/// serialization is the `@signature-params` value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SignatureParams {
    /// Covered components, in signing order.
    pub covered: Vec<ComponentId>,
    /// Signature parameters, in serialization order.
    pub params: Vec<SignatureParam>,
}

impl SignatureParams {
    /// Cover `covered`, with no parameters yet.
    pub fn new(covered: Vec<ComponentId>) -> Self {
        SignatureParams {
            covered,
            params: Vec::new(),
        }
    }

    /// Builder-style [`SignatureParams::set`].
    pub fn with(mut self, param: SignatureParam) -> Self {
        self.set(param);
        self
    }

    /// Replace the parameter with the same key in place, or append it.
    pub fn set(&mut self, param: SignatureParam) {
        match self.params.iter_mut().find(|p| p.key() == param.key()) {
            Some(slot) => *slot = param,
            None => self.params.push(param),
        }
    }

    /// Drop every parameter with this key.
    pub fn remove(&mut self, key: &str) {
        self.params.retain(|p| p.key() != key);
    }

    /// `created`, when present.
    pub fn created(&self) -> Option<i64> {
        self.params.iter().find_map(|p| match p {
            SignatureParam::Created(n) => Some(*n),
            _ => None,
        })
    }

    /// `expires`, when present.
    pub fn expires(&self) -> Option<i64> {
        self.params.iter().find_map(|p| match p {
            SignatureParam::Expires(n) => Some(*n),
            _ => None,
        })
    }

    /// `alg`, when present (for reporting only: AAuth never uses it).
    pub fn alg(&self) -> Option<&str> {
        self.string_param(|p| match p {
            SignatureParam::Alg(s) => Some(s),
            _ => None,
        })
    }

    /// `keyid`, when present (for reporting only: AAuth never selects a key by it).
    pub fn keyid(&self) -> Option<&str> {
        self.string_param(|p| match p {
            SignatureParam::KeyId(s) => Some(s),
            _ => None,
        })
    }

    /// `nonce`, when present.
    pub fn nonce(&self) -> Option<&str> {
        self.string_param(|p| match p {
            SignatureParam::Nonce(s) => Some(s),
            _ => None,
        })
    }

    /// `tag`, when present.
    pub fn tag(&self) -> Option<&str> {
        self.string_param(|p| match p {
            SignatureParam::Tag(s) => Some(s),
            _ => None,
        })
    }

    fn string_param<'a>(
        &'a self,
        f: impl Fn(&'a SignatureParam) -> Option<&'a String>,
    ) -> Option<&'a str> {
        self.params.iter().find_map(f).map(String::as_str)
    }

    /// True when `id` is among the covered components.
    pub fn covers(&self, id: &ComponentId) -> bool {
        self.covered.contains(id)
    }

    /// The Inner List serialization: the `@signature-params` value and the member value
    /// in `Signature-Input` (RFC 9421 §2.3).
    pub fn serialize(&self) -> String {
        let mut out = String::new();
        self.serialize_into(&mut out);
        out
    }

    /// [`SignatureParams::serialize`], appended to `out` (the `@signature-params` line of a
    /// signature base).
    pub fn serialize_into(&self, out: &mut String) {
        out.push('(');
        for (i, c) in self.covered.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            c.serialize_into(out);
        }
        out.push(')');
        for p in &self.params {
            p.serialize_into(out);
        }
    }

    /// Read one member value (an Inner List with parameters), e.g. for a vector file.
    pub fn parse(text: &str) -> Result<Self, SignatureFieldError> {
        let list: sfv::List = sfv::Parser::new(text)
            .with_version(sfv::Version::Rfc8941)
            .parse()
            .map_err(|e| SignatureFieldError::syntax(SIGNATURE_INPUT, &e))?;
        match list.as_slice() {
            [entry] => params_from_entry(entry, ""),
            _ => Err(SignatureFieldError {
                field: SIGNATURE_INPUT,
                label: None,
                kind: SignatureFieldErrorKind::NotInnerList,
            }),
        }
    }
}

impl fmt::Display for SignatureParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialize())
    }
}

/// The whole `Signature-Input` field: members by label, in order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SignatureInput {
    members: Vec<(String, SignatureParams)>,
}

pub(crate) const SIGNATURE_INPUT: &str = "Signature-Input";
pub(crate) const SIGNATURE: &str = "Signature";

impl SignatureInput {
    /// An empty field.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse a field value (field lines already combined with `", "`).
    pub fn parse(value: &str) -> Result<Self, SignatureFieldError> {
        let dict: sfv::Dictionary = sfv::Parser::new(value)
            .with_version(sfv::Version::Rfc8941)
            .parse()
            .map_err(|e| SignatureFieldError::syntax(SIGNATURE_INPUT, &e))?;
        let mut members = Vec::with_capacity(dict.len());
        for (label, entry) in &dict {
            members.push((
                label.as_str().to_string(),
                params_from_entry(entry, label.as_str())?,
            ));
        }
        Ok(SignatureInput { members })
    }

    /// The member for `label`.
    pub fn get(&self, label: &str) -> Option<&SignatureParams> {
        self.members
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, p)| p)
    }

    /// Labels in field order.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(l, _)| l.as_str())
    }

    /// Members in field order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SignatureParams)> {
        self.members.iter().map(|(l, p)| (l.as_str(), p))
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Set the member for `label`, replacing it in place or appending it.
    pub fn insert(&mut self, label: &str, params: SignatureParams) {
        match self.members.iter_mut().find(|(l, _)| l == label) {
            Some(slot) => slot.1 = params,
            None => self.members.push((label.to_string(), params)),
        }
    }

    /// Remove the member for `label`.
    pub fn remove(&mut self, label: &str) {
        self.members.retain(|(l, _)| l != label);
    }

    /// The field value: `label=(...);params, label2=...`.
    pub fn serialize(&self) -> String {
        self.members
            .iter()
            .map(|(l, p)| format!("{l}={}", p.serialize()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `Signature-Input` or `Signature` could not be read. Says which field, which label and
/// what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}{}: {kind}", label.as_ref().map(|l| format!(" member {l:?}")).unwrap_or_default())]
pub struct SignatureFieldError {
    /// `Signature-Input` or `Signature`.
    pub field: &'static str,
    /// The member, when the fault is inside one.
    pub label: Option<String>,
    /// What was wrong.
    pub kind: SignatureFieldErrorKind,
}

/// The specific fault in a [`SignatureFieldError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureFieldErrorKind {
    /// Not a valid structured-field Dictionary.
    #[error("not a valid structured field{}: {message}", index.map(|i| format!(" at byte {i}")).unwrap_or_default())]
    Syntax {
        /// The parser's message.
        message: String,
        /// Byte offset of the fault, when known.
        index: Option<usize>,
    },
    /// A `Signature-Input` member must be an Inner List.
    #[error("member value must be an Inner List of component identifiers")]
    NotInnerList,
    /// A `Signature` member must be a Byte Sequence.
    #[error("member value must be a Byte Sequence, found {0}")]
    NotByteSequence(&'static str),
    /// A covered component is unusable.
    #[error("covered component {position}: {error}")]
    Component {
        /// Zero-based position in the inner list.
        position: usize,
        /// What was wrong with it.
        error: ComponentIdError,
    },
    /// The same identifier is listed twice (RFC 9421 §2).
    #[error("covered component {position} repeats {id}")]
    DuplicateComponent {
        /// Zero-based position of the repeat.
        position: usize,
        /// The repeated identifier.
        id: String,
    },
    /// A known signature parameter has the wrong type.
    #[error("parameter `{param}` must be {expected}, found {found}")]
    ParamType {
        /// The parameter key.
        param: String,
        /// The type RFC 9421 §2.3 requires.
        expected: &'static str,
        /// The type received.
        found: &'static str,
    },
}

impl SignatureFieldError {
    pub(crate) fn syntax(field: &'static str, e: &sfv::Error) -> Self {
        SignatureFieldError {
            field,
            label: None,
            kind: SignatureFieldErrorKind::Syntax {
                message: e.to_string(),
                index: e.index(),
            },
        }
    }
}

fn params_from_entry(
    entry: &sfv::ListEntry,
    label: &str,
) -> Result<SignatureParams, SignatureFieldError> {
    let err = |kind| SignatureFieldError {
        field: SIGNATURE_INPUT,
        label: (!label.is_empty()).then(|| label.to_string()),
        kind,
    };
    let inner = match entry {
        sfv::ListEntry::InnerList(inner) => inner,
        sfv::ListEntry::Item(_) => return Err(err(SignatureFieldErrorKind::NotInnerList)),
    };
    let mut covered: Vec<ComponentId> = Vec::with_capacity(inner.items.len());
    for (position, item) in inner.items.iter().enumerate() {
        let id = ComponentId::from_item(item)
            .map_err(|error| err(SignatureFieldErrorKind::Component { position, error }))?;
        if covered.contains(&id) {
            return Err(err(SignatureFieldErrorKind::DuplicateComponent {
                position,
                id: id.serialize(),
            }));
        }
        covered.push(id);
    }
    let mut params = Vec::with_capacity(inner.params.len());
    for (key, value) in &inner.params {
        let key = key.as_str();
        let type_err = |expected| {
            err(SignatureFieldErrorKind::ParamType {
                param: key.to_string(),
                expected,
                found: bare_item_kind(value),
            })
        };
        let param = match (key, value) {
            ("created", sfv::BareItem::Integer(n)) => SignatureParam::Created(i64::from(*n)),
            ("expires", sfv::BareItem::Integer(n)) => SignatureParam::Expires(i64::from(*n)),
            ("created" | "expires", _) => return Err(type_err("an Integer")),
            ("nonce", sfv::BareItem::String(s)) => SignatureParam::Nonce(s.as_str().into()),
            ("alg", sfv::BareItem::String(s)) => SignatureParam::Alg(s.as_str().into()),
            ("keyid", sfv::BareItem::String(s)) => SignatureParam::KeyId(s.as_str().into()),
            ("tag", sfv::BareItem::String(s)) => SignatureParam::Tag(s.as_str().into()),
            ("nonce" | "alg" | "keyid" | "tag", _) => return Err(type_err("a String")),
            (other, v) => SignatureParam::Other(other.to_string(), v.clone()),
        };
        params.push(param);
    }
    Ok(SignatureParams { covered, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    const B26: &str = r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#;

    #[test]
    fn parse_then_serialize_is_byte_exact() {
        let input = SignatureInput::parse(B26).expect("valid");
        assert_eq!(input.serialize(), B26);
        let p = input.get("sig-b26").expect("label");
        assert_eq!(p.covered.len(), 6);
        assert_eq!(p.created(), Some(1618884473));
        assert_eq!(p.keyid(), Some("test-key-ed25519"));
        assert_eq!(p.alg(), None);
    }

    #[test]
    fn parameter_order_and_unknown_parameters_survive() {
        let v = r#"a=("@method");keyid="k";foo=?0;created=1;bar;nonce="n";expires=9;tag="t";alg="x", b=()"#;
        let input = SignatureInput::parse(v).expect("valid");
        assert_eq!(input.serialize(), v);
        assert_eq!(input.labels().collect::<Vec<_>>(), ["a", "b"]);
        let mut p = input.get("a").cloned().expect("a");
        p.set(SignatureParam::Created(5));
        p.remove("foo");
        assert_eq!(
            p.serialize(),
            r#"("@method");keyid="k";created=5;bar;nonce="n";expires=9;tag="t";alg="x""#
        );
    }

    #[test]
    fn optional_whitespace_is_normalised_on_serialization() {
        let input = SignatureInput::parse(r#"sig=( "@method"   "@path" );created=1 ,  x=()"#)
            .expect("valid");
        assert_eq!(
            input.serialize(),
            r#"sig=("@method" "@path");created=1, x=()"#
        );
    }

    #[test]
    fn strict_errors_name_field_label_and_position() {
        let e = SignatureInput::parse(r#"sig="@method""#).expect_err("item");
        assert_eq!(e.kind, SignatureFieldErrorKind::NotInnerList);
        assert_eq!(e.label.as_deref(), Some("sig"));

        let e = SignatureInput::parse(r#"sig=("@method" @path)"#).expect_err("token");
        assert!(
            matches!(e.kind, SignatureFieldErrorKind::Syntax { .. })
                || matches!(
                    e.kind,
                    SignatureFieldErrorKind::Component { position: 1, .. }
                )
        );

        let e = SignatureInput::parse(r#"sig=("@method" tok)"#).expect_err("token item");
        assert!(matches!(
            e.kind,
            SignatureFieldErrorKind::Component {
                position: 1,
                error: ComponentIdError::NotAString("a Token")
            }
        ));

        let e = SignatureInput::parse(r#"sig=("@method" "@method")"#).expect_err("dup");
        assert!(matches!(
            e.kind,
            SignatureFieldErrorKind::DuplicateComponent { position: 1, .. }
        ));

        let e = SignatureInput::parse(r#"sig=("@method");created="1""#).expect_err("type");
        assert_eq!(
            e.kind,
            SignatureFieldErrorKind::ParamType {
                param: "created".into(),
                expected: "an Integer",
                found: "a String"
            }
        );
        assert_eq!(e.to_string(), "Signature-Input member \"sig\": parameter `created` must be an Integer, found a String");

        let e = SignatureInput::parse(r#"sig=("@method");created=1;"#).expect_err("syntax");
        assert!(matches!(
            e.kind,
            SignatureFieldErrorKind::Syntax { index: Some(_), .. }
        ));
        let e = SignatureInput::parse(r#"Sig=()"#).expect_err("uppercase key");
        assert!(matches!(e.kind, SignatureFieldErrorKind::Syntax { .. }));
    }

    #[test]
    fn one_member_value_parses_alone() {
        let p = SignatureParams::parse(r#"("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example""#).expect("valid");
        assert_eq!(p.tag(), Some("header-example"));
        assert_eq!(p.covered[2], ComponentId::query_param("Pet"));
    }
}
