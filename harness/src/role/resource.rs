//! The reference resource: a small protected API that follows the AAuth resource rules,
//! with one switchable flaw per rule the suite checks.
//!
//! Paths:
//!
//! | path | method | credential | answer |
//! |---|---|---|---|
//! | `/.well-known/aauth-resource.json`, `/.well-known/jwks.json` | GET | none | metadata, JWKS |
//! | `/api/whoami` | GET | any valid token | who signed; no credential → `401 requirement=agent-token` |
//! | `/api/data` | GET | auth token with `data.read`, or a session | data; otherwise a challenge |
//! | `/api/write` | POST | auth token with `data.write`, or a session | receipt; otherwise a challenge |
//! | `/authorize` | POST `{scope, account?}` | person token (`aauth-11`), agent token (`aauth-10`) | `{"resource_token"}` |
//! | `/api/deferred` | GET | any valid token | `202` interaction, pending URL completes on the second poll, then `410` |
//! | `/api/deferred-auth` | GET | as `/api/data` | `202 requirement=auth-token` holding the read; the pending URL runs it for a valid auth token and answers that token again from the stored result |
//! | `/revoke` | POST `{iss, jti}` | the token's issuer or a trusted PS, signing as itself (`jwks_uri`) | `200` / `404` |
//!
//! Every signed request goes through [`crate::verify::verify_request`] (which carries the
//! SIG/TOK flaws); what follows is resource policy:
//!
//! - Under `aauth-11` a resource token is only ever issued on the strength of a verified
//!   person token; an agent token alone gets `requirement=person-token`. Under `aauth-10` the
//!   agent token suffices and the token names the agent.
//! - An auth token is accepted only from an issuer the grant names (§6 G8): the configured
//!   AS, an identifier the resource trusts, or a PS it sent a resource token to for this
//!   agent key. A PS-issued `aauth-11` token must have `ps` = `iss`.
//! - `aud` must be this resource for person and auth tokens; a person token never stands
//!   in for an auth token; `scope` limits what is served (`403`, without `Signature-Error`).
//! - A successful auth-token request gets an `AAuth-Access` session token, which is honoured
//!   only with a signature covering `authorization` by the same agent key.
//! - Unknown `AAuth-Capabilities` values are ignored; every error body is problem+json.
//! - Revocation is keyed by `(iss, jti)`.

pub mod deferred;
pub mod state;
pub mod token;

mod reply;

use std::sync::{Arc, Mutex};

use rand::{RngCore as _, SeedableRng as _};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};
use sha2::Digest as _;

use crate::clock::Clock;
use crate::host::{BoxFuture, Handler};
use crate::httpsig::component::ComponentId;
use crate::httpsig::profile::{ProfileRequirements, DEFAULT_SIGNATURE_WINDOW};
use crate::httpsig::sign::has_aauth_authorization;
use crate::jose::b64;
use crate::jose::claims::{dwk, AuthClaims, MissionRef, TokenIssuer, TokenKind};
use crate::jose::jwks::Jwks;
use crate::jose::mutate::mint;
use crate::jose::Alg;
use crate::message::{Fields, Request, Response};
use crate::profile::Profile;
use crate::role::flaw::{Flaw, Flaws};
use crate::role::{derived_key, identifier_host, Role};
use crate::verify::{
    check_credential, verify_request, CredentialExpectation, CredentialFailure, KeySource, Signer,
    TokenCredential, TypedClaims, VerifiedRequest, VerifierConfig,
};
use crate::wire::aauth_access::SessionToken;
use crate::wire::aauth_capabilities::{AauthCapabilities, Capability};
use crate::wire::aauth_requirement::{AauthMission, Requirement};
use crate::wire::metadata::{AccessMode, ResourceMetadata, JWKS_PATH, RESOURCE_DWK};
use crate::wire::problem::ErrorCode;
use crate::wire::signature_error::SignatureErrorCode;
use crate::wire::signature_key::Scheme;

use crate::role::pending::PENDING_PREFIX;
use deferred::{AuthPresentation, Deferred, DEFERRED_AUTH_PATH, DEFERRED_PATH};
use state::{Grant, PersonRecord, ResourceState, Session};
use token::{PersonBasis, ResourceTokenSpec, RESOURCE_TOKEN_LIFETIME};

