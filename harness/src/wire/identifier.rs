//! The string rules AAuth puts on identifiers and URLs (requirements §2.11): server
//! identifiers, agent identifiers and sub-agent naming, endpoint and other URLs, mission
//! `s256` values, and interaction codes.
//!
//! Every check is done on the string as sent, never on a normalised URL: a parser like
//! `url::Url` would lowercase the host, drop a default port and add a trailing slash, hiding
//! exactly the faults these rules exist to catch. Each rejection has its own typed reason so
//! a report can say which rule was broken.

use std::fmt;

/// Which identifier rule a value broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentifierFault {
    /// A server identifier rule.
    Server(ServerIdFault),
    /// An agent identifier rule.
    Agent(AgentIdFault),
    /// An endpoint or other URL rule.
    Url(UrlFault),
    /// A mission `s256` shape rule.
    S256(S256Fault),
    /// An interaction code rule.
    Code(CodeFault),
}

impl fmt::Display for IdentifierFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentifierFault::Server(x) => write!(f, "not a server identifier: {x}"),
            IdentifierFault::Agent(x) => write!(f, "not an agent identifier: {x}"),
            IdentifierFault::Url(x) => write!(f, "URL rule broken: {x}"),
            IdentifierFault::S256(x) => write!(f, "not an s256 value: {x}"),
            IdentifierFault::Code(x) => write!(f, "not an interaction code: {x}"),
        }
    }
}

impl std::error::Error for IdentifierFault {}

// ---------------------------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------------------------

/// Why a host part is not an AAuth host (lowercase DNS name, A-labels only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostFault {
    /// No host at all.
    Empty,
    /// Contains uppercase letters.
    Uppercase,
    /// Contains non-ASCII characters (an IDN not in A-label form).
    NotALabel,
    /// An IP literal in brackets.
    IpLiteral,
    /// A character outside `a-z 0-9 - .`.
    InvalidCharacter(char),
    /// An empty label (leading, trailing or doubled dot).
    EmptyLabel,
    /// A label longer than 63 octets or a name longer than 253.
    TooLong,
    /// A label starting or ending with `-`.
    HyphenAtLabelEdge,
}

impl fmt::Display for HostFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostFault::Empty => f.write_str("empty host"),
            HostFault::Uppercase => f.write_str("host has uppercase letters"),
            HostFault::NotALabel => f.write_str("host has non-ASCII characters (use A-labels)"),
            HostFault::IpLiteral => f.write_str("host is an IP literal"),
            HostFault::InvalidCharacter(c) => write!(f, "host has invalid character {c:?}"),
            HostFault::EmptyLabel => f.write_str("host has an empty label"),
            HostFault::TooLong => f.write_str("host or label too long"),
            HostFault::HyphenAtLabelEdge => f.write_str("host label starts or ends with '-'"),
        }
    }
}

/// Checks a bare DNS host the way AAuth identifiers need it: lowercase, A-labels, no port.
pub fn validate_host(host: &str) -> Result<(), HostFault> {
    if host.is_empty() {
        return Err(HostFault::Empty);
    }
    if host.starts_with('[') {
        return Err(HostFault::IpLiteral);
    }
    if !host.is_ascii() {
        return Err(HostFault::NotALabel);
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(HostFault::Uppercase);
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(HostFault::InvalidCharacter(c));
    }
    if host.len() > 253 {
        return Err(HostFault::TooLong);
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(HostFault::EmptyLabel);
        }
        if label.len() > 63 {
            return Err(HostFault::TooLong);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostFault::HyphenAtLabelEdge);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Server identifiers
// ---------------------------------------------------------------------------------------

/// Why a string is not a server identifier (`https://host`, nothing else).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerIdFault {
    /// Scheme is not `https` (or is missing).
    NotHttps,
    /// Scheme written in uppercase (`HTTPS://`).
    UppercaseScheme,
    /// Userinfo (`user@`) present.
    UserInfo,
    /// A port is present, even `:443`.
    Port,
    /// A path other than empty is present.
    Path,
    /// Only a trailing `/` after the host.
    TrailingSlash,
    /// A query is present.
    Query,
    /// A fragment is present.
    Fragment,
    /// The host part is unusable.
    Host(HostFault),
}

