//! Small helpers over `sfv` (RFC 9651) shared by every Structured Field header, and a raw
//! builder for the forms `sfv` refuses to produce.
//!
//! Parsing goes through [`parse_dictionary`] / [`parse_list`] so every header reports errors
//! the same way (field name, reason, byte offset). Typed reads of parameters go through
//! [`Params`], which names the member and parameter in every error. [`RawField`] writes
//! members, items and parameters verbatim, so a negative case can send `;` between members,
//! uppercase keys, 16-digit integers or unterminated strings; it never validates.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use base64::Engine as _;

use super::error::WireError;

/// Parses a Dictionary field value. An empty value parses to an empty dictionary (RFC 9651
/// treats it as absent); callers that need a member report that themselves.
pub fn parse_dictionary(
    field: impl Into<Cow<'static, str>>,
    input: impl AsRef<[u8]>,
) -> Result<sfv::Dictionary, WireError> {
    sfv::Parser::new(input.as_ref())
        .parse::<sfv::Dictionary>()
        .map_err(|e| WireError::syntax(field, &e))
}

/// Parses a List field value. An empty value parses to an empty list.
pub fn parse_list(
    field: impl Into<Cow<'static, str>>,
    input: impl AsRef<[u8]>,
) -> Result<sfv::List, WireError> {
    sfv::Parser::new(input.as_ref())
        .parse::<sfv::List>()
        .map_err(|e| WireError::syntax(field, &e))
}

/// Parses an Item field value.
pub fn parse_item(
    field: impl Into<Cow<'static, str>>,
    input: impl AsRef<[u8]>,
) -> Result<sfv::Item, WireError> {
    sfv::Parser::new(input.as_ref())
        .parse::<sfv::Item>()
        .map_err(|e| WireError::syntax(field, &e))
}

/// Top-level dictionary keys that occur more than once, in first-seen order. RFC 9651 keeps
/// the last value silently; a conformance report wants to know. Empty when the input does not
/// parse.
pub fn duplicate_keys(input: impl AsRef<[u8]>) -> Vec<String> {
    parse_dictionary_noting_duplicates("", input)
        .map(|(_, dups)| dups)
        .unwrap_or_default()
}

/// [`parse_dictionary`] and [`duplicate_keys`] in one pass over the input.
pub fn parse_dictionary_noting_duplicates(
    field: impl Into<Cow<'static, str>>,
    input: impl AsRef<[u8]>,
) -> Result<(sfv::Dictionary, Vec<String>), WireError> {
    struct Noting {
        dict: sfv::Dictionary,
        dups: Vec<String>,
    }
    impl<'de> sfv::visitor::DictionaryVisitor<'de> for Noting {
        type Out = (sfv::Dictionary, Vec<String>);
        type Error = std::convert::Infallible;
        fn entry(
            &mut self,
            key: &'de sfv::KeyRef,
        ) -> Result<impl sfv::visitor::EntryVisitor<'de>, Self::Error> {
            if self.dict.contains_key(key) && !self.dups.iter().any(|d| d == key.as_str()) {
                self.dups.push(key.as_str().to_string());
            }
            sfv::visitor::DictionaryVisitor::entry(&mut self.dict, key)
        }
        fn finish(self) -> Result<Self::Out, Self::Error> {
            Ok((self.dict, self.dups))
        }
    }
    sfv::Parser::new(input.as_ref())
        .parse_dictionary_with_visitor(Noting {
            dict: sfv::Dictionary::new(),
            dups: Vec::new(),
        })
        .map_err(|e| WireError::syntax(field, &e))
}

/// Serializes a dictionary canonically; an empty dictionary serializes to `""` (the field
/// would not be sent).
pub fn serialize_dictionary(dict: &sfv::Dictionary) -> String {
    use sfv::FieldType as _;
    dict.serialize().unwrap_or_default()
}

/// Serializes a list canonically; an empty list serializes to `""`.
pub fn serialize_list(list: &sfv::List) -> String {
    use sfv::FieldType as _;
    list.serialize().unwrap_or_default()
}

/// Serializes one item with its parameters.
pub fn serialize_item(item: &sfv::Item) -> String {
    use sfv::FieldType as _;
    item.serialize()
}