/// Identity only: who signed.
pub const WHOAMI_PATH: &str = "/api/whoami";
/// Read operation, needs [`DATA_READ`].
pub const DATA_PATH: &str = "/api/data";
/// Write operation, needs [`DATA_WRITE`].
pub const WRITE_PATH: &str = "/api/write";
/// The authorization endpoint.
pub const AUTHORIZE_PATH: &str = "/authorize";
/// The revocation endpoint.
pub const REVOKE_PATH: &str = "/revoke";
/// The scope `/api/data` needs.
pub const DATA_READ: &str = "data.read";
/// The scope `/api/write` needs.
pub const DATA_WRITE: &str = "data.write";
/// The window the `signature-window-ignored` flaw advertises (and does not apply).
const ADVERTISED_WINDOW_FLAW: i64 = 120;
/// Auth tokens live at most an hour, so a grant is honoured that long past its resource
/// token's expiry.
const AUTH_TOKEN_MAX_LIFETIME: i64 = 3600;

/// What the resource publishes and how it signs challenges; the knobs a case turns.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceOptions {
    /// `access_mode` in the metadata.
    pub access_mode: AccessMode,
    /// `signature_window`: published and enforced. `None` publishes nothing (60 s applies).
    pub signature_window: Option<i64>,
    /// `additional_signature_components`: published and required.
    pub additional_signature_components: Vec<String>,
    /// Scope name and description (`scope_descriptions`); only these can be requested.
    pub scopes: Vec<(String, String)>,
    /// Lifetime of issued resource tokens (seconds).
    pub resource_token_lifetime: i64,
}

impl Default for ResourceOptions {
    fn default() -> Self {
        ResourceOptions {
            access_mode: AccessMode::AUTH_TOKEN,
            signature_window: None,
            additional_signature_components: Vec::new(),
            scopes: vec![
                (DATA_READ.into(), "Read your data".into()),
                (DATA_WRITE.into(), "Change your data".into()),
            ],
            resource_token_lifetime: RESOURCE_TOKEN_LIFETIME,
        }
    }
}

/// How a reference resource is set up.
#[derive(Clone, Debug)]
pub struct ResourceConfig {
    /// Server identifier, e.g. `https://resource.harness.test`.
    pub identifier: String,
    /// The profile spoken.
    pub profile: Profile,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Planted bugs (RES/ERR ones here, SIG/TOK ones passed to the verifier).
    pub flaws: Flaws,
    /// Run seed for the signing key and session tokens.
    pub seed: u64,
    /// Identifiers trusted as auth-token issuers and revocation callers without a grant
    /// (the harness's PS and AS).
    pub trusted: Vec<String>,
    /// The resource's own AS (four-party): resource tokens are addressed to it.
    pub access_server: Option<String>,
    /// Published and enforced options.
    pub options: ResourceOptions,
}

impl ResourceConfig {
    /// A correct three-party resource at `identifier` trusting nobody in advance.
    pub fn new(identifier: &str, profile: Profile, clock: Clock, seed: u64) -> Self {
        ResourceConfig {
            identifier: identifier.to_string(),
            profile,
            clock,
            flaws: Flaws::none(),
            seed,
            trusted: Vec::new(),
            access_server: None,
            options: ResourceOptions::default(),
        }
    }

    /// Plant these flaws.
    pub fn with_flaws(mut self, flaws: Flaws) -> Self {
        self.flaws = flaws;
        self
    }

    /// Trust these identifiers as auth-token issuers and revocation callers.
    pub fn with_trusted(mut self, trusted: impl IntoIterator<Item = String>) -> Self {
        self.trusted = trusted.into_iter().collect();
        self
    }

    /// Four-party: address resource tokens to `access_server`.
    pub fn with_access_server(mut self, access_server: &str) -> Self {
        self.access_server = Some(access_server.to_string());
        self
    }
}

struct Inner {
    config: ResourceConfig,
    issuer: TokenIssuer,
    keys: Arc<dyn KeySource>,
    verifier: VerifierConfig,
    revoke_verifier: VerifierConfig,
    state: Mutex<ResourceState>,
    rng: Mutex<ChaCha20Rng>,
    deferred: Deferred,
}

/// The reference resource. Clones share keys and state, so the copy the host serves and
/// the copy a case inspects are one resource.
#[derive(Clone)]
pub struct Resource {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("identifier", &self.inner.config.identifier)
            .field("profile", &self.inner.config.profile)
            .field("flaws", &self.inner.config.flaws)
            .finish_non_exhaustive()
    }
}

/// An operation request: what is asked for and how.
struct Operation<'a> {
    scope: &'a str,
    account: Option<String>,
}

