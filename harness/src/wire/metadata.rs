//! The four AAuth metadata documents served at `/.well-known/{dwk}`: agent provider
//! (`aauth-agent.json`), resource (`aauth-resource.json`), person server
//! (`aauth-person.json`) and access server (`aauth-access.json`).
//!
//! One table per document ([`fields`]) says each member's shape and when it is required, by
//! profile (-11 names the PS and AS token endpoints `auth_token_endpoint` and adds
//! `person_token_endpoint`; -10 has `token_endpoint`; resource `access_mode` values differ).
//! The typed parse and the validator both read that table, so they cannot drift apart.
//!
//! - `*Metadata::parse` is strict about types (first wrong type is the error) but not about
//!   presence: every field is optional in the struct so a document without `issuer` still
//!   parses and the caller can answer `issuer_missing`.
//! - [`validate`] returns every violation in a document: wrong types, missing required
//!   fields, `issuer` not a server identifier or not the identity it was fetched for,
//!   endpoint and URL rules, access modes and algorithm lists.
//! - Members no table lists (R3 `r3_vocabularies`, Budgets `budget_units`, future fields) are
//!   kept in `extra`, in received order, and serialized back.

use std::fmt;

use serde_json::{Map, Value};

use super::error::{WireError, WireErrorKind};
use super::identifier::{self, IdentifierFault, ServerIdFault, UrlFault};
use super::problem::json_type;
use super::signature_error::SignatureErrorCode;
use crate::jose::Alg;
use crate::profile::Profile;

/// `dwk` of agent provider metadata.
pub const AGENT_DWK: &str = "aauth-agent.json";
/// `dwk` of resource metadata.
pub const RESOURCE_DWK: &str = "aauth-resource.json";
/// `dwk` of person server metadata.
pub const PERSON_DWK: &str = "aauth-person.json";
/// `dwk` of access server metadata.
pub const ACCESS_DWK: &str = "aauth-access.json";
/// Where the reference roles publish their JWKS, relative to the issuer.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// `{issuer}/.well-known/{dwk}`.
pub fn well_known_url(issuer: &str, dwk: &str) -> String {
    format!("{issuer}/.well-known/{dwk}")
}

/// The identity a document was fetched for: the URL minus `/.well-known/{dwk}`.
pub fn identity_from_url<'a>(url: &'a str, dwk: &str) -> Option<&'a str> {
    url.strip_suffix(dwk)?.strip_suffix("/.well-known/")
}

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `aauth-agent.json`.
    AgentProvider,
    /// `aauth-resource.json`.
    Resource,
    /// `aauth-person.json`.
    PersonServer,
    /// `aauth-access.json`.
    AccessServer,
}

impl DocumentKind {
    /// All four.
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::AgentProvider,
        DocumentKind::Resource,
        DocumentKind::PersonServer,
        DocumentKind::AccessServer,
    ];

    /// The well-known document name.
    pub fn dwk(self) -> &'static str {
        match self {
            DocumentKind::AgentProvider => AGENT_DWK,
            DocumentKind::Resource => RESOURCE_DWK,
            DocumentKind::PersonServer => PERSON_DWK,
            DocumentKind::AccessServer => ACCESS_DWK,
        }
    }

    /// The kind for a `dwk` value.
    pub fn from_dwk(dwk: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.dwk() == dwk)
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dwk())
    }
}

// ---------------------------------------------------------------------------------------
// The field tables
// ---------------------------------------------------------------------------------------

/// The shape a member must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A server identifier string.
    ServerId,
    /// An endpoint URL string: https, no query, no fragment.
    Endpoint,
    /// An https URL string.
    Https,
    /// A URL string the drafts do not constrain further (https expected, reported apart).
    Url,
    /// Any string.
    Text,
    /// A boolean.
    Bool,
    /// An integer.
    Integer,
    /// An array of strings.
    Strings,
    /// An array of JOSE algorithm identifiers.
    Algs,
    /// An object.
    Object,
    /// An `access_mode` string.
    AccessMode,
}

impl Shape {
    fn json_name(self) -> &'static str {
        match self {
            Shape::Bool => "a boolean",
            Shape::Integer => "an integer",
            Shape::Strings | Shape::Algs => "an array of strings",
            Shape::Object => "an object",
            _ => "a string",
        }
    }

    fn type_ok(self, v: &Value) -> bool {
        match self {
            Shape::Bool => v.is_boolean(),
            Shape::Integer => v.is_i64() || v.is_u64(),
            Shape::Strings | Shape::Algs => {
                v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            }
            Shape::Object => v.is_object(),
            _ => v.is_string(),
        }
    }
}

/// When a member is required.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// In every profile.
    Always,
    /// In `aauth-11` only.
    In11,
    /// In `aauth-10` and the legacy profile.
    Before11,
    /// Never.
    Optional,
}

impl Need {
    fn required(self, profile: Profile) -> bool {
        match self {
            Need::Always => true,
            Need::In11 => profile == Profile::Aauth11,
            Need::Before11 => profile != Profile::Aauth11,
            Need::Optional => false,
        }
    }
}

/// One member of a document table.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// Member name.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// When it is required.
    pub need: Need,
}

const fn f(name: &'static str, shape: Shape, need: Need) -> FieldSpec {
    FieldSpec { name, shape, need }
}

use Need::{Always, Before11, In11, Optional};
use Shape::{
    AccessMode as Am, Algs, Bool, Endpoint, Https, Integer, Object, ServerId, Strings, Text, Url,
};

const COMMON: [FieldSpec; 10] = [
    f("issuer", ServerId, Always),
    f("jwks_uri", Https, Always),
    f("accept_signature_algs", Algs, Optional),
    f("name", Text, Optional),
    f("description", Text, Optional),
    f("logo_uri", Https, Optional),
    f("logo_dark_uri", Https, Optional),
    f("documentation_uri", Https, Optional),
    f("tos_uri", Https, Optional),
    f("policy_uri", Https, Optional),
];

const AGENT: [FieldSpec; 4] = [
    f("callback_endpoint", Endpoint, Optional),
    f("login_endpoint", Url, Optional),
    f("localhost_callback_allowed", Bool, Optional),
    f("event_endpoint", Https, Optional),
];