/// The RFC 9651 type name of a bare item, for error messages.
pub fn type_name(item: &sfv::BareItem) -> &'static str {
    match item {
        sfv::BareItem::Decimal(_) => "a Decimal",
        sfv::BareItem::Integer(_) => "an Integer",
        sfv::BareItem::String(_) => "a String",
        sfv::BareItem::ByteSequence(_) => "a Byte Sequence",
        sfv::BareItem::Boolean(_) => "a Boolean",
        sfv::BareItem::Token(_) => "a Token",
        sfv::BareItem::Date(_) => "a Date",
        sfv::BareItem::DisplayString(_) => "a Display String",
    }
}

/// The RFC 9651 type name of a list or dictionary member, for error messages.
pub fn entry_type_name(entry: &sfv::ListEntry) -> &'static str {
    match entry {
        sfv::ListEntry::Item(i) => type_name(&i.bare_item),
        sfv::ListEntry::InnerList(_) => "an Inner List",
    }
}

/// A key from a string, as a wire error when it is not a valid RFC 9651 key.
pub fn key(field: impl Into<Cow<'static, str>>, name: &str) -> Result<sfv::Key, WireError> {
    sfv::Key::from_string(name.to_string())
        .map_err(|(e, _)| WireError::invalid(field, name, format!("not a valid key: {e:#}")))
}

/// A String bare item, as a wire error when the text has characters a String cannot hold.
pub fn string_item(
    field: impl Into<Cow<'static, str>>,
    name: &str,
    value: &str,
) -> Result<sfv::BareItem, WireError> {
    sfv::String::from_string(value.to_string())
        .map(sfv::BareItem::String)
        .map_err(|(e, _)| WireError::invalid(field, name, format!("not a valid String: {e:#}")))
}

/// A Token bare item, as a wire error when the text is not a valid Token.
pub fn token_item(
    field: impl Into<Cow<'static, str>>,
    name: &str,
    value: &str,
) -> Result<sfv::BareItem, WireError> {
    sfv::Token::from_string(value.to_string())
        .map(sfv::BareItem::Token)
        .map_err(|(e, _)| WireError::invalid(field, name, format!("not a valid Token: {e:#}")))
}

/// Typed, located reads of one member's parameters. Every error names the field, the member
/// and the parameter.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    field: &'static str,
    member: &'a str,
    params: &'a sfv::Parameters,
}

impl<'a> Params<'a> {
    /// Reads the parameters of `member` in `field`.
    pub fn new(field: &'static str, member: &'a str, params: &'a sfv::Parameters) -> Self {
        Params {
            field,
            member,
            params,
        }
    }

    fn get(&self, name: &str) -> Option<&'a sfv::BareItem> {
        let key = sfv::KeyRef::from_str(name).ok()?;
        self.params.get(key)
    }

    fn wrong(&self, name: &str, expected: &'static str, found: &sfv::BareItem) -> WireError {
        WireError::wrong_type(self.field, name, expected, type_name(found))
            .at(format!("{};{}", self.member, name))
    }

    /// An error saying `name` is missing, located at this member.
    pub fn missing(&self, name: &str) -> WireError {
        WireError::missing(self.field, name).at(format!("{};{}", self.member, name))
    }

    /// True when the parameter is present, whatever its type.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An optional String parameter.
    pub fn string(&self, name: &str) -> Result<Option<&'a str>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(sfv::BareItem::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.wrong(name, "a String", other)),
        }
    }

    /// A required String parameter.
    pub fn require_string(&self, name: &str) -> Result<&'a str, WireError> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional Token parameter.
    pub fn token(&self, name: &str) -> Result<Option<&'a str>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(sfv::BareItem::Token(t)) => Ok(Some(t.as_str())),
            Some(other) => Err(self.wrong(name, "a Token", other)),
        }
    }

    /// An optional Boolean parameter.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(sfv::BareItem::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(name, "a Boolean", other)),
        }
    }

    /// An optional Integer parameter.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(sfv::BareItem::Integer(i)) => Ok(Some(i64::from(*i))),
            Some(other) => Err(self.wrong(name, "an Integer", other)),
        }
    }

    /// An optional Byte Sequence parameter.
    pub fn bytes(&self, name: &str) -> Result<Option<&'a [u8]>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(sfv::BareItem::ByteSequence(b)) => Ok(Some(b.as_slice())),
            Some(other) => Err(self.wrong(name, "a Byte Sequence", other)),
        }
    }

    /// A required Byte Sequence parameter.
    pub fn require_bytes(&self, name: &str) -> Result<&'a [u8], WireError> {
        self.bytes(name)?.ok_or_else(|| self.missing(name))
    }

    /// An error if `name` is present at all.
    pub fn forbid(&self, name: &str) -> Result<(), WireError> {
        if self.has(name) {
            Err(WireError::new(
                self.field,
                super::error::WireErrorKind::Forbidden(name.to_string()),
            )
            .at(format!("{};{}", self.member, name)))
        } else {
            Ok(())
        }
    }
}