impl fmt::Display for ServerIdFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerIdFault::NotHttps => f.write_str("scheme is not https"),
            ServerIdFault::UppercaseScheme => f.write_str("scheme is not lowercase"),
            ServerIdFault::UserInfo => f.write_str("contains userinfo"),
            ServerIdFault::Port => f.write_str("contains a port"),
            ServerIdFault::Path => f.write_str("contains a path"),
            ServerIdFault::TrailingSlash => f.write_str("has a trailing slash"),
            ServerIdFault::Query => f.write_str("contains a query"),
            ServerIdFault::Fragment => f.write_str("contains a fragment"),
            ServerIdFault::Host(h) => write!(f, "{h}"),
        }
    }
}

/// Splits `scheme://authority rest` without normalising anything.
fn split_url(s: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = s.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    Some((scheme, authority, tail))
}

/// Checks a server identifier (`issuer`, `iss` of servers, `ps`, `aud`, `approver`).
pub fn validate_server_identifier(s: &str) -> Result<(), ServerIdFault> {
    let Some((scheme, authority, tail)) = split_url(s) else {
        return Err(ServerIdFault::NotHttps);
    };
    if scheme != "https" {
        return Err(if scheme.eq_ignore_ascii_case("https") {
            ServerIdFault::UppercaseScheme
        } else {
            ServerIdFault::NotHttps
        });
    }
    if authority.contains('@') {
        return Err(ServerIdFault::UserInfo);
    }
    let host = if authority.starts_with('[') {
        authority
    } else if let Some((host, _port)) = authority.split_once(':') {
        validate_host(host).map_err(ServerIdFault::Host)?;
        return Err(ServerIdFault::Port);
    } else {
        authority
    };
    validate_host(host).map_err(ServerIdFault::Host)?;
    match tail.as_bytes().first() {
        None => Ok(()),
        Some(b'/') if tail == "/" => Err(ServerIdFault::TrailingSlash),
        Some(b'/') => Err(ServerIdFault::Path),
        Some(b'?') => Err(ServerIdFault::Query),
        _ => Err(ServerIdFault::Fragment),
    }
}

// ---------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------

/// Why a URL breaks the endpoint or other-URL rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlFault {
    /// Not an absolute URL at all.
    NotAbsolute,
    /// Scheme is not `https`.
    NotHttps,
    /// A query string is present (endpoint URLs only).
    Query,
    /// A fragment is present (endpoint URLs only).
    Fragment,
    /// The host is missing or unusable.
    Host(HostFault),
    /// Whitespace or control characters.
    InvalidCharacter,
}

impl fmt::Display for UrlFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlFault::NotAbsolute => f.write_str("not an absolute URL"),
            UrlFault::NotHttps => f.write_str("scheme is not https"),
            UrlFault::Query => f.write_str("contains a query"),
            UrlFault::Fragment => f.write_str("contains a fragment"),
            UrlFault::Host(h) => write!(f, "{h}"),
            UrlFault::InvalidCharacter => f.write_str("contains whitespace or control characters"),
        }
    }
}

/// Checks an `https` URL (`jwks_uri`, `tos_uri`, `logo_uri`...): absolute, `https`, a host.
/// Ports and paths are fine here. The host is checked for presence, not for case: only
/// server identifiers carry the lowercase rule.
pub fn validate_https_url(s: &str) -> Result<(), UrlFault> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlFault::InvalidCharacter);
    }
    let Some((scheme, authority, _)) = split_url(s) else {
        return Err(UrlFault::NotAbsolute);
    };
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(UrlFault::NotHttps);
    }
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host
    } else {
        host.split_once(':').map_or(host, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(UrlFault::Host(HostFault::Empty));
    }
    if url::Url::parse(s).is_err() {
        return Err(UrlFault::NotAbsolute);
    }
    Ok(())
}