const PERSON: [FieldSpec; 11] = [
    f("auth_token_endpoint", Endpoint, In11),
    f("person_token_endpoint", Endpoint, In11),
    f("token_endpoint", Endpoint, Before11),
    f("mission_endpoint", Endpoint, Optional),
    f("permission_endpoint", Url, Optional),
    f("audit_endpoint", Url, Optional),
    f("interaction_endpoint", Url, Optional),
    f("mission_control_endpoint", Url, Optional),
    f("revocation_endpoint", Url, Optional),
    f("scopes_supported", Strings, Optional),
    f("claims_supported", Strings, Optional),
];

const ACCESS: [FieldSpec; 3] = [
    f("auth_token_endpoint", Endpoint, In11),
    f("token_endpoint", Endpoint, Before11),
    f("revocation_endpoint", Url, Optional),
];

const RESOURCE: [FieldSpec; 7] = [
    f("access_mode", Am, Optional),
    f("authorization_endpoint", Endpoint, Optional),
    f("login_endpoint", Url, Optional),
    f("scope_descriptions", Object, Optional),
    f("signature_window", Integer, Optional),
    f("additional_signature_components", Strings, Optional),
    f("revocation_endpoint", Url, Optional),
];

/// Every member the drafts define for `kind`, common ones first. For resources `jwks_uri`
/// is listed as `Optional` (it is required only when the resource signs or issues tokens).
pub fn fields(kind: DocumentKind) -> Vec<FieldSpec> {
    let mut out: Vec<FieldSpec> = COMMON.to_vec();
    if kind == DocumentKind::Resource {
        for s in &mut out {
            if s.name == "jwks_uri" {
                s.need = Optional;
            }
        }
    }
    out.extend_from_slice(match kind {
        DocumentKind::AgentProvider => &AGENT[..],
        DocumentKind::Resource => &RESOURCE[..],
        DocumentKind::PersonServer => &PERSON[..],
        DocumentKind::AccessServer => &ACCESS[..],
    });
    out
}

// ---------------------------------------------------------------------------------------
// Access modes
// ---------------------------------------------------------------------------------------

/// A resource `access_mode` value, open (extensions register more).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessMode(std::borrow::Cow<'static, str>);

impl AccessMode {
    /// Identity only: agent token.
    pub const AGENT_TOKEN: Self = Self(std::borrow::Cow::Borrowed("agent-token"));
    /// [-11] Person token alone.
    pub const PERSON_TOKEN: Self = Self(std::borrow::Cow::Borrowed("person-token"));
    /// [-11] Resource-managed session token via `AAuth-Access`.
    pub const SESSION_TOKEN: Self = Self(std::borrow::Cow::Borrowed("session-token"));
    /// [≤10] The -10 name of `session-token`.
    pub const AAUTH_ACCESS_TOKEN: Self = Self(std::borrow::Cow::Borrowed("aauth-access-token"));
    /// Auth token from the PS.
    pub const AUTH_TOKEN: Self = Self(std::borrow::Cow::Borrowed("auth-token"));
    /// R3 (written against -11): per-invocation authorization.
    pub const PER_CALL: Self = Self(std::borrow::Cow::Borrowed("per-call"));

    /// Any value, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(std::borrow::Cow::Owned(s.into()))
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The values a profile defines.
    pub fn defined(profile: Profile) -> &'static [AccessMode] {
        const P11: [AccessMode; 5] = [
            AccessMode::AGENT_TOKEN,
            AccessMode::PERSON_TOKEN,
            AccessMode::SESSION_TOKEN,
            AccessMode::AUTH_TOKEN,
            AccessMode::PER_CALL,
        ];
        const P10: [AccessMode; 3] = [
            AccessMode::AGENT_TOKEN,
            AccessMode::AAUTH_ACCESS_TOKEN,
            AccessMode::AUTH_TOKEN,
        ];
        match profile {
            Profile::Aauth11 => &P11,
            Profile::Aauth10 | Profile::Legacy => &P10,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Typed documents
// ---------------------------------------------------------------------------------------

/// Members shared by all four documents.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CommonMetadata {
    /// REQUIRED: the server identifier; must equal the identity the document was fetched for.
    pub issuer: Option<String>,
    /// The JWKS location (REQUIRED except for some resources).
    pub jwks_uri: Option<String>,
    /// [-11] The exact set of algorithms the server verifies.
    pub accept_signature_algs: Option<Vec<Alg>>,
    /// Display name.
    pub name: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Logo URL.
    pub logo_uri: Option<String>,
    /// Dark-background logo URL.
    pub logo_dark_uri: Option<String>,
    /// Developer documentation URL.
    pub documentation_uri: Option<String>,
    /// Terms of service URL.
    pub tos_uri: Option<String>,
    /// Privacy policy URL.
    pub policy_uri: Option<String>,
}

/// `aauth-agent.json`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AgentProviderMetadata {
    /// Common members.
    pub common: CommonMetadata,
    /// The agent's callback endpoint.
    pub callback_endpoint: Option<String>,
    /// Third-party login entry point.
    pub login_endpoint: Option<String>,
    /// Whether localhost callbacks are allowed (default false).
    pub localhost_callback_allowed: Option<bool>,
    /// Events: where resources deliver event tokens.
    pub event_endpoint: Option<String>,
    /// Every member not listed above, as received.
    pub extra: Map<String, Value>,
}

/// `aauth-person.json`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PersonServerMetadata {
    /// Common members.
    pub common: CommonMetadata,
    /// [-11] Where agents get auth tokens.
    pub auth_token_endpoint: Option<String>,
    /// [-11] Where agents get person tokens.
    pub person_token_endpoint: Option<String>,
    /// [≤10] Where agents get auth tokens.
    pub token_endpoint: Option<String>,
    /// Missions.
    pub mission_endpoint: Option<String>,
    /// Permission requests.
    pub permission_endpoint: Option<String>,
    /// Audit log.
    pub audit_endpoint: Option<String>,
    /// Interaction relay.
    pub interaction_endpoint: Option<String>,
    /// Mission control plane.
    pub mission_control_endpoint: Option<String>,
    /// Token revocation.
    pub revocation_endpoint: Option<String>,
    /// RECOMMENDED: scopes the PS supports.
    pub scopes_supported: Option<Vec<String>>,
    /// RECOMMENDED: claims the PS can provide.
    pub claims_supported: Option<Vec<String>>,
    /// Every member not listed above, as received.
    pub extra: Map<String, Value>,
}

