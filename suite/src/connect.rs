//! Opening the implementations under test: the full target-file schema (strict), built-in
//! reference roles served by the harness World, launched processes, and plain URLs.
//!
//! [`crate::target`] reads only what planning needs; this module reads everything else when the
//! run actually starts, so a typo in a role section is still a usage error (exit 2) but only a
//! target that cannot be started or reached is a harness error (exit 3).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aauth_harness::clock::Clock;
use aauth_harness::profile::Profile;
use aauth_harness::role::flaw::{Flaw, Flaws};
use aauth_harness::role::Role;
use aauth_harness::target::launch::{LaunchSpec, LaunchedTarget};
use aauth_harness::world::{World, WorldConfig};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::target::{DeclaredTarget, TargetSpec};

/// Which `@authority` (and `Host`) the harness signs for when it calls the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthorityMode {
    /// The host of the target's identifier (`resource.example`): what a deployed server sees.
    #[default]
    Identifier,
    /// The socket address the harness connects to (`127.0.0.1:PORT`), for targets that derive
    /// `@authority` from the connection.
    Socket,
}

/// Knobs of a resource target (`[resource]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceKnobs {
    /// A path that serves any request carrying a valid agent token.
    pub identity_path: Option<String>,
    /// A path that requires a person token whose `aud` is the resource.
    pub person_path: Option<String>,
    /// A path that requires an auth token.
    pub auth_path: Option<String>,
    /// The scope `auth_path` needs.
    pub auth_scope: Option<String>,
    /// A path answered with a deferred `202` (interaction requirement and pending URL)
    /// when signed with a valid agent token.
    pub deferred_path: Option<String>,
    /// A path whose invocation is held behind a `202 requirement=auth-token` (deferred
    /// delivery): the flow that serves `auth_path` reaches it, and its pending URL runs the
    /// invocation for a valid auth token.
    pub deferred_auth_path: Option<String>,
    /// Which `@authority` to sign for (overrides the top-level value).
    pub authority: Option<AuthorityMode>,
}

/// Knobs of a person-server target (`[person-server]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonServerKnobs {
    /// Which `@authority` to sign for.
    pub authority: Option<AuthorityMode>,
    /// The agent provider the target trusts (informational; the harness's is fixed).
    pub agent_provider: Option<String>,
    /// `login_hint` to send on an agent's first request.
    pub login_hint: Option<String>,
    /// `tenant` to send.
    pub tenant: Option<String>,
    /// Admin path listing pending approvals (informational, for people reading reports; the
    /// suite drives the person through `person_hook`).
    pub approvals_path: Option<String>,
    /// Admin path deciding an approval in the launcher's own format (informational).
    pub decide_path: Option<String>,
    /// Control API of a mock server (informational).
    pub control_path: Option<String>,
    /// The person hook (README "The person hook"): unsigned `POST`s of
    /// `{"agent", "policy", "reachable"?, "mission_lifetime"?}` script the person for one
    /// agent; `{"pending", "decision"}` decides one deferred request.
    pub person_hook: Option<String>,
}

/// Knobs of an access-server target (`[access-server]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessServerKnobs {
    /// Which `@authority` to sign for.
    pub authority: Option<AuthorityMode>,
    /// The PS the target trusts.
    pub person_server: Option<String>,
    /// Resources the target issues for.
    pub resources: Option<Vec<String>>,
    /// The agent provider the target trusts.
    pub agent_provider: Option<String>,
    /// Admin path listing pending requests (informational; see `person_hook`).
    pub pending_path: Option<String>,
    /// Admin path deciding a pending request in the launcher's own format (informational).
    pub decide_path: Option<String>,
    /// A scope for which the target answers a valid token request with `202
    /// requirement=claims` (its policy needs identity claims first). Without it the
    /// claims-requirement cases (AS-008) skip.
    pub claims_scope: Option<String>,
    /// A scope for which the target answers a valid token request with `402` (its policy
    /// needs a billing relationship first). Without it the payment cases (AS-009) skip.
    pub payment_scope: Option<String>,
    /// The person hook, as for a person server.
    pub person_hook: Option<String>,
}