/// One token of a List of Tokens, with whatever parameters it carried.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenItem {
    /// The token, case preserved.
    pub token: String,
    /// Parameters, kept as received (none are defined for AAuth lists today).
    pub params: sfv::Parameters,
}

/// A List of Tokens (`Accept-Signature-Scheme`, `Accept-Signature-Alg`,
/// `AAuth-Capabilities`): strict about item types, keeping unknown tokens and parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenList {
    /// The items in received order.
    pub items: Vec<TokenItem>,
}

impl TokenList {
    /// Parses a List whose every member must be a Token. An empty value is an empty list.
    pub fn parse(field: &'static str, input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let list = parse_list(field, input)?;
        let mut items = Vec::with_capacity(list.len());
        for (i, entry) in list.into_iter().enumerate() {
            match entry {
                sfv::ListEntry::Item(sfv::Item {
                    bare_item: sfv::BareItem::Token(t),
                    params,
                }) => items.push(TokenItem {
                    token: t.as_str().to_string(),
                    params,
                }),
                other => {
                    return Err(WireError::wrong_type(
                        field,
                        format!("item {i}"),
                        "a Token",
                        entry_type_name(&other),
                    ))
                }
            }
        }
        Ok(TokenList { items })
    }

    /// Builds a list from tokens with no parameters.
    pub fn from_tokens<'a>(
        field: &'static str,
        tokens: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, WireError> {
        let mut items = Vec::new();
        for t in tokens {
            token_item(field, t, t)?;
            items.push(TokenItem {
                token: t.to_string(),
                params: sfv::Parameters::new(),
            });
        }
        Ok(TokenList { items })
    }

    /// The tokens in order.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|i| i.token.as_str())
    }

    /// Canonical serialization (`a, b, c`); items whose token is not a valid Token (only
    /// possible when built by hand) are skipped.
    pub fn serialize(&self) -> String {
        let list: sfv::List = self
            .items
            .iter()
            .filter_map(|i| {
                let t = sfv::Token::from_string(i.token.clone()).ok()?;
                Some(sfv::ListEntry::Item(sfv::Item::with_params(
                    sfv::BareItem::Token(t),
                    i.params.clone(),
                )))
            })
            .collect();
        serialize_list(&list)
    }
}

// ---------------------------------------------------------------------------------------
// Raw builder: anything goes.
// ---------------------------------------------------------------------------------------

/// A value written verbatim by [`RawField`]: nothing is checked, so any of these can be made
/// illegal on purpose (an uppercase token is fine, a 16-digit integer is written as is).
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Written as is.
    Token(String),
    /// Written in quotes with `"` and `\` escaped; other characters (non-ASCII, controls)
    /// are written unchanged, which makes an illegal String.
    String(String),
    /// Written as `:base64:` with standard padded base64.
    Bytes(Vec<u8>),
    /// Written in decimal, whatever its digit count.
    Integer(i64),
    /// `?1` / `?0` (a true parameter is written bare unless [`RawField::explicit_true`]).
    Boolean(bool),
    /// An inner list `( … )` with its own parameters.
    InnerList(Vec<RawItem>, Vec<RawParam>),
    /// Exactly these characters, e.g. an unterminated string.
    Verbatim(String),
}

impl RawValue {
    /// A token.
    pub fn token(s: impl Into<String>) -> Self {
        RawValue::Token(s.into())
    }

    /// A quoted string.
    pub fn string(s: impl Into<String>) -> Self {
        RawValue::String(s.into())
    }

    /// A string missing its closing quote.
    pub fn unterminated_string(s: &str) -> Self {
        RawValue::Verbatim(format!("\"{s}"))
    }

