//! What a verifier is configured with.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::httpsig::profile::ProfileRequirements;
use crate::jose::{Alg, PublicKey};
use crate::profile::Profile;
use crate::role::flaw::Flaws;
use crate::role::Role;
use crate::wire::signature_key::Scheme;

/// How one server verifies signed requests: its profile, its identity, what it requires of
/// a signature, which schemes and algorithms it takes, and the flaws planted in it.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// The protocol revision whose rules apply.
    pub profile: Profile,
    /// The server identifier (`https://host`): `@authority` must name its host and
    /// [`crate::verify::check_credential`] compares `aud` with it.
    pub own_identifier: String,
    /// Components and window the signature must satisfy.
    pub requirements: ProfileRequirements,
    /// `Signature-Key` schemes accepted (AAuth agents use only `jwt`; an AS also takes
    /// `jwks_uri` from a PS).
    pub accepted_schemes: Vec<Scheme>,
    /// Algorithms accepted for the HTTP-signing key, advertised in `Accept-Signature-Alg`.
    pub accepted_algs: Vec<Alg>,
    /// Planted bugs (empty for the correct verifier).
    pub flaws: Flaws,
    /// Memory used only by the `no-cnf-binding` flaw (agent keys remembered per agent).
    pub key_memory: KeyMemory,
}

impl VerifierConfig {
    /// A correct verifier for `own_identifier` with the resource defaults: `jwt` only,
    /// Ed25519 and ES256, the base components and a 60 s window.
    pub fn new(profile: Profile, own_identifier: &str) -> Self {
        VerifierConfig {
            profile,
            own_identifier: own_identifier.to_string(),
            requirements: ProfileRequirements::resource(),
            accepted_schemes: vec![Scheme::JWT],
            accepted_algs: vec![Alg::ED25519, Alg::ES256],
            flaws: Flaws::none(),
            key_memory: KeyMemory::default(),
        }
    }

    /// The verifier a server playing `role` runs under `profile` (PS/AS require body
    /// digests under `aauth-11`).
    pub fn for_role(profile: Profile, role: Role, own_identifier: &str) -> Self {
        VerifierConfig {
            requirements: ProfileRequirements::for_role(profile, role),
            ..Self::new(profile, own_identifier)
        }
    }

    /// Use these signature requirements.
    pub fn with_requirements(mut self, requirements: ProfileRequirements) -> Self {
        self.requirements = requirements;
        self
    }

    /// Plant these flaws.
    pub fn with_flaws(mut self, flaws: Flaws) -> Self {
        self.flaws = flaws;
        self
    }

    /// Accept these schemes.
    pub fn with_schemes(mut self, schemes: impl IntoIterator<Item = Scheme>) -> Self {
        self.accepted_schemes = schemes.into_iter().collect();
        self
    }

    /// Accept these algorithms.
    pub fn with_algs(mut self, algs: impl IntoIterator<Item = Alg>) -> Self {
        self.accepted_algs = algs.into_iter().collect();
        self
    }

    /// The host `@authority` must name: the identifier without its `https://`.
    pub fn own_host(&self) -> &str {
        self.own_identifier
            .strip_prefix("https://")
            .unwrap_or(&self.own_identifier)
    }
}

/// Agent keys remembered by agent (`iss` and `sub`), shared between clones of a config.
/// Only the `no-cnf-binding` flaw reads it: that verifier pins the first key it saw for an
/// agent and checks later signatures with it instead of the presented token's `cnf.jwk`.
#[derive(Clone, Debug, Default)]
pub struct KeyMemory(Arc<Mutex<BTreeMap<String, PublicKey>>>);

impl KeyMemory {
    /// The key remembered for `agent`, remembering `key` when there is none yet.
    pub fn remember(&self, agent: &str, key: &PublicKey) -> PublicKey {
        match self.0.lock() {
            Ok(mut map) => map
                .entry(agent.to_string())
                .or_insert_with(|| key.clone())
                .clone(),
            Err(_) => key.clone(),
        }
    }
}