/// The knobs of the built-in access server: its policy demands claims and payment for the
/// World's two policy scopes, and it has the person hook.
pub fn builtin_access_server_knobs() -> AccessServerKnobs {
    AccessServerKnobs {
        claims_scope: Some(aauth_harness::world::TARGET_CLAIMS_SCOPE.into()),
        payment_scope: Some(aauth_harness::world::TARGET_PAYMENT_SCOPE.into()),
        person_hook: Some(aauth_harness::role::approver::PERSON_HOOK_PATH.into()),
        ..AccessServerKnobs::default()
    }
}

/// A quirk entry: either a bare id or an id with the reason it is in force.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum QuirkEntry {
    /// Just the id.
    Id(String),
    /// Id and reason.
    Explained {
        /// The quirk id.
        id: String,
        /// Why it is needed.
        reason: String,
    },
}

/// Every field of a target file (design.md §3), read strictly.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// Display name.
    pub name: String,
    /// Role played.
    pub role: String,
    /// Profile spoken.
    pub profile: Option<String>,
    /// The AAuth identifier it verifies `@authority` and `aud` against.
    pub identifier: String,
    /// Where the harness connects; may contain `{port}` when the harness launches it.
    pub url: String,
    /// Command that starts it (placeholders `{port}`, `{routes}`, `{ca}`, `{identifier}`, `{proxy}`).
    pub start: Option<String>,
    /// Readiness probe path.
    pub ready: Option<String>,
    /// Seconds to wait for readiness (default 20).
    pub ready_timeout: Option<u64>,
    /// Working directory for `start`, relative to the target file's directory's repository
    /// root (the current directory) when relative.
    pub workdir: Option<PathBuf>,
    /// Hand the target the CONNECT proxy variables as well as the routing table.
    #[serde(default)]
    pub proxy: bool,
    /// Optional features it claims.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Deviations the harness works around, each still reported by its own case.
    #[serde(default)]
    pub quirks: Vec<QuirkEntry>,
    /// Which `@authority` to sign for.
    pub authority: Option<AuthorityMode>,
    /// Resource knobs.
    pub resource: Option<ResourceKnobs>,
    /// Person-server knobs.
    #[serde(rename = "person-server")]
    pub person_server: Option<PersonServerKnobs>,
    /// Access-server knobs.
    #[serde(rename = "access-server")]
    pub access_server: Option<AccessServerKnobs>,
}

/// Why a target could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The target file or `--target` value is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The harness could not start or reach it (exit 3).
    #[error("{0}")]
    Harness(String),
}

/// An implementation under test, opened and reachable.
#[derive(Debug)]
pub struct OpenTarget {
    /// What planning knew about it.
    pub declared: DeclaredTarget,
    /// Its AAuth identifier (`https://host`).
    pub identifier: String,
    /// Where requests go: `http://127.0.0.1:PORT`.
    pub address: String,
    /// What the harness puts in `@authority` and `Host`.
    pub authority: String,
    /// Whether the target is reached under its identifier's host or its socket address.
    pub authority_mode: AuthorityMode,
    /// Resource knobs (defaults for built-in resources).
    pub resource: ResourceKnobs,
    /// Person-server knobs.
    pub person_server: PersonServerKnobs,
    /// Access-server knobs.
    pub access_server: AccessServerKnobs,
    /// The flaw planted in a built-in target.
    pub flaw: Option<Flaw>,
    launched: Mutex<Option<LaunchedTarget>>,
}

impl OpenTarget {
    /// The role it plays.
    pub fn role(&self) -> Role {
        self.declared.role
    }

    /// Its profile.
    pub fn profile(&self) -> Profile {
        self.declared.profile
    }

