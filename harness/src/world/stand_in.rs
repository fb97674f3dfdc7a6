//! Stand-in person and access servers for the [`super::World`], used until the reference PS
//! and AS roles serve these names themselves.
//!
//! They do the minimum a harness-played PS must do for an agent flow to reach the resource
//! under test, and do it correctly: verify the agent's signed request, issue person tokens
//! (recording each `jti`), redeem resource tokens addressed to them (checking signature,
//! `aud`, `agent_jkt`, and under `aauth-11` the recorded person token), and mint auth tokens.
//! A resource token addressed to the World's AS is answered with a token the AS signs, as
//! if the PS had federated. No consent, no missions, no deferred responses.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use sha2::Digest as _;

use crate::clock::Clock;
use crate::host::{BoxFuture, Handler};
use crate::jose::b64;
use crate::jose::claims::{dwk, AuthClaims, PersonClaims, TokenIssuer, TokenKind};
use crate::jose::jws;
use crate::jose::validate::{validate_token, Expected, KeyResolver, ResolveError};
use crate::jose::PublicKey;
use crate::message::{Request, Response};
use crate::profile::Profile;
use crate::role::Role;
use crate::verify::{verify_request, KeySource, TypedClaims, VerifiedRequest, VerifierConfig};
use crate::wire::identifier::validate_server_identifier;
use crate::wire::metadata::{
    AccessServerMetadata, PersonServerMetadata, ACCESS_DWK, JWKS_PATH, PERSON_DWK,
};
use crate::wire::problem::{ErrorCode, Problem};

/// The one person every World agent acts for.
const PERSON: &str = "person-1";
/// Person and auth token lifetime.
const TOKEN_LIFETIME: i64 = 3600;

/// A person token the stand-in PS issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IssuedPersonToken {
    pub sub: String,
    pub mission_s256: Option<String>,
    pub tenant: Option<String>,
}

/// Records shared between the stand-in PS and the World's own minting helpers.
#[derive(Clone, Debug, Default)]
pub(crate) struct PersonRecords(Arc<Mutex<HashMap<String, IssuedPersonToken>>>);

impl PersonRecords {
    pub fn insert(&self, jti: &str, record: IssuedPersonToken) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= 4096 {
            map.clear();
        }
        map.insert(jti.to_string(), record);
    }

    pub fn get(&self, jti: &str) -> Option<IssuedPersonToken> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(jti)
            .cloned()
    }
}

/// The directed identifier a PS gives its person at `resource`.
pub(crate) fn directed_sub(seed: u64, ps: &str, resource: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(ps.as_bytes());
    h.update([0]);
    h.update(PERSON.as_bytes());
    h.update([0]);
    h.update(resource.as_bytes());
    let digest = h.finalize();
    b64::encode(digest.get(..16).unwrap_or_default())
}

/// Answers the validator's one lookup with a key fetched beforehand.
struct PrefetchedKey(PublicKey);

impl KeyResolver for PrefetchedKey {
    fn resolve(&self, _iss: &str, _dwk: &str, _kid: &str) -> Result<PublicKey, ResolveError> {
        Ok(self.0.clone())
    }
}

pub(crate) struct PsInner {
    pub identifier: String,
    pub profile: Profile,
    pub clock: Clock,
    pub seed: u64,
    pub issuer: TokenIssuer,
    pub access_server: Option<(String, TokenIssuer)>,
    pub keys: Arc<dyn KeySource>,
    pub records: PersonRecords,
    pub minted: AtomicU64,
}

/// The stand-in person server.
#[derive(Clone)]
pub(crate) struct StandInPersonServer(pub Arc<PsInner>);

fn problem(status: u16, code: ErrorCode, detail: impl Into<String>) -> Response {
    Problem::new(code).with_detail(detail).to_response(status)
}