/// `aauth-access.json`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AccessServerMetadata {
    /// Common members.
    pub common: CommonMetadata,
    /// [-11] Where PSes get auth tokens.
    pub auth_token_endpoint: Option<String>,
    /// [≤10] Where PSes get auth tokens.
    pub token_endpoint: Option<String>,
    /// Token revocation.
    pub revocation_endpoint: Option<String>,
    /// Every member not listed above, as received.
    pub extra: Map<String, Value>,
}

/// `aauth-resource.json`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceMetadata {
    /// Common members.
    pub common: CommonMetadata,
    /// The credential flow the resource expects (advisory; default `agent-token`).
    pub access_mode: Option<AccessMode>,
    /// Where agents request authorization.
    pub authorization_endpoint: Option<String>,
    /// Third-party login entry point.
    pub login_endpoint: Option<String>,
    /// Scope → Markdown description.
    pub scope_descriptions: Option<Map<String, Value>>,
    /// `created` window in seconds (default 60).
    pub signature_window: Option<i64>,
    /// Components agents must also cover.
    pub additional_signature_components: Option<Vec<String>>,
    /// Token revocation.
    pub revocation_endpoint: Option<String>,
    /// Every member not listed above (R3, Budgets, future), as received.
    pub extra: Map<String, Value>,
}

/// Any of the four documents.
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataDocument {
    /// `aauth-agent.json`.
    AgentProvider(AgentProviderMetadata),
    /// `aauth-resource.json`.
    Resource(ResourceMetadata),
    /// `aauth-person.json`.
    PersonServer(PersonServerMetadata),
    /// `aauth-access.json`.
    AccessServer(AccessServerMetadata),
}

/// Takes typed members out of a JSON object whose types were already checked against the
/// table; what is left becomes `extra`.
struct Taker(Map<String, Value>);

impl Taker {
    fn string(&mut self, name: &str) -> Option<String> {
        match self.0.shift_remove(name)? {
            Value::String(s) => Some(s),
            other => {
                self.0.insert(name.into(), other);
                None
            }
        }
    }
    fn bool(&mut self, name: &str) -> Option<bool> {
        match self.0.shift_remove(name)? {
            Value::Bool(b) => Some(b),
            other => {
                self.0.insert(name.into(), other);
                None
            }
        }
    }
    fn integer(&mut self, name: &str) -> Option<i64> {
        let v = self.0.shift_remove(name)?;
        match v.as_i64() {
            Some(i) => Some(i),
            None => {
                self.0.insert(name.into(), v);
                None
            }
        }
    }
    fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        let v = self.0.shift_remove(name)?;
        let parsed: Option<Vec<String>> = v
            .as_array()
            .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect());
        if parsed.is_none() {
            self.0.insert(name.into(), v);
        }
        parsed
    }
    fn object(&mut self, name: &str) -> Option<Map<String, Value>> {
        match self.0.shift_remove(name)? {
            Value::Object(m) => Some(m),
            other => {
                self.0.insert(name.into(), other);
                None
            }
        }
    }
    fn common(&mut self) -> CommonMetadata {
        CommonMetadata {
            issuer: self.string("issuer"),
            jwks_uri: self.string("jwks_uri"),
            accept_signature_algs: self
                .strings("accept_signature_algs")
                .map(|v| v.into_iter().map(Alg::new).collect()),
            name: self.string("name"),
            description: self.string("description"),
            logo_uri: self.string("logo_uri"),
            logo_dark_uri: self.string("logo_dark_uri"),
            documentation_uri: self.string("documentation_uri"),
            tos_uri: self.string("tos_uri"),
            policy_uri: self.string("policy_uri"),
        }
    }
}

fn parse_object(kind: DocumentKind, body: &[u8]) -> Result<Map<String, Value>, WireError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(WireError::new(
            kind.dwk(),
            WireErrorKind::Json(format!("expected an object, found {}", json_type(&other))),
        )),
        Err(e) => Err(WireError::new(
            kind.dwk(),
            WireErrorKind::Json(e.to_string()),
        )),
    }
}

/// Every member of `map` whose type disagrees with `kind`'s table.
fn type_errors(kind: DocumentKind, map: &Map<String, Value>) -> Vec<WireError> {
    fields(kind)
        .into_iter()
        .filter_map(|spec| {
            let v = map.get(spec.name)?;
            (!spec.shape.type_ok(v)).then(|| {
                WireError::wrong_type(kind.dwk(), spec.name, spec.shape.json_name(), json_type(v))
                    .at(spec.name)
            })
        })
        .collect()
}

fn checked(kind: DocumentKind, body: &[u8]) -> Result<Taker, WireError> {
    let map = parse_object(kind, body)?;
    if let Some(e) = type_errors(kind, &map).into_iter().next() {
        return Err(e);
    }
    Ok(Taker(map))
}

struct Writer(Map<String, Value>);

impl Writer {
    fn string(&mut self, name: &str, v: &Option<String>) {
        if let Some(v) = v {
            self.0.insert(name.into(), Value::String(v.clone()));
        }
    }
    fn strings(&mut self, name: &str, v: &Option<Vec<String>>) {
        if let Some(v) = v {
            self.0.insert(
                name.into(),
                Value::Array(v.iter().cloned().map(Value::String).collect()),
            );
        }
    }
    fn common(&mut self, c: &CommonMetadata) {
        self.string("issuer", &c.issuer);
        self.string("jwks_uri", &c.jwks_uri);
        if let Some(a) = &c.accept_signature_algs {
            self.0.insert(
                "accept_signature_algs".into(),
                Value::Array(a.iter().map(|a| Value::String(a.as_str().into())).collect()),
            );
        }
        self.string("name", &c.name);
        self.string("description", &c.description);
        self.string("logo_uri", &c.logo_uri);
        self.string("logo_dark_uri", &c.logo_dark_uri);
        self.string("documentation_uri", &c.documentation_uri);
        self.string("tos_uri", &c.tos_uri);
        self.string("policy_uri", &c.policy_uri);
    }
    fn finish(mut self, extra: &Map<String, Value>) -> Value {
        for (k, v) in extra {
            self.0.insert(k.clone(), v.clone());
        }
        Value::Object(self.0)
    }
}

fn join(issuer: &str, path: &str) -> Option<String> {
    Some(format!("{issuer}{path}"))
}