    /// The last lines a launched target logged, for error messages.
    pub async fn log_tail(&self, lines: usize) -> String {
        match &*self.launched.lock().await {
            Some(t) => t.log_tail(lines),
            None => String::new(),
        }
    }

    async fn stop(&self) {
        if let Some(mut launched) = self.launched.lock().await.take() {
            launched.stop().await;
        }
    }
}

/// Every World and target of a run, opened.
#[derive(Debug)]
pub struct Opened {
    /// One World per profile in use.
    pub worlds: BTreeMap<Profile, Arc<World>>,
    /// One target per (role, profile).
    pub targets: BTreeMap<(Role, Profile), Arc<OpenTarget>>,
}

/// The paths the built-in reference resource serves.
pub fn builtin_resource_knobs() -> ResourceKnobs {
    ResourceKnobs {
        identity_path: Some("/api/whoami".into()),
        person_path: None,
        auth_path: Some("/api/data".into()),
        auth_scope: Some("data.read".into()),
        deferred_path: Some("/api/deferred".into()),
        deferred_auth_path: Some("/api/deferred-auth".into()),
        authority: Some(AuthorityMode::Identifier),
    }
}

/// What the built-in person server declares: its person hook.
pub fn builtin_person_server_knobs() -> PersonServerKnobs {
    PersonServerKnobs {
        person_hook: Some(aauth_harness::role::approver::PERSON_HOOK_PATH.into()),
        ..PersonServerKnobs::default()
    }
}

fn host_of(identifier: &str) -> &str {
    identifier.strip_prefix("https://").unwrap_or(identifier)
}

impl Opened {
    /// Starts a World per profile and opens every target. On error, whatever was started is
    /// stopped before returning.
    pub async fn open(
        declared: &[DeclaredTarget],
        seed: u64,
        clock: &Clock,
    ) -> Result<Opened, OpenError> {
        let mut opened = Opened {
            worlds: BTreeMap::new(),
            targets: BTreeMap::new(),
        };
        match opened.open_all(declared, seed, clock).await {
            Ok(()) => Ok(opened),
            Err(e) => {
                opened.close().await;
                Err(e)
            }
        }
    }

    async fn open_all(
        &mut self,
        declared: &[DeclaredTarget],
        seed: u64,
        clock: &Clock,
    ) -> Result<(), OpenError> {
        for target in declared {
            let world = match self.worlds.get(&target.profile) {
                Some(w) => w.clone(),
                None => {
                    let world = World::start(WorldConfig::new(seed, target.profile, clock.clone()))
                        .await
                        .map_err(|e| {
                            OpenError::Harness(format!("cannot start the harness world: {e}"))
                        })?;
                    let world = Arc::new(world);
                    self.worlds.insert(target.profile, world.clone());
                    world
                }
            };
            let open = match &target.spec {
                TargetSpec::Builtin { role, flaw } => {
                    open_builtin(target, *role, flaw.as_deref(), &world)?
                }
                TargetSpec::File(path) => open_file(target, path, &world).await?,
            };
            self.targets
                .insert((target.role, target.profile), Arc::new(open));
        }
        Ok(())
    }

    /// Stops launched targets and every World.
    pub async fn close(&mut self) {
        for target in self.targets.values() {
            target.stop().await;
        }
        self.targets.clear();
        for (_, world) in std::mem::take(&mut self.worlds) {
            if let Ok(world) = Arc::try_unwrap(world) {
                world.shutdown().await;
            }
        }
    }
}

