//! Component identifiers (RFC 9421 §2): the names a signature lists as covered, with their
//! parameters.
//!
//! An identifier is a quoted name (a derived `@...` component or a lowercase field name) and
//! an ordered set of parameters. The order of parameters is kept exactly as received, because
//! it is part of the signed `@signature-params` line, but two identifiers that differ only in
//! parameter order are the same identifier (RFC 9421 §2), which is what [`ComponentId`]'s
//! equality implements.
//!
//! Parsing is strict about syntax and types (a `key` that is not a String, a flag that is not
//! `?1`, an uppercase field name); whether a parameter makes sense for a component is decided
//! later by the signature base, which reports it as a base error. Values that cannot be
//! parsed (unknown derived names, unknown parameters) are kept, so a harness can also build
//! and send them.

use std::fmt;

/// The derived components RFC 9421 §2.2 registers, plus any other `@name` kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DerivedComponent {
    /// `@method`: the request method, as sent.
    Method,
    /// `@target-uri`: the full target URI.
    TargetUri,
    /// `@authority`: host and non-default port, lowercased.
    Authority,
    /// `@scheme`: the lowercase URI scheme.
    Scheme,
    /// `@request-target`: the request-line target.
    RequestTarget,
    /// `@path`: the absolute path, `/` when empty.
    Path,
    /// `@query`: the query with its leading `?`.
    Query,
    /// `@query-param`: one decoded and re-encoded query parameter, chosen by `name`.
    QueryParam,
    /// `@status`: the response status code.
    Status,
    /// Any other derived name (including the leading `@`), kept so it can be sent and
    /// reported; the signature base refuses it.
    Other(String),
}

impl DerivedComponent {
    /// The component name with its leading `@`.
    pub fn as_str(&self) -> &str {
        match self {
            DerivedComponent::Method => "@method",
            DerivedComponent::TargetUri => "@target-uri",
            DerivedComponent::Authority => "@authority",
            DerivedComponent::Scheme => "@scheme",
            DerivedComponent::RequestTarget => "@request-target",
            DerivedComponent::Path => "@path",
            DerivedComponent::Query => "@query",
            DerivedComponent::QueryParam => "@query-param",
            DerivedComponent::Status => "@status",
            DerivedComponent::Other(s) => s,
        }
    }

    /// Read a name that starts with `@`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "@method" => DerivedComponent::Method,
            "@target-uri" => DerivedComponent::TargetUri,
            "@authority" => DerivedComponent::Authority,
            "@scheme" => DerivedComponent::Scheme,
            "@request-target" => DerivedComponent::RequestTarget,
            "@path" => DerivedComponent::Path,
            "@query" => DerivedComponent::Query,
            "@query-param" => DerivedComponent::QueryParam,
            "@status" => DerivedComponent::Status,
            other => DerivedComponent::Other(other.to_string()),
        }
    }

    /// True for components taken from a request (all but `@status`); on a response they
    /// need the `req` flag.
    pub fn targets_request(&self) -> bool {
        !matches!(self, DerivedComponent::Status | DerivedComponent::Other(_))
    }
}

/// What a component identifier names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ComponentName {
    /// A derived component (`@...`).
    Derived(DerivedComponent),
    /// An HTTP field, by its (lowercase) name.
    Field(String),
}

impl ComponentName {
    /// Classify a name: `@...` is derived, anything else a field (kept as given).
    pub fn parse(name: &str) -> Self {
        if name.starts_with('@') {
            ComponentName::Derived(DerivedComponent::from_name(name))
        } else {
            ComponentName::Field(name.to_string())
        }
    }

    /// The name as it appears between the quotes.
    pub fn as_str(&self) -> &str {
        match self {
            ComponentName::Derived(d) => d.as_str(),
            ComponentName::Field(f) => f,
        }
    }
}

/// One parameter on a component identifier (RFC 9421 §2.1, §2.2.8, §2.4, §6.5).
#[derive(Clone, Debug, PartialEq)]
pub enum ComponentParam {
    /// `sf`: re-serialize the field strictly as its structured type.
    Sf,
    /// `key="m"`: select one Dictionary member.
    Key(String),
    /// `bs`: wrap each field line as a Byte Sequence.
    Bs,
    /// `req`: take the value from the related request (responses only).
    Req,
    /// `tr`: take the value from the trailers.
    Tr,
    /// `name="p"`: the query parameter `@query-param` selects.
    Name(String),
    /// Any other parameter, kept verbatim; the signature base refuses it.
    Other(String, sfv::BareItem),
}

