//! The World: every party the harness plays, served under fixed `https://*.harness.test`
//! names by one [`IssuerHost`], with deterministic keys from the run seed.
//!
//! | name | party | trusted |
//! |---|---|---|
//! | `https://ap.harness.test` | agent provider (agents' `ps` = the PS below) | yes |
//! | `https://ps.harness.test` | person server | yes |
//! | `https://as.harness.test` | access server | yes |
//! | `https://resource.harness.test` | reference resource | — |
//! | `https://evil-ap.harness.test` | agent provider nobody trusts | no |
//! | `https://evil-ps.harness.test` | person server nobody trusts | no |
//! | `https://evil-as.harness.test` | access server nobody trusts | no |
//!
//! Beside them, [`OddProvider`]s: agent providers (`ap-noalg`, `ap-noissuer`, ...) that each
//! serve one fixed, deliberately odd document, trusted like the AP, so discovery cases can
//! point a verifier at them without switching the shared AP's variants under parallel cases.
//!
//! And [`PolicyAccessServer`]s (`claims-as`, `payment-as`, `approval-as`, `sigerror-as`):
//! reference access servers with one demand each, trusted like the AS, for four-party cases
//! at a PS under test that must not disturb the trusted AS other cases share.
//!
//! The evil twins publish perfectly valid metadata and keys of their own: a case that gets a
//! token from one accepted has shown a trust failure, not a parsing one.
//!
//! The PS and AS are the reference roles ([`crate::role::person_server`],
//! [`crate::role::access_server`]): the trusted PS serves agents of the trusted AP and
//! federates with the trusted AS; the evil PS serves anyone and federates with the evil AS.
//! Cases use the helpers: [`World::new_agent`], [`World::mint_person_token`],
//! [`World::mint_auth_token`], [`World::client`], and [`World::serve_target`] to run a
//! reference role as a built-in target over real loopback HTTP. A launched target gets
//! [`World::launch_env`]: routes, CA and `AAUTH_HARNESS_TRUSTED`.
//!
//! Lifetime: [`World::start`] needs a tokio runtime; [`World::shutdown`] (or dropping the
//! World) stops every listener.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::host::{Handler, HostConfig, HostError, IssuerHost, Routes};
use crate::httpsig::profile::DEFAULT_SIGNATURE_WINDOW;
use crate::httpsig::sign::{sign_aauth, AauthSignContext, SignError};
use crate::jose::claims::{dwk, AuthClaims, PersonClaims, TokenClaims, TokenIssuer, TokenKind};
use crate::jose::jwk::JwkRules;
use crate::jose::mutate::{mint, TokenDefect};
use crate::jose::Alg;
use crate::message::Request;
use crate::message::Response;
use crate::profile::Profile;
use crate::role::access_server::{AccessPolicy, AccessServer, AccessServerConfig};
use crate::role::agent::{AgentFlow, HarnessAgent};
use crate::role::agent_provider::{
    AgentProvider, AgentProviderConfig, JwksVariant, MetadataVariant,
};
use crate::role::flaw::{Flaw, Flaws};
use crate::role::person_server::{PersonServer, PersonServerConfig, UnsupportedKeyAlg};
use crate::role::resource::{Resource, ResourceConfig, ResourceOptions};
use crate::role::{derived_key, Role};
use crate::target::client::HttpClient;
use crate::target::launch::LaunchContext;
use crate::verify::{Discovery, KeySource};

/// The person every World agent acts for (the reference PS's default person).
pub const PERSON: &str = "person-1";

/// The environment variable naming the identifiers a launched target should trust.
pub const TRUSTED_ENV: &str = "AAUTH_HARNESS_TRUSTED";

/// A party the World hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// The trusted agent provider.
    AgentProvider,
    /// The trusted person server.
    PersonServer,
    /// The trusted access server.
    AccessServer,
    /// The reference resource.
    Resource,
    /// An agent provider with valid metadata that nobody trusts.
    EvilAgentProvider,
    /// A person server with valid metadata that nobody trusts.
    EvilPersonServer,
    /// An access server with valid metadata that nobody trusts.
    EvilAccessServer,
}

impl Party {
    /// Every hosted party.
    pub const ALL: [Party; 7] = [
        Party::AgentProvider,
        Party::PersonServer,
        Party::AccessServer,
        Party::Resource,
        Party::EvilAgentProvider,
        Party::EvilPersonServer,
        Party::EvilAccessServer,
    ];