impl AgentProviderMetadata {
    /// Parses the document; fails on JSON errors and on the first wrongly typed member.
    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        let mut t = checked(DocumentKind::AgentProvider, body)?;
        Ok(AgentProviderMetadata {
            common: t.common(),
            callback_endpoint: t.string("callback_endpoint"),
            login_endpoint: t.string("login_endpoint"),
            localhost_callback_allowed: t.bool("localhost_callback_allowed"),
            event_endpoint: t.string("event_endpoint"),
            extra: t.0,
        })
    }

    /// The document as JSON, known members first in table order, then `extra`.
    pub fn to_json(&self) -> Value {
        let mut w = Writer(Map::new());
        w.common(&self.common);
        w.string("callback_endpoint", &self.callback_endpoint);
        w.string("login_endpoint", &self.login_endpoint);
        if let Some(b) = self.localhost_callback_allowed {
            w.0.insert("localhost_callback_allowed".into(), Value::Bool(b));
        }
        w.string("event_endpoint", &self.event_endpoint);
        w.finish(&self.extra)
    }

    /// What the harness's reference agent provider publishes.
    pub fn reference(issuer: &str) -> Self {
        AgentProviderMetadata {
            common: CommonMetadata {
                issuer: Some(issuer.into()),
                jwks_uri: join(issuer, JWKS_PATH),
                name: Some("aauth-conform agent provider".into()),
                ..CommonMetadata::default()
            },
            ..Self::default()
        }
    }
}

impl PersonServerMetadata {
    /// Parses the document; fails on JSON errors and on the first wrongly typed member.
    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        let mut t = checked(DocumentKind::PersonServer, body)?;
        Ok(PersonServerMetadata {
            common: t.common(),
            auth_token_endpoint: t.string("auth_token_endpoint"),
            person_token_endpoint: t.string("person_token_endpoint"),
            token_endpoint: t.string("token_endpoint"),
            mission_endpoint: t.string("mission_endpoint"),
            permission_endpoint: t.string("permission_endpoint"),
            audit_endpoint: t.string("audit_endpoint"),
            interaction_endpoint: t.string("interaction_endpoint"),
            mission_control_endpoint: t.string("mission_control_endpoint"),
            revocation_endpoint: t.string("revocation_endpoint"),
            scopes_supported: t.strings("scopes_supported"),
            claims_supported: t.strings("claims_supported"),
            extra: t.0,
        })
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        let mut w = Writer(Map::new());
        w.common(&self.common);
        w.string("auth_token_endpoint", &self.auth_token_endpoint);
        w.string("person_token_endpoint", &self.person_token_endpoint);
        w.string("token_endpoint", &self.token_endpoint);
        w.string("mission_endpoint", &self.mission_endpoint);
        w.string("permission_endpoint", &self.permission_endpoint);
        w.string("audit_endpoint", &self.audit_endpoint);
        w.string("interaction_endpoint", &self.interaction_endpoint);
        w.string("mission_control_endpoint", &self.mission_control_endpoint);
        w.string("revocation_endpoint", &self.revocation_endpoint);
        w.strings("scopes_supported", &self.scopes_supported);
        w.strings("claims_supported", &self.claims_supported);
        w.finish(&self.extra)
    }

    /// The endpoint agents POST auth-token requests to, whichever profile's name the
    /// document uses (`auth_token_endpoint` preferred).
    pub fn auth_endpoint(&self) -> Option<&str> {
        self.auth_token_endpoint
            .as_deref()
            .or(self.token_endpoint.as_deref())
    }

    /// What the harness's reference PS publishes under `profile`.
    pub fn reference(issuer: &str, profile: Profile) -> Self {
        let eleven = profile == Profile::Aauth11;
        PersonServerMetadata {
            common: CommonMetadata {
                issuer: Some(issuer.into()),
                jwks_uri: join(issuer, JWKS_PATH),
                accept_signature_algs: eleven.then(|| vec![Alg::ED25519, Alg::ES256]),
                name: Some("aauth-conform person server".into()),
                ..CommonMetadata::default()
            },
            auth_token_endpoint: if eleven { join(issuer, "/token") } else { None },
            person_token_endpoint: if eleven {
                join(issuer, "/person")
            } else {
                None
            },
            token_endpoint: if eleven { None } else { join(issuer, "/token") },
            mission_endpoint: join(issuer, "/mission"),
            permission_endpoint: join(issuer, "/permission"),
            audit_endpoint: join(issuer, "/audit"),
            interaction_endpoint: join(issuer, "/interaction"),
            mission_control_endpoint: None,
            revocation_endpoint: join(issuer, "/revoke"),
            scopes_supported: Some(vec!["openid".into(), "profile".into(), "email".into()]),
            claims_supported: Some(vec!["sub".into(), "email".into(), "name".into()]),
            extra: Map::new(),
        }
    }
}

impl AccessServerMetadata {
    /// Parses the document; fails on JSON errors and on the first wrongly typed member.
    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        let mut t = checked(DocumentKind::AccessServer, body)?;
        Ok(AccessServerMetadata {
            common: t.common(),
            auth_token_endpoint: t.string("auth_token_endpoint"),
            token_endpoint: t.string("token_endpoint"),
            revocation_endpoint: t.string("revocation_endpoint"),
            extra: t.0,
        })
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        let mut w = Writer(Map::new());
        w.common(&self.common);
        w.string("auth_token_endpoint", &self.auth_token_endpoint);
        w.string("token_endpoint", &self.token_endpoint);
        w.string("revocation_endpoint", &self.revocation_endpoint);
        w.finish(&self.extra)
    }

    /// The endpoint PSes POST to, whichever profile's name the document uses.
    pub fn auth_endpoint(&self) -> Option<&str> {
        self.auth_token_endpoint
            .as_deref()
            .or(self.token_endpoint.as_deref())
    }

    /// What the harness's reference AS publishes under `profile`.
    pub fn reference(issuer: &str, profile: Profile) -> Self {
        let eleven = profile == Profile::Aauth11;
        AccessServerMetadata {
            common: CommonMetadata {
                issuer: Some(issuer.into()),
                jwks_uri: join(issuer, JWKS_PATH),
                accept_signature_algs: eleven.then(|| vec![Alg::ED25519, Alg::ES256]),
                name: Some("aauth-conform access server".into()),
                ..CommonMetadata::default()
            },
            auth_token_endpoint: if eleven { join(issuer, "/token") } else { None },
            token_endpoint: if eleven { None } else { join(issuer, "/token") },
            revocation_endpoint: join(issuer, "/revoke"),
            extra: Map::new(),
        }
    }
}

