//! The reference Person Server: what the harness plays when a case needs a PS, and the
//! built-in `person-server` target.
//!
//! Served paths (relative to the identifier, e.g. `https://ps.harness.test`):
//!
//! | Path | Profile | What |
//! |---|---|---|
//! | `GET /.well-known/aauth-person.json` | all | metadata (`metadata.rs`) |
//! | `GET /.well-known/jwks.json` | all | the PS's signing key |
//! | `POST /person` | -11 | `person_token_endpoint` (`person_token.rs`) |
//! | `POST /token` | all | `auth_token_endpoint` (-11) / `token_endpoint` (-10) (`auth_token.rs`) |
//! | `POST /mission` | all | `mission_endpoint` (`missions.rs`) |
//! | `POST /mission/{s256}` | -11 | mission `update` / `completion` |
//! | `POST /permission`, `/audit`, `/interaction` | all | governance endpoints (`governance.rs`) |
//! | `POST /revoke` | all | `revocation_endpoint` (`revocation.rs`) |
//! | `GET/POST/DELETE /pending/{id}` | all | deferred responses (`deferred.rs`) |
//! | `POST /_harness/decide` | all | the scripted person's decision hook ([`crate::role::approver`]) |
//! | `POST /_harness/revoke-mission` | all | the person revokes a mission (`revocation.rs`) |
//! | `POST /_harness/person` | all | the person hook: per-agent scripts and decisions by pending URL ([`crate::role::approver`]) |
//!
//! Every agent endpoint authenticates the request with the shared verifier
//! ([`crate::verify`]) and requires an agent token (see `caller.rs`); four-party requests go
//! to the AS named by the resource token's `aud` (`federation.rs`). Planted flaws
//! ([`crate::role::flaw`]) for this role are read from [`PersonServerConfig::flaws`]; each
//! sits at one spot, named in the module that carries it.

mod auth_token;
mod caller;
mod deferred;
mod federation;
mod governance;
mod metadata;
pub mod mission_store;
mod missions;
mod person_token;
pub mod records;
mod revocation;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::Clock;
use crate::host::{BoxFuture, Handler};
use crate::jose::claims::TokenIssuer;
use crate::jose::{Alg, PublicKey};
use crate::message::{Request, Response};
use crate::profile::Profile;
use crate::role::approver::{self, Approver};
use crate::role::endpoint::{self, derived_seed, server_issuer};
use crate::role::flaw::{Flaw, Flaws};
use crate::role::pending::{PendingConfig, PendingStore, PENDING_PREFIX};
use crate::target::client::HttpClient;
use crate::verify::KeySource;

use deferred::Job;
use mission_store::MissionStore;
use records::{PersonDirectory, Records};

/// Paths the reference PS serves.
pub mod paths {
    /// Metadata.
    pub const METADATA: &str = "/.well-known/aauth-person.json";
    /// JWKS.
    pub const JWKS: &str = "/.well-known/jwks.json";
    /// `person_token_endpoint` (-11).
    pub const PERSON_TOKEN: &str = "/person";
    /// `auth_token_endpoint` (-11) / `token_endpoint` (-10).
    pub const TOKEN: &str = "/token";
    /// `mission_endpoint`.
    pub const MISSION: &str = "/mission";
    /// `permission_endpoint`.
    pub const PERMISSION: &str = "/permission";
    /// `audit_endpoint`.
    pub const AUDIT: &str = "/audit";
    /// `interaction_endpoint`.
    pub const INTERACTION: &str = "/interaction";
    /// `revocation_endpoint`.
    pub const REVOKE: &str = "/revoke";
    /// Admin hook: the person revokes a mission (`{"mission_s256": …}`).
    pub const REVOKE_MISSION: &str = "/_harness/revoke-mission";
}

/// How a reference PS is set up.
#[derive(Clone)]
pub struct PersonServerConfig {
    /// Its server identifier, e.g. `https://ps.harness.test`.
    pub identifier: String,
    /// The protocol revision it speaks.
    pub profile: Profile,
    /// Its clock (tokens, windows, mission expiry).
    pub clock: Clock,
    /// Planted bugs (empty: correct).
    pub flaws: Flaws,
    /// Seed of its signing key.
    pub seed: [u8; 32],
    /// Algorithm of its signing key.
    pub key_alg: Alg,
    /// Agent providers whose agents it serves; empty: any AP whose keys can be discovered.
    pub trusted_agent_providers: Vec<String>,
    /// Access servers it federates with; a resource token naming any other `aud` is refused.
    pub trusted_access_servers: Vec<String>,
    /// Where issuer keys come from (agent providers, resources, access servers).
    pub keys: Arc<dyn KeySource>,
    /// Outbound client: AS metadata and token endpoint, resource metadata.
    pub http: HttpClient,
    /// The scripted person.
    pub approver: Approver,
    /// Who the agents act for.
    pub people: PersonDirectory,
    /// Lifetime given to approved missions (`expires_at`), if any.
    pub mission_lifetime: Option<i64>,
    /// Serve `POST /_harness/decide`.
    pub admin_hooks: bool,
}