    /// The hosted name (`ap`, `evil-ps`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Party::AgentProvider => "ap",
            Party::PersonServer => "ps",
            Party::AccessServer => "as",
            Party::Resource => "resource",
            Party::EvilAgentProvider => "evil-ap",
            Party::EvilPersonServer => "evil-ps",
            Party::EvilAccessServer => "evil-as",
        }
    }

    /// The server identifier, e.g. `https://ap.harness.test`.
    pub fn identifier(self) -> String {
        format!("https://{}.harness.test", self.name())
    }

    /// The protocol role it plays.
    pub fn role(self) -> Role {
        match self {
            Party::AgentProvider | Party::EvilAgentProvider => Role::AgentProvider,
            Party::PersonServer | Party::EvilPersonServer => Role::PersonServer,
            Party::AccessServer | Party::EvilAccessServer => Role::AccessServer,
            Party::Resource => Role::Resource,
        }
    }

    /// The metadata document its keys are found through.
    pub fn dwk(self) -> &'static str {
        match self.role() {
            Role::AgentProvider => dwk::AGENT,
            Role::PersonServer => dwk::PERSON,
            Role::AccessServer => dwk::ACCESS,
            _ => dwk::RESOURCE,
        }
    }

    /// True for the parties targets are told to trust.
    pub fn trusted(self) -> bool {
        matches!(
            self,
            Party::AgentProvider | Party::PersonServer | Party::AccessServer
        )
    }
}

/// An agent provider that serves one fixed document variant for discovery cases. Each is
/// trusted like the main AP and names the trusted PS in its tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OddProvider {
    /// Its JWKS keys carry no `alg`.
    NoAlg,
    /// Its metadata has no `issuer`.
    NoIssuer,
    /// Its metadata names another issuer.
    WrongIssuer,
    /// Its metadata names itself with a trailing slash.
    SlashIssuer,
    /// Its JWKS carries unusable members beside the good keys.
    ExtraKeys,
    /// Correct documents; only the kid-flood case at a resource uses it, so its JWKS hit
    /// counter is that case's alone.
    FloodResource,
    /// As [`OddProvider::FloodResource`], for the person server.
    FloodPersonServer,
    /// Its metadata answers `302` to another hosted name ([`OddProvider::RedirectTarget`]).
    Redirecting,
    /// Correct documents, only ever reached by following [`OddProvider::Redirecting`]'s
    /// redirect: any hit on it is a followed redirect.
    RedirectTarget,
    /// Serves its agent metadata at `aauth-person.json` too, as a host playing both agent
    /// provider and person server with one JWKS does: a token whose `dwk` names the wrong
    /// document still finds its key there, so only the `dwk` check refuses it.
    DualRole,
    /// A resource that is also an agent (call chaining): it serves its agent metadata at
    /// `aauth-resource.json` too, so the resource tokens it signs and the agent tokens it
    /// issues to itself verify with one JWKS, and an auth token addressed to it (`aud`) is
    /// addressed to the `iss` of its agent tokens.
    Intermediary,
    /// Correct documents until the rotation case at a resource publishes a key under a new
    /// `kid` ([`AgentProvider::rotate_key`]); only that case uses it, so the resource's first
    /// fetch of its keys is the case's own and its JWKS counter the case's alone.
    RotateResource,
    /// As [`OddProvider::RotateResource`], for the person server.
    RotatePersonServer,
    /// As [`OddProvider::RotateResource`], for the case that re-keys an existing `kid`.
    RekeyResource,
    /// As [`OddProvider::RekeyResource`], for the person server.
    RekeyPersonServer,
}

impl OddProvider {
    /// Every odd provider.
    pub const ALL: [OddProvider; 15] = [
        OddProvider::NoAlg,
        OddProvider::NoIssuer,
        OddProvider::WrongIssuer,
        OddProvider::SlashIssuer,
        OddProvider::ExtraKeys,
        OddProvider::FloodResource,
        OddProvider::FloodPersonServer,
        OddProvider::Redirecting,
        OddProvider::RedirectTarget,
        OddProvider::DualRole,
        OddProvider::Intermediary,
        OddProvider::RotateResource,
        OddProvider::RotatePersonServer,
        OddProvider::RekeyResource,
        OddProvider::RekeyPersonServer,
    ];

    /// The hosted name.
    pub fn name(self) -> &'static str {
        match self {
            OddProvider::NoAlg => "ap-noalg",
            OddProvider::NoIssuer => "ap-noissuer",
            OddProvider::WrongIssuer => "ap-wrongissuer",
            OddProvider::SlashIssuer => "ap-slashissuer",
            OddProvider::ExtraKeys => "ap-extra-keys",
            OddProvider::FloodResource => "ap-flood-resource",
            OddProvider::FloodPersonServer => "ap-flood-ps",
            OddProvider::Redirecting => "ap-redirecting",
            OddProvider::RedirectTarget => "ap-redirect-target",
            OddProvider::DualRole => "ap-dual",
            OddProvider::Intermediary => "mid",
            OddProvider::RotateResource => "ap-rotate-resource",
            OddProvider::RotatePersonServer => "ap-rotate-ps",
            OddProvider::RekeyResource => "ap-rekey-resource",
            OddProvider::RekeyPersonServer => "ap-rekey-ps",
        }
    }

    /// The server identifier, e.g. `https://ap-noalg.harness.test`.
    pub fn identifier(self) -> String {
        format!("https://{}.harness.test", self.name())
    }

    fn configure(self, ap: &AgentProvider) {
        match self {
            OddProvider::NoAlg => ap.set_jwks_variant(JwksVariant::KeyWithoutAlg),
            OddProvider::NoIssuer => ap.set_metadata_variant(MetadataVariant::NoIssuer),
            OddProvider::WrongIssuer => ap.set_metadata_variant(MetadataVariant::WrongIssuer(
                Party::EvilAgentProvider.identifier(),
            )),
            OddProvider::SlashIssuer => ap.set_metadata_variant(MetadataVariant::WrongIssuer(
                format!("{}/", self.identifier()),
            )),
            OddProvider::ExtraKeys => ap.set_jwks_variant(JwksVariant::ExtraUnusableMembers),
            _ => {}
        }
    }
}