fn str_field(body: &Value, name: &str) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl StandInPersonServer {
    fn next_jti(&self, prefix: &str) -> String {
        let n = self.0.minted.fetch_add(1, Ordering::SeqCst) + 1;
        let host = crate::role::identifier_host(&self.0.identifier);
        format!("{prefix}-{host}-{n}")
    }

    fn metadata(&self) -> Value {
        PersonServerMetadata::reference(&self.0.identifier, self.0.profile).to_json()
    }

    async fn answer(&self, request: Request) -> Response {
        let well_known = format!("/.well-known/{PERSON_DWK}");
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", p) if p == well_known => {
                Response::json(200, "application/json", &self.metadata())
            }
            ("GET", JWKS_PATH) => Response::new(200)
                .with_header("content-type", "application/json")
                .with_body(self.0.issuer.jwks().to_json()),
            ("POST", "/person") if self.0.profile.has_person_tokens() => {
                self.person_token(&request).await
            }
            ("POST", "/token") => self.auth_token(&request).await,
            _ => problem(
                404,
                ErrorCode::new("not_found"),
                "the stand-in person server serves metadata, /person and /token only",
            ),
        }
    }

    /// Verify the agent's request; only agent tokens are accepted.
    async fn verify_agent(&self, request: &Request) -> Result<(VerifiedRequest, Value), Response> {
        let config =
            VerifierConfig::for_role(self.0.profile, Role::PersonServer, &self.0.identifier);
        let verified = verify_request(request, &config, self.0.keys.as_ref(), self.0.clock.now())
            .await
            .map_err(|r| r.to_response())?;
        if !matches!(verified.claims(), Some(TypedClaims::Agent(_))) {
            return Err(problem(
                400,
                ErrorCode::INVALID_AGENT_TOKEN,
                "requests must present an agent token",
            ));
        }
        let body: Value = serde_json::from_slice(&request.body).map_err(|e| {
            problem(
                400,
                ErrorCode::INVALID_REQUEST,
                format!("body is not JSON: {e}"),
            )
        })?;
        Ok((verified, body))
    }

    async fn person_token(&self, request: &Request) -> Response {
        let (verified, body) = match self.verify_agent(request).await {
            Ok(v) => v,
            Err(r) => return r,
        };
        let Some(resource) = str_field(&body, "resource") else {
            return problem(400, ErrorCode::INVALID_REQUEST, "resource is required");
        };
        if validate_server_identifier(&resource).is_err() {
            return problem(
                400,
                ErrorCode::INVALID_REQUEST,
                "resource is not a server identifier",
            );
        }
        let agent_exp = match verified.claims() {
            Some(TypedClaims::Agent(c)) => c.exp,
            _ => 0,
        };
        let now = self.0.clock.now();
        let jti = self.next_jti("pt");
        let sub = directed_sub(self.0.seed, &self.0.identifier, &resource);
        let mut claims = PersonClaims::new(
            &self.0.identifier,
            &resource,
            &sub,
            &jti,
            &verified.key,
            now,
            now.saturating_add(TOKEN_LIFETIME).min(agent_exp),
        );
        claims.mission_s256 = str_field(&body, "mission_s256");
        self.0.records.insert(
            &jti,
            IssuedPersonToken {
                sub,
                mission_s256: claims.mission_s256.clone(),
                tenant: None,
            },
        );
        match self.0.issuer.issue(&claims) {
            Ok(token) => Response::json(
                200,
                "application/json",
                &json!({ "person_token": token, "expires_in": claims.exp - now }),
            ),
            Err(e) => problem(500, ErrorCode::SERVER_ERROR, e.to_string()),
        }
    }

    async fn auth_token(&self, request: &Request) -> Response {
        let (verified, body) = match self.verify_agent(request).await {
            Ok(v) => v,
            Err(r) => return r,
        };
        let Some(resource_token) = str_field(&body, "resource_token") else {
            return problem(
                400,
                ErrorCode::INVALID_REQUEST,
                "resource_token is required",
            );
        };
        let Some(TypedClaims::Agent(agent)) = verified.claims().cloned() else {
            return problem(400, ErrorCode::INVALID_AGENT_TOKEN, "no agent token");
        };
        let invalid = |detail: String| problem(400, ErrorCode::INVALID_RESOURCE_TOKEN, detail);
        let Ok(decoded) = jws::decode(&resource_token) else {
            return invalid("not a compact JWS".into());
        };
        let Ok(unverified) = decoded.payload_object() else {
            return invalid("payload is not a JSON object".into());
        };
        let get = |name: &str| {
            unverified
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (iss, aud) = (get("iss"), get("aud"));
        if validate_server_identifier(&iss).is_err() {
            return invalid(format!("iss {iss:?} is not a server identifier"));
        }
        let federated = match &self.0.access_server {
            Some((id, issuer)) if *id == aud => Some((id.clone(), issuer.clone())),
            _ => None,
        };
        if aud != self.0.identifier && federated.is_none() {
            return invalid(format!("aud {aud:?} is neither this PS nor its AS"));
        }
        let key = match self
            .0
            .keys
            .resolve(&iss, dwk::RESOURCE, decoded.header().kid())
            .await
        {
            Ok(k) => k,
            Err(e) => return invalid(format!("resource key: {e}")),
        };
        let now = self.0.clock.now();
        let mut expected = Expected::new(self.0.profile, now)
            .audience(&aud)
            .bound_to(&verified.key);
        if !self.0.profile.has_person_tokens() {
            expected = expected.agent(&agent.sub);
        }
        let valid = match validate_token(
            TokenKind::Resource,
            &resource_token,
            &expected,
            &PrefetchedKey(key),
        ) {
            Ok(v) => v,
            Err(f) => {
                let code = f
                    .endpoint_error_code(TokenKind::Resource)
                    .unwrap_or("invalid_resource_token");
                return problem(400, ErrorCode::new(code), f.to_string());
            }
        };
        let claim = |name: &str| {
            valid
                .claims
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let sub = if self.0.profile.has_person_tokens() {
            let presented = claim("presented_jti").unwrap_or_default();
            let Some(record) = self.0.records.get(&presented) else {
                return problem(
                    400,
                    ErrorCode::UNKNOWN_PERSON_TOKEN,
                    "presented_jti names no person token issued here",
                );
            };
            if claim("ps").as_deref() != Some(self.0.identifier.as_str())
                || claim("sub").as_deref() != Some(record.sub.as_str())
                || claim("mission_s256") != record.mission_s256
            {
                return invalid("ps, sub or mission_s256 differ from the person token".into());
            }
            record.sub
        } else {
            directed_sub(self.0.seed, &self.0.identifier, &iss)
        };
        let (issuer_id, issuer, dwk_name) = match &federated {
            Some((id, issuer)) => (id.clone(), issuer.clone(), dwk::ACCESS),
            None => (
                self.0.identifier.clone(),
                self.0.issuer.clone(),
                dwk::PERSON,
            ),
        };
        let jti = self.next_jti("at");
        let mut claims = AuthClaims::new(
            self.0.profile,
            &issuer_id,
            dwk_name,
            &iss,
            &jti,
            &verified.key,
            now,
            now.saturating_add(TOKEN_LIFETIME).min(agent.exp),
        );
        claims = if self.0.profile.has_person_tokens() {
            claims.for_person(&self.0.identifier, &sub)
        } else {
            let mut c = claims.for_agent(&agent.sub);
            c.sub = Some(sub);
            c
        };
        claims.scope = claim("scope");
        claims.mission_s256 = claim("mission_s256");
        match issuer.issue(&claims) {
            Ok(token) => Response::json(
                200,
                "application/json",
                &json!({ "auth_token": token, "expires_in": claims.exp - now }),
            ),
            Err(e) => problem(500, ErrorCode::SERVER_ERROR, e.to_string()),
        }
    }
}

impl Handler for StandInPersonServer {
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        let this = self.clone();
        Box::pin(async move { this.answer(request).await })
    }
}

/// The stand-in access server: metadata and JWKS (its tokens are minted by the stand-in PS
/// and by the World's helpers).
#[derive(Clone)]
pub(crate) struct StandInAccessServer {
    pub identifier: String,
    pub profile: Profile,
    pub issuer: TokenIssuer,
}

impl Handler for StandInAccessServer {
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        let well_known = format!("/.well-known/{ACCESS_DWK}");
        let response = match (request.method.as_str(), request.path.as_str()) {
            ("GET", p) if p == well_known => Response::json(
                200,
                "application/json",
                &AccessServerMetadata::reference(&self.identifier, self.profile).to_json(),
            ),
            ("GET", JWKS_PATH) => Response::new(200)
                .with_header("content-type", "application/json")
                .with_body(self.issuer.jwks().to_json()),
            _ => problem(
                404,
                ErrorCode::new("not_found"),
                "the stand-in access server serves its metadata and JWKS only",
            ),
        };
        Box::pin(async move { response })
    }
}
