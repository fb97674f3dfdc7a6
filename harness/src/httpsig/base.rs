//! The signature base (RFC 9421 §2.5): the exact bytes a signature is computed over.
//!
//! One line per covered component, `"<identifier>": <value>`, joined by LF, then the
//! `"@signature-params"` line, with no trailing newline. Component values are derived from
//! our own [`Request`]/[`Response`] types so that odd messages (duplicate fields, uppercase
//! hosts, default ports, empty paths) reach this code exactly as sent.
//!
//! Every way a covered component can fail to resolve is an error here, never a guess: an
//! absent field, a missing Dictionary member or query parameter, a parameter that does not
//! apply, `sf` on a field whose structured type is unknown, `req` on a request. The signer
//! and the verifier share this one function, so a base the signer cannot build is a base the
//! verifier would refuse too.

use crate::httpsig::component::{ComponentId, ComponentName, ComponentParam, DerivedComponent};
use crate::message::{Fields, Request, Response};
use crate::wire::signature_input::SignatureParams;
use base64::Engine as _;
use sfv::FieldType as _;
use std::borrow::Cow;
use std::fmt;

/// The message a signature is attached to. A response may carry its related request so
/// that components with the `req` flag can be resolved (RFC 9421 §2.4).
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    /// A signed request.
    Request(&'a Request),
    /// A signed response and, when known, the request that produced it.
    Response {
        /// The response carrying the signature.
        response: &'a Response,
        /// The related request, for `req` components.
        request: Option<&'a Request>,
    },
}

impl<'a> Message<'a> {
    /// The header fields of the message itself.
    pub fn fields(&self) -> &'a [crate::message::Field] {
        match self {
            Message::Request(r) => r.fields(),
            Message::Response { response, .. } => response.fields(),
        }
    }
}

/// The structured type of a field (RFC 8941 §3), needed for `sf` and `key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SfType {
    /// A single Item.
    Item,
    /// A List.
    List,
    /// A Dictionary.
    Dictionary,
}

/// The fields whose structured type the signature base knows. RFC 9421 §2.1.1 makes `sf`
/// on a field of unknown type an error, so this table decides what `sf` can cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTypes {
    entries: Vec<(Cow<'static, str>, SfType)>,
}

impl FieldTypes {
    /// No known fields.
    pub fn empty() -> Self {
        FieldTypes {
            entries: Vec::new(),
        }
    }

    /// The fields AAuth, HTTP Signature Keys, RFC 9421 and RFC 9530 define as structured.
    pub fn aauth() -> Self {
        use SfType::{Dictionary as D, List as L};
        let known: [(&str, SfType); 16] = [
            ("signature-key", D),
            ("signature-input", D),
            ("signature", D),
            ("signature-error", D),
            ("accept-signature", D),
            ("accept-signature-scheme", L),
            ("accept-signature-alg", L),
            ("content-digest", D),
            ("repr-digest", D),
            ("want-content-digest", D),
            ("want-repr-digest", D),
            ("aauth-requirement", D),
            ("aauth-capabilities", L),
            ("aauth-mission", D),
            ("aauth-budget", D),
            ("priority", D),
        ];
        FieldTypes {
            entries: known.iter().map(|(n, t)| (Cow::Borrowed(*n), *t)).collect(),
        }
    }

    /// Add or replace one field's type.
    pub fn with(mut self, name: &str, ty: SfType) -> Self {
        let name = name.to_ascii_lowercase();
        self.entries.retain(|(n, _)| *n != name);
        self.entries.push((Cow::Owned(name), ty));
        self
    }

    /// The type of `name`, when known.
    pub fn get(&self, name: &str) -> Option<SfType> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| *t)
    }
}

impl Default for FieldTypes {
    fn default() -> Self {
        FieldTypes::aauth()
    }
}

/// A built signature base. `as_bytes` is what gets signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureBase {
    text: String,
}

impl SignatureBase {
    /// The base as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The bytes to sign or verify.
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The base, one line per component plus the `@signature-params` line.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.split('\n')
    }
}