impl ComponentParam {
    /// The parameter key as serialized (`sf`, `key`, ...).
    pub fn key(&self) -> &str {
        match self {
            ComponentParam::Sf => "sf",
            ComponentParam::Key(_) => "key",
            ComponentParam::Bs => "bs",
            ComponentParam::Req => "req",
            ComponentParam::Tr => "tr",
            ComponentParam::Name(_) => "name",
            ComponentParam::Other(k, _) => k,
        }
    }

    fn serialize_into(&self, out: &mut String) {
        out.push(';');
        out.push_str(self.key());
        match self {
            ComponentParam::Key(v) | ComponentParam::Name(v) => {
                out.push('=');
                out.push_str(&sf_string(v));
            }
            ComponentParam::Other(_, v) => {
                if *v != sfv::BareItem::Boolean(true) {
                    out.push('=');
                    out.push_str(&sf_bare_item(v));
                }
            }
            ComponentParam::Sf | ComponentParam::Bs | ComponentParam::Req | ComponentParam::Tr => {}
        }
    }
}

/// A component identifier: a name plus ordered parameters.
#[derive(Clone, Debug)]
pub struct ComponentId {
    /// The component name.
    pub name: ComponentName,
    /// Parameters in the order they were (or will be) serialized.
    pub params: Vec<ComponentParam>,
}

impl PartialEq for ComponentId {
    /// Same name and the same set of parameters; parameter order does not matter
    /// (RFC 9421 §2).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.params.len() == other.params.len()
            && self.params.iter().all(|p| other.params.contains(p))
    }
}

// Parameter values are Integers, Strings, Tokens, Byte Sequences, Booleans or finite
// Decimals, so equality is reflexive.
impl Eq for ComponentId {}

/// Why a component identifier in a `Signature-Input` (or given by a caller) is unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComponentIdError {
    /// Covered components are Strings; this item was another type.
    #[error("a component identifier must be a String, found {0}")]
    NotAString(&'static str),
    /// The name is empty.
    #[error("the component name is empty")]
    EmptyName,
    /// Field names must be lowercased (RFC 9421 §2.1).
    #[error("field name {0:?} is not lowercase")]
    UppercaseFieldName(String),
    /// A field name must be an HTTP token.
    #[error("field name {0:?} is not a valid HTTP field name")]
    InvalidFieldName(String),
    /// `@signature-params` is never listed as covered (RFC 9421 §2.3).
    #[error("\"@signature-params\" must not be listed as a covered component")]
    SignatureParamsCovered,
    /// A flag parameter had a value other than Boolean true.
    #[error("parameter `{0}` is a flag and must be the Boolean true")]
    FlagNotTrue(String),
    /// `key` and `name` take Strings.
    #[error("parameter `{0}` must be a String")]
    ParamNotString(String),
    /// The text given to [`ComponentId::parse`] is not an sf-item.
    #[error("not a structured-field item: {0}")]
    Syntax(String),
}

impl ComponentId {
    /// `@method`.
    pub const METHOD: ComponentId = ComponentId::derived(DerivedComponent::Method);
    /// `@authority`.
    pub const AUTHORITY: ComponentId = ComponentId::derived(DerivedComponent::Authority);
    /// `@path`.
    pub const PATH: ComponentId = ComponentId::derived(DerivedComponent::Path);
    /// `@query`.
    pub const QUERY: ComponentId = ComponentId::derived(DerivedComponent::Query);
    /// `@target-uri`.
    pub const TARGET_URI: ComponentId = ComponentId::derived(DerivedComponent::TargetUri);
    /// `@scheme`.
    pub const SCHEME: ComponentId = ComponentId::derived(DerivedComponent::Scheme);
    /// `@request-target`.
    pub const REQUEST_TARGET: ComponentId = ComponentId::derived(DerivedComponent::RequestTarget);
    /// `@status`.
    pub const STATUS: ComponentId = ComponentId::derived(DerivedComponent::Status);

    /// A derived component without parameters.
    pub const fn derived(d: DerivedComponent) -> Self {
        ComponentId {
            name: ComponentName::Derived(d),
            params: Vec::new(),
        }
    }

    /// A header field, by name; the name is lowercased as RFC 9421 §2.1 requires.
    pub fn field(name: &str) -> Self {
        ComponentId {
            name: ComponentName::Field(name.to_ascii_lowercase()),
            params: Vec::new(),
        }
    }