/// How the World is set up.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// Run seed: every key is derived from it.
    pub seed: u64,
    /// The profile every party speaks.
    pub profile: Profile,
    /// The run's clock.
    pub clock: Clock,
    /// Host settings (transcript, limits).
    pub host: HostConfig,
    /// Flaws of the World's own resource (normally none).
    pub resource_flaws: Flaws,
    /// The World's resource has its own AS (four-party) instead of trusting agents' PSes.
    pub four_party: bool,
}

impl WorldConfig {
    /// A three-party World with a fresh transcript.
    pub fn new(seed: u64, profile: Profile, clock: Clock) -> Self {
        WorldConfig {
            seed,
            profile,
            clock,
            host: HostConfig::default(),
            resource_flaws: Flaws::none(),
            four_party: false,
        }
    }
}

/// Why the World could not do something. Always the harness's own problem.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The issuer host failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// A reference role refused its key algorithm.
    #[error(transparent)]
    Key(#[from] UnsupportedKeyAlg),
    /// The role cannot be served as a built-in target (agents are clients).
    #[error("{0} cannot be served as a built-in target")]
    NotServable(Role),
}

/// Everything the harness plays in one run.
pub struct World {
    host: IssuerHost,
    config: WorldConfig,
    ap: AgentProvider,
    evil_ap: AgentProvider,
    odd: Vec<(OddProvider, AgentProvider)>,
    resource: Resource,
    person_servers: [PersonServer; 2],
    access_servers: [AccessServer; 2],
    agents: AtomicU64,
    minted: AtomicU64,
    target_keys: Mutex<BTreeMap<Role, Arc<Discovery>>>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("seed", &self.config.seed)
            .field("profile", &self.config.profile)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The key seed of a server the World hosts, from the run seed and its identifier.
fn server_seed(seed: u64, identifier: &str) -> [u8; 32] {
    derived_key(seed, &format!("{identifier}#signing"), &Alg::ED25519).secret_bytes()
}

/// The identifier the built-in PS target is served under; the World's AS (and the lying
/// AS) take federation requests from it so four-party cases can run against it.
pub fn target_person_server_identifier() -> String {
    format!(
        "https://target-{}.harness.test",
        Role::PersonServer.as_str()
    )
}

/// The host name of an access server that only the built-in PS target trusts and that
/// issues auth tokens for the wrong audience: the PS under test must not relay them.
pub const LYING_ACCESS_SERVER: &str = "lying-as";

/// The identifier of [`LYING_ACCESS_SERVER`].
pub fn lying_access_server_identifier() -> String {
    format!("https://{LYING_ACCESS_SERVER}.harness.test")
}

/// Access servers that each make one demand before issuing, hosted beside the trusted AS so
/// four-party cases at a PS under test can drive each branch of the PS's deferred loop
/// (PS-018) or its handling of a signature refusal (ERR-002) without changing the AS that
/// other cases share. Each takes requests from any PS whose keys it can discover and is
/// trusted like the AS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyAccessServer {
    /// Answers `202 requirement=claims` asking for [`POLICY_REQUIRED_CLAIMS`].
    Claims,
    /// Answers `402` with `Location` the first time each PS asks.
    Payment,
    /// Answers `202 requirement=approval`; the first poll finds the approval given.
    Approval,
    /// Answers every token request `401` with `Signature-Error: error=`
    /// [`SIGERROR_HEADER_CODE`] and a problem body that names [`SIGERROR_BODY_CODE`].
    SignatureRefusal,
}

/// The claims [`PolicyAccessServer::Claims`] asks for.
pub const POLICY_REQUIRED_CLAIMS: &[&str] = &["email"];

/// The code in the `Signature-Error` header of [`PolicyAccessServer::SignatureRefusal`].
pub const SIGERROR_HEADER_CODE: &str = "unknown_key";

/// The contradicting code in the body of [`PolicyAccessServer::SignatureRefusal`]'s `401`.
pub const SIGERROR_BODY_CODE: &str = "expired_jwt";

impl PolicyAccessServer {
    /// Every policy AS.
    pub const ALL: [PolicyAccessServer; 4] = [
        PolicyAccessServer::Claims,
        PolicyAccessServer::Payment,
        PolicyAccessServer::Approval,
        PolicyAccessServer::SignatureRefusal,
    ];