impl fmt::Display for SignatureBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A covered component could not be turned into a base line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BaseError {
    /// A derived component name nobody registered.
    #[error("{component}: unknown derived component")]
    UnknownDerived {
        /// The identifier as serialized.
        component: String,
    },
    /// A component parameter RFC 9421 does not define.
    #[error("{component}: unknown parameter `{param}`")]
    UnknownParam {
        /// The identifier as serialized.
        component: String,
        /// The parameter key.
        param: String,
    },
    /// A known parameter used where it means nothing (`sf` on `@path`, `name` on a field).
    #[error("{component}: parameter `{param}` does not apply to this component")]
    ParamNotApplicable {
        /// The identifier as serialized.
        component: String,
        /// The parameter key.
        param: String,
    },
    /// `bs` together with `sf` or `key` (RFC 9421 §2.1).
    #[error("{component}: parameters `{first}` and `{second}` cannot be combined")]
    IncompatibleParams {
        /// The identifier as serialized.
        component: String,
        /// One parameter.
        first: String,
        /// The other.
        second: String,
    },
    /// `req` on a component of a request signature.
    #[error("{component}: `req` is only meaningful on a response signature")]
    ReqOnRequest {
        /// The identifier as serialized.
        component: String,
    },
    /// `req` on a response whose request is not known.
    #[error("{component}: the related request is not available")]
    NoRelatedRequest {
        /// The identifier as serialized.
        component: String,
    },
    /// A request-derived component on a response without `req`.
    #[error("{component}: this derived component needs `req` on a response")]
    RequestComponentOnResponse {
        /// The identifier as serialized.
        component: String,
    },
    /// `@status` on a request.
    #[error("\"@status\" cannot be used on a request")]
    StatusOnRequest,
    /// `@query-param` without its `name`.
    #[error("{component}: `@query-param` needs a `name` parameter")]
    MissingQueryParamName {
        /// The identifier as serialized.
        component: String,
    },
    /// A covered field is absent from the message.
    #[error("covered field {field:?} is not in the message")]
    FieldAbsent {
        /// The field name.
        field: String,
    },
    /// A covered query parameter is absent.
    #[error("covered query parameter {name:?} is not in the target URI")]
    QueryParamAbsent {
        /// The encoded parameter name.
        name: String,
    },
    /// A covered Dictionary member is absent.
    #[error("covered member {key:?} is not in the {field:?} Dictionary")]
    DictionaryKeyAbsent {
        /// The field name.
        field: String,
        /// The member key.
        key: String,
    },
    /// `sf` on a field whose structured type the base does not know.
    #[error("{field:?}: structured type unknown, cannot apply `sf`")]
    UnknownStructuredType {
        /// The field name.
        field: String,
    },
    /// The field value does not parse as its structured type.
    #[error("{field:?} is not a valid {expected:?}: {reason}")]
    NotStructured {
        /// The field name.
        field: String,
        /// The type it should have.
        expected: SfType,
        /// The parser's message.
        reason: String,
    },
    /// `tr`: these messages carry no trailers.
    #[error("{component}: trailer fields are not available")]
    Trailers {
        /// The identifier as serialized.
        component: String,
    },
    /// A value would contain CR or LF, which would forge extra base lines.
    #[error("{component}: value contains a line break")]
    LineBreak {
        /// The identifier as serialized.
        component: String,
    },
}

impl BaseError {
    /// True when the failure is something this implementation does not support (as
    /// opposed to a message that is wrong): unknown names, parameters, types, trailers.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            BaseError::UnknownDerived { .. }
                | BaseError::UnknownParam { .. }
                | BaseError::UnknownStructuredType { .. }
                | BaseError::Trailers { .. }
        )
    }
}

/// Build the signature base for `params` over `message`.
///
/// Duplicate identifiers are not refused here (the `Signature-Input` parser refuses them),
/// so a harness can still sign such a list on purpose.
pub fn signature_base(
    message: Message<'_>,
    params: &SignatureParams,
    types: &FieldTypes,
) -> Result<SignatureBase, BaseError> {
    let fields = message.fields();
    let field_bytes: usize = fields.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    let mut text = String::with_capacity(field_bytes + 128);
    for id in &params.covered {
        if append_plain_field(&mut text, fields, id) {
            continue;
        }
        for value in component_values(message, id, types)? {
            id.serialize_into(&mut text);
            text.push_str(": ");
            text.push_str(&value);
            text.push('\n');
        }
    }
    text.push_str("\"@signature-params\": ");
    params.serialize_into(&mut text);
    Ok(SignatureBase { text })
}