impl std::fmt::Debug for PersonServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonServerConfig")
            .field("identifier", &self.identifier)
            .field("profile", &self.profile)
            .field("flaws", &self.flaws)
            .field("trusted_agent_providers", &self.trusted_agent_providers)
            .field("trusted_access_servers", &self.trusted_access_servers)
            .finish_non_exhaustive()
    }
}

impl PersonServerConfig {
    /// A correct PS at `identifier` with real time, a key derived from the identifier, any
    /// agent provider, no access servers, and a person who approves everything at once.
    pub fn new(
        identifier: &str,
        profile: Profile,
        keys: Arc<dyn KeySource>,
        http: HttpClient,
    ) -> Self {
        PersonServerConfig {
            identifier: identifier.to_string(),
            profile,
            clock: Clock::real(),
            flaws: Flaws::none(),
            seed: derived_seed("person-server", identifier),
            key_alg: Alg::ED25519,
            trusted_agent_providers: Vec::new(),
            trusted_access_servers: Vec::new(),
            keys,
            http,
            approver: Approver::default(),
            people: PersonDirectory::default(),
            mission_lifetime: None,
            admin_hooks: true,
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

    /// Serve only agents of this agent provider (may be called repeatedly).
    pub fn trust_agent_provider(mut self, ap: &str) -> Self {
        self.trusted_agent_providers.push(ap.to_string());
        self
    }

    /// Federate with this access server (may be called repeatedly).
    pub fn trust_access_server(mut self, access_server: &str) -> Self {
        self.trusted_access_servers.push(access_server.to_string());
        self
    }

    /// Use this scripted person.
    pub fn with_approver(mut self, approver: Approver) -> Self {
        self.approver = approver;
        self
    }

    /// Give approved missions this lifetime (seconds).
    pub fn with_mission_lifetime(mut self, seconds: i64) -> Self {
        self.mission_lifetime = Some(seconds);
        self
    }
}

/// Mutable state behind one lock.
#[derive(Debug, Default)]
pub(crate) struct PsState {
    pub records: Records,
    pub missions: MissionStore,
    /// Resources whose metadata the PS has looked at.
    pub seen_resources: HashSet<String>,
    /// Distinct resources each agent has asked for person tokens at (PS-010).
    pub resources_by_agent: HashMap<String, HashSet<String>>,
    /// Auth tokens issued here under each mission: `s256` → `(aud, jti)` (PS-040).
    pub mission_tokens: HashMap<String, Vec<(String, String)>>,
}

/// The PS proper, shared by every request.
pub(crate) struct Ps {
    pub cfg: PersonServerConfig,
    pub issuer: TokenIssuer,
    pub pending: PendingStore,
    state: Mutex<PsState>,
    jobs: Mutex<HashMap<String, Job>>,
}

impl Ps {
    pub fn state(&self) -> MutexGuard<'_, PsState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn jobs(&self) -> MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn has(&self, flaw: Flaw) -> bool {
        self.cfg.flaws.has(flaw)
    }

    pub fn now(&self) -> i64 {
        self.cfg.clock.now()
    }

    pub fn id(&self) -> &str {
        &self.cfg.identifier
    }

    pub fn p11(&self) -> bool {
        self.cfg.profile.has_person_tokens()
    }

    /// The directed identifier of `person` at `resource`. The `ps-sub-not-pairwise` flaw
    /// leaves the resource out of the derivation.
    pub fn directed_sub(&self, person: &str, resource: &str) -> String {
        let resource = if self.has(Flaw::PsSubNotPairwise) {
            ""
        } else {
            resource
        };
        let sub = records::directed_sub(&self.cfg.seed, person, resource);
        self.state().records.keep_subject(&sub, person);
        sub
    }

    /// The directed identifier written into a token bound to `key`: the person's at
    /// `resource`, whatever the key. The `ps-sub-per-key` flaw mixes the key's thumbprint in.
    pub fn directed_sub_for(&self, person: &str, resource: &str, key: &PublicKey) -> String {
        if self.has(Flaw::PsSubPerKey) {
            let salted = records::directed_sub(&self.cfg.seed, &key.thumbprint(), resource);
            let sub = records::directed_sub(&self.cfg.seed, person, &salted);
            self.state().records.keep_subject(&sub, person);
            return sub;
        }
        self.directed_sub(person, resource)
    }
}

/// A reference Person Server. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct PersonServer {
    ps: Arc<Ps>,
}