fn open_builtin(
    declared: &DeclaredTarget,
    role: Role,
    flaw: Option<&str>,
    world: &World,
) -> Result<OpenTarget, OpenError> {
    let flaw = match flaw {
        None => None,
        Some(id) => {
            let flaw = Flaw::from_id(id).ok_or_else(|| {
                OpenError::Usage(format!(
                    "--target builtin:{role}?flaw={id}: no such flaw (aauth-conform list-flaws shows them)"
                ))
            })?;
            if flaw.role() != role {
                return Err(OpenError::Usage(format!(
                    "--target builtin:{role}?flaw={id}: that flaw belongs to the {} role",
                    flaw.role()
                )));
            }
            Some(flaw)
        }
    };
    let flaws = flaw.map(Flaws::one).unwrap_or_default();
    let (identifier, address): (String, SocketAddr) = world
        .serve_target(role, flaws)
        .map_err(|e| OpenError::Harness(format!("cannot serve the built-in {role}: {e}")))?;
    let authority = host_of(&identifier).to_string();
    Ok(OpenTarget {
        declared: declared.clone(),
        identifier,
        address: format!("http://{address}"),
        authority,
        authority_mode: AuthorityMode::Identifier,
        resource: builtin_resource_knobs(),
        person_server: builtin_person_server_knobs(),
        access_server: builtin_access_server_knobs(),
        flaw,
        launched: Mutex::new(None),
    })
}

/// Reads a target file strictly (every field known).
pub fn read_target_file(path: &Path) -> Result<TargetFile, OpenError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| OpenError::Usage(format!("target file {}: {e}", path.display())))?;
    let file: TargetFile = toml::from_str(&text)
        .map_err(|e| OpenError::Usage(format!("target file {}: {e}", path.display())))?;
    if aauth_harness::wire::identifier::validate_server_identifier(&file.identifier).is_err() {
        return Err(OpenError::Usage(format!(
            "target file {}: identifier {:?} is not an https server identifier (lowercase host, no port or path)",
            path.display(),
            file.identifier
        )));
    }
    Ok(file)
}

async fn open_file(
    declared: &DeclaredTarget,
    path: &Path,
    world: &World,
) -> Result<OpenTarget, OpenError> {
    let file = read_target_file(path)?;
    let section_authority = file
        .resource
        .as_ref()
        .and_then(|k| k.authority)
        .or(file.person_server.as_ref().and_then(|k| k.authority))
        .or(file.access_server.as_ref().and_then(|k| k.authority));
    let mode = section_authority.or(file.authority).unwrap_or_default();
    let (address, launched) = match &file.start {
        None => {
            if file.url.contains("{port}") {
                return Err(OpenError::Usage(format!(
                    "target file {}: url has {{port}} but there is no start command",
                    path.display()
                )));
            }
            (file.url.trim_end_matches('/').to_string(), None)
        }
        Some(start) => {
            let mut spec = LaunchSpec::new(file.name.clone(), start.clone());
            spec.ready = file.ready.clone().unwrap_or_else(|| "/".into());
            spec.ready_timeout = Duration::from_secs(file.ready_timeout.unwrap_or(20));
            spec.identifier = file.identifier.clone();
            spec.workdir = file.workdir.clone();
            spec.env = world.launch_env(file.proxy);
            let launched = LaunchedTarget::start(&spec, &world.launch_context(file.proxy))
                .await
                .map_err(|e| OpenError::Harness(format!("target {}: {e}", file.name)))?;
            let url = file.url.replace("{port}", &launched.port().to_string());
            (url.trim_end_matches('/').to_string(), Some(launched))
        }
    };
    let socket = address
        .strip_prefix("http://")
        .unwrap_or(&address)
        .to_string();
    let authority = match mode {
        AuthorityMode::Identifier => host_of(&file.identifier).to_string(),
        AuthorityMode::Socket => socket,
    };
    Ok(OpenTarget {
        declared: declared.clone(),
        identifier: file.identifier.clone(),
        address,
        authority,
        authority_mode: mode,
        resource: file.resource.unwrap_or_default(),
        person_server: file.person_server.unwrap_or_default(),
        access_server: file.access_server.unwrap_or_default(),
        flaw: None,
        launched: Mutex::new(launched),
    })
}