/// The common case of a covered field, written straight into the base: no parameters, and
/// every line free of line breaks, so the value is the trimmed lines joined with `", "`,
/// exactly what [`component_values`] gives. Returns false, having written nothing, for any
/// other component (which then takes the general path, errors included).
fn append_plain_field(
    text: &mut String,
    fields: &[crate::message::Field],
    id: &ComponentId,
) -> bool {
    let ComponentName::Field(name) = &id.name else {
        return false;
    };
    if !id.params.is_empty() {
        return false;
    }
    let mut lines = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    let mut present = false;
    for line in lines.clone() {
        if has_line_break(line) {
            return false;
        }
        present = true;
    }
    if !present {
        return false;
    }
    id.serialize_into(text);
    text.push_str(": ");
    if let Some(first) = lines.next() {
        text.push_str(first.trim_matches([' ', '\t']));
    }
    for line in lines {
        text.push_str(", ");
        text.push_str(line.trim_matches([' ', '\t']));
    }
    text.push('\n');
    true
}

/// The value(s) of one covered component. Always one value, except `@query-param` whose
/// name occurs several times: one value per occurrence, in URI order (RFC 9421 §2.2.8).
pub fn component_values(
    message: Message<'_>,
    id: &ComponentId,
    types: &FieldTypes,
) -> Result<Vec<String>, BaseError> {
    let component = || id.serialize();
    if let Some(ComponentParam::Other(k, _)) = id
        .params
        .iter()
        .find(|p| matches!(p, ComponentParam::Other(..)))
    {
        return Err(BaseError::UnknownParam {
            component: component(),
            param: k.clone(),
        });
    }
    let wants_request = id.params.contains(&ComponentParam::Req);
    let source = match message {
        Message::Request(r) if wants_request => {
            let _ = r;
            return Err(BaseError::ReqOnRequest {
                component: component(),
            });
        }
        Message::Request(r) => Source::Request(r),
        Message::Response { request, .. } if wants_request => {
            Source::Request(request.ok_or_else(|| BaseError::NoRelatedRequest {
                component: component(),
            })?)
        }
        Message::Response { response, .. } => Source::Response(response),
    };
    let values = match &id.name {
        ComponentName::Derived(d) => derived_values(d, id, source)?,
        ComponentName::Field(name) => vec![field_value(name, id, source, types)?],
    };
    if values.iter().any(|v| v.contains(['\r', '\n'])) {
        return Err(BaseError::LineBreak {
            component: component(),
        });
    }
    Ok(values)
}

/// True when `value` holds a CR or LF. Long values (a `Signature-Key` carries a whole token)
/// are scanned in 16-byte blocks with no early exit inside a block, which compiles to
/// vector compares.
fn has_line_break(value: &str) -> bool {
    let mut blocks = value.as_bytes().chunks_exact(16);
    for block in &mut blocks {
        if block
            .iter()
            .fold(false, |seen, &b| seen | (b == b'\r') | (b == b'\n'))
        {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| b == b'\r' || b == b'\n')
}

/// Where a component's value comes from once `req` is resolved.
#[derive(Clone, Copy)]
enum Source<'a> {
    Request(&'a Request),
    Response(&'a Response),
}

impl Source<'_> {
    fn header_lines<'b>(&'b self, name: &'b str) -> Vec<&'b str> {
        match self {
            Source::Request(r) => r.header_all(name).collect(),
            Source::Response(r) => r.header_all(name).collect(),
        }
    }
}

fn derived_values(
    d: &DerivedComponent,
    id: &ComponentId,
    source: Source<'_>,
) -> Result<Vec<String>, BaseError> {
    let component = || id.serialize();
    if let DerivedComponent::Other(_) = d {
        return Err(BaseError::UnknownDerived {
            component: component(),
        });
    }
    for p in &id.params {
        let allowed = match p {
            ComponentParam::Req => true,
            ComponentParam::Name(_) => *d == DerivedComponent::QueryParam,
            _ => false,
        };
        if !allowed {
            return Err(BaseError::ParamNotApplicable {
                component: component(),
                param: p.key().to_string(),
            });
        }
    }
    let request = match (d, source) {
        (DerivedComponent::Status, Source::Response(r)) => return Ok(vec![r.status.to_string()]),
        (DerivedComponent::Status, Source::Request(_)) => return Err(BaseError::StatusOnRequest),
        (_, Source::Response(_)) => {
            return Err(BaseError::RequestComponentOnResponse {
                component: component(),
            })
        }
        (_, Source::Request(r)) => r,
    };
    let value = match d {
        DerivedComponent::Method => request.method.clone(),
        DerivedComponent::TargetUri => format!(
            "{}://{}{}",
            request.scheme.to_ascii_lowercase(),
            request.authority,
            request.target()
        ),
        DerivedComponent::Authority => normalize_authority(&request.scheme, &request.authority),
        DerivedComponent::Scheme => request.scheme.to_ascii_lowercase(),
        DerivedComponent::RequestTarget => request_target(request),
        DerivedComponent::Path => {
            if request.path.is_empty() {
                "/".to_string()
            } else {
                request.path.clone()
            }
        }
        DerivedComponent::Query => format!("?{}", request.query.as_deref().unwrap_or("")),
        DerivedComponent::QueryParam => {
            let name = id
                .name_param()
                .ok_or_else(|| BaseError::MissingQueryParamName {
                    component: component(),
                })?;
            return query_param_values(request.query.as_deref().unwrap_or(""), name);
        }
        DerivedComponent::Status | DerivedComponent::Other(_) => {
            return Err(BaseError::UnknownDerived {
                component: component(),
            })
        }
    };
    Ok(vec![value])
}

/// `@authority` (RFC 9421 §2.2.3 with RFC 9110 §4.2.3): lowercase, default port dropped.
pub fn normalize_authority(scheme: &str, authority: &str) -> String {
    let lower = authority.to_ascii_lowercase();
    let (host, port) = split_host_port(&lower);
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => Some("80"),
        "https" => Some("443"),
        _ => None,
    };
    match port {
        Some("") => host.to_string(),
        Some(p) if Some(p) == default_port => host.to_string(),
        _ => lower.clone(),
    }
}