    /// The hosted name.
    pub fn name(self) -> &'static str {
        match self {
            PolicyAccessServer::Claims => "claims-as",
            PolicyAccessServer::Payment => "payment-as",
            PolicyAccessServer::Approval => "approval-as",
            PolicyAccessServer::SignatureRefusal => "sigerror-as",
        }
    }

    /// The server identifier, e.g. `https://claims-as.harness.test`.
    pub fn identifier(self) -> String {
        format!("https://{}.harness.test", self.name())
    }

    /// What it demands before issuing.
    pub fn policy(self) -> AccessPolicy {
        match self {
            PolicyAccessServer::Claims => AccessPolicy {
                required_claims: Some(
                    POLICY_REQUIRED_CLAIMS
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                ),
                ..AccessPolicy::default()
            },
            PolicyAccessServer::Payment => AccessPolicy {
                payment_required: true,
                ..AccessPolicy::default()
            },
            PolicyAccessServer::Approval => AccessPolicy {
                approval_required: true,
                ..AccessPolicy::default()
            },
            PolicyAccessServer::SignatureRefusal => AccessPolicy::default(),
        }
    }
}

/// The scope for which the built-in access-server target answers `202 requirement=claims`
/// (its `[access-server] claims_scope` knob).
pub const TARGET_CLAIMS_SCOPE: &str = "harness.claims";

/// The scope for which the built-in access-server target answers `402` (its
/// `[access-server] payment_scope` knob).
pub const TARGET_PAYMENT_SCOPE: &str = "harness.payment";

/// The built-in access-server target's policy: claims for [`TARGET_CLAIMS_SCOPE`], payment
/// for [`TARGET_PAYMENT_SCOPE`], every other scope issued directly.
pub fn target_access_policy() -> AccessPolicy {
    AccessPolicy {
        by_scope: vec![
            (
                TARGET_CLAIMS_SCOPE.to_string(),
                PolicyAccessServer::Claims.policy(),
            ),
            (
                TARGET_PAYMENT_SCOPE.to_string(),
                PolicyAccessServer::Payment.policy(),
            ),
        ],
        ..AccessPolicy::default()
    }
}

/// The `401` [`PolicyAccessServer::SignatureRefusal`] gives every token request: the header
/// and the body disagree about what went wrong.
fn contradictory_signature_refusal() -> Response {
    let body = serde_json::json!({
        "type": format!("urn:ietf:params:sig-error:{SIGERROR_BODY_CODE}"),
        "error": SIGERROR_BODY_CODE,
        "detail": "the presented JWT has expired",
    });
    Response::json(401, "application/problem+json", &body)
        .with_header("Signature-Error", format!("error={SIGERROR_HEADER_CODE}"))
}

/// The reference PS at `identifier`, federating with `access_servers`, serving agents of
/// `agent_provider` only (or of any provider when `None`).
fn person_server(
    host: &IssuerHost,
    config: &WorldConfig,
    identifier: &str,
    agent_provider: Option<&str>,
    access_servers: &[String],
    flaws: Flaws,
) -> Result<PersonServer, WorldError> {
    let keys = discovery(host, &config.clock, config.profile, &flaws);
    person_server_with(
        host,
        config,
        identifier,
        agent_provider,
        access_servers,
        flaws,
        keys,
    )
}

/// [`person_server`] fetching issuer keys through `keys`.
fn person_server_with(
    host: &IssuerHost,
    config: &WorldConfig,
    identifier: &str,
    agent_provider: Option<&str>,
    access_servers: &[String],
    flaws: Flaws,
    keys: Arc<Discovery>,
) -> Result<PersonServer, WorldError> {
    let mut ps = PersonServerConfig::new(identifier, config.profile, keys, host.client())
        .with_clock(config.clock.clone())
        .with_seed(server_seed(config.seed, identifier))
        .with_flaws(flaws);
    for access_server in access_servers {
        ps = ps.trust_access_server(access_server);
    }
    if let Some(ap) = agent_provider {
        ps = ps.trust_agent_provider(ap);
    }
    Ok(PersonServer::new(ps)?)
}

/// The reference AS at `identifier`, taking requests from `person_servers` only (or from
/// any PS when empty).
fn access_server(
    host: &IssuerHost,
    config: &WorldConfig,
    identifier: &str,
    person_servers: &[String],
    flaws: Flaws,
) -> Result<AccessServer, WorldError> {
    access_server_with_policy(
        host,
        config,
        identifier,
        person_servers,
        flaws,
        AccessPolicy::default(),
    )
}

/// As [`access_server`], demanding `policy` before it issues.
fn access_server_with_policy(
    host: &IssuerHost,
    config: &WorldConfig,
    identifier: &str,
    person_servers: &[String],
    flaws: Flaws,
    policy: AccessPolicy,
) -> Result<AccessServer, WorldError> {
    let keys = discovery(host, &config.clock, config.profile, &flaws);
    access_server_with(
        host,
        config,
        identifier,
        person_servers,
        flaws,
        keys,
        policy,
    )
}

