//! Plumbing shared by the reference PS and AS endpoints: reading JSON request bodies the
//! way a strict server does, answering with problem+json, publishing metadata and JWKS,
//! deriving a server's deterministic signing key, and validating tokens that travel in a
//! request body (resource, agent and auth tokens) against keys found by discovery.
//!
//! Handlers return [`Reply`]: `Err` carries the error response, so `?` ends a handler at
//! the first refusal, the way the drafts order their checks.

use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::httpsig::sign::{sign_aauth, AauthSignContext, SignError};
use crate::jose::claims::{TokenIssuer, TokenKind};
use crate::jose::jws;
use crate::jose::validate::{
    validate_token, Expected, KeyResolver, ResolveError, TokenFailure, ValidToken,
};
use crate::jose::{Alg, PublicKey, SigningKey};
use crate::message::{Request, Response};
use crate::profile::Profile;
use crate::verify::KeySource;
use crate::wire::problem::{ErrorCode, Problem};

/// What an endpoint handler produces: the response, or the refusal to answer with.
pub type Reply = Result<Response, Response>;

/// A problem+json refusal with `status`, `error` and `detail`.
pub fn refuse(status: u16, error: ErrorCode, detail: impl Into<String>) -> Response {
    Problem::new(error).with_detail(detail).to_response(status)
}

/// `400 invalid_request` with `detail`.
pub fn invalid_request(detail: impl Into<String>) -> Response {
    refuse(400, ErrorCode::INVALID_REQUEST, detail)
}

/// `500 server_error` with `detail`.
pub fn server_error(detail: impl Into<String>) -> Response {
    refuse(500, ErrorCode::SERVER_ERROR, detail)
}

/// A `200` JSON answer that must not be cached (it carries tokens).
pub fn json_ok(value: Value) -> Response {
    Response::json(200, "application/json", &value).with_header("Cache-Control", "no-store")
}

/// `404` for a path the server does not serve.
pub fn not_found() -> Response {
    refuse(404, ErrorCode::INVALID_REQUEST, "no such endpoint")
}

/// `405` for a method an endpoint does not take.
pub fn method_not_allowed(allow: &str) -> Response {
    refuse(405, ErrorCode::INVALID_REQUEST, format!("use {allow}")).with_header("Allow", allow)
}

/// A request body read as a JSON object, with typed member access that turns every
/// deviation into `400 invalid_request` naming the member.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonBody(pub Map<String, Value>);

impl JsonBody {
    /// The body as a JSON object, or `400 invalid_request`.
    pub fn parse(request: &Request) -> Result<Self, Response> {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(map)) => Ok(JsonBody(map)),
            Ok(_) => Err(invalid_request("the body must be a JSON object")),
            Err(e) => Err(invalid_request(format!("the body is not JSON: {e}"))),
        }
    }

    /// An optional string member; any other JSON type is refused.
    pub fn opt_str(&self, name: &str) -> Result<Option<&str>, Response> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid_request(format!("{name} must be a string"))),
        }
    }

    /// A required string member.
    pub fn req_str(&self, name: &str) -> Result<&str, Response> {
        self.opt_str(name)?
            .ok_or_else(|| invalid_request(format!("{name} is required")))
    }

    /// An optional array of strings.
    pub fn opt_strings(&self, name: &str) -> Result<Option<Vec<String>>, Response> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| invalid_request(format!("{name} must be an array of strings"))),
            Some(_) => Err(invalid_request(format!(
                "{name} must be an array of strings"
            ))),
        }
    }

    /// The raw member.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

/// A server's signing identity: derived deterministically from a seed, so a run is
/// reproducible and a restarted reference target publishes the same JWKS.
pub fn server_issuer(
    seed: [u8; 32],
    alg: &Alg,
    kid_prefix: &str,
    profile: Profile,
) -> Option<TokenIssuer> {
    let key = SigningKey::from_seed(alg, seed)?;
    let thumb = key.public_key().thumbprint();
    let kid = format!("{kid_prefix}-{}", thumb.get(..8).unwrap_or(&thumb));
    Some(TokenIssuer::new(key, &kid, profile))
}

/// A seed derived from a label and an identifier, for configurations that give none.
pub fn derived_seed(label: &str, identifier: &str) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update(b"aauth-conform reference key\0");
    h.update(label.as_bytes());
    h.update([0]);
    h.update(identifier.as_bytes());
    h.finalize().into()
}

/// The JWKS document of `issuer`.
pub fn jwks_response(issuer: &TokenIssuer) -> Response {
    Response::new(200)
        .with_header("content-type", "application/json")
        .with_header("Cache-Control", "max-age=300")
        .with_body(issuer.jwks().to_json())
}

/// A metadata document.
pub fn metadata_response(document: &Value) -> Response {
    Response::json(200, "application/json", document)
}

/// The `iss`, `dwk` and header `kid` of a compact JWS, read without trusting anything, so
/// the key can be fetched before validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHint {
    /// Claimed issuer.
    pub iss: String,
    /// Claimed metadata document.
    pub dwk: String,
    /// Header `kid`.
    pub kid: String,
}

/// Read the key hint of `token`; `None` when any part is missing (validation then reports
/// the precise fault).
pub fn key_hint(token: &str) -> Option<KeyHint> {
    let decoded = jws::decode(token).ok()?;
    let kid = decoded.header().kid()?.to_string();
    let claims = decoded.payload_object().ok()?;
    let text = |n: &str| claims.get(n).and_then(Value::as_str).map(str::to_string);
    Some(KeyHint {
        iss: text("iss")?,
        dwk: text("dwk")?,
        kid,
    })
}

/// A resolver holding the one key discovery already produced (or the error it gave).
struct Prefetched(Option<(KeyHint, Result<PublicKey, ResolveError>)>);