impl std::fmt::Debug for PersonServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonServer")
            .field("identifier", &self.ps.cfg.identifier)
            .field("kid", &self.ps.issuer.kid)
            .finish_non_exhaustive()
    }
}

/// The key algorithm cannot make a signing key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot derive a {0} signing key")]
pub struct UnsupportedKeyAlg(pub String);

impl PersonServer {
    /// A PS with `config`.
    pub fn new(config: PersonServerConfig) -> Result<Self, UnsupportedKeyAlg> {
        let issuer = server_issuer(config.seed, &config.key_alg, "ps", config.profile)
            .ok_or_else(|| UnsupportedKeyAlg(config.key_alg.as_str().to_string()))?;
        let mut pending = PendingConfig::new(&config.identifier);
        pending.no_store = !config.flaws.has(Flaw::PsPendingCacheable);
        pending.action_required = !config.flaws.has(Flaw::PsPendingActionOptional);
        pending.cancel_honoured = !config.flaws.has(Flaw::PsPendingCancelIgnored);
        pending.random_ids = !config.flaws.has(Flaw::PsPendingIdsSequential);
        pending.retry_after_sent = !config.flaws.has(Flaw::PsPendingRetryAfterMissing);
        pending.waiting_polls_accepted = !config.flaws.has(Flaw::PsPollAuthorizationPending);
        let pending = PendingStore::new(pending, config.clock.clone());
        Ok(PersonServer {
            ps: Arc::new(Ps {
                cfg: config,
                issuer,
                pending,
                state: Mutex::default(),
                jobs: Mutex::default(),
            }),
        })
    }

    /// Its identifier.
    pub fn identifier(&self) -> &str {
        &self.ps.cfg.identifier
    }

    /// The issuer that signs its tokens (key, `kid`, profile): tests use it to check
    /// signatures and to build the JWKS others resolve.
    pub fn issuer(&self) -> &TokenIssuer {
        &self.ps.issuer
    }

    /// The scripted person.
    pub fn approver(&self) -> &Approver {
        &self.ps.cfg.approver
    }

    /// The directed identifier this PS uses for `person` at `resource`.
    pub fn directed_sub(&self, person: &str, resource: &str) -> String {
        self.ps.directed_sub(person, resource)
    }

    /// Answer one request.
    pub async fn answer(&self, request: Request) -> Response {
        route(self.ps.clone(), request).await
    }
}

impl Handler for PersonServer {
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        let ps = self.ps.clone();
        Box::pin(route(ps, request))
    }
}

async fn route(ps: Arc<Ps>, request: Request) -> Response {
    let path = request.path.clone();
    let method = request.method.as_str();
    let post_only = |ok: bool| (method == "POST" && ok).then_some(());
    match path.as_str() {
        paths::METADATA if method == "GET" => metadata::metadata(&ps),
        paths::JWKS if method == "GET" => endpoint::jwks_response(&ps.issuer),
        paths::PERSON_TOKEN if ps.p11() => match post_only(true) {
            Some(()) => person_token::handle(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        paths::TOKEN => match post_only(true) {
            Some(()) => auth_token::handle(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        paths::MISSION => match post_only(true) {
            Some(()) => missions::create(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        paths::PERMISSION | paths::AUDIT | paths::INTERACTION => match post_only(true) {
            Some(()) => governance::handle(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        paths::REVOKE => match post_only(true) {
            Some(()) => revocation::handle(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        paths::REVOKE_MISSION if ps.cfg.admin_hooks => match post_only(true) {
            Some(()) => revocation::revoke_mission(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        approver::DECIDE_PATH if ps.cfg.admin_hooks => match post_only(true) {
            Some(()) => deferred::decide(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        approver::PERSON_HOOK_PATH if ps.cfg.admin_hooks => match post_only(true) {
            Some(()) => deferred::person_hook(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        p if p.starts_with(PENDING_PREFIX) => deferred::pending(&ps, &request).await,
        p if ps.p11() && p.starts_with("/mission/") => match post_only(true) {
            Some(()) => missions::act(&ps, &request).await,
            None => endpoint::method_not_allowed("POST"),
        },
        _ => endpoint::not_found(),
    }
}
