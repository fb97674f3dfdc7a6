//! The reference Access Server: what the harness plays in four-party cases, and the
//! built-in `access-server` target.
//!
//! Served paths (relative to the identifier, e.g. `https://as.harness.test`):
//!
//! | Path | What |
//! |---|---|
//! | `GET /.well-known/aauth-access.json` | metadata: `auth_token_endpoint` (-11) / `token_endpoint` (-10), `jwks_uri`, `revocation_endpoint` |
//! | `GET /.well-known/jwks.json` | the AS's signing key |
//! | `POST /token` | the token endpoint, for person servers only (`token.rs`) |
//! | `GET/POST /pending/{id}` | payment and claims steps (`token.rs`) |
//! | `POST /revoke` | revocation of tokens this AS issued |
//! | `POST /_harness/person` | the person hook ([`crate::role::approver`]; `person.rs`) |
//!
//! Requests must be signed by a person server signing as itself (`jwks_uri` scheme, see
//! `caller.rs`). Policy switches ([`AccessPolicy`]) make the AS ask for payment (`402`),
//! approval (`202 requirement=approval`) or claims (`202 requirement=claims`) before it
//! issues, for every request or only for resource tokens carrying a given scope.

mod caller;
mod person;
mod token;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::Clock;
use crate::host::{BoxFuture, Handler};
use crate::jose::claims::TokenIssuer;
use crate::jose::Alg;
use crate::message::{Request, Response};
use crate::profile::Profile;
use crate::role::endpoint::{self, derived_seed, metadata_response, server_issuer};
use crate::role::flaw::{Flaw, Flaws};
use crate::role::pending::{PendingConfig, PendingStore, PENDING_PREFIX};
use crate::role::person_server::UnsupportedKeyAlg;
use crate::target::client::HttpClient;
use crate::verify::KeySource;
use crate::wire::metadata::AccessServerMetadata;

/// Paths the reference AS serves.
pub mod paths {
    /// Metadata.
    pub const METADATA: &str = "/.well-known/aauth-access.json";
    /// JWKS.
    pub const JWKS: &str = "/.well-known/jwks.json";
    /// `auth_token_endpoint` (-11) / `token_endpoint` (-10).
    pub const TOKEN: &str = "/token";
    /// `revocation_endpoint`.
    pub const REVOKE: &str = "/revoke";
}

/// What the AS demands before issuing (resource policy, in the AS's words).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    /// Ask the PS for these claims (`202 requirement=claims`) before issuing.
    pub required_claims: Option<Vec<String>>,
    /// Require a billing relationship (`402` with `Location`) the first time each PS asks.
    pub payment_required: bool,
    /// Answer `202 requirement=approval` first; the PS's next poll of `Location` finds the
    /// approval given (an administrator who always says yes).
    pub approval_required: bool,
    /// Extra demands for resource tokens whose `scope` contains the given scope token, so one
    /// AS can demand claims or payment for some requests and issue the rest directly.
    pub by_scope: Vec<(String, AccessPolicy)>,
}

impl AccessPolicy {
    /// The demands for a resource token with `scope`: these, joined with every rule whose
    /// scope token the resource token carries (the first rule naming claims wins).
    pub fn for_scope(&self, scope: Option<&str>) -> AccessPolicy {
        let tokens: Vec<&str> = scope.unwrap_or_default().split_whitespace().collect();
        let mut merged = AccessPolicy {
            by_scope: Vec::new(),
            ..self.clone()
        };
        for (wanted, rule) in &self.by_scope {
            if !tokens.contains(&wanted.as_str()) {
                continue;
            }
            let rule = rule.for_scope(scope);
            if merged.required_claims.is_none() {
                merged.required_claims = rule.required_claims;
            }
            merged.payment_required |= rule.payment_required;
            merged.approval_required |= rule.approval_required;
        }
        merged
    }
}

/// How a reference AS is set up.
#[derive(Clone)]
pub struct AccessServerConfig {
    /// Its server identifier, e.g. `https://as.harness.test`.
    pub identifier: String,
    /// The protocol revision it speaks.
    pub profile: Profile,
    /// Its clock.
    pub clock: Clock,
    /// Planted bugs (empty: correct).
    pub flaws: Flaws,
    /// Seed of its signing key.
    pub seed: [u8; 32],
    /// Algorithm of its signing key.
    pub key_alg: Alg,
    /// Person servers it takes requests from; empty: any PS whose keys can be discovered.
    pub trusted_person_servers: Vec<String>,
    /// Where issuer keys come from (person servers, agent providers, resources).
    pub keys: Arc<dyn KeySource>,
    /// Outbound client (kept for policies that fetch; unused by the defaults).
    pub http: HttpClient,
    /// What it demands before issuing.
    pub policy: AccessPolicy,
}