/// Checks an endpoint URL (`auth_token_endpoint`, `person_token_endpoint`,
/// `authorization_endpoint`, `mission_endpoint`, `callback_endpoint`, interaction `url`):
/// `https`, no query, no fragment.
pub fn validate_endpoint_url(s: &str) -> Result<(), UrlFault> {
    validate_https_url(s)?;
    if s.contains('#') {
        return Err(UrlFault::Fragment);
    }
    if s.contains('?') {
        return Err(UrlFault::Query);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Agent identifiers
// ---------------------------------------------------------------------------------------

/// Why a string is not an agent identifier `aauth:local@domain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentIdFault {
    /// Does not start with `aauth:`.
    NotAauthScheme,
    /// No `@` separating local part and domain.
    MissingAt,
    /// The local part is empty.
    EmptyLocal,
    /// The local part exceeds 255 characters.
    LocalTooLong,
    /// The local part has a character outside `a-z 0-9 - _ + .`.
    InvalidLocalCharacter(char),
    /// A `+` at the start or end of the local part (empty parent or discriminator).
    EmptySubAgentPart,
    /// More than one `+`: a sub-agent of a sub-agent.
    NestedSubAgent,
    /// The domain is not a valid lowercase host (or carries a scheme, port or path).
    Domain(HostFault),
    /// A top-level agent identifier has a `+`.
    PlusInTopLevel,
    /// A sub-agent identifier has no `+`.
    NotSubAgent,
    /// The sub-agent's local part does not start with its parent's local part and `+`.
    ParentMismatch,
    /// The sub-agent's domain differs from its parent's.
    DomainMismatch,
}

impl fmt::Display for AgentIdFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentIdFault::NotAauthScheme => f.write_str("does not start with `aauth:`"),
            AgentIdFault::MissingAt => f.write_str("no `@` between local part and domain"),
            AgentIdFault::EmptyLocal => f.write_str("empty local part"),
            AgentIdFault::LocalTooLong => f.write_str("local part longer than 255 characters"),
            AgentIdFault::InvalidLocalCharacter(c) => {
                write!(f, "local part has invalid character {c:?}")
            }
            AgentIdFault::EmptySubAgentPart => {
                f.write_str("`+` with an empty parent or discriminator")
            }
            AgentIdFault::NestedSubAgent => f.write_str("more than one `+` (nested sub-agent)"),
            AgentIdFault::Domain(h) => write!(f, "domain: {h}"),
            AgentIdFault::PlusInTopLevel => f.write_str("top-level agent with `+` in local part"),
            AgentIdFault::NotSubAgent => f.write_str("sub-agent without `+` in local part"),
            AgentIdFault::ParentMismatch => {
                f.write_str("local part is not the parent's local part, `+`, discriminator")
            }
            AgentIdFault::DomainMismatch => f.write_str("domain differs from the parent's"),
        }
    }
}

/// The parts of a valid agent identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentId<'a> {
    /// Everything between `aauth:` and `@`.
    pub local: &'a str,
    /// The agent provider's host.
    pub domain: &'a str,
    /// For a `+` name, the parent's local part.
    pub parent_local: Option<&'a str>,
    /// For a `+` name, the discriminator.
    pub discriminator: Option<&'a str>,
}