/// [`access_server`] fetching issuer keys through `keys` and demanding `policy`.
fn access_server_with(
    host: &IssuerHost,
    config: &WorldConfig,
    identifier: &str,
    person_servers: &[String],
    flaws: Flaws,
    keys: Arc<Discovery>,
    policy: AccessPolicy,
) -> Result<AccessServer, WorldError> {
    let mut as_config = AccessServerConfig::new(identifier, config.profile, keys, host.client())
        .with_clock(config.clock.clone())
        .with_seed(server_seed(config.seed, identifier))
        .with_flaws(flaws)
        .with_policy(policy);
    for ps in person_servers {
        as_config = as_config.trust_person_server(ps);
    }
    Ok(AccessServer::new(as_config)?)
}

/// Issuer-key discovery through `host`'s routes.
fn discovery(host: &IssuerHost, clock: &Clock, profile: Profile, flaws: &Flaws) -> Arc<Discovery> {
    Arc::new(
        Discovery::new(host.client(), clock.clone())
            .with_rules(JwkRules::for_profile(profile))
            .with_flaws(flaws.clone()),
    )
}

/// Every identifier targets are told to trust.
fn trusted_identifiers() -> Vec<String> {
    Party::ALL
        .into_iter()
        .filter(|p| p.trusted())
        .map(Party::identifier)
        .chain(OddProvider::ALL.into_iter().map(OddProvider::identifier))
        .chain(
            PolicyAccessServer::ALL
                .into_iter()
                .map(PolicyAccessServer::identifier),
        )
        .collect()
}

impl World {
    /// Start the host and serve every party.
    pub async fn start(config: WorldConfig) -> Result<World, WorldError> {
        let host = IssuerHost::start(config.host.clone()).await?;
        let (seed, profile, clock) = (config.seed, config.profile, config.clock.clone());
        let trusted = trusted_identifiers();

        let ap = AgentProvider::new(
            AgentProviderConfig::new(
                &Party::AgentProvider.identifier(),
                profile,
                clock.clone(),
                seed,
            )
            .with_default_ps(&Party::PersonServer.identifier()),
        );
        let evil_ap = AgentProvider::new(
            AgentProviderConfig::new(
                &Party::EvilAgentProvider.identifier(),
                profile,
                clock.clone(),
                seed,
            )
            .with_default_ps(&Party::EvilPersonServer.identifier()),
        );
        host.serve(Party::AgentProvider.name(), ap.clone())?;
        host.serve(Party::EvilAgentProvider.name(), evil_ap.clone())?;
        let mut odd = Vec::new();
        for which in OddProvider::ALL {
            let provider = AgentProvider::new(
                AgentProviderConfig::new(&which.identifier(), profile, clock.clone(), seed)
                    .with_default_ps(&Party::PersonServer.identifier()),
            );
            which.configure(&provider);
            if which == OddProvider::Redirecting {
                let location = format!(
                    "{}/.well-known/{}",
                    OddProvider::RedirectTarget.identifier(),
                    dwk::AGENT
                );
                host.serve(which.name(), move |_request: Request| {
                    let response = Response::new(302).with_header("location", &location);
                    async move { response }
                })?;
            } else if matches!(which, OddProvider::DualRole | OddProvider::Intermediary) {
                let inner = provider.clone();
                let other = if which == OddProvider::DualRole {
                    dwk::PERSON
                } else {
                    dwk::RESOURCE
                };
                let aliased = format!("/.well-known/{other}");
                let agent = format!("/.well-known/{}", dwk::AGENT);
                host.serve(which.name(), move |mut request: Request| {
                    if request.path == aliased {
                        request.path = agent.clone();
                    }
                    inner.handle(request)
                })?;
            } else {
                host.serve(which.name(), provider.clone())?;
            }
            odd.push((which, provider));
        }

        let (ap_id, ps_id, as_id) = (
            Party::AgentProvider.identifier(),
            Party::PersonServer.identifier(),
            Party::AccessServer.identifier(),
        );
        let evil_ps_id = Party::EvilPersonServer.identifier();
        let target_ps_id = target_person_server_identifier();
        let person_servers = [
            person_server(
                &host,
                &config,
                &ps_id,
                Some(&ap_id),
                std::slice::from_ref(&as_id),
                Flaws::none(),
            )?,
            person_server(
                &host,
                &config,
                &evil_ps_id,
                None,
                &[Party::EvilAccessServer.identifier()],
                Flaws::none(),
            )?,
        ];
        let access_servers = [
            access_server(
                &host,
                &config,
                &as_id,
                &[ps_id.clone(), target_ps_id.clone()],
                Flaws::none(),
            )?,
            access_server(
                &host,
                &config,
                &Party::EvilAccessServer.identifier(),
                std::slice::from_ref(&evil_ps_id),
                Flaws::none(),
            )?,
        ];
        let lying = access_server(
            &host,
            &config,
            &lying_access_server_identifier(),
            std::slice::from_ref(&target_ps_id),
            Flaws::one(Flaw::AsAuthTokenAudSelf),
        )?;
        host.serve(LYING_ACCESS_SERVER, lying)?;
        for which in PolicyAccessServer::ALL {
            let server = access_server_with_policy(
                &host,
                &config,
                &which.identifier(),
                &[],
                Flaws::none(),
                which.policy(),
            )?;
            if which == PolicyAccessServer::SignatureRefusal {
                let token = crate::role::access_server::paths::TOKEN.to_string();
                host.serve(which.name(), move |request: Request| {
                    let refuse = request.method == "POST" && request.path == token;
                    let inner = server.clone();
                    async move {
                        if refuse {
                            contradictory_signature_refusal()
                        } else {
                            inner.answer(request).await
                        }
                    }
                })?;
            } else {
                host.serve(which.name(), server)?;
            }
        }
        for server in &person_servers {
            host.serve(server.identifier(), server.clone())?;
        }
        for server in &access_servers {
            host.serve(server.identifier(), server.clone())?;
        }

        let mut resource_config =
            ResourceConfig::new(&Party::Resource.identifier(), profile, clock.clone(), seed)
                .with_flaws(config.resource_flaws.clone())
                .with_trusted(trusted);
        if config.four_party {
            resource_config = resource_config.with_access_server(&Party::AccessServer.identifier());
        }
        let keys = discovery(&host, &clock, profile, &resource_config.flaws);
        let resource = Resource::new(resource_config, keys);
        host.serve(Party::Resource.name(), resource.clone())?;
        Ok(World {
            host,
            config,
            ap,
            evil_ap,
            odd,
            resource,
            person_servers,
            access_servers,
            agents: AtomicU64::new(0),
            minted: AtomicU64::new(0),
            target_keys: Mutex::default(),
        })
    }