impl Resource {
    /// A resource with keys derived from `config.seed`, fetching issuer keys from `keys`.
    pub fn new(config: ResourceConfig, keys: Arc<dyn KeySource>) -> Self {
        let host = identifier_host(&config.identifier).to_string();
        let party = format!("{}#signing", config.identifier);
        let issuer = TokenIssuer::new(
            derived_key(config.seed, &party, &Alg::ED25519),
            &format!("{host}-ed25519-1"),
            config.profile,
        );
        let additional: Vec<ComponentId> = config
            .options
            .additional_signature_components
            .iter()
            .filter_map(|c| ComponentId::parse(c).ok())
            .collect();
        let mut requirements = ProfileRequirements::for_role(config.profile, Role::Resource)
            .with_additional(additional)
            .with_window(
                config
                    .options
                    .signature_window
                    .unwrap_or(DEFAULT_SIGNATURE_WINDOW),
            );
        if config.flaws.has(Flaw::SessionTokenBearer) {
            requirements.authorization = false;
        }
        let verifier = VerifierConfig::for_role(config.profile, Role::Resource, &config.identifier)
            .with_requirements(requirements.clone())
            .with_flaws(config.flaws.clone());
        let revoke_verifier = verifier
            .clone()
            .with_schemes([Scheme::JWT, Scheme::JWKS_URI]);
        let mut seed = sha2::Sha256::new();
        seed.update(config.seed.to_be_bytes());
        seed.update(config.identifier.as_bytes());
        let rng = ChaCha20Rng::from_seed(seed.finalize().into());
        let deferred = Deferred::new(
            &config.identifier,
            config.clock.clone(),
            config.flaws.clone(),
        );
        Resource {
            inner: Arc::new(Inner {
                deferred,
                config,
                issuer,
                keys,
                verifier,
                revoke_verifier,
                state: Mutex::new(ResourceState::default()),
                rng: Mutex::new(rng),
            }),
        }
    }