/// Checks the grammar of an agent identifier and splits it. Both top-level and sub-agent
/// names pass; use [`validate_top_level_agent`] or [`validate_sub_agent`] to pin which.
pub fn parse_agent_identifier(s: &str) -> Result<AgentId<'_>, AgentIdFault> {
    let rest = s
        .strip_prefix("aauth:")
        .ok_or(AgentIdFault::NotAauthScheme)?;
    let (local, domain) = rest.rsplit_once('@').ok_or(AgentIdFault::MissingAt)?;
    if local.is_empty() {
        return Err(AgentIdFault::EmptyLocal);
    }
    if let Some(c) = local.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '+' | '.'))
    }) {
        return Err(AgentIdFault::InvalidLocalCharacter(c));
    }
    if local.len() > 255 {
        return Err(AgentIdFault::LocalTooLong);
    }
    validate_host(domain).map_err(AgentIdFault::Domain)?;
    let (parent_local, discriminator) = match local.split_once('+') {
        None => (None, None),
        Some((p, d)) => {
            if p.is_empty() || d.is_empty() {
                return Err(AgentIdFault::EmptySubAgentPart);
            }
            if d.contains('+') {
                return Err(AgentIdFault::NestedSubAgent);
            }
            (Some(p), Some(d))
        }
    };
    Ok(AgentId {
        local,
        domain,
        parent_local,
        discriminator,
    })
}

/// Checks an identifier used for a top-level agent (no `+`).
pub fn validate_top_level_agent(s: &str) -> Result<AgentId<'_>, AgentIdFault> {
    let id = parse_agent_identifier(s)?;
    if id.parent_local.is_some() {
        return Err(AgentIdFault::PlusInTopLevel);
    }
    Ok(id)
}

/// Checks a sub-agent identifier against its `parent_agent`: same domain, local part =
/// parent local + `+` + non-empty discriminator, and the parent itself top-level.
pub fn validate_sub_agent<'a>(sub: &'a str, parent: &str) -> Result<AgentId<'a>, AgentIdFault> {
    let id = parse_agent_identifier(sub)?;
    let parent_id = validate_top_level_agent(parent).map_err(|e| match e {
        AgentIdFault::PlusInTopLevel => AgentIdFault::NestedSubAgent,
        other => other,
    })?;
    let Some(pl) = id.parent_local else {
        return Err(AgentIdFault::NotSubAgent);
    };
    if pl != parent_id.local {
        return Err(AgentIdFault::ParentMismatch);
    }
    if id.domain != parent_id.domain {
        return Err(AgentIdFault::DomainMismatch);
    }
    Ok(id)
}

// ---------------------------------------------------------------------------------------
// s256
// ---------------------------------------------------------------------------------------

/// Why a string is not an unpadded base64url SHA-256 value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum S256Fault {
    /// Not 43 characters (the count is given).
    Length(usize),
    /// A character outside `A-Z a-z 0-9 - _` (padding `=` included).
    InvalidCharacter(char),
    /// The last character carries non-zero padding bits, so no encoder produces it.
    NonCanonical,
}

impl fmt::Display for S256Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            S256Fault::Length(n) => write!(f, "{n} characters, expected 43"),
            S256Fault::InvalidCharacter(c) => write!(f, "invalid base64url character {c:?}"),
            S256Fault::NonCanonical => f.write_str("last character has non-zero padding bits"),
        }
    }
}

fn base64url_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Checks a mission `s256` / `mission_s256`: 43 unpadded base64url characters that decode
/// to 32 bytes canonically.
pub fn validate_s256(s: &str) -> Result<(), S256Fault> {
    if let Some(c) = s
        .chars()
        .find(|c| !c.is_ascii() || base64url_value(*c as u8).is_none())
    {
        return Err(S256Fault::InvalidCharacter(c));
    }
    if s.len() != 43 {
        return Err(S256Fault::Length(s.len()));
    }
    // 43 chars = 258 bits; the last character's two low bits must be zero.
    match s.as_bytes().last().and_then(|b| base64url_value(*b)) {
        Some(v) if v & 0b11 == 0 => Ok(()),
        _ => Err(S256Fault::NonCanonical),
    }
}

// ---------------------------------------------------------------------------------------
// Interaction codes
// ---------------------------------------------------------------------------------------