    /// The issuer host (hit counters, transcript, CA, proxy).
    pub fn host(&self) -> &IssuerHost {
        &self.host
    }

    /// The configuration.
    pub fn config(&self) -> &WorldConfig {
        &self.config
    }

    /// The profile every party speaks.
    pub fn profile(&self) -> Profile {
        self.config.profile
    }

    /// The run's clock.
    pub fn clock(&self) -> &Clock {
        &self.config.clock
    }

    /// The trusted agent provider.
    pub fn ap(&self) -> &AgentProvider {
        &self.ap
    }

    /// The untrusted agent provider.
    pub fn evil_ap(&self) -> &AgentProvider {
        &self.evil_ap
    }

    /// One of the odd agent providers.
    pub fn odd_ap(&self, which: OddProvider) -> &AgentProvider {
        self.odd
            .iter()
            .find(|(w, _)| *w == which)
            .map(|(_, ap)| ap)
            .unwrap_or(&self.ap)
    }

    /// The call-chaining intermediary: a resource that is also its own agent provider
    /// ([`OddProvider::Intermediary`]). Its agents' tokens have `iss` = its identifier, and
    /// its Ed25519 issuer key signs the resource tokens it issues.
    pub fn intermediary(&self) -> &AgentProvider {
        self.odd_ap(OddProvider::Intermediary)
    }

    /// The World's reference resource.
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The key a hosted party signs tokens with. Agent providers sign with their Ed25519
    /// key, the resource with its own.
    pub fn issuer(&self, party: Party) -> &TokenIssuer {
        match party {
            Party::AgentProvider => self.ap.issuer(&Alg::ED25519),
            Party::EvilAgentProvider => self.evil_ap.issuer(&Alg::ED25519),
            Party::Resource => self.resource.issuer(),
            Party::PersonServer => self.person_servers[0].issuer(),
            Party::EvilPersonServer => self.person_servers[1].issuer(),
            Party::AccessServer => self.access_servers[0].issuer(),
            Party::EvilAccessServer => self.access_servers[1].issuer(),
        }
    }

    /// The trusted PS (the reference role, with its scripted person).
    pub fn ps(&self) -> &PersonServer {
        &self.person_servers[0]
    }

    /// The untrusted PS.
    pub fn evil_ps(&self) -> &PersonServer {
        &self.person_servers[1]
    }

    /// The trusted AS.
    pub fn access_server(&self) -> &AccessServer {
        &self.access_servers[0]
    }

    /// The untrusted AS.
    pub fn evil_access_server(&self) -> &AccessServer {
        &self.access_servers[1]
    }

    /// The directed identifier the PS behind `party` (a PS, or the PS an AS serves) gives
    /// the World's person at `resource`.
    pub fn directed_sub(&self, party: Party, resource: &str) -> String {
        let server = match party {
            Party::EvilPersonServer | Party::EvilAccessServer => &self.person_servers[1],
            _ => &self.person_servers[0],
        };
        server.directed_sub(PERSON, resource)
    }

    /// The trusted agent providers (the AP and every [`OddProvider`]), PS and AS
    /// identifiers.
    pub fn trusted_identifiers(&self) -> Vec<String> {
        trusted_identifiers()
    }

    /// A client that reaches every hosted name (and loopback addresses), recording its
    /// exchanges in the run transcript as the harness agent.
    pub fn client(&self) -> HttpClient {
        self.host
            .client()
            .with_transcript(self.host.transcript().clone())
            .as_party("harness agent")
    }

    /// The routing table as it is now.
    pub fn routes(&self) -> Routes {
        self.host.routes()
    }