    /// The server identifier.
    pub fn identifier(&self) -> &str {
        &self.inner.config.identifier
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &ResourceConfig {
        &self.inner.config
    }

    /// The issuer that signs its resource tokens (cases mint tokens "from" this resource).
    pub fn issuer(&self) -> &TokenIssuer {
        &self.inner.issuer
    }

    /// The metadata document it serves.
    pub fn metadata(&self) -> ResourceMetadata {
        let config = &self.inner.config;
        let mut meta = ResourceMetadata::reference(&config.identifier, config.profile);
        meta.access_mode = Some(config.options.access_mode.clone());
        meta.signature_window = config.options.signature_window;
        if config.flaws.has(Flaw::SignatureWindowIgnored) {
            meta.signature_window = Some(ADVERTISED_WINDOW_FLAW);
        }
        if !config.options.additional_signature_components.is_empty() {
            meta.additional_signature_components =
                Some(config.options.additional_signature_components.clone());
        }
        let mut scopes = Map::new();
        for (name, description) in &config.options.scopes {
            scopes.insert(name.clone(), Value::String(description.clone()));
        }
        meta.scope_descriptions = Some(scopes);
        meta.revocation_endpoint = Some(format!("{}{REVOKE_PATH}", config.identifier));
        meta
    }

    /// The JWKS it serves.
    pub fn jwks(&self) -> Jwks {
        self.inner.issuer.jwks()
    }

    /// The grants opened so far (resource tokens issued), oldest first.
    pub fn grants(&self) -> Vec<Grant> {
        self.state().grants().cloned().collect()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ResourceState> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flaws(&self) -> &Flaws {
        &self.inner.config.flaws
    }

    fn now(&self) -> i64 {
        self.inner.config.clock.now()
    }

    /// Answer one request.
    pub async fn answer(&self, request: Request) -> Response {
        let response = self.route(&request).await;
        reply::finish(response, self.flaws())
    }

    async fn route(&self, request: &Request) -> Response {
        let metadata_path = format!("/.well-known/{RESOURCE_DWK}");
        let method = request.method.as_str();
        let path = request.path.as_str();
        let allowed = match path {
            p if p == metadata_path
                || p == JWKS_PATH
                || p == WHOAMI_PATH
                || p == DATA_PATH
                || p == DEFERRED_PATH
                || p == DEFERRED_AUTH_PATH =>
            {
                "GET"
            }
            p if p.starts_with(PENDING_PREFIX) => return self.pending(request).await,
            WRITE_PATH | AUTHORIZE_PATH | REVOKE_PATH => "POST",
            _ => {
                return reply::problem(
                    404,
                    ErrorCode::new("not_found"),
                    format!("{path} is not served here"),
                )
            }
        };
        if method != allowed {
            return reply::problem(
                405,
                ErrorCode::INVALID_REQUEST,
                format!("{path} takes {allowed}"),
            )
            .with_header("allow", allowed);
        }
        if let Some(refusal) = self.check_capabilities(request) {
            return refusal;
        }
        match path {
            p if p == metadata_path => {
                Response::json(200, "application/json", &self.metadata().to_json())
            }
            JWKS_PATH => Response::new(200)
                .with_header("content-type", "application/json")
                .with_body(self.jwks().to_json()),
            WHOAMI_PATH => self.whoami(request).await,
            DEFERRED_PATH => self.deferred(request).await,
            DEFERRED_AUTH_PATH => self.deferred_auth(request).await,
            DATA_PATH => self.operation(request, DATA_READ).await,
            WRITE_PATH => self.operation(request, DATA_WRITE).await,
            AUTHORIZE_PATH => self.authorize(request).await,
            _ => self.revoke(request).await,
        }
    }

    /// Unknown capability values are ignored (RES-026), unless the flaw says otherwise.
    fn check_capabilities(&self, request: &Request) -> Option<Response> {
        if !self.flaws().has(Flaw::UnknownCapabilityRejected) {
            return None;
        }
        let value = request.header("aauth-capabilities")?;
        let known = [
            Capability::INTERACTION,
            Capability::CLARIFICATION,
            Capability::PAYMENT,
            Capability::BUDGET,
        ];
        let unknown = match AauthCapabilities::parse(&value) {
            Ok(caps) => caps
                .capabilities()
                .into_iter()
                .find(|c| !known.contains(c))
                .map(|c| c.as_str().to_string()),
            Err(e) => Some(e.to_string()),
        };
        unknown.map(|u| {
            reply::problem(
                400,
                ErrorCode::INVALID_REQUEST,
                format!("unsupported capability {u}"),
            )
        })
    }

    /// Signature verification plus the resource's own credential memory (revocation).
    async fn authenticate(
        &self,
        request: &Request,
        verifier: &VerifierConfig,
    ) -> Result<VerifiedRequest, Response> {
        let unsigned = !request.has_header("signature")
            && !request.has_header("signature-input")
            && !request.has_header("signature-key");
        if unsigned {
            return Err(reply::challenge(
                Requirement::AGENT_TOKEN,
                None,
                self.flaws(),
            ));
        }
        let verified = verify_request(request, verifier, self.inner.keys.as_ref(), self.now())
            .await
            .map_err(|r| r.to_response())?;
        if let Some(credential) = verified.credential() {
            let iss = credential.claims.iss().to_string();
            let jti = jti_of(credential);
            let mut state = self.state();
            if state.is_revoked(&iss, &jti) {
                return Err(reply::credential_refused(
                    SignatureErrorCode::REVOKED_JWT,
                    format!(
                        "{} {jti} from {iss} has been revoked",
                        credential.kind.name()
                    ),
                ));
            }
            state.know(&iss, &jti);
        }
        Ok(verified)
    }

    /// `aud` of a person or auth token must be this resource, unless the kind's flaw is on.
    fn check_audience(&self, verified: &VerifiedRequest) -> Result<(), Response> {
        let kinds = [TokenKind::Agent, TokenKind::Person, TokenKind::Auth];
        let expectation = CredentialExpectation::tokens(self.identifier(), &kinds);
        match check_credential(verified, &expectation) {
            Ok(()) => Ok(()),
            Err(CredentialFailure::WrongAudience {
                kind: TokenKind::Person,
                ..
            }) if self.flaws().has(Flaw::PersonTokenAudIgnored) => Ok(()),
            Err(CredentialFailure::WrongAudience {
                kind: TokenKind::Auth,
                ..
            }) if self.flaws().has(Flaw::AuthTokenAudIgnored) => Ok(()),
            Err(
                failure @ CredentialFailure::WrongAudience {
                    kind: TokenKind::Person,
                    ..
                },
            ) => Err(reply::problem(
                400,
                ErrorCode::INVALID_PERSON_TOKEN,
                failure.to_string(),
            )),
            Err(failure) => Err(reply::credential_refused(
                SignatureErrorCode::INVALID_JWT,
                failure.to_string(),
            )),
        }
    }

    async fn whoami(&self, request: &Request) -> Response {
        let verified = match self.authenticate(request, &self.inner.verifier).await {
            Ok(v) => v,
            Err(response) => return response,
        };
        if let Err(response) = self.check_audience(&verified) {
            return response;
        }
        let body = match &verified.signer {
            Signer::Token(credential) => json!({
                "token": credential.kind.typ(),
                "iss": credential.claims.iss(),
                "sub": credential.claims.sub(),
                "key": verified.thumbprint(),
            }),
            Signer::Server { id, .. } => json!({ "server": id, "key": verified.thumbprint() }),
            Signer::BareKey => json!({ "key": verified.thumbprint() }),
        };
        Response::json(200, "application/json", &body)
    }

    /// `/api/deferred`: who signed, but only after the pending URL has been polled.
    async fn deferred(&self, request: &Request) -> Response {
        let verified = match self.authenticate(request, &self.inner.verifier).await {
            Ok(v) => v,
            Err(response) => return response,
        };
        if let Err(response) = self.check_audience(&verified) {
            return response;
        }
        let thumbprint = verified.thumbprint();
        let mut result = Map::new();
        result.insert("key".into(), Value::String(thumbprint.clone()));
        self.inner.deferred.open(&thumbprint, result)
    }

    /// `/api/deferred-auth`: the read of `/api/data`, held behind a `202` asking for an auth
    /// token (deferred delivery) instead of a `401`. An auth token presented up front is
    /// served at once.
    async fn deferred_auth(&self, request: &Request) -> Response {
        let verified = match self.authenticate(request, &self.inner.verifier).await {
            Ok(v) => v,
            Err(response) => return response,
        };
        let Some(credential) = verified.credential() else {
            return reply::challenge(Requirement::AGENT_TOKEN, None, self.flaws());
        };
        let op = Operation {
            scope: DATA_READ,
            account: None,
        };
        let basis = match credential.kind {
            TokenKind::Auth => return self.with_auth_token(request, &verified, credential, &op),
            TokenKind::Person => {
                if let Err(response) = self.check_audience(&verified) {
                    return response;
                }
                Some(self.record_person(credential))
            }
            TokenKind::Agent if self.needs_person_token() => {
                return reply::challenge(Requirement::PERSON_TOKEN, None, self.flaws())
            }
            _ => None,
        };
        match self.issue_resource_token(request, &verified, basis, &op) {
            Ok(token) => {
                let mut result = Map::new();
                result.insert("data".into(), json!(["alpha", "beta", "gamma"]));
                self.inner
                    .deferred
                    .hold(&verified.thumbprint(), &token, result)
            }
            Err(response) => response,
        }
    }

    /// A pending URL: the signer is authenticated on every request, then the store decides.
    /// A held invocation's poll presenting an auth token has it checked as `/api/data` would.
    async fn pending(&self, request: &Request) -> Response {
        let verified = match self.authenticate(request, &self.inner.verifier).await {
            Ok(v) => v,
            Err(response) => return response,
        };
        if self.inner.deferred.is_held(&request.path) {
            let presented = match verified.credential() {
                Some(credential) if credential.kind == TokenKind::Auth => {
                    match self.check_auth_token(&verified, credential, DATA_READ) {
                        Ok(claims) => Some(AuthPresentation {
                            iss: claims.iss.clone(),
                            jti: claims.jti.clone(),
                            exp: claims.exp,
                        }),
                        Err(response) => return response,
                    }
                }
                _ => None,
            };
            return self
                .inner
                .deferred
                .poll_held(request, &verified.thumbprint(), presented)
                .await;
        }
        self.inner
            .deferred
            .pending(request, &verified.thumbprint())
            .await
    }

    /// `/api/data` and `/api/write`.
    async fn operation(&self, request: &Request, scope: &str) -> Response {
        let op = Operation {
            scope,
            account: None,
        };
        let session = if has_aauth_authorization(request) {
            let values: Vec<&str> = request.header_all("authorization").collect();
            match SessionToken::parse_authorization_fields(&values) {
                Ok(token) => Some(token),
                Err(e) => {
                    return reply::problem(400, ErrorCode::INVALID_REQUEST, e.to_string());
                }
            }
        } else {
            None
        };
        if let (Some(token), true) = (&session, self.flaws().has(Flaw::SessionTokenBearer)) {
            let found = self.state().session(token.as_str(), self.now()).cloned();
            if let Some(s) = found {
                return self.serve_session(request, &op, &s);
            }
        }
        let verified = match self.authenticate(request, &self.inner.verifier).await {
            Ok(v) => v,
            Err(response) => return response,
        };
        if let Some(token) = &session {
            let covers = verified
                .params
                .as_ref()
                .is_some_and(|p| p.covers(&ComponentId::field("authorization")));
            let found = self.state().session(token.as_str(), self.now()).cloned();
            if let Some(s) = found {
                if covers && s.agent_jkt == verified.thumbprint() {
                    return self.serve_session(request, &op, &s);
                }
            }
        }
        let Some(credential) = verified.credential() else {
            return reply::challenge(Requirement::AGENT_TOKEN, None, self.flaws());
        };
        match credential.kind {
            TokenKind::Auth => self.with_auth_token(request, &verified, credential, &op),
            TokenKind::Person => {
                if self.flaws().has(Flaw::PersonTokenAsAuthToken) {
                    return serve(request, op.scope, None);
                }
                if let Err(response) = self.check_audience(&verified) {
                    return response;
                }
                let basis = self.record_person(credential);
                self.challenge_for(request, &verified, Some(basis), &op)
            }
            TokenKind::Agent if self.needs_person_token() => {
                reply::challenge(Requirement::PERSON_TOKEN, None, self.flaws())
            }
            _ => self.challenge_for(request, &verified, None, &op),
        }
    }

    /// True when an agent token alone must be answered with `requirement=person-token`.
    fn needs_person_token(&self) -> bool {
        self.inner.config.profile.has_person_tokens()
            && !self.flaws().has(Flaw::ResourceTokenWithoutPersonToken)
    }

    /// An auth token on an operation: audience, issuer pinning, scope; then a session and
    /// the answer.
    fn with_auth_token(
        &self,
        request: &Request,
        verified: &VerifiedRequest,
        credential: &TokenCredential,
        op: &Operation<'_>,
    ) -> Response {
        let claims = match self.check_auth_token(verified, credential, op.scope) {
            Ok(claims) => claims,
            Err(response) => return response,
        };
        let granted = claims.scope.as_deref().unwrap_or_default();
        let session = self.new_session(Session {
            agent_jkt: verified.thumbprint(),
            scope: granted.to_string(),
            source: (claims.iss.clone(), claims.jti.clone()),
            exp: claims.exp,
        });
        serve(request, op.scope, session.as_ref())
    }

    /// The checks an auth token passes before it is honoured for `scope`: audience, issuer
    /// pinning, `ps` = `iss` for a PS-issued token, scope.
    fn check_auth_token<'c>(
        &self,
        verified: &VerifiedRequest,
        credential: &'c TokenCredential,
        scope: &str,
    ) -> Result<&'c AuthClaims, Response> {
        self.check_audience(verified)?;
        let TypedClaims::Auth(claims) = &credential.claims else {
            return Err(reply::challenge(
                Requirement::AGENT_TOKEN,
                None,
                self.flaws(),
            ));
        };
        let now = self.now();
        let config = &self.inner.config;
        let pinned = self.flaws().has(Flaw::AnyAuthTokenIssuer)
            || config.trusted.contains(&claims.iss)
            || config.access_server.as_deref() == Some(claims.iss.as_str())
            || self
                .state()
                .granted_by(&claims.iss, &verified.thumbprint(), now);
        if !pinned {
            return Err(reply::credential_refused(
                SignatureErrorCode::INVALID_JWT,
                format!(
                    "auth tokens from {} are not accepted: no grant was sent there",
                    claims.iss
                ),
            ));
        }
        if config.profile.has_person_tokens()
            && claims.dwk == dwk::PERSON
            && claims.ps.as_deref() != Some(claims.iss.as_str())
        {
            return Err(reply::credential_refused(
                SignatureErrorCode::INVALID_JWT,
                "a PS-issued auth token must name itself in ps",
            ));
        }
        let granted = claims.scope.as_deref().unwrap_or_default();
        if !scope_allows(granted, scope) && !self.flaws().has(Flaw::ScopeNotEnforced) {
            return Err(reply::forbidden(
                format!("the auth token grants {granted:?}, this operation needs {scope}"),
                self.flaws(),
            ));
        }
        Ok(claims)
    }