    /// A byte sequence missing its closing colon.
    pub fn unterminated_bytes(b: &[u8]) -> Self {
        let mut s = String::from(":");
        s.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
        RawValue::Verbatim(s)
    }

    /// An integer with `digits` digits (all `9`), e.g. 16 for one past the RFC 9651 limit.
    pub fn long_integer(digits: usize) -> Self {
        RawValue::Verbatim("9".repeat(digits.clamp(1, 64)))
    }

    fn from_bare(item: &sfv::BareItem) -> Self {
        match item {
            sfv::BareItem::Token(t) => RawValue::Token(t.as_str().to_string()),
            sfv::BareItem::String(s) => RawValue::String(s.as_str().to_string()),
            sfv::BareItem::ByteSequence(b) => RawValue::Bytes(b.clone()),
            sfv::BareItem::Integer(i) => RawValue::Integer(i64::from(*i)),
            sfv::BareItem::Boolean(b) => RawValue::Boolean(*b),
            other => {
                let mut s = String::new();
                let _ = sfv::ItemSerializer::with_buffer(&mut s)
                    .bare_item(other)
                    .finish();
                RawValue::Verbatim(s)
            }
        }
    }
}

/// A parameter written by [`RawField`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawParam {
    /// The key, written as is (uppercase allowed).
    pub key: String,
    /// The value.
    pub value: RawValue,
}

/// An item (or inner list) with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RawItem {
    /// The value.
    pub value: RawValue,
    /// Parameters, in order, duplicates allowed.
    pub params: Vec<RawParam>,
}

impl RawItem {
    /// An item with no parameters.
    pub fn new(value: RawValue) -> Self {
        RawItem {
            value,
            params: Vec::new(),
        }
    }

    /// Adds a parameter.
    pub fn param(mut self, key: impl Into<String>, value: RawValue) -> Self {
        self.params.push(RawParam {
            key: key.into(),
            value,
        });
        self
    }

    fn from_entry(entry: &sfv::ListEntry) -> Self {
        match entry {
            sfv::ListEntry::Item(i) => RawItem {
                value: RawValue::from_bare(&i.bare_item),
                params: raw_params(&i.params),
            },
            sfv::ListEntry::InnerList(l) => RawItem {
                value: RawValue::InnerList(
                    l.items
                        .iter()
                        .map(|i| RawItem {
                            value: RawValue::from_bare(&i.bare_item),
                            params: raw_params(&i.params),
                        })
                        .collect(),
                    raw_params(&l.params),
                ),
                params: Vec::new(),
            },
        }
    }
}

fn raw_params(p: &sfv::Parameters) -> Vec<RawParam> {
    p.iter()
        .map(|(k, v)| RawParam {
            key: k.as_str().to_string(),
            value: RawValue::from_bare(v),
        })
        .collect()
}

/// A dictionary member (`key` and item) or, in a list, an item with no key.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMember {
    /// The dictionary key; `None` for list members.
    pub key: Option<String>,
    /// The value and its parameters.
    pub item: RawItem,
}

/// A Dictionary or List field value written exactly as described, for negative cases.
///
/// Defaults give RFC 9651 canonical output (`, ` between members, `;` before parameters,
/// bare keys for true); every knob makes it deviate in one controlled way.
#[derive(Debug, Clone, PartialEq)]
pub struct RawField {
    /// Members in order; duplicates allowed.
    pub members: Vec<RawMember>,
    /// Written between members; `", "` by default, `";"` for the spec-example mix-up.
    pub member_separator: String,
    /// Written before each parameter; `";"` by default.
    pub parameter_separator: String,
    /// Write true values as `key=?1` instead of bare `key`.
    pub explicit_true: bool,
}

impl Default for RawField {
    fn default() -> Self {
        RawField {
            members: Vec::new(),
            member_separator: ", ".into(),
            parameter_separator: ";".into(),
            explicit_true: false,
        }
    }
}

impl RawField {
    /// An empty field.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every member of a parsed dictionary, so a valid header can be bent one way.
    pub fn from_dictionary(dict: &sfv::Dictionary) -> Self {
        RawField {
            members: dict
                .iter()
                .map(|(k, v)| RawMember {
                    key: Some(k.as_str().to_string()),
                    item: RawItem::from_entry(v),
                })
                .collect(),
            ..Self::default()
        }
    }