    /// `@query-param;name="<name>"`; `name` is the encoded form (RFC 9421 §2.2.8).
    pub fn query_param(name: &str) -> Self {
        ComponentId::derived(DerivedComponent::QueryParam).with(ComponentParam::Name(name.into()))
    }

    /// Builder-style parameter addition.
    pub fn with(mut self, param: ComponentParam) -> Self {
        self.params.push(param);
        self
    }

    /// True when a parameter with this key is present.
    pub fn has_param(&self, key: &str) -> bool {
        self.params.iter().any(|p| p.key() == key)
    }

    /// The `key` parameter, when present.
    pub fn key_param(&self) -> Option<&str> {
        self.params.iter().find_map(|p| match p {
            ComponentParam::Key(k) => Some(k.as_str()),
            _ => None,
        })
    }

    /// The `name` parameter, when present.
    pub fn name_param(&self) -> Option<&str> {
        self.params.iter().find_map(|p| match p {
            ComponentParam::Name(k) => Some(k.as_str()),
            _ => None,
        })
    }

    /// True for a header field with this (case-insensitive) name and no parameters.
    pub fn is_plain_field(&self, name: &str) -> bool {
        matches!(&self.name, ComponentName::Field(f) if f.eq_ignore_ascii_case(name))
            && self.params.is_empty()
    }

    /// The serialized identifier as it appears in the inner list and at the start of a
    /// signature base line: `"name";param=...`.
    pub fn serialize(&self) -> String {
        let mut out = String::new();
        self.serialize_into(&mut out);
        out
    }

    /// [`ComponentId::serialize`], appended to `out` (the signature base writes each
    /// identifier straight into the base).
    pub fn serialize_into(&self, out: &mut String) {
        push_sf_string(out, self.name.as_str());
        for p in &self.params {
            p.serialize_into(out);
        }
    }

    /// Read one identifier from its sf-item text, e.g. `"@query-param";name="Pet"`. A bare
    /// name without quotes (as resource metadata lists them, e.g. `content-digest`) is
    /// accepted too.
    pub fn parse(text: &str) -> Result<Self, ComponentIdError> {
        let text = text.trim();
        if !text.starts_with('"') {
            if let Some(c) = text
                .chars()
                .find(|c| !matches!(c, '!'..='~') || matches!(c, '"' | '\\' | ';'))
            {
                return Err(ComponentIdError::Syntax(format!(
                    "{c:?} is not allowed in an unquoted component name"
                )));
            }
            let id = ComponentId {
                name: ComponentName::parse(text),
                params: Vec::new(),
            };
            id.check()?;
            return Ok(id);
        }
        let item: sfv::Item = sfv::Parser::new(text)
            .parse()
            .map_err(|e| ComponentIdError::Syntax(e.to_string()))?;
        Self::from_item(&item)
    }

    /// Convert a parsed inner-list item into an identifier, checking syntax and types.
    pub fn from_item(item: &sfv::Item) -> Result<Self, ComponentIdError> {
        let name = match &item.bare_item {
            sfv::BareItem::String(s) => s.as_str(),
            other => return Err(ComponentIdError::NotAString(bare_item_kind(other))),
        };
        let mut params = Vec::with_capacity(item.params.len());
        for (k, v) in &item.params {
            params.push(component_param(k.as_str(), v)?);
        }
        let id = ComponentId {
            name: ComponentName::parse(name),
            params,
        };
        id.check()?;
        Ok(id)
    }

    /// Syntax rules every identifier must meet before it is used.
    fn check(&self) -> Result<(), ComponentIdError> {
        match &self.name {
            ComponentName::Derived(DerivedComponent::Other(n)) if n == "@signature-params" => {
                Err(ComponentIdError::SignatureParamsCovered)
            }
            ComponentName::Derived(DerivedComponent::Other(n)) if n.len() < 2 => {
                Err(ComponentIdError::EmptyName)
            }
            ComponentName::Derived(_) => Ok(()),
            ComponentName::Field(f) if f.is_empty() => Err(ComponentIdError::EmptyName),
            ComponentName::Field(f) if f.bytes().any(|b| b.is_ascii_uppercase()) => {
                Err(ComponentIdError::UppercaseFieldName(f.clone()))
            }
            ComponentName::Field(f) if !f.bytes().all(is_tchar) => {
                Err(ComponentIdError::InvalidFieldName(f.clone()))
            }
            ComponentName::Field(_) => Ok(()),
        }
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialize())
    }
}