/// Split `host[:port]`, keeping IPv6 literals (`[::1]:443`) whole.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let (host, rest) = authority.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (authority, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    }
}

/// `@request-target` (RFC 9421 §2.2.5): authority-form for CONNECT, `*` for asterisk-form
/// OPTIONS, origin-form otherwise.
fn request_target(request: &Request) -> String {
    if request.method == "CONNECT" {
        request.authority.clone()
    } else if request.path == "*" && request.query.is_none() {
        "*".to_string()
    } else {
        request.target()
    }
}

/// The characters left unencoded by the WHATWG application/x-www-form-urlencoded
/// percent-encode set: ASCII alphanumerics and `*-._`.
const FORM_URLENCODED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

fn form_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, FORM_URLENCODED).to_string()
}

/// `@query-param` (RFC 9421 §2.2.8): parse the query as form data (so `+` is a space and
/// escapes are decoded), re-encode names and values with the form-urlencoded set, and
/// return every value whose re-encoded name equals `name`.
fn query_param_values(query: &str, name: &str) -> Result<Vec<String>, BaseError> {
    let values: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(n, _)| form_encode(n) == name)
        .map(|(_, v)| form_encode(&v))
        .collect();
    if values.is_empty() {
        Err(BaseError::QueryParamAbsent {
            name: name.to_string(),
        })
    } else {
        Ok(values)
    }
}