    fn serve_session(&self, request: &Request, op: &Operation<'_>, session: &Session) -> Response {
        if !scope_allows(&session.scope, op.scope) && !self.flaws().has(Flaw::ScopeNotEnforced) {
            return reply::forbidden(
                format!(
                    "the session grants {:?}, this operation needs {}",
                    session.scope, op.scope
                ),
                self.flaws(),
            );
        }
        serve(request, op.scope, None)
    }

    fn new_session(&self, session: Session) -> Option<SessionToken> {
        let mut bytes = [0u8; 32];
        self.inner
            .rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fill_bytes(&mut bytes);
        let token = SessionToken::new(format!("sess-{}", b64::encode(bytes))).ok()?;
        self.state().add_session(token.as_str(), session);
        Some(token)
    }

    fn record_person(&self, credential: &TokenCredential) -> PersonBasis {
        let (ps, sub, mission_s256, tenant) = match &credential.claims {
            TypedClaims::Person(c) => (
                c.iss.clone(),
                c.sub.clone(),
                c.mission_s256.clone(),
                c.tenant.clone(),
            ),
            other => (
                other.iss().to_string(),
                other.sub().unwrap_or_default().to_string(),
                None,
                None,
            ),
        };
        let jti = jti_of(credential);
        self.state().record_person(
            &ps,
            &sub,
            PersonRecord {
                jti: jti.clone(),
                mission_s256: mission_s256.clone(),
                tenant: tenant.clone(),
            },
        );
        PersonBasis {
            ps,
            sub,
            jti,
            mission_s256,
            tenant,
        }
    }