impl ResourceMetadata {
    /// Parses the document; fails on JSON errors and on the first wrongly typed member.
    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        let mut t = checked(DocumentKind::Resource, body)?;
        Ok(ResourceMetadata {
            common: t.common(),
            access_mode: t.string("access_mode").map(AccessMode::new),
            authorization_endpoint: t.string("authorization_endpoint"),
            login_endpoint: t.string("login_endpoint"),
            scope_descriptions: t.object("scope_descriptions"),
            signature_window: t.integer("signature_window"),
            additional_signature_components: t.strings("additional_signature_components"),
            revocation_endpoint: t.string("revocation_endpoint"),
            extra: t.0,
        })
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        let mut w = Writer(Map::new());
        w.common(&self.common);
        if let Some(m) = &self.access_mode {
            w.0.insert("access_mode".into(), Value::String(m.as_str().into()));
        }
        w.string("authorization_endpoint", &self.authorization_endpoint);
        w.string("login_endpoint", &self.login_endpoint);
        if let Some(m) = &self.scope_descriptions {
            w.0.insert("scope_descriptions".into(), Value::Object(m.clone()));
        }
        if let Some(s) = self.signature_window {
            w.0.insert("signature_window".into(), Value::from(s));
        }
        w.strings(
            "additional_signature_components",
            &self.additional_signature_components,
        );
        w.string("revocation_endpoint", &self.revocation_endpoint);
        w.finish(&self.extra)
    }

    /// The `created` window the resource advertises, or the 60 s default.
    pub fn signature_window_or_default(&self) -> i64 {
        self.signature_window.unwrap_or(60)
    }

    /// What the harness's reference resource publishes under `profile`.
    pub fn reference(issuer: &str, profile: Profile) -> Self {
        let mut scopes = Map::new();
        scopes.insert("data.read".into(), Value::String("Read your data".into()));
        scopes.insert(
            "data.write".into(),
            Value::String("Change your data".into()),
        );
        ResourceMetadata {
            common: CommonMetadata {
                issuer: Some(issuer.into()),
                jwks_uri: join(issuer, JWKS_PATH),
                accept_signature_algs: (profile == Profile::Aauth11)
                    .then(|| vec![Alg::ED25519, Alg::ES256]),
                name: Some("aauth-conform resource".into()),
                ..CommonMetadata::default()
            },
            access_mode: Some(AccessMode::AUTH_TOKEN),
            authorization_endpoint: join(issuer, "/authorize"),
            scope_descriptions: Some(scopes),
            ..Self::default()
        }
    }
}

impl MetadataDocument {
    /// Parses a document of `kind`.
    pub fn parse(kind: DocumentKind, body: &[u8]) -> Result<Self, WireError> {
        Ok(match kind {
            DocumentKind::AgentProvider => {
                MetadataDocument::AgentProvider(AgentProviderMetadata::parse(body)?)
            }
            DocumentKind::Resource => MetadataDocument::Resource(ResourceMetadata::parse(body)?),
            DocumentKind::PersonServer => {
                MetadataDocument::PersonServer(PersonServerMetadata::parse(body)?)
            }
            DocumentKind::AccessServer => {
                MetadataDocument::AccessServer(AccessServerMetadata::parse(body)?)
            }
        })
    }

    /// Which document this is.
    pub fn kind(&self) -> DocumentKind {
        match self {
            MetadataDocument::AgentProvider(_) => DocumentKind::AgentProvider,
            MetadataDocument::Resource(_) => DocumentKind::Resource,
            MetadataDocument::PersonServer(_) => DocumentKind::PersonServer,
            MetadataDocument::AccessServer(_) => DocumentKind::AccessServer,
        }
    }

    /// The common members.
    pub fn common(&self) -> &CommonMetadata {
        match self {
            MetadataDocument::AgentProvider(d) => &d.common,
            MetadataDocument::Resource(d) => &d.common,
            MetadataDocument::PersonServer(d) => &d.common,
            MetadataDocument::AccessServer(d) => &d.common,
        }
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            MetadataDocument::AgentProvider(d) => d.to_json(),
            MetadataDocument::Resource(d) => d.to_json(),
            MetadataDocument::PersonServer(d) => d.to_json(),
            MetadataDocument::AccessServer(d) => d.to_json(),
        }
    }

    /// The body bytes (compact JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }
}

// ---------------------------------------------------------------------------------------
// Issuer check (what a Signature-Key verifier does on every fetch)
// ---------------------------------------------------------------------------------------

/// Why a fetched document fails the `issuer` check.
#[derive(Clone, Debug, PartialEq)]
pub enum IssuerProblem {
    /// Not a JSON object.
    Malformed(WireError),
    /// No `issuer` string.
    Missing,
    /// `issuer` differs from the identity fetched for.
    Mismatch {
        /// The `issuer` in the document.
        issuer: String,
        /// The identity it was fetched for.
        expected: String,
    },
}

impl IssuerProblem {
    /// The `Signature-Error` code a verifier answers with (`None` for a malformed document,
    /// which the drafts do not pin).
    pub fn signature_error(&self) -> Option<SignatureErrorCode> {
        match self {
            IssuerProblem::Malformed(_) => None,
            IssuerProblem::Missing => Some(SignatureErrorCode::ISSUER_MISSING),
            IssuerProblem::Mismatch { .. } => Some(SignatureErrorCode::ISSUER_MISMATCH),
        }
    }
}

/// The SK-08 / AAuth `issuer` check: the document has a string `issuer` byte-equal to the
/// identity it was fetched for. Returns the `issuer`.
pub fn check_issuer(body: &[u8], fetched_for: &str) -> Result<String, IssuerProblem> {
    let map = serde_json::from_slice::<Value>(body).map_err(|e| {
        IssuerProblem::Malformed(WireError::new(
            "metadata",
            WireErrorKind::Json(e.to_string()),
        ))
    })?;
    let Some(issuer) = map.get("issuer").and_then(Value::as_str) else {
        return Err(IssuerProblem::Missing);
    };
    if issuer != fetched_for {
        return Err(IssuerProblem::Mismatch {
            issuer: issuer.into(),
            expected: fetched_for.into(),
        });
    }
    Ok(issuer.into())
}

// ---------------------------------------------------------------------------------------
// Validator
// ---------------------------------------------------------------------------------------