/// One field line, canonicalized: obsolete line folding replaced by one space, leading and
/// trailing whitespace removed (RFC 9421 §2.1 steps 2 and 3).
fn canonical_line(line: &str) -> String {
    // Without a line break there is nothing to unfold (the common case, and the long
    // `Signature-Key` values): only trim.
    if !line.contains(['\r', '\n']) {
        return line.trim_matches([' ', '\t']).to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let fold = match c {
            '\r' if chars.peek() == Some(&'\n') => {
                let mut look = chars.clone();
                look.next();
                matches!(look.peek(), Some(' ' | '\t'))
            }
            '\n' => matches!(chars.peek(), Some(' ' | '\t')),
            _ => false,
        };
        if fold {
            while matches!(chars.peek(), Some('\n' | ' ' | '\t')) {
                chars.next();
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out.trim_matches([' ', '\t']).to_string()
}

fn field_value(
    name: &str,
    id: &ComponentId,
    source: Source<'_>,
    types: &FieldTypes,
) -> Result<String, BaseError> {
    let component = || id.serialize();
    let (mut sf, mut bs, mut key) = (false, false, None);
    for p in &id.params {
        match p {
            ComponentParam::Sf => sf = true,
            ComponentParam::Bs => bs = true,
            ComponentParam::Key(k) => key = Some(k.as_str()),
            ComponentParam::Req => {}
            ComponentParam::Tr => {
                return Err(BaseError::Trailers {
                    component: component(),
                })
            }
            ComponentParam::Name(_) | ComponentParam::Other(..) => {
                return Err(BaseError::ParamNotApplicable {
                    component: component(),
                    param: p.key().to_string(),
                })
            }
        }
    }
    if bs && (sf || key.is_some()) {
        return Err(BaseError::IncompatibleParams {
            component: component(),
            first: "bs".into(),
            second: if sf { "sf".into() } else { "key".into() },
        });
    }
    let lines: Vec<String> = source
        .header_lines(name)
        .into_iter()
        .map(canonical_line)
        .collect();
    if lines.is_empty() {
        return Err(BaseError::FieldAbsent {
            field: name.to_string(),
        });
    }
    if bs {
        let engine = base64::engine::general_purpose::STANDARD;
        return Ok(lines
            .iter()
            .map(|l| format!(":{}:", engine.encode(l.as_bytes())))
            .collect::<Vec<_>>()
            .join(", "));
    }
    let combined = lines.join(", ");
    if let Some(key) = key {
        return dictionary_member(name, &combined, key, types);
    }
    if sf {
        return strict_serialization(name, &combined, types);
    }
    Ok(combined)
}

fn not_structured(field: &str, expected: SfType, reason: impl fmt::Display) -> BaseError {
    BaseError::NotStructured {
        field: field.to_string(),
        expected,
        reason: reason.to_string(),
    }
}

/// `sf` (RFC 9421 §2.1.1): parse as the field's known type and serialize strictly.
fn strict_serialization(name: &str, value: &str, types: &FieldTypes) -> Result<String, BaseError> {
    let ty = types
        .get(name)
        .ok_or_else(|| BaseError::UnknownStructuredType {
            field: name.to_string(),
        })?;
    let parser = sfv::Parser::new(value);
    Ok(match ty {
        SfType::Item => parser
            .parse::<sfv::Item>()
            .map_err(|e| not_structured(name, ty, e))?
            .serialize(),
        SfType::List => parser
            .parse::<sfv::List>()
            .map_err(|e| not_structured(name, ty, e))?
            .serialize()
            .unwrap_or_default(),
        SfType::Dictionary => parser
            .parse::<sfv::Dictionary>()
            .map_err(|e| not_structured(name, ty, e))?
            .serialize()
            .unwrap_or_default(),
    })
}

/// `key` (RFC 9421 §2.1.2): one Dictionary member's value, strictly serialized. A field
/// whose type is unknown is read as a Dictionary, since `key` asserts that it is one.
fn dictionary_member(
    name: &str,
    value: &str,
    key: &str,
    types: &FieldTypes,
) -> Result<String, BaseError> {
    match types.get(name) {
        None | Some(SfType::Dictionary) => {}
        Some(other) => {
            return Err(not_structured(
                name,
                SfType::Dictionary,
                format!("the field is a {other:?}"),
            ))
        }
    }
    let dict: sfv::Dictionary = sfv::Parser::new(value)
        .parse()
        .map_err(|e| not_structured(name, SfType::Dictionary, e))?;
    let member = dict
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, v)| v)
        .ok_or_else(|| BaseError::DictionaryKeyAbsent {
            field: name.to_string(),
            key: key.to_string(),
        })?;
    Ok(match member {
        sfv::ListEntry::Item(item) => item.serialize(),
        sfv::ListEntry::InnerList(_) => vec![member.clone()].serialize().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::component::ComponentParam as P;

    fn req() -> Request {
        Request::new("POST", "https", "example.com", "/foo?param=Value&Pet=dog")
            .with_header("Host", "example.com")
            .with_header("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
            .with_header("Content-Type", "application/json")
    }

    fn one(message: Message<'_>, id: ComponentId) -> Result<String, BaseError> {
        component_values(
            message,
            &id,
            &FieldTypes::aauth().with("example-dict", SfType::Dictionary),
        )
        .map(|mut v| v.remove(0))
    }

    fn on(r: &Request, id: &str) -> Result<String, BaseError> {
        one(
            Message::Request(r),
            ComponentId::parse(id).expect("valid id"),
        )
    }

    #[test]
    fn every_derived_request_component() {
        let r = Request::new(
            "POST",
            "HTTPS",
            "WWW.Example.com:443",
            "/path?param=value&foo=bar&baz=bat%2Dman",
        );
        assert_eq!(on(&r, "@method").as_deref(), Ok("POST"));
        assert_eq!(on(&r, "@authority").as_deref(), Ok("www.example.com"));
        assert_eq!(on(&r, "@scheme").as_deref(), Ok("https"));
        assert_eq!(
            on(&r, "@target-uri").as_deref(),
            Ok("https://WWW.Example.com:443/path?param=value&foo=bar&baz=bat%2Dman")
        );
        assert_eq!(
            on(&r, "@request-target").as_deref(),
            Ok("/path?param=value&foo=bar&baz=bat%2Dman")
        );
        assert_eq!(on(&r, "@path").as_deref(), Ok("/path"));
        assert_eq!(
            on(&r, "@query").as_deref(),
            Ok("?param=value&foo=bar&baz=bat%2Dman")
        );
        assert_eq!(
            on(&r, r#""@query-param";name="baz""#).as_deref(),
            Ok("bat-man")
        );
        assert_eq!(on(&r, "@status"), Err(BaseError::StatusOnRequest));
    }

    #[test]
    fn authority_normalisation_drops_only_default_ports() {
        assert_eq!(
            normalize_authority("https", "Example.COM:443"),
            "example.com"
        );
        assert_eq!(normalize_authority("http", "example.com:80"), "example.com");
        assert_eq!(
            normalize_authority("https", "example.com:80"),
            "example.com:80"
        );
        assert_eq!(
            normalize_authority("http", "example.com:8080"),
            "example.com:8080"
        );
        assert_eq!(normalize_authority("https", "example.com:"), "example.com");
        assert_eq!(normalize_authority("https", "[::1]:443"), "[::1]");
        assert_eq!(normalize_authority("https", "[::1]:8443"), "[::1]:8443");
        assert_eq!(normalize_authority("https", "[::1]"), "[::1]");
    }

    #[test]
    fn path_query_and_request_target_edge_cases() {
        let mut r = Request::new("GET", "https", "example.com", "/");
        r.path = String::new();
        assert_eq!(on(&r, "@path").as_deref(), Ok("/"));
        assert_eq!(on(&r, "@query").as_deref(), Ok("?"));
        r.query = Some(String::new());
        assert_eq!(on(&r, "@query").as_deref(), Ok("?"));
        let r = Request::new("GET", "https", "example.com", "/p?queryString");
        assert_eq!(on(&r, "@query").as_deref(), Ok("?queryString"));
        let r = Request::new("OPTIONS", "https", "example.com", "*");
        assert_eq!(on(&r, "@request-target").as_deref(), Ok("*"));
        let r = Request::new("CONNECT", "https", "www.example.com:80", "/");
        assert_eq!(
            on(&r, "@request-target").as_deref(),
            Ok("www.example.com:80")
        );
    }

    #[test]
    fn query_params_are_decoded_and_re_encoded() {
        let r = Request::new(
            "GET",
            "https",
            "www.example.com",
            "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something&qux=&a=1&a=2",
        );
        assert_eq!(
            on(&r, r#""@query-param";name="var""#).as_deref(),
            Ok("this%20is%20a%20big%0Amultiline%20value")
        );
        assert_eq!(
            on(&r, r#""@query-param";name="bar""#).as_deref(),
            Ok("with%20plus%20whitespace")
        );
        assert_eq!(
            on(&r, r#""@query-param";name="fa%C3%A7ade%22%3A%20""#).as_deref(),
            Ok("something")
        );
        assert_eq!(on(&r, r#""@query-param";name="qux""#).as_deref(), Ok(""));
        let all = component_values(
            Message::Request(&r),
            &ComponentId::query_param("a"),
            &FieldTypes::aauth(),
        );
        assert_eq!(all, Ok(vec!["1".to_string(), "2".to_string()]));
        assert_eq!(
            on(&r, r#""@query-param";name="nope""#),
            Err(BaseError::QueryParamAbsent {
                name: "nope".into()
            })
        );
        assert!(matches!(
            on(&r, "@query-param"),
            Err(BaseError::MissingQueryParamName { .. })
        ));
    }

    #[test]
    fn repeated_query_params_become_separate_base_lines() {
        let r = Request::new("GET", "https", "e.example", "/?a=1&b=x&a=2");
        let params = SignatureParams::new(vec![ComponentId::query_param("a")]);
        let base =
            signature_base(Message::Request(&r), &params, &FieldTypes::aauth()).expect("base");
        assert_eq!(
            base.as_str(),
            "\"@query-param\";name=\"a\": 1\n\"@query-param\";name=\"a\": 2\n\"@signature-params\": (\"@query-param\";name=\"a\")"
        );
    }

    /// The base as the general path alone writes it: each identifier and each of
    /// [`component_values`], then the parameters.
    fn reference_base(message: Message<'_>, params: &SignatureParams) -> Result<String, BaseError> {
        let types = FieldTypes::aauth();
        let mut text = String::new();
        for id in &params.covered {
            for value in component_values(message, id, &types)? {
                text.push_str(&format!("{}: {value}\n", id.serialize()));
            }
        }
        Ok(format!(
            "{text}\"@signature-params\": {}",
            params.serialize()
        ))
    }

    #[test]
    fn the_plain_field_path_writes_what_the_general_path_does() {
        let values = [
            "plain",
            "",
            "  \t padded \t ",
            "Obsolete\r\n    line folding.",
            "lone\nbreak",
            "lone\rreturn",
            "a long value past one block of sixteen bytes, \n folded late",
            "a long value past one block of sixteen bytes, unfolded",
        ];
        let names = ["x-a", "X-B", "x-missing"];
        for first in values {
            for second in [None, Some(" second "), Some("with\r\n fold")] {
                let mut r = Request::new("POST", "https", "example.com", "/")
                    .with_header("X-A", first)
                    .with_header("x-b", "b");
                if let Some(s) = second {
                    r = r.with_header("x-a", s);
                }
                for name in names {
                    let params = SignatureParams::new(vec![
                        ComponentId::METHOD,
                        ComponentId::field(name),
                        ComponentId::field("x-b"),
                    ]);
                    let fast = signature_base(Message::Request(&r), &params, &FieldTypes::aauth())
                        .map(|b| b.as_str().to_string());
                    assert_eq!(
                        fast,
                        reference_base(Message::Request(&r), &params),
                        "{first:?} {second:?} {name}"
                    );
                }
            }
        }
    }

    #[test]
    fn field_values_are_trimmed_unfolded_and_combined() {
        let r = Request::new("GET", "https", "www.example.com", "/")
            .with_header("X-OWS-Header", "   Leading and trailing whitespace.   ")
            .with_header("X-Obs-Fold-Header", "Obsolete\r\n    line folding.")
            .with_header("Cache-Control", "max-age=60")
            .with_header("cache-control", "   must-revalidate")
            .with_header("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)")
            .with_header("X-Empty-Header", "");
        assert_eq!(
            on(&r, "x-ows-header").as_deref(),
            Ok("Leading and trailing whitespace.")
        );
        assert_eq!(
            on(&r, "x-obs-fold-header").as_deref(),
            Ok("Obsolete line folding.")
        );
        assert_eq!(
            on(&r, "cache-control").as_deref(),
            Ok("max-age=60, must-revalidate")
        );
        assert_eq!(
            on(&r, "example-dict").as_deref(),
            Ok("a=1,    b=2;x=1;y=2,   c=(a   b   c)")
        );
        assert_eq!(on(&r, "x-empty-header").as_deref(), Ok(""));
        assert_eq!(
            on(&r, "x-missing"),
            Err(BaseError::FieldAbsent {
                field: "x-missing".into()
            })
        );
        let bad = Request::new("GET", "https", "e", "/").with_header("X-Inject", "a\nb");
        assert!(matches!(
            on(&bad, "x-inject"),
            Err(BaseError::LineBreak { .. })
        ));
    }

    #[test]
    fn sf_key_and_bs_follow_the_rfc_examples() {
        let r = Request::new("GET", "https", "www.example.com", "/")
            .with_header("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c), d")
            .with_header("Example-Header", "value, with, lots")
            .with_header("Example-Header", "of, commas")
            .with_header(
                "Signature-Key",
                "sig=jwt;jwt=\"x\",   other=hwk;  kty=\"OKP\"",
            )
            .with_header("AAuth-Capabilities", "interaction,   payment");
        assert_eq!(
            on(&r, r#""example-dict";sf"#).as_deref(),
            Ok("a=1, b=2;x=1;y=2, c=(a b c), d")
        );
        assert_eq!(on(&r, r#""example-dict";key="a""#).as_deref(), Ok("1"));
        assert_eq!(on(&r, r#""example-dict";key="d""#).as_deref(), Ok("?1"));
        assert_eq!(
            on(&r, r#""example-dict";key="b""#).as_deref(),
            Ok("2;x=1;y=2")
        );
        assert_eq!(
            on(&r, r#""example-dict";key="c""#).as_deref(),
            Ok("(a b c)")
        );
        assert_eq!(
            on(&r, r#""example-dict";key="zz""#),
            Err(BaseError::DictionaryKeyAbsent {
                field: "example-dict".into(),
                key: "zz".into()
            })
        );
        assert_eq!(
            on(&r, r#""example-header";bs"#).as_deref(),
            Ok(":dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:")
        );
        assert_eq!(
            on(&r, r#""signature-key";sf"#).as_deref(),
            Ok("sig=jwt;jwt=\"x\", other=hwk;kty=\"OKP\"")
        );
        assert_eq!(
            on(&r, r#""signature-key";key="other""#).as_deref(),
            Ok("hwk;kty=\"OKP\"")
        );
        assert_eq!(
            on(&r, r#""aauth-capabilities";sf"#).as_deref(),
            Ok("interaction, payment")
        );
        let unknown = Request::new("GET", "https", "e", "/").with_header("X-Unknown", "a, b");
        assert_eq!(
            on(&unknown, r#""x-unknown";sf"#),
            Err(BaseError::UnknownStructuredType {
                field: "x-unknown".into()
            })
        );
        assert!(matches!(
            on(&r, r#""aauth-capabilities";key="a""#),
            Err(BaseError::NotStructured { .. })
        ));
    }

    #[test]
    fn parameters_that_do_not_fit_are_errors() {
        let r = req().with_header("Example-Dict", "a=1");
        assert!(matches!(
            on(&r, r#""example-dict";bs;sf"#),
            Err(BaseError::IncompatibleParams { .. })
        ));
        assert!(matches!(
            on(&r, r#""example-dict";bs;key="a""#),
            Err(BaseError::IncompatibleParams { .. })
        ));
        assert!(matches!(
            on(&r, r#""@path";sf"#),
            Err(BaseError::ParamNotApplicable { .. })
        ));
        assert!(matches!(
            on(&r, r#""@method";name="x""#),
            Err(BaseError::ParamNotApplicable { .. })
        ));
        assert!(matches!(
            on(&r, r#""date";name="x""#),
            Err(BaseError::ParamNotApplicable { .. })
        ));
        assert!(matches!(
            on(&r, r#""date";foo"#),
            Err(BaseError::UnknownParam { .. })
        ));
        assert!(matches!(
            on(&r, r#""date";tr"#),
            Err(BaseError::Trailers { .. })
        ));
        assert!(matches!(
            on(&r, r#""@method";req"#),
            Err(BaseError::ReqOnRequest { .. })
        ));
        assert!(matches!(
            on(&r, "@frobnicate"),
            Err(BaseError::UnknownDerived { .. })
        ));
        assert!(BaseError::Trailers {
            component: String::new()
        }
        .is_unsupported());
        assert!(!BaseError::FieldAbsent {
            field: String::new()
        }
        .is_unsupported());
    }

    #[test]
    fn responses_use_req_for_request_components() {
        let request = req();
        let response = Response::new(503).with_header("Content-Type", "application/json");
        let with_req = Message::Response {
            response: &response,
            request: Some(&request),
        };
        assert_eq!(one(with_req, ComponentId::STATUS).as_deref(), Ok("503"));
        assert_eq!(
            one(
                with_req,
                ComponentId::parse(r#""@method";req"#).expect("id")
            )
            .as_deref(),
            Ok("POST")
        );
        assert_eq!(
            one(
                with_req,
                ComponentId::parse(r#""@authority";req"#).expect("id")
            )
            .as_deref(),
            Ok("example.com")
        );
        assert_eq!(
            one(with_req, ComponentId::parse(r#""date";req"#).expect("id")).as_deref(),
            Ok("Tue, 20 Apr 2021 02:07:55 GMT")
        );
        assert_eq!(
            one(with_req, ComponentId::field("content-type")).as_deref(),
            Ok("application/json")
        );
        assert!(matches!(
            one(with_req, ComponentId::METHOD),
            Err(BaseError::RequestComponentOnResponse { .. })
        ));
        assert_eq!(
            one(with_req, ComponentId::STATUS.with(P::Req)),
            Err(BaseError::StatusOnRequest)
        );
        let alone = Message::Response {
            response: &response,
            request: None,
        };
        assert!(matches!(
            one(alone, ComponentId::METHOD.with(P::Req)),
            Err(BaseError::NoRelatedRequest { .. })
        ));
    }

    #[test]
    fn base_has_no_trailing_newline_and_ends_with_params() {
        let params = SignatureParams::new(vec![ComponentId::METHOD, ComponentId::field("date")]);
        let base =
            signature_base(Message::Request(&req()), &params, &FieldTypes::aauth()).expect("base");
        assert_eq!(
            base.as_str(),
            "\"@method\": POST\n\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@signature-params\": (\"@method\" \"date\")"
        );
        assert_eq!(base.lines().count(), 3);
        let empty = signature_base(
            Message::Request(&req()),
            &SignatureParams::default(),
            &FieldTypes::aauth(),
        )
        .expect("base");
        assert_eq!(empty.as_str(), "\"@signature-params\": ()");
    }
}