    /// `401 requirement=auth-token` with a fresh resource token, or the refusal that
    /// explains why none can be issued.
    fn challenge_for(
        &self,
        request: &Request,
        verified: &VerifiedRequest,
        basis: Option<PersonBasis>,
        op: &Operation<'_>,
    ) -> Response {
        match self.issue_resource_token(request, verified, basis, op) {
            Ok(token) => reply::challenge(Requirement::AUTH_TOKEN, Some(&token), self.flaws()),
            Err(response) => response,
        }
    }

    /// Mint a resource token for `verified`'s agent key, grounded in `basis` (aauth-11) or
    /// naming the agent (aauth-10), and open the grant it represents.
    fn issue_resource_token(
        &self,
        request: &Request,
        verified: &VerifiedRequest,
        basis: Option<PersonBasis>,
        op: &Operation<'_>,
    ) -> Result<String, Response> {
        let config = &self.inner.config;
        let eleven = config.profile.has_person_tokens();
        let agent_claims = match verified.claims() {
            Some(TypedClaims::Agent(c)) => Some(c.clone()),
            _ => None,
        };
        let aud = config
            .access_server
            .clone()
            .or_else(|| basis.as_ref().map(|b| b.ps.clone()))
            .or_else(|| agent_claims.as_ref().and_then(|c| c.ps.clone()))
            .ok_or_else(|| {
                reply::problem(
                    403,
                    ErrorCode::new("no_authorization_server"),
                    "no access server and no person server to address a resource token to",
                )
            })?;
        let now = self.now();
        let serial = self.state().next_serial();
        let host = identifier_host(&config.identifier);
        let jti = format!("rt-{host}-{serial}");
        let mission = if eleven {
            None
        } else {
            request
                .header("aauth-mission")
                .and_then(|v| AauthMission::parse(&v).ok())
                .map(|m| MissionRef {
                    approver: m.approver,
                    s256: m.s256,
                    extra: Map::new(),
                })
        };
        let basis = match basis {
            Some(b) => Some(b),
            // The resource-token-without-person-token flaw: fill in what the agent token
            // offers instead of a verified person token.
            None if eleven => agent_claims.as_ref().map(|c| PersonBasis {
                ps: c.ps.clone().unwrap_or_default(),
                sub: c.sub.clone(),
                jti: c.jti.clone(),
                mission_s256: None,
                tenant: None,
            }),
            None => None,
        };
        let spec = ResourceTokenSpec {
            iss: config.identifier.clone(),
            aud: aud.clone(),
            jti: jti.clone(),
            agent_key: verified.key.clone(),
            scope: op.scope.to_string(),
            account: op.account.clone(),
            person: if eleven { basis } else { None },
            agent: if eleven {
                None
            } else {
                agent_claims.as_ref().map(|c| c.sub.clone())
            },
            mission,
            now,
            lifetime: config.options.resource_token_lifetime,
        };
        let claims = token::claims(&spec, self.flaws());
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(now.saturating_add(RESOURCE_TOKEN_LIFETIME));
        let token = mint(&self.inner.issuer, TokenKind::Resource, &claims, None, now);
        let mut state = self.state();
        state.know(&config.identifier, &jti);
        state.add_grant(Grant {
            jti,
            aud,
            agent_jkt: verified.thumbprint(),
            scope: op.scope.to_string(),
            honoured_until: exp.saturating_add(AUTH_TOKEN_MAX_LIFETIME),
        });
        Ok(token)
    }

