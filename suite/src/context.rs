//! The per-case context of the default registry, and the environment that builds it.
//!
//! [`DeclaredTargets`] is what planning sees (roles, profiles, capabilities). [`Harnessed`] is
//! the same set once opened: a harness [`World`] per profile (the trusted and attacker parties
//! under `https://*.harness.test`) and every target reachable. Each case gets a
//! [`CaseContext`]: the target, the World of its profile, the run clock, and a client that
//! records into the case's own transcript.

use std::collections::BTreeMap;
use std::sync::Arc;

use aauth_harness::clock::Clock;
use aauth_harness::jose::Alg;
use aauth_harness::message::{Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::agent_provider::AgentProvider;
use aauth_harness::role::Role;
use aauth_harness::target::client::HttpClient;
use aauth_harness::transcript::Transcript;
use aauth_harness::world::World;
use futures::future::BoxFuture;

use crate::case::CaseRun;
use crate::connect::{OpenTarget, Opened};
use crate::outcome::HarnessError;
use crate::runner::{Environment, TargetInfo};
use crate::target::{DeclaredTarget, TargetError};

/// What a case body of the default registry works with.
#[derive(Clone, Debug)]
pub struct CaseContext {
    /// The implementation under test, opened.
    pub target: Arc<OpenTarget>,
    /// The harness-played parties for this profile.
    pub world: Arc<World>,
    /// The run's clock; cases offset it, never read the system time.
    pub clock: Clock,
    /// This case's transcript (shared with the runner).
    pub transcript: Transcript,
    /// The user asked for cases that wait minutes of real time (`run --slow`).
    pub slow: bool,
}

impl CaseContext {
    /// The role under test.
    pub fn role(&self) -> Role {
        self.target.role()
    }

    /// The profile this expansion runs under.
    pub fn profile(&self) -> Profile {
        self.target.profile()
    }

    /// Current time on the run clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// A client that reaches the target and every hosted party, recording into this case's
    /// transcript as `party`.
    pub fn client_as(&self, party: &str) -> HttpClient {
        self.world
            .host()
            .client()
            .with_transcript(self.transcript.clone())
            .as_party(party)
    }

    /// A fresh agent (new Ed25519 key, new agent token from the trusted agent provider), so
    /// no state an earlier case left in the target (replay caches, sessions) applies.
    pub fn agent(&self) -> HarnessAgent {
        self.bound(self.world.ap(), self.world.new_agent(&Alg::ED25519))
    }

    /// A fresh agent with a key of `alg`.
    pub fn agent_with(&self, alg: &Alg) -> HarnessAgent {
        self.bound(self.world.ap(), self.world.new_agent(alg))
    }

    /// The person server the harness's agents are enrolled with: at a person server under
    /// test, that server (an agent token whose `ps` names another PS may rightly be refused
    /// there); elsewhere the provider's default, the World's PS.
    pub fn agent_ps(&self) -> Option<String> {
        (self.role() == Role::PersonServer).then(|| self.target.identifier.clone())
    }

    /// `agent` (issued by `ap`) re-issued to name [`CaseContext::agent_ps`] when that is
    /// not the World's default.
    pub fn bound(&self, ap: &AgentProvider, agent: HarnessAgent) -> HarnessAgent {
        match self.agent_ps() {
            Some(ps) if agent.ps.as_deref() != Some(ps.as_str()) => ap.rebind(&agent, &ps),
            _ => agent,
        }
    }

    /// The request-target for a `Location` the target sent: its own origin (as the harness
    /// reaches it, or as its identifier names it) is stripped, so the path can be sent to
    /// the target's address; anything else is returned as given.
    pub fn target_path(&self, location: &str) -> String {
        let origin = format!("https://{}", self.target.authority);
        let identifier = self.target.identifier.trim_end_matches('/');
        location
            .strip_prefix(&origin)
            .or_else(|| location.strip_prefix(identifier))
            .unwrap_or(location)
            .to_string()
    }

    /// An unsigned request to the target: `https` scheme, the target's `@authority`.
    pub fn request(&self, method: &str, target: &str) -> Request {
        Request::new(method, "https", &self.target.authority, target)
    }

    /// Sends `request` to the implementation under test. Transport failures are the
    /// harness's to report (`Error`), never a verdict on the implementation.
    pub async fn send(&self, request: &Request) -> Result<Response, HarnessError> {
        let party = format!("{} under test", self.role());
        self.client_as("harness")
            .send_to(&party, &self.target.address, request)
            .await
            .map_err(|e| HarnessError::Transport(e.to_string()))
    }
}

/// The targets as planning sees them: one per (role, profile).
#[derive(Debug)]
pub struct DeclaredTargets {
    targets: BTreeMap<(Role, Profile), DeclaredTarget>,
    clock: Clock,
}

impl DeclaredTargets {
    /// Indexes the targets; two for the same role and profile is a usage error.
    pub fn new(targets: Vec<DeclaredTarget>, clock: Clock) -> Result<DeclaredTargets, TargetError> {
        let mut map: BTreeMap<(Role, Profile), DeclaredTarget> = BTreeMap::new();
        for target in targets {
            let key = (target.role, target.profile);
            if let Some(first) = map.get(&key) {
                return Err(TargetError::Duplicate {
                    role: target.role,
                    profile: target.profile,
                    first: first.info.name.clone(),
                    second: target.info.name,
                });
            }
            map.insert(key, target);
        }
        Ok(DeclaredTargets {
            targets: map,
            clock,
        })
    }

    /// Every target, ordered by role then profile.
    pub fn targets(&self) -> impl Iterator<Item = &DeclaredTarget> {
        self.targets.values()
    }

    /// The run clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

impl Environment for DeclaredTargets {
    type Context = CaseContext;

    fn target(&self, role: Role, profile: Profile) -> Option<&TargetInfo> {
        self.targets.get(&(role, profile)).map(|t| &t.info)
    }

    fn context<'a>(&'a self, run: &'a CaseRun) -> BoxFuture<'a, Result<CaseContext, HarnessError>> {
        Box::pin(async move {
            Err(HarnessError::Config(format!(
                "{}: targets were declared but not opened",
                run.id
            )))
        })
    }
}

/// Declared targets, opened: what the runner runs against.
#[derive(Debug)]
pub struct Harnessed {
    declared: DeclaredTargets,
    opened: Opened,
    slow: bool,
}

impl Harnessed {
    /// Opens every declared target (starting Worlds and launched processes).
    pub async fn open(
        declared: DeclaredTargets,
        seed: u64,
    ) -> Result<Harnessed, crate::connect::OpenError> {
        let list: Vec<DeclaredTarget> = declared.targets().cloned().collect();
        let opened = Opened::open(&list, seed, &declared.clock).await?;
        Ok(Harnessed {
            declared,
            opened,
            slow: false,
        })
    }

    /// Let cases that wait minutes of real time run (`run --slow`).
    pub fn allowing_slow(mut self, slow: bool) -> Harnessed {
        self.slow = slow;
        self
    }

    /// The opened targets.
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Stops everything that was started.
    pub async fn close(mut self) {
        self.opened.close().await;
    }
}

impl Environment for Harnessed {
    type Context = CaseContext;

    fn target(&self, role: Role, profile: Profile) -> Option<&TargetInfo> {
        self.declared.target(role, profile)
    }

    fn context<'a>(&'a self, run: &'a CaseRun) -> BoxFuture<'a, Result<CaseContext, HarnessError>> {
        Box::pin(async move {
            let key = (run.role(), run.profile);
            let target = self
                .opened
                .targets
                .get(&key)
                .ok_or_else(|| HarnessError::Config(format!("no target for {}", run.id)))?;
            let world = self.opened.worlds.get(&run.profile).ok_or_else(|| {
                HarnessError::Config(format!("no harness world for {}", run.profile))
            })?;
            Ok(CaseContext {
                target: target.clone(),
                world: world.clone(),
                clock: self.declared.clock.clone(),
                transcript: run.transcript.clone(),
                slow: self.slow,
            })
        })
    }
}