    /// Issuer-key discovery over the hosted names, with the key-source flaws of `flaws`.
    pub fn key_source(&self, flaws: &Flaws) -> Arc<dyn KeySource> {
        discovery(&self.host, &self.config.clock, self.config.profile, flaws)
    }

    /// A fresh agent of the trusted agent provider, with its own key of `alg`.
    pub fn new_agent(&self, alg: &Alg) -> HarnessAgent {
        let n = self.agents.fetch_add(1, Ordering::SeqCst) + 1;
        self.ap.new_agent(&format!("agent-{n}"), alg)
    }

    /// A flow driver for `agent` over [`World::client`].
    pub fn flow(&self, agent: &HarnessAgent) -> AgentFlow {
        agent.flow(
            self.client(),
            self.config.clock.clone(),
            self.config.profile,
        )
    }

    fn next_jti(&self, prefix: &str) -> String {
        let n = self.minted.fetch_add(1, Ordering::SeqCst) + 1;
        format!("{prefix}-world-{n}")
    }

    /// Person token claims from `ps` for `agent` at `resource`, as a correct PS writes them.
    pub fn person_token_claims(
        &self,
        ps: Party,
        agent: &HarnessAgent,
        resource: &str,
    ) -> PersonClaims {
        let now = self.config.clock.now();
        let iss = ps.identifier();
        PersonClaims::new(
            &iss,
            resource,
            &self.directed_sub(ps, resource),
            &self.next_jti("pt"),
            &agent.public_key(),
            now,
            now.saturating_add(3600),
        )
    }

    /// A person token from the trusted PS for `agent` at `resource` (aauth-11), with at most
    /// one defect. It is for presenting to a resource directly: the PS keeps no record of
    /// it, so a resource token citing it is not redeemed there (an agent flow gets its
    /// person tokens from the PS's `person_token_endpoint`).
    pub fn mint_person_token(
        &self,
        agent: &HarnessAgent,
        resource: &str,
        defect: Option<&TokenDefect>,
    ) -> String {
        let claims = self.person_token_claims(Party::PersonServer, agent, resource);
        self.mint_from(
            Party::PersonServer,
            TokenKind::Person,
            &claims.to_map(),
            defect,
        )
    }

    /// Auth token claims from `issuer` (a PS or an AS) for `agent` at `resource` with
    /// `scope`, as a correct issuer writes them under the World's profile.
    pub fn auth_token_claims(
        &self,
        issuer: Party,
        agent: &HarnessAgent,
        resource: &str,
        scope: &str,
    ) -> AuthClaims {
        let now = self.config.clock.now();
        let iss = issuer.identifier();
        let (ps, dwk_name) = match issuer {
            Party::AccessServer => (Party::PersonServer.identifier(), dwk::ACCESS),
            Party::EvilAccessServer => (Party::EvilPersonServer.identifier(), dwk::ACCESS),
            _ => (iss.clone(), dwk::PERSON),
        };
        let claims = AuthClaims::new(
            self.config.profile,
            &iss,
            dwk_name,
            resource,
            &self.next_jti("at"),
            &agent.public_key(),
            now,
            now.saturating_add(3600),
        )
        .with_scope(scope);
        let sub = self.directed_sub(issuer, resource);
        if self.config.profile.has_person_tokens() {
            claims.for_person(&ps, &sub)
        } else {
            let mut c = claims.for_agent(&agent.id);
            c.sub = Some(sub);
            c
        }
    }

    /// An auth token from the trusted PS for `agent` at `resource` with `scope`, with at
    /// most one defect.
    pub fn mint_auth_token(
        &self,
        agent: &HarnessAgent,
        resource: &str,
        scope: &str,
        defect: Option<&TokenDefect>,
    ) -> String {
        let claims = self.auth_token_claims(Party::PersonServer, agent, resource, scope);
        self.mint_from(
            Party::PersonServer,
            TokenKind::Auth,
            &claims.to_map(),
            defect,
        )
    }

    /// Sign any claims as a `kind` token from `party`, with at most one defect.
    pub fn mint_from(
        &self,
        party: Party,
        kind: TokenKind,
        claims: &Map<String, Value>,
        defect: Option<&TokenDefect>,
    ) -> String {
        mint(
            self.issuer(party),
            kind,
            claims,
            defect,
            self.config.clock.now(),
        )
    }

    /// Sign `request` as `party` itself (`Signature-Key: sig=jwks_uri;id=..;dwk=..;kid=..`),
    /// the way a PS or AS calls another server (revocation, federation).
    pub fn sign_as(
        &self,
        party: Party,
        mut request: Request,
        ctx: &AauthSignContext,
    ) -> Result<Request, SignError> {
        let issuer = self.issuer(party);
        let member = format!(
            "jwks_uri;id=\"{}\";dwk=\"{}\";kid=\"{}\"",
            party.identifier(),
            party.dwk(),
            issuer.kid
        );
        sign_aauth(
            &mut request,
            &issuer.key,
            "sig",
            &member,
            self.config.clock.now(),
            ctx,
        )?;
        Ok(request)
    }