    /// `POST /authorize {scope, account?}`.
    async fn authorize(&self, request: &Request) -> Response {
        let verified = match self.authenticate(request, &self.inner.verifier).await {
            Ok(v) => v,
            Err(response) => return response,
        };
        let Some(credential) = verified.credential() else {
            return reply::challenge(Requirement::AGENT_TOKEN, None, self.flaws());
        };
        let eleven = self.inner.config.profile.has_person_tokens();
        let basis = match credential.kind {
            TokenKind::Person => {
                if let Err(response) = self.check_audience(&verified) {
                    return response;
                }
                Some(self.record_person(credential))
            }
            TokenKind::Agent if eleven && self.needs_person_token() => {
                return reply::challenge(Requirement::PERSON_TOKEN, None, self.flaws());
            }
            TokenKind::Agent => None,
            _ if eleven => {
                return reply::challenge(Requirement::PERSON_TOKEN, None, self.flaws());
            }
            _ => return reply::challenge(Requirement::AGENT_TOKEN, None, self.flaws()),
        };
        let (scope, account) = match self.read_authorization_body(request) {
            Ok(parts) => parts,
            Err(response) => return response,
        };
        let op = Operation {
            scope: &scope,
            account,
        };
        match self.issue_resource_token(request, &verified, basis, &op) {
            Ok(token) => {
                Response::json(200, "application/json", &json!({ "resource_token": token }))
            }
            Err(response) => response,
        }
    }