/// The Crockford base32 symbols a server may emit.
pub const CROCKFORD_ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The minimum number of symbols (40 bits).
pub const MIN_CODE_SYMBOLS: usize = 8;

/// Why an interaction code as emitted by a server breaks the format rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeFault {
    /// Fewer than 8 symbols once hyphens are removed (the count is given).
    TooShort(usize),
    /// A character outside the Crockford alphabet and `-` (lowercase letters included:
    /// servers emit the canonical uppercase symbols; `I`, `L`, `O`, `U` are excluded).
    InvalidCharacter(char),
}

impl fmt::Display for CodeFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeFault::TooShort(n) => write!(f, "{n} symbols, at least 8 required"),
            CodeFault::InvalidCharacter(c) => {
                write!(f, "{c:?} is not a Crockford base32 symbol or '-'")
            }
        }
    }
}

/// Checks a code a server emitted: canonical Crockford symbols, optional grouping hyphens,
/// at least 8 symbols.
pub fn validate_interaction_code(code: &str) -> Result<(), CodeFault> {
    let mut symbols = 0usize;
    for c in code.chars() {
        if c == '-' {
            continue;
        }
        if !CROCKFORD_ALPHABET.contains(c) {
            return Err(CodeFault::InvalidCharacter(c));
        }
        symbols += 1;
    }
    if symbols < MIN_CODE_SYMBOLS {
        return Err(CodeFault::TooShort(symbols));
    }
    Ok(())
}

/// The comparison form of a code as a user might type it: hyphens removed, uppercased,
/// `I`/`L` folded to `1` and `O` to `0`.
pub fn normalize_interaction_code(code: &str) -> String {
    code.chars()
        .filter(|c| *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            u => u,
        })
        .collect()
}