    /// Every member of a parsed list.
    pub fn from_list(list: &sfv::List) -> Self {
        RawField {
            members: list
                .iter()
                .map(|v| RawMember {
                    key: None,
                    item: RawItem::from_entry(v),
                })
                .collect(),
            ..Self::default()
        }
    }

    /// Adds a dictionary member.
    pub fn member(mut self, key: impl Into<String>, item: RawItem) -> Self {
        self.members.push(RawMember {
            key: Some(key.into()),
            item,
        });
        self
    }

    /// Adds a list item.
    pub fn item(mut self, item: RawItem) -> Self {
        self.members.push(RawMember { key: None, item });
        self
    }

    /// Sets the text between members.
    pub fn member_separator(mut self, sep: impl Into<String>) -> Self {
        self.member_separator = sep.into();
        self
    }

    /// Sets the text before each parameter.
    pub fn parameter_separator(mut self, sep: impl Into<String>) -> Self {
        self.parameter_separator = sep.into();
        self
    }

    /// Writes true as `=?1`.
    pub fn explicit_true(mut self, yes: bool) -> Self {
        self.explicit_true = yes;
        self
    }

    /// The field value.
    pub fn render(&self) -> String {
        self.to_string()
    }

    fn write_value(&self, out: &mut String, v: &RawValue) {
        match v {
            RawValue::Token(t) => out.push_str(t),
            RawValue::String(s) => {
                out.push('"');
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            RawValue::Bytes(b) => {
                out.push(':');
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                out.push(':');
            }
            RawValue::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            RawValue::Boolean(b) => out.push_str(if *b { "?1" } else { "?0" }),
            RawValue::InnerList(items, params) => {
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    self.write_value(out, &item.value);
                    self.write_params(out, &item.params);
                }
                out.push(')');
                self.write_params(out, params);
            }
            RawValue::Verbatim(s) => out.push_str(s),
        }
    }

    fn write_params(&self, out: &mut String, params: &[RawParam]) {
        for p in params {
            out.push_str(&self.parameter_separator);
            out.push_str(&p.key);
            if p.value != RawValue::Boolean(true) || self.explicit_true {
                out.push('=');
                self.write_value(out, &p.value);
            }
        }
    }
}

impl fmt::Display for RawField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, m) in self.members.iter().enumerate() {
            if i > 0 {
                out.push_str(&self.member_separator);
            }
            match &m.key {
                Some(k) => {
                    out.push_str(k);
                    if m.item.value != RawValue::Boolean(true) || self.explicit_true {
                        out.push('=');
                        self.write_value(&mut out, &m.item.value);
                    }
                }
                None => self.write_value(&mut out, &m.item.value),
            }
            self.write_params(&mut out, &m.item.params);
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::error::WireErrorKind;

    #[test]
    fn dictionary_syntax_error_reports_offset() {
        let e = parse_dictionary("X", "a=1, B=2").unwrap_err();
        assert_eq!(e.field, "X");
        assert_eq!(e.offset, Some(5));
        assert!(matches!(e.kind, WireErrorKind::Syntax(_)));
    }

    #[test]
    fn duplicate_keys_are_found() {
        assert_eq!(duplicate_keys("a=1, b=2, a=3, a=4"), vec!["a".to_string()]);
        assert!(duplicate_keys("a=1, b=2").is_empty());
        assert!(duplicate_keys("a=1, B").is_empty());
    }