/// What a validation run knows beyond the document.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationContext<'a> {
    /// The profile the document is judged against.
    pub profile: Profile,
    /// The identity the document was fetched for (URL minus `/.well-known/{dwk}`).
    pub fetched_for: Option<&'a str>,
    /// For resources: whether it issues resource tokens or signs requests, which makes
    /// `jwks_uri` required.
    pub resource_signs: bool,
}

impl<'a> ValidationContext<'a> {
    /// A context for `profile`, fetched for `identity`.
    pub fn new(profile: Profile, fetched_for: &'a str) -> Self {
        ValidationContext {
            profile,
            fetched_for: Some(fetched_for),
            resource_signs: true,
        }
    }
}

/// One way a metadata document breaks the rules.
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataViolation {
    /// Not a JSON object.
    NotJson(WireError),
    /// No `issuer` (`issuer_missing`).
    IssuerMissing,
    /// `issuer` differs from the identity fetched for (`issuer_mismatch`).
    IssuerMismatch {
        /// The document's `issuer`.
        issuer: String,
        /// The identity fetched for.
        expected: String,
    },
    /// A member required in this profile is absent.
    Missing {
        /// The member.
        field: &'static str,
        /// The other profile's name for it, when that is what the document has instead
        /// (e.g. `token_endpoint` in a -11 PS document).
        other_profile_name: Option<&'static str>,
    },
    /// A member has the wrong JSON type.
    WrongType {
        /// The member.
        field: &'static str,
        /// The type required.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// A server identifier, endpoint or URL rule is broken.
    Identifier {
        /// The member.
        field: &'static str,
        /// The rule.
        fault: IdentifierFault,
    },
    /// An endpoint URL the drafts do not pin to https uses another scheme.
    InsecureUrl {
        /// The member.
        field: &'static str,
    },
    /// `access_mode` is not a value this profile defines (extensions may add values).
    AccessModeNotInProfile {
        /// The value.
        value: String,
    },
    /// `accept_signature_algs` lists a value that must never be advertised.
    ForbiddenAlg {
        /// The value.
        alg: String,
    },
    /// `accept_signature_algs` omits `Ed25519`, which every party must accept, so the list
    /// cannot be the exact accepted set.
    AlgsOmitEd25519,
    /// `signature_window` is not a positive number of seconds.
    SignatureWindowNotPositive(i64),
}

impl fmt::Display for MetadataViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataViolation::NotJson(e) => write!(f, "{e}"),
            MetadataViolation::IssuerMissing => f.write_str("no `issuer`"),
            MetadataViolation::IssuerMismatch { issuer, expected } => {
                write!(
                    f,
                    "`issuer` {issuer:?} is not the identity fetched for, {expected:?}"
                )
            }
            MetadataViolation::Missing {
                field,
                other_profile_name: None,
            } => write!(f, "required `{field}` is missing"),
            MetadataViolation::Missing {
                field,
                other_profile_name: Some(o),
            } => write!(
                f,
                "required `{field}` is missing (has `{o}`, another profile's name)"
            ),
            MetadataViolation::WrongType {
                field,
                expected,
                found,
            } => write!(f, "`{field}` must be {expected}, found {found}"),
            MetadataViolation::Identifier { field, fault } => write!(f, "`{field}`: {fault}"),
            MetadataViolation::InsecureUrl { field } => write!(f, "`{field}` is not https"),
            MetadataViolation::AccessModeNotInProfile { value } => {
                write!(f, "`access_mode` {value:?} is not defined by this profile")
            }
            MetadataViolation::ForbiddenAlg { alg } => {
                write!(f, "`accept_signature_algs` lists forbidden {alg:?}")
            }
            MetadataViolation::AlgsOmitEd25519 => {
                f.write_str("`accept_signature_algs` omits Ed25519")
            }
            MetadataViolation::SignatureWindowNotPositive(n) => {
                write!(f, "`signature_window` {n} is not positive")
            }
        }
    }
}

fn other_profile_name(name: &str) -> &'static [&'static str] {
    match name {
        "auth_token_endpoint" => &["token_endpoint"],
        "token_endpoint" => &["auth_token_endpoint"],
        _ => &[],
    }
}

/// Every violation in a `kind` document under `ctx`. An empty result means it conforms.
pub fn validate(
    kind: DocumentKind,
    body: &[u8],
    ctx: &ValidationContext<'_>,
) -> Vec<MetadataViolation> {
    let map = match parse_object(kind, body) {
        Ok(m) => m,
        Err(e) => return vec![MetadataViolation::NotJson(e)],
    };
    let mut out = Vec::new();
    for spec in fields(kind) {
        let required = spec.need.required(ctx.profile)
            || (kind == DocumentKind::Resource && spec.name == "jwks_uri" && ctx.resource_signs);
        let Some(v) = map.get(spec.name) else {
            if spec.name == "issuer" {
                out.push(MetadataViolation::IssuerMissing);
            } else if required {
                out.push(MetadataViolation::Missing {
                    field: spec.name,
                    other_profile_name: other_profile_name(spec.name)
                        .iter()
                        .copied()
                        .find(|o| map.contains_key(*o)),
                });
            }
            continue;
        };
        if !spec.shape.type_ok(v) {
            out.push(MetadataViolation::WrongType {
                field: spec.name,
                expected: spec.shape.json_name(),
                found: json_type(v),
            });
            continue;
        }
        check_value(spec, v, ctx, &mut out);
    }
    out
}