impl KeyResolver for Prefetched {
    fn resolve(&self, iss: &str, dwk: &str, kid: &str) -> Result<PublicKey, ResolveError> {
        match &self.0 {
            Some((hint, result)) if hint.iss == iss && hint.dwk == dwk && hint.kid == kid => {
                result.clone()
            }
            _ => Err(ResolveError::Unavailable(format!(
                "no key discovered for {iss} {dwk} {kid}"
            ))),
        }
    }
}

/// Validate a token that arrived in a request body: discover its issuer key through
/// `keys` (only when `typ`, `dwk` and `iss` already look right, so junk never causes a
/// fetch), then run [`validate_token`] with `expected`.
pub async fn validate_body_token(
    kind: TokenKind,
    token: &str,
    expected: &Expected<'_>,
    keys: &dyn KeySource,
) -> Result<ValidToken, TokenFailure> {
    let prefetched = match key_hint(token) {
        Some(hint)
            if kind.allowed_dwk().contains(&hint.dwk.as_str())
                && crate::jose::validate::is_server_identifier(&hint.iss)
                && jws::decode(token).is_ok_and(|d| d.header().typ() == Some(kind.typ())) =>
        {
            let result = keys.resolve(&hint.iss, &hint.dwk, Some(&hint.kid)).await;
            Prefetched(Some((hint, result)))
        }
        _ => Prefetched(None),
    };
    validate_token(kind, token, expected, &prefetched)
}

/// The endpoint error for a refused body token (`invalid_resource_token`,
/// `expired_agent_token`, ...), always `400`.
pub fn token_refusal(kind: TokenKind, failure: &TokenFailure) -> Response {
    let code = failure
        .endpoint_error_code(kind)
        .unwrap_or("invalid_request");
    refuse(
        400,
        ErrorCode::new(code),
        format!("{}: {failure}", kind.name()),
    )
}

/// The same refusal for a check the caller made after validation.
pub fn token_refusal_detail(kind: TokenKind, detail: impl Into<String>) -> Response {
    let code = match kind {
        TokenKind::Agent => ErrorCode::INVALID_AGENT_TOKEN,
        TokenKind::Resource => ErrorCode::INVALID_RESOURCE_TOKEN,
        TokenKind::Person => ErrorCode::INVALID_PERSON_TOKEN,
        TokenKind::Auth => ErrorCode::INVALID_REQUEST,
    };
    refuse(400, code, format!("{}: {}", kind.name(), detail.into()))
}

/// A string claim of a validated token.
pub fn claim_str<'t>(token: &'t ValidToken, name: &str) -> Option<&'t str> {
    token.claims.get(name).and_then(Value::as_str)
}

/// A numeric claim of a validated token (whole seconds).
pub fn claim_i64(token: &ValidToken, name: &str) -> Option<i64> {
    let v = token.claims.get(name)?;
    v.as_i64().or_else(|| v.as_f64().map(|f| f.floor() as i64))
}

/// True when every space-separated scope in `granted` is also in `allowed`.
pub fn scope_within(granted: &str, allowed: &str) -> bool {
    let allowed: Vec<&str> = allowed.split(' ').filter(|s| !s.is_empty()).collect();
    granted
        .split(' ')
        .filter(|s| !s.is_empty())
        .all(|s| allowed.contains(&s))
}

/// A fresh random token identifier.
pub fn new_jti(prefix: &str) -> String {
    use rand::RngCore;
    let mut raw = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut raw);
    format!("{prefix}-{}", crate::jose::b64::encode(raw))
}

/// The `Signature-Key` member of a server signing as itself (SK-08 `jwks_uri` scheme):
/// `jwks_uri;id="<identifier>";dwk="<dwk>";kid="<kid>"` (requirements §6 G2).
pub fn server_signature_key(identifier: &str, dwk: &str, kid: &str) -> String {
    format!("jwks_uri;id=\"{identifier}\";dwk=\"{dwk}\";kid=\"{kid}\"")
}

/// Sign `request` as the server `issuer` speaks for (a PS calling an AS): the `jwks_uri`
/// scheme, and `content-type`/`content-digest` covered whenever there is a body (whatever
/// the profile: the digest costs nothing and -11 requires it).
pub fn sign_as_server(
    request: &mut Request,
    issuer: &TokenIssuer,
    identifier: &str,
    dwk: &str,
    created: i64,
) -> Result<(), SignError> {
    let member = server_signature_key(identifier, dwk, &issuer.kid);
    let context = AauthSignContext {
        body_digest: true,
        ..AauthSignContext::default()
    };
    sign_aauth(request, &issuer.key, "sig", &member, created, &context).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_subset() {
        assert!(scope_within("a b", "b a c"));
        assert!(scope_within("", "a"));
        assert!(!scope_within("a d", "a b"));
    }

    #[test]
    fn json_body_types_are_checked() {
        let r = Request::new("POST", "https", "ps", "/x").with_body(r#"{"a":1,"b":"x"}"#);
        let b = JsonBody::parse(&r).expect("object");
        assert!(b.opt_str("a").is_err());
        assert_eq!(b.req_str("b").ok(), Some("x"));
        assert!(b.req_str("c").is_err());
        let r = Request::new("POST", "https", "ps", "/x").with_body("[1]");
        assert!(JsonBody::parse(&r).is_err());
    }

    #[test]
    fn server_keys_are_deterministic() {
        let a = server_issuer([7; 32], &Alg::ED25519, "ps", Profile::Aauth11).expect("key");
        let b = server_issuer([7; 32], &Alg::ED25519, "ps", Profile::Aauth11).expect("key");
        assert_eq!(a.kid, b.kid);
        assert_eq!(a.jwks().to_json(), b.jwks().to_json());
    }
}