    /// Serve a reference role as a built-in target under `https://target-<role>.harness.test`
    /// (replacing any earlier one), with `flaws` planted. Returns its identifier and the
    /// loopback address to send requests to.
    pub fn serve_target(
        &self,
        role: Role,
        flaws: Flaws,
    ) -> Result<(String, SocketAddr), WorldError> {
        let name = format!("target-{}", role.as_str());
        let identifier = format!("https://{name}.harness.test");
        let (seed, profile, clock) = (
            self.config.seed,
            self.config.profile,
            self.config.clock.clone(),
        );
        match role {
            Role::Resource => {
                // The built-in target states the window it enforces, so the cases probing an
                // advertised window run against it.
                let options = ResourceOptions {
                    signature_window: Some(DEFAULT_SIGNATURE_WINDOW),
                    ..ResourceOptions::default()
                };
                return self.serve_resource_target(options, flaws);
            }
            Role::AgentProvider => {
                let mut config = AgentProviderConfig::new(&identifier, profile, clock, seed)
                    .with_default_ps(&Party::PersonServer.identifier());
                config.flaws = flaws;
                self.host.serve(&name, AgentProvider::new(config))?;
            }
            Role::PersonServer => {
                let keys = self.target_key_source(role, &flaws);
                let ps = person_server_with(
                    &self.host,
                    &self.config,
                    &identifier,
                    None,
                    &[
                        Party::AccessServer.identifier(),
                        lying_access_server_identifier(),
                    ]
                    .into_iter()
                    .chain(
                        PolicyAccessServer::ALL
                            .into_iter()
                            .map(PolicyAccessServer::identifier),
                    )
                    .collect::<Vec<_>>(),
                    flaws,
                    keys,
                )?;
                self.host.serve(&name, ps)?;
            }
            Role::AccessServer => {
                let keys = self.target_key_source(role, &flaws);
                let access = access_server_with(
                    &self.host,
                    &self.config,
                    &identifier,
                    &[],
                    flaws,
                    keys,
                    target_access_policy(),
                )?;
                self.host.serve(&name, access)?;
            }
            Role::Agent => return Err(WorldError::NotServable(role)),
        }
        let address = self
            .host
            .address_of(&name)
            .ok_or_else(|| HostError::UnknownName(name.clone()))?;
        Ok((identifier, address))
    }

    /// Serve the reference resource as the built-in target with these published options
    /// (signature window, extra components, scopes, access mode) and `flaws`.
    pub fn serve_resource_target(
        &self,
        options: ResourceOptions,
        flaws: Flaws,
    ) -> Result<(String, SocketAddr), WorldError> {
        let name = format!("target-{}", Role::Resource.as_str());
        let identifier = format!("https://{name}.harness.test");
        let mut config = ResourceConfig::new(
            &identifier,
            self.config.profile,
            self.config.clock.clone(),
            self.config.seed,
        )
        .with_flaws(flaws.clone())
        .with_trusted(self.trusted_identifiers());
        config.options = options;
        let resource = Resource::new(config, self.target_key_source(Role::Resource, &flaws));
        self.host.serve(&name, resource)?;
        let address = self
            .host
            .address_of(&name)
            .ok_or_else(|| HostError::UnknownName(name.clone()))?;
        Ok((identifier, address))
    }

    /// A fresh key source for the built-in target playing `role`, remembered so a case can
    /// [`World::backdate_target_keys`].
    fn target_key_source(&self, role: Role, flaws: &Flaws) -> Arc<Discovery> {
        let keys = discovery(&self.host, &self.config.clock, self.config.profile, flaws);
        self.target_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(role, keys.clone());
        keys
    }

    /// Move every fetch of `issuer`'s keys by the built-in target playing `role` `seconds`
    /// into the past ([`Discovery::backdate`]): a case whose issuer nothing else uses waits
    /// out that target's refetch floor for it without real time passing and without moving
    /// any other issuer's floor. False when no built-in target plays `role` (a real
    /// target's floor can only be waited out) or it never fetched `issuer`'s keys.
    pub fn backdate_target_keys(&self, role: Role, issuer: &str, seconds: i64) -> bool {
        self.target_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&role)
            .is_some_and(|keys| keys.backdate(issuer, seconds))
    }

    /// What a launched target needs to reach the hosted names.
    pub fn launch_context(&self, use_proxy: bool) -> LaunchContext {
        self.host.launch_context(use_proxy)
    }

    /// The environment of a launched target: routes, CA (and proxy variables when
    /// `use_proxy`), plus `AAUTH_HARNESS_TRUSTED` with the trusted identifiers.
    pub fn launch_env(&self, use_proxy: bool) -> Vec<(String, String)> {
        let mut env = self.launch_context(use_proxy).env();
        env.push((
            TRUSTED_ENV.to_string(),
            self.trusted_identifiers().join(","),
        ));
        env
    }

    /// Stop every listener and wait until they are closed.
    pub async fn shutdown(self) {
        self.host.shutdown().await;
    }
}