fn check_value(
    spec: FieldSpec,
    v: &Value,
    ctx: &ValidationContext<'_>,
    out: &mut Vec<MetadataViolation>,
) {
    let field = spec.name;
    let s = v.as_str().unwrap_or_default();
    let url_fault = |fault: UrlFault| MetadataViolation::Identifier {
        field,
        fault: IdentifierFault::Url(fault),
    };
    match spec.shape {
        Shape::ServerId => {
            if let Err(f) = identifier::validate_server_identifier(s) {
                out.push(MetadataViolation::Identifier {
                    field,
                    fault: IdentifierFault::Server(f),
                });
            }
            if let Some(expected) = ctx.fetched_for {
                if s != expected {
                    out.push(MetadataViolation::IssuerMismatch {
                        issuer: s.into(),
                        expected: expected.into(),
                    });
                }
            }
        }
        Shape::Endpoint => {
            if let Err(f) = identifier::validate_endpoint_url(s) {
                out.push(url_fault(f));
            }
        }
        Shape::Https => {
            if let Err(f) = identifier::validate_https_url(s) {
                out.push(url_fault(f));
            }
        }
        Shape::Url => match identifier::validate_https_url(s) {
            Ok(()) => {}
            Err(UrlFault::NotHttps) if url::Url::parse(s).is_ok() => {
                out.push(MetadataViolation::InsecureUrl { field });
            }
            Err(f) => out.push(url_fault(f)),
        },
        Shape::AccessMode => {
            if !AccessMode::defined(ctx.profile)
                .iter()
                .any(|m| m.as_str() == s)
            {
                out.push(MetadataViolation::AccessModeNotInProfile { value: s.into() });
            }
        }
        Shape::Algs => {
            let algs: Vec<Alg> = v
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(Alg::new).collect())
                .unwrap_or_default();
            for a in &algs {
                if a.is_forbidden() {
                    out.push(MetadataViolation::ForbiddenAlg {
                        alg: a.as_str().into(),
                    });
                }
            }
            if !algs.contains(&Alg::ED25519) {
                out.push(MetadataViolation::AlgsOmitEd25519);
            }
        }
        Shape::Integer => {
            if field == "signature_window" {
                if let Some(n) = v.as_i64().filter(|n| *n <= 0) {
                    out.push(MetadataViolation::SignatureWindowNotPositive(n));
                }
            }
        }
        Shape::Text | Shape::Bool | Shape::Strings | Shape::Object => {}
    }
}

/// Fuzzing entry point: typed parse and validation of every kind. Never panics.
pub fn fuzz_parse(input: &[u8]) {
    for kind in DocumentKind::ALL {
        if let Ok(d) = MetadataDocument::parse(kind, input) {
            let _ = d.to_bytes();
        }
        let _ = validate(
            kind,
            input,
            &ValidationContext::new(Profile::Aauth11, "https://x.example"),
        );
    }
}