    fn read_authorization_body(
        &self,
        request: &Request,
    ) -> Result<(String, Option<String>), Response> {
        let invalid = |detail: &str| reply::problem(400, ErrorCode::INVALID_REQUEST, detail);
        let body: Value = serde_json::from_slice(&request.body)
            .map_err(|e| invalid(&format!("the body is not JSON: {e}")))?;
        let scope = body
            .get("scope")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| invalid("scope (a non-empty string) is required"))?
            .to_string();
        let account = match body.get("account") {
            None => None,
            Some(Value::String(a)) if !a.is_empty() => Some(a.clone()),
            Some(_) => return Err(invalid("account must be a non-empty string")),
        };
        let known: Vec<&str> = self
            .inner
            .config
            .options
            .scopes
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        if let Some(unknown) = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .find(|s| !known.contains(s))
        {
            return Err(reply::problem(
                400,
                ErrorCode::INVALID_SCOPE,
                format!("scope {unknown:?} is not offered here"),
            ));
        }
        Ok((scope, account))
    }

    /// `POST /revoke {iss, jti}`, from the token's issuer or a trusted identifier.
    async fn revoke(&self, request: &Request) -> Response {
        let verified = match self
            .authenticate(request, &self.inner.revoke_verifier)
            .await
        {
            Ok(v) => v,
            Err(response) => return response,
        };
        // Only a server signing as itself (`jwks_uri`) speaks for an issuer: an agent
        // presenting a token from that issuer does not.
        let caller = match &verified.signer {
            Signer::Server { id, .. } => Some(id.clone()),
            Signer::Token(_) | Signer::BareKey => None,
        };
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        let field = |name: &str| {
            body.as_ref()
                .and_then(|b| b.get(name))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (Some(iss), Some(jti)) = (field("iss"), field("jti")) else {
            return reply::problem(
                400,
                ErrorCode::INVALID_REQUEST,
                "iss and jti (non-empty strings) are required",
            );
        };
        let allowed = caller
            .as_deref()
            .is_some_and(|c| c == iss || self.inner.config.trusted.iter().any(|t| t == c));
        if !allowed {
            return reply::problem(
                403,
                ErrorCode::new("unauthorized_revocation"),
                "only the token's issuer or a trusted person server may revoke it",
            );
        }
        if self.state().revoke(&iss, &jti) {
            Response::json(200, "application/json", &json!({ "revoked": true }))
        } else {
            reply::problem(
                404,
                ErrorCode::new("unknown_token"),
                "no token with that iss and jti is known here",
            )
        }
    }
}

impl Handler for Resource {
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        let this = self.clone();
        Box::pin(async move { this.answer(request).await })
    }
}

fn jti_of(credential: &TokenCredential) -> String {
    credential
        .token
        .claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// True when the space-separated `granted` includes `needed`.
fn scope_allows(granted: &str, needed: &str) -> bool {
    granted.split(' ').any(|s| s == needed)
}

/// The protected answer itself.
fn serve(request: &Request, scope: &str, session: Option<&SessionToken>) -> Response {
    let body = if scope == DATA_WRITE {
        json!({ "written": true, "bytes": request.body.len() })
    } else {
        json!({ "data": ["alpha", "beta", "gamma"] })
    };
    let response = Response::json(200, "application/json", &body);
    match session {
        Some(s) => response.with_header(crate::wire::aauth_access::AAUTH_ACCESS, s.serialize()),
        None => response,
    }
}