    #[test]
    fn params_type_errors_name_member_and_parameter() {
        let d = parse_dictionary("Signature-Key", "sig=jwt;jwt=abc").unwrap();
        let sfv::ListEntry::Item(item) = &d[0] else {
            panic!()
        };
        let p = Params::new("Signature-Key", "sig", &item.params);
        let e = p.require_string("jwt").unwrap_err();
        assert_eq!(e.location.as_deref(), Some("sig;jwt"));
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                expected: "a String",
                found: "a Token",
                ..
            }
        ));
        let e = p.require_string("kid").unwrap_err();
        assert!(matches!(e.kind, WireErrorKind::Missing(ref n) if n == "kid"));
    }

    #[test]
    fn token_list_rejects_strings_and_keeps_params() {
        let l = TokenList::parse("Accept-Signature-Alg", "Ed25519, ES256;x=1").unwrap();
        assert_eq!(l.tokens().collect::<Vec<_>>(), ["Ed25519", "ES256"]);
        assert_eq!(l.serialize(), "Ed25519, ES256;x=1");
        let e = TokenList::parse("Accept-Signature-Alg", "Ed25519, \"ES256\"").unwrap_err();
        assert!(matches!(e.kind, WireErrorKind::WrongType { ref name, .. } if name == "item 1"));
        assert!(TokenList::parse("A", "").unwrap().items.is_empty());
    }

    #[test]
    fn raw_field_round_trips_canonical_dictionary() {
        let input = r#"sig=jwt;jwt="a.b.c";cache, other=(1 "x");p, b=:AQI=:"#;
        let d = parse_dictionary("X", input).unwrap();
        assert_eq!(RawField::from_dictionary(&d).render(), input);
    }

    #[test]
    fn raw_field_makes_illegal_forms() {
        let f = RawField::new()
            .member("cost", RawItem::new(RawValue::Integer(1)))
            .member("remaining", RawItem::new(RawValue::Integer(2)))
            .member_separator("; ");
        assert_eq!(f.render(), "cost=1; remaining=2");
        // `;` makes the second member a parameter of the first.
        let d = parse_dictionary("X", f.render()).unwrap();
        assert_eq!(d.len(), 1);

        let f = RawField::new().member("SIG", RawItem::new(RawValue::token("jwt")));
        assert!(parse_dictionary("X", f.render()).is_err());

        let f = RawField::new().member("n", RawItem::new(RawValue::Integer(1234567890123456)));
        assert!(parse_dictionary("X", f.render()).is_err());
        let f = RawField::new().member("n", RawItem::new(RawValue::long_integer(16)));
        assert!(parse_dictionary("X", f.render()).is_err());

        let f = RawField::new().member("s", RawItem::new(RawValue::unterminated_string("ab")));
        let e = parse_dictionary("X", f.render()).unwrap_err();
        assert!(matches!(e.kind, WireErrorKind::Syntax(ref s) if s.contains("unterminated")));

        let f = RawField::new().member("s", RawItem::new(RawValue::string("é")));
        assert!(parse_dictionary("X", f.render()).is_err());

        let f = RawField::new()
            .member("c", RawItem::new(RawValue::Boolean(true)))
            .explicit_true(true);
        assert_eq!(f.render(), "c=?1");
    }

    fn bare() -> impl proptest::strategy::Strategy<Value = sfv::BareItem> {
        use proptest::prelude::*;
        prop_oneof![
            "[A-Za-z*][A-Za-z0-9:/._-]{0,10}"
                .prop_map(|t| sfv::BareItem::Token(sfv::Token::from_string(t).unwrap())),
            "[ -~]{0,12}".prop_map(|s| sfv::BareItem::String(sfv::String::from_string(s).unwrap())),
            (-999_999_999_999_999i64..=999_999_999_999_999)
                .prop_map(|i| sfv::BareItem::Integer(sfv::Integer::try_from(i).unwrap())),
            any::<bool>().prop_map(sfv::BareItem::Boolean),
            proptest::collection::vec(any::<u8>(), 0..12).prop_map(sfv::BareItem::ByteSequence),
        ]
    }

    proptest::proptest! {
        #[test]
        fn raw_builder_matches_sfv_serialization(
            members in proptest::collection::vec(
                ("[a-z*][a-z0-9_.*-]{0,6}", bare(), proptest::collection::vec(("[a-z][a-z0-9]{0,4}", bare()), 0..3)),
                1..5,
            )
        ) {
            let mut d = sfv::Dictionary::new();
            for (k, v, ps) in members {
                let mut params = sfv::Parameters::new();
                for (pk, pv) in ps {
                    params.insert(sfv::Key::from_string(pk).unwrap(), pv);
                }
                d.insert(
                    sfv::Key::from_string(k).unwrap(),
                    sfv::ListEntry::Item(sfv::Item::with_params(v, params)),
                );
            }
            let canonical = serialize_dictionary(&d);
            proptest::prop_assert_eq!(RawField::from_dictionary(&d).render(), canonical.clone());
            proptest::prop_assert_eq!(parse_dictionary("X", &canonical).unwrap(), d);
        }
    }
}