/// Convenience for reports: the rule a server identifier broke, if it is one.
pub fn issuer_fault(issuer: &str) -> Option<ServerIdFault> {
    identifier::validate_server_identifier(issuer).err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ctx(p: Profile, id: &str) -> ValidationContext<'_> {
        ValidationContext::new(p, id)
    }

    #[test]
    fn well_known_paths() {
        assert_eq!(
            well_known_url("https://ps.example", PERSON_DWK),
            "https://ps.example/.well-known/aauth-person.json"
        );
        assert_eq!(
            identity_from_url(
                "https://ps.example/.well-known/aauth-person.json",
                PERSON_DWK
            ),
            Some("https://ps.example")
        );
        assert_eq!(
            identity_from_url("https://ps.example/x.json", PERSON_DWK),
            None
        );
        assert_eq!(
            DocumentKind::from_dwk("aauth-access.json"),
            Some(DocumentKind::AccessServer)
        );
    }

    #[test]
    fn spec_ps_example_conforms_to_11_not_10() {
        let doc = json!({
          "issuer": "https://ps.example",
          "name": "Example Person Server",
          "description": "**Example Person Server**",
          "logo_uri": "https://ps.example/logo.png",
          "auth_token_endpoint": "https://ps.example/token",
          "person_token_endpoint": "https://ps.example/person",
          "mission_endpoint": "https://ps.example/mission",
          "permission_endpoint": "https://ps.example/permission",
          "audit_endpoint": "https://ps.example/audit",
          "interaction_endpoint": "https://ps.example/interaction",
          "mission_control_endpoint": "https://ps.example/mission-control",
          "jwks_uri": "https://ps.example/.well-known/jwks.json"
        })
        .to_string();
        let v = validate(
            DocumentKind::PersonServer,
            doc.as_bytes(),
            &ctx(Profile::Aauth11, "https://ps.example"),
        );
        assert!(v.is_empty(), "{v:?}");
        let v = validate(
            DocumentKind::PersonServer,
            doc.as_bytes(),
            &ctx(Profile::Aauth10, "https://ps.example"),
        );
        assert_eq!(
            v,
            [MetadataViolation::Missing {
                field: "token_endpoint",
                other_profile_name: Some("auth_token_endpoint")
            }]
        );
        let typed = PersonServerMetadata::parse(doc.as_bytes()).unwrap();
        assert!(typed.extra.is_empty());
        assert_eq!(typed.auth_endpoint(), Some("https://ps.example/token"));
        assert_eq!(typed.to_json().to_string().len(), doc.len());
    }

    #[test]
    fn reference_documents_conform_in_their_profile() {
        for p in Profile::ALL {
            let docs = [
                MetadataDocument::AgentProvider(AgentProviderMetadata::reference(
                    "https://ap.harness.test",
                )),
                MetadataDocument::PersonServer(PersonServerMetadata::reference(
                    "https://ap.harness.test",
                    p,
                )),
                MetadataDocument::AccessServer(AccessServerMetadata::reference(
                    "https://ap.harness.test",
                    p,
                )),
                MetadataDocument::Resource(ResourceMetadata::reference(
                    "https://ap.harness.test",
                    p,
                )),
            ];
            for d in docs {
                let bytes = d.to_bytes();
                let v = validate(d.kind(), &bytes, &ctx(p, "https://ap.harness.test"));
                assert!(v.is_empty(), "{p} {}: {v:?}", d.kind());
                assert_eq!(MetadataDocument::parse(d.kind(), &bytes).unwrap(), d);
            }
        }
    }

    #[test]
    fn every_violation_is_reported() {
        let doc = json!({
            "issuer": "https://Ps.example/",
            "jwks_uri": "http://ps.example/jwks",
            "token_endpoint": "https://ps.example/token?x=1",
            "person_token_endpoint": 5,
            "permission_endpoint": "http://ps.example/permission",
            "accept_signature_algs": ["EdDSA", "none"],
            "x-future": {"kept": true}
        })
        .to_string();
        let v = validate(
            DocumentKind::PersonServer,
            doc.as_bytes(),
            &ctx(Profile::Aauth11, "https://ps.example"),
        );
        let has = |pred: &dyn Fn(&MetadataViolation) -> bool| v.iter().any(pred);
        assert!(has(&|x| matches!(
            x,
            MetadataViolation::Identifier {
                field: "issuer",
                fault: IdentifierFault::Server(_)
            }
        )));
        assert!(has(&|x| matches!(
            x,
            MetadataViolation::IssuerMismatch { .. }
        )));
        assert!(has(&|x| matches!(
            x,
            MetadataViolation::Identifier {
                field: "jwks_uri",
                fault: IdentifierFault::Url(UrlFault::NotHttps)
            }
        )));
        assert!(has(&|x| matches!(
            x,
            MetadataViolation::Missing {
                field: "auth_token_endpoint",
                other_profile_name: Some("token_endpoint")
            }
        )));
        assert!(has(&|x| matches!(
            x,
            MetadataViolation::WrongType {
                field: "person_token_endpoint",
                ..
            }
        )));
        assert!(has(&|x| matches!(
            x,
            MetadataViolation::Identifier {
                field: "token_endpoint",
                fault: IdentifierFault::Url(UrlFault::Query)
            }
        )));
        assert!(has(&|x| *x
            == MetadataViolation::InsecureUrl {
                field: "permission_endpoint"
            }));
        assert!(has(&|x| *x
            == MetadataViolation::ForbiddenAlg {
                alg: "EdDSA".into()
            }));
        assert!(has(
            &|x| *x == MetadataViolation::ForbiddenAlg { alg: "none".into() }
        ));
        assert!(has(&|x| *x == MetadataViolation::AlgsOmitEd25519));
        assert_eq!(v.len(), 10, "{v:#?}");
        // typed parse stops at the first wrong type
        let e = PersonServerMetadata::parse(doc.as_bytes()).unwrap_err();
        assert_eq!(e.location.as_deref(), Some("person_token_endpoint"));
    }

    #[test]
    fn issuer_missing_and_mismatch() {
        assert_eq!(
            validate(
                DocumentKind::AgentProvider,
                br#"{"jwks_uri":"https://a.example/j"}"#,
                &ctx(Profile::Aauth11, "https://a.example")
            ),
            [MetadataViolation::IssuerMissing]
        );
        assert_eq!(
            check_issuer(br#"{"jwks_uri":"x"}"#, "https://a.example")
                .unwrap_err()
                .signature_error(),
            Some(SignatureErrorCode::ISSUER_MISSING)
        );
        assert_eq!(
            check_issuer(br#"{"issuer":"https://b.example"}"#, "https://a.example")
                .unwrap_err()
                .signature_error(),
            Some(SignatureErrorCode::ISSUER_MISMATCH)
        );
        assert_eq!(
            check_issuer(br#"{"issuer":"https://a.example"}"#, "https://a.example").unwrap(),
            "https://a.example"
        );
        assert!(matches!(
            check_issuer(b"nope", "https://a.example"),
            Err(IssuerProblem::Malformed(_))
        ));
        let typed = AgentProviderMetadata::parse(br#"{"jwks_uri":"https://a.example/j"}"#).unwrap();
        assert_eq!(typed.common.issuer, None);
    }

    #[test]
    fn resource_rules() {
        let doc = json!({
            "issuer": "https://resource.example",
            "access_mode": "aauth-access-token",
            "signature_window": 0,
            "scope_descriptions": {"data.read": "Read"},
            "r3_vocabularies": ["x"]
        })
        .to_string();
        let mut c = ctx(Profile::Aauth11, "https://resource.example");
        c.resource_signs = false;
        let v = validate(DocumentKind::Resource, doc.as_bytes(), &c);
        assert_eq!(
            v,
            [
                MetadataViolation::AccessModeNotInProfile {
                    value: "aauth-access-token".into()
                },
                MetadataViolation::SignatureWindowNotPositive(0)
            ]
        );
        c.profile = Profile::Aauth10;
        c.resource_signs = true;
        let v = validate(DocumentKind::Resource, doc.as_bytes(), &c);
        assert!(v.contains(&MetadataViolation::Missing {
            field: "jwks_uri",
            other_profile_name: None
        }));
        assert!(!v
            .iter()
            .any(|x| matches!(x, MetadataViolation::AccessModeNotInProfile { .. })));
        let typed = ResourceMetadata::parse(doc.as_bytes()).unwrap();
        assert_eq!(typed.extra.len(), 1);
        assert_eq!(typed.signature_window_or_default(), 0);
        let again = ResourceMetadata::parse(typed.to_json().to_string().as_bytes()).unwrap();
        assert_eq!(again, typed);
    }

    #[test]
    fn not_json() {
        for kind in DocumentKind::ALL {
            let v = validate(kind, b"[1]", &ctx(Profile::Aauth11, "https://a.example"));
            assert!(matches!(v.as_slice(), [MetadataViolation::NotJson(_)]));
            assert!(MetadataDocument::parse(kind, b"{").is_err());
        }
    }

    #[test]
    fn tables_and_typed_structs_agree() {
        // A document with every table member present must leave `extra` empty.
        for kind in DocumentKind::ALL {
            let mut m = Map::new();
            for spec in fields(kind) {
                let v = match spec.shape {
                    Shape::Bool => json!(true),
                    Shape::Integer => json!(30),
                    Shape::Strings | Shape::Algs => json!(["Ed25519"]),
                    Shape::Object => json!({}),
                    _ => json!("https://a.example"),
                };
                m.insert(spec.name.into(), v);
            }
            let body = Value::Object(m).to_string();
            let d = MetadataDocument::parse(kind, body.as_bytes()).unwrap();
            let extra_len = match &d {
                MetadataDocument::AgentProvider(x) => x.extra.len(),
                MetadataDocument::Resource(x) => x.extra.len(),
                MetadataDocument::PersonServer(x) => x.extra.len(),
                MetadataDocument::AccessServer(x) => x.extra.len(),
            };
            assert_eq!(extra_len, 0, "{kind}");
            assert_eq!(d.to_json().to_string(), body, "{kind}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            fuzz_parse(&input);
        }

        #[test]
        fn unknown_members_round_trip(
            extra in proptest::collection::btree_map("[a-z_]{1,10}", "\\PC{0,10}", 0..5)
        ) {
            let mut d = PersonServerMetadata::reference("https://ps.example", Profile::Aauth11);
            let known: Vec<&str> = fields(DocumentKind::PersonServer).iter().map(|f| f.name).collect();
            for (k, v) in extra {
                if !known.contains(&k.as_str()) {
                    d.extra.insert(k, Value::String(v));
                }
            }
            let bytes = d.to_json().to_string();
            prop_assert_eq!(PersonServerMetadata::parse(bytes.as_bytes()).unwrap(), d);
        }
    }
}