/// True when two codes are the same code under the comparison rules.
pub fn interaction_codes_match(a: &str, b: &str) -> bool {
    normalize_interaction_code(a) == normalize_interaction_code(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identifiers_from_the_spec() {
        assert_eq!(validate_server_identifier("https://agent.example"), Ok(()));
        assert_eq!(
            validate_server_identifier("https://xn--nxasmq6b.example"),
            Ok(())
        );
        assert_eq!(
            validate_server_identifier("http://agent.example"),
            Err(ServerIdFault::NotHttps)
        );
        assert_eq!(
            validate_server_identifier("https://Agent.Example"),
            Err(ServerIdFault::Host(HostFault::Uppercase))
        );
        assert_eq!(
            validate_server_identifier("https://agent.example:8443"),
            Err(ServerIdFault::Port)
        );
        assert_eq!(
            validate_server_identifier("https://agent.example:443"),
            Err(ServerIdFault::Port)
        );
        assert_eq!(
            validate_server_identifier("https://agent.example/v1"),
            Err(ServerIdFault::Path)
        );
        assert_eq!(
            validate_server_identifier("https://agent.example/"),
            Err(ServerIdFault::TrailingSlash)
        );
    }

    #[test]
    fn server_identifier_other_faults() {
        use ServerIdFault::*;
        assert_eq!(
            validate_server_identifier("HTTPS://a.example"),
            Err(UppercaseScheme)
        );
        assert_eq!(
            validate_server_identifier("https://a.example?x"),
            Err(Query)
        );
        assert_eq!(
            validate_server_identifier("https://a.example#x"),
            Err(Fragment)
        );
        assert_eq!(
            validate_server_identifier("https://u@a.example"),
            Err(UserInfo)
        );
        assert_eq!(validate_server_identifier("agent.example"), Err(NotHttps));
        assert_eq!(validate_server_identifier(""), Err(NotHttps));
        assert_eq!(
            validate_server_identifier("https://bücher.example"),
            Err(Host(HostFault::NotALabel))
        );
        assert_eq!(
            validate_server_identifier("https://"),
            Err(Host(HostFault::Empty))
        );
        assert_eq!(
            validate_server_identifier("https://a..example"),
            Err(Host(HostFault::EmptyLabel))
        );
        assert_eq!(
            validate_server_identifier("https://a.example."),
            Err(Host(HostFault::EmptyLabel))
        );
        assert_eq!(
            validate_server_identifier("https://[::1]"),
            Err(Host(HostFault::IpLiteral))
        );
        assert_eq!(
            validate_server_identifier("https://a_b.example"),
            Err(Host(HostFault::InvalidCharacter('_')))
        );
    }

    #[test]
    fn endpoint_urls() {
        assert_eq!(validate_endpoint_url("https://ps.example/token"), Ok(()));
        assert_eq!(validate_endpoint_url("https://ps.example:8443/t"), Ok(()));
        assert_eq!(
            validate_endpoint_url("http://ps.example/token"),
            Err(UrlFault::NotHttps)
        );
        assert_eq!(
            validate_endpoint_url("https://ps.example/t?a=b"),
            Err(UrlFault::Query)
        );
        assert_eq!(
            validate_endpoint_url("https://ps.example/t#f"),
            Err(UrlFault::Fragment)
        );
        assert_eq!(validate_endpoint_url("/token"), Err(UrlFault::NotAbsolute));
        assert_eq!(
            validate_endpoint_url("https:///token"),
            Err(UrlFault::Host(HostFault::Empty))
        );
        assert_eq!(
            validate_endpoint_url("https://ps.example/a b"),
            Err(UrlFault::InvalidCharacter)
        );
        // other URLs may carry a query
        assert_eq!(validate_https_url("https://ps.example/logo?v=2"), Ok(()));
    }

    #[test]
    fn agent_identifiers_from_the_spec() {
        let id = validate_top_level_agent("aauth:assistant-v2@agent.example").unwrap();
        assert_eq!(id.local, "assistant-v2");
        assert_eq!(id.domain, "agent.example");
        validate_top_level_agent("aauth:planner.7f3c@vendor.example").unwrap();
        let sub = validate_sub_agent(
            "aauth:planner.7f3c+search1@vendor.example",
            "aauth:planner.7f3c@vendor.example",
        )
        .unwrap();
        assert_eq!(sub.discriminator, Some("search1"));

        assert_eq!(
            parse_agent_identifier("My Agent@agent.example"),
            Err(AgentIdFault::NotAauthScheme)
        );
        assert_eq!(
            parse_agent_identifier("aauth:My Agent@agent.example"),
            Err(AgentIdFault::InvalidLocalCharacter('M'))
        );
        assert_eq!(
            parse_agent_identifier("aauth:@agent.example"),
            Err(AgentIdFault::EmptyLocal)
        );
        assert_eq!(
            parse_agent_identifier("aauth:agent@http://agent.example"),
            Err(AgentIdFault::Domain(HostFault::InvalidCharacter(':')))
        );
    }

    #[test]
    fn sub_agent_rules() {
        use AgentIdFault::*;
        let p = "aauth:planner@v.example";
        assert_eq!(
            validate_top_level_agent("aauth:a+b@v.example"),
            Err(PlusInTopLevel)
        );
        assert_eq!(
            parse_agent_identifier("aauth:+b@v.example"),
            Err(EmptySubAgentPart)
        );
        assert_eq!(
            parse_agent_identifier("aauth:a+@v.example"),
            Err(EmptySubAgentPart)
        );
        assert_eq!(
            parse_agent_identifier("aauth:a+b+c@v.example"),
            Err(NestedSubAgent)
        );
        assert_eq!(
            validate_sub_agent("aauth:planner@v.example", p),
            Err(NotSubAgent)
        );
        assert_eq!(
            validate_sub_agent("aauth:other+x@v.example", p),
            Err(ParentMismatch)
        );
        assert_eq!(
            validate_sub_agent("aauth:planner+x@w.example", p),
            Err(DomainMismatch)
        );
        assert_eq!(
            validate_sub_agent("aauth:planner+x@v.example", "aauth:a+b@v.example"),
            Err(NestedSubAgent)
        );
        let long = format!("aauth:{}@v.example", "a".repeat(256));
        assert_eq!(parse_agent_identifier(&long), Err(LocalTooLong));
        let ok = format!("aauth:{}@v.example", "a".repeat(255));
        assert!(parse_agent_identifier(&ok).is_ok());
        assert_eq!(parse_agent_identifier("aauth:a"), Err(MissingAt));
    }

    #[test]
    fn s256_shape() {
        assert_eq!(
            validate_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            Ok(())
        );
        assert_eq!(
            validate_s256("zVJpWp9s5qMFd-K1P9qRjckSi7yd_MYbQJm80AXHjcI"),
            Ok(())
        );
        assert_eq!(
            validate_s256("zVJpWp9s5qMFd-K1P9qRjckSi7yd_MYbQJm80AXHjcJ"),
            Err(S256Fault::NonCanonical)
        );
        assert_eq!(
            validate_s256("aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd"),
            Err(S256Fault::Length(40))
        );
        assert_eq!(
            validate_s256("zVJpWp9s5qMFd+K1P9qRjckSi7yd_MYbQJm80AXHjcI"),
            Err(S256Fault::InvalidCharacter('+'))
        );
        assert_eq!(
            validate_s256("zVJpWp9s5qMFd-K1P9qRjckSi7yd_MYbQJm80AXHjcI="),
            Err(S256Fault::InvalidCharacter('='))
        );
    }

    #[test]
    fn interaction_codes() {
        assert_eq!(validate_interaction_code("A1B2-C3D4"), Ok(()));
        assert_eq!(validate_interaction_code("X7K2-M9P4"), Ok(()));
        assert_eq!(validate_interaction_code("ABCD1234"), Ok(()));
        assert_eq!(
            validate_interaction_code("MNOP"),
            Err(CodeFault::InvalidCharacter('O'))
        );
        assert_eq!(
            validate_interaction_code("MNPQ"),
            Err(CodeFault::TooShort(4))
        );
        assert_eq!(
            validate_interaction_code("----"),
            Err(CodeFault::TooShort(0))
        );
        assert_eq!(
            validate_interaction_code("a1b2-c3d4"),
            Err(CodeFault::InvalidCharacter('a'))
        );
        assert_eq!(
            validate_interaction_code("A1B2-C3DU"),
            Err(CodeFault::InvalidCharacter('U'))
        );
        assert_eq!(normalize_interaction_code("a1b2-c3d4"), "A1B2C3D4");
        assert_eq!(normalize_interaction_code("oIlL-0"), "01110");
        assert!(interaction_codes_match("A1B2-C3D4", "a1b2c3d4"));
        assert!(interaction_codes_match("10AB-CDEF", "lOab-cdef"));
        assert!(!interaction_codes_match("A1B2-C3D4", "A1B2-C3D5"));
    }

    proptest::proptest! {
        #[test]
        fn validators_never_panic(s in "\\PC{0,80}") {
            let _ = validate_server_identifier(&s);
            let _ = validate_endpoint_url(&s);
            let _ = parse_agent_identifier(&s);
            let _ = validate_sub_agent(&s, "aauth:a@b.example");
            let _ = validate_s256(&s);
            let _ = validate_interaction_code(&s);
            let _ = normalize_interaction_code(&s);
        }

        #[test]
        fn normalisation_is_idempotent_and_generated_codes_validate(
            code in "[0-9A-HJKMNP-TV-Z]{8,16}",
        ) {
            proptest::prop_assert_eq!(validate_interaction_code(&code), Ok(()));
            let n = normalize_interaction_code(&code);
            proptest::prop_assert_eq!(normalize_interaction_code(&n), n.clone());
            proptest::prop_assert!(interaction_codes_match(&code.to_lowercase(), &code));
        }
    }
}