impl std::fmt::Debug for AccessServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessServerConfig")
            .field("identifier", &self.identifier)
            .field("profile", &self.profile)
            .field("flaws", &self.flaws)
            .field("trusted_person_servers", &self.trusted_person_servers)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl AccessServerConfig {
    /// A correct AS at `identifier`: real time, a key derived from the identifier, any PS,
    /// no payment, no claims.
    pub fn new(
        identifier: &str,
        profile: Profile,
        keys: Arc<dyn KeySource>,
        http: HttpClient,
    ) -> Self {
        AccessServerConfig {
            identifier: identifier.to_string(),
            profile,
            clock: Clock::real(),
            flaws: Flaws::none(),
            seed: derived_seed("access-server", identifier),
            key_alg: Alg::ED25519,
            trusted_person_servers: Vec::new(),
            keys,
            http,
            policy: AccessPolicy::default(),
        }
    }

    /// Use this clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Plant these flaws.
    pub fn with_flaws(mut self, flaws: Flaws) -> Self {
        self.flaws = flaws;
        self
    }

    /// Derive the signing key from this seed.
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = seed;
        self
    }

    /// Take requests from this PS (may be called repeatedly).
    pub fn trust_person_server(mut self, ps: &str) -> Self {
        self.trusted_person_servers.push(ps.to_string());
        self
    }

    /// Apply this policy.
    pub fn with_policy(mut self, policy: AccessPolicy) -> Self {
        self.policy = policy;
        self
    }
}

/// Mutable AS state.
#[derive(Debug, Default)]
pub(crate) struct AsState {
    /// Person servers that settled billing.
    pub paid: HashSet<String>,
    /// Requests waiting for payment or claims, by pending id.
    pub parked: HashMap<String, token::Parked>,
    /// `jti`s this AS issued.
    pub issued: HashSet<String>,
}

/// The AS proper.
pub(crate) struct As {
    pub cfg: AccessServerConfig,
    pub issuer: TokenIssuer,
    pub pending: PendingStore,
    pub person: person::Person,
    state: Mutex<AsState>,
}

impl As {
    pub fn state(&self) -> MutexGuard<'_, AsState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn has(&self, flaw: Flaw) -> bool {
        self.cfg.flaws.has(flaw)
    }

    pub fn now(&self) -> i64 {
        self.cfg.clock.now()
    }

    pub fn p11(&self) -> bool {
        self.cfg.profile.has_person_tokens()
    }
}

/// A reference Access Server. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct AccessServer {
    inner: Arc<As>,
}

impl std::fmt::Debug for AccessServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessServer")
            .field("identifier", &self.inner.cfg.identifier)
            .field("kid", &self.inner.issuer.kid)
            .finish_non_exhaustive()
    }
}

impl AccessServer {
    /// An AS with `config`.
    pub fn new(config: AccessServerConfig) -> Result<Self, UnsupportedKeyAlg> {
        let issuer = server_issuer(config.seed, &config.key_alg, "as", config.profile)
            .ok_or_else(|| UnsupportedKeyAlg(config.key_alg.as_str().to_string()))?;
        let pending =
            PendingStore::new(PendingConfig::new(&config.identifier), config.clock.clone());
        Ok(AccessServer {
            inner: Arc::new(As {
                cfg: config,
                issuer,
                pending,
                person: person::Person::default(),
                state: Mutex::default(),
            }),
        })
    }

    /// Its identifier.
    pub fn identifier(&self) -> &str {
        &self.inner.cfg.identifier
    }

    /// The issuer that signs its tokens.
    pub fn issuer(&self) -> &TokenIssuer {
        &self.inner.issuer
    }

    /// Answer one request.
    pub async fn answer(&self, request: Request) -> Response {
        route(self.inner.clone(), request).await
    }
}

impl Handler for AccessServer {
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        Box::pin(route(self.inner.clone(), request))
    }
}

async fn route(inner: Arc<As>, request: Request) -> Response {
    let method = request.method.as_str();
    match request.path.as_str() {
        paths::METADATA if method == "GET" => metadata_response(
            &AccessServerMetadata::reference(&inner.cfg.identifier, inner.cfg.profile).to_json(),
        ),
        paths::JWKS if method == "GET" => endpoint::jwks_response(&inner.issuer),
        paths::TOKEN if method == "POST" => token::handle(&inner, &request).await,
        paths::TOKEN => endpoint::method_not_allowed("POST"),
        paths::REVOKE if method == "POST" => token::revoke(&inner, &request).await,
        paths::REVOKE => endpoint::method_not_allowed("POST"),
        crate::role::approver::PERSON_HOOK_PATH if method == "POST" => {
            person::hook(&inner, &request).await
        }
        p if p.starts_with(PENDING_PREFIX) => token::pending(&inner, &request).await,
        _ => endpoint::not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::AccessPolicy;

    #[test]
    fn scoped_demands_apply_only_to_their_scope() {
        let policy = AccessPolicy {
            by_scope: vec![
                (
                    "profile".into(),
                    AccessPolicy {
                        required_claims: Some(vec!["email".into()]),
                        ..AccessPolicy::default()
                    },
                ),
                (
                    "premium".into(),
                    AccessPolicy {
                        payment_required: true,
                        ..AccessPolicy::default()
                    },
                ),
            ],
            ..AccessPolicy::default()
        };
        let plain = policy.for_scope(Some("read"));
        assert_eq!(plain.required_claims, None);
        assert!(!plain.payment_required && !plain.approval_required);
        let claims = policy.for_scope(Some("read profile"));
        assert_eq!(claims.required_claims, Some(vec!["email".to_string()]));
        assert!(!claims.payment_required);
        assert!(policy.for_scope(Some("premium")).payment_required);
        assert_eq!(policy.for_scope(None), AccessPolicy::default());
        // a scope that only contains the rule's name as a substring does not match
        assert!(!policy.for_scope(Some("premium.x")).payment_required);
    }
}