fn component_param(key: &str, value: &sfv::BareItem) -> Result<ComponentParam, ComponentIdError> {
    let flag = |p: ComponentParam| {
        if *value == sfv::BareItem::Boolean(true) {
            Ok(p)
        } else {
            Err(ComponentIdError::FlagNotTrue(key.to_string()))
        }
    };
    let string = |f: fn(String) -> ComponentParam| match value {
        sfv::BareItem::String(s) => Ok(f(s.as_str().to_string())),
        _ => Err(ComponentIdError::ParamNotString(key.to_string())),
    };
    match key {
        "sf" => flag(ComponentParam::Sf),
        "bs" => flag(ComponentParam::Bs),
        "req" => flag(ComponentParam::Req),
        "tr" => flag(ComponentParam::Tr),
        "key" => string(ComponentParam::Key),
        "name" => string(ComponentParam::Name),
        other => Ok(ComponentParam::Other(other.to_string(), value.clone())),
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The structured-field type name of a bare item, for error messages.
pub(crate) fn bare_item_kind(item: &sfv::BareItem) -> &'static str {
    match item {
        sfv::BareItem::Integer(_) => "an Integer",
        sfv::BareItem::Decimal(_) => "a Decimal",
        sfv::BareItem::String(_) => "a String",
        sfv::BareItem::Token(_) => "a Token",
        sfv::BareItem::ByteSequence(_) => "a Byte Sequence",
        sfv::BareItem::Boolean(_) => "a Boolean",
        sfv::BareItem::Date(_) => "a Date",
        sfv::BareItem::DisplayString(_) => "a Display String",
    }
}

/// Serialize `s` as an sf-string. Characters a String cannot carry are written as they are,
/// so a harness can deliberately send a malformed identifier; valid input serializes
/// exactly as RFC 8941 §4.1.6 prescribes.
pub(crate) fn sf_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_sf_string(&mut out, s);
    out
}

/// [`sf_string`], appended to `out`.
fn push_sf_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Serialize one bare item with `sfv`.
pub(crate) fn sf_bare_item(item: &sfv::BareItem) -> String {
    sfv::ItemSerializer::new().bare_item(item).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_serialize_with_quoted_names_and_ordered_params() {
        let id = ComponentId::query_param("Pet");
        assert_eq!(id.serialize(), r#""@query-param";name="Pet""#);
        let id = ComponentId::field("Signature")
            .with(ComponentParam::Req)
            .with(ComponentParam::Key("sig1".into()));
        assert_eq!(id.serialize(), r#""signature";req;key="sig1""#);
    }

    #[test]
    fn parameter_order_does_not_change_identity() {
        let a = ComponentId::parse(r#""example-dict";req;key="a""#).expect("valid");
        let b = ComponentId::parse(r#""example-dict";key="a";req"#).expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.serialize(), r#""example-dict";req;key="a""#);
        assert_ne!(
            a,
            ComponentId::parse(r#""example-dict";key="a""#).expect("valid")
        );
    }

    #[test]
    fn bad_identifiers_are_refused_with_a_reason() {
        assert_eq!(
            ComponentId::parse(r#""Content-Type""#),
            Err(ComponentIdError::UppercaseFieldName("Content-Type".into()))
        );
        assert_eq!(
            ComponentId::parse(r#""@signature-params""#),
            Err(ComponentIdError::SignatureParamsCovered)
        );
        assert_eq!(
            ComponentId::parse(r#""x";sf=?0"#),
            Err(ComponentIdError::FlagNotTrue("sf".into()))
        );
        assert_eq!(
            ComponentId::parse(r#""x";key=a"#),
            Err(ComponentIdError::ParamNotString("key".into()))
        );
        assert_eq!(
            ComponentId::parse(r#""""#),
            Err(ComponentIdError::EmptyName)
        );
        assert!(matches!(
            ComponentId::parse(r#""x"#),
            Err(ComponentIdError::Syntax(_))
        ));
        // Found by proptest: an unquoted name must be serializable as an sf-string.
        for bad in ["@\u{fb13}", "a;b", "a b"] {
            assert!(
                matches!(ComponentId::parse(bad), Err(ComponentIdError::Syntax(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bare_metadata_names_and_unknown_params_are_kept() {
        assert_eq!(
            ComponentId::parse("content-digest").expect("valid"),
            ComponentId::field("content-digest")
        );
        let id = ComponentId::parse(r#""@method";foo=1"#).expect("syntax is fine");
        assert_eq!(id.serialize(), r#""@method";foo=1"#);
        assert_eq!(
            ComponentId::parse("@frobnicate").expect("kept").name,
            ComponentName::Derived(DerivedComponent::Other("@frobnicate".into()))
        );
    }
}
