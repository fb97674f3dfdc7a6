//! Optional features a target may declare (`capabilities = [...]` in its target file), and that
//! a case may need. A case whose needs the target does not declare is skipped with the reason,
//! never failed: the spec makes these features optional, so their absence is not a defect.
//!
//! The set is closed and lives here as data ([`ALL`]); `Capability` values can only be the
//! constants below, so a case cannot invent one, and the registry self-test checks every
//! constant is listed. Adding one is adding a constant, a line in [`ALL`] and a doc comment
//! saying which requirement makes it optional.

use std::collections::BTreeSet;
use std::fmt;

/// One optional feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Capability {
    name: &'static str,
    about: &'static str,
}

impl Capability {
    /// Verifies ES256 signatures as well as Ed25519 (a SHOULD, SIG-023).
    pub const ES256: Capability = Capability::new("es256", "verifies ES256 as well as Ed25519");
    /// Rejects identical requests replayed within the window (a MAY, SIG-024).
    pub const REPLAY_CACHE: Capability = Capability::new(
        "replay-cache",
        "rejects a request replayed inside the freshness window",
    );
    /// Publishes `signature_window` in its metadata (RES-034).
    pub const SIGNATURE_WINDOW: Capability = Capability::new(
        "signature-window",
        "advertises its own signature_window in metadata",
    );
    /// Answers with deferred `202` responses the harness can trigger (DEF rows).
    pub const DEFERRED: Capability =
        Capability::new("deferred", "can be made to answer 202 with a pending URL");
    /// Can be driven into an `interaction` requirement.
    pub const INTERACTION: Capability =
        Capability::new("interaction", "can be made to require user interaction");
    /// Can be driven into a `clarification` requirement.
    pub const CLARIFICATION: Capability = Capability::new(
        "clarification",
        "can be made to ask a clarification question",
    );
    /// Offers the mission endpoints.
    pub const MISSIONS: Capability =
        Capability::new("missions", "offers mission approval, update and completion");
    /// Supports sub-agents (`parent_agent`, `subagent_token`).
    pub const SUB_AGENTS: Capability = Capability::new(
        "sub-agents",
        "supports sub-agents and parent-mediated requests",
    );
    /// Supports call chaining (`upstream_token`).
    pub const CALL_CHAINING: Capability = Capability::new(
        "call-chaining",
        "supports call chaining with upstream tokens",
    );
    /// Takes part in four-party flows with an access server.
    pub const FEDERATION: Capability =
        Capability::new("federation", "takes part in four-party (AS) flows");
    /// Offers a `revocation_endpoint`.
    pub const REVOCATION: Capability =
        Capability::new("revocation", "offers a revocation endpoint");
    /// Offers a `login_endpoint` (third-party login).
    pub const LOGIN: Capability = Capability::new("login", "offers a third-party login endpoint");
    /// Issues `AAuth-Access` session tokens.
    pub const SESSION_TOKEN: Capability =
        Capability::new("session-token", "issues AAuth-Access session tokens");
    /// Lets the harness script the person (approve, deny, defer, unreachable, mission
    /// lifetime) per agent through the `person_hook` path its target file names (README,
    /// "The person hook"); consent and interaction are otherwise UI-only.
    pub const PERSON_HOOK: Capability = Capability::new(
        "person-hook",
        "lets the harness script the person per agent through the person_hook path",
    );
    /// Can be configured to admit the harness's network for metadata fetches while refusing
    /// the private addresses the harness names (TOK-015).
    pub const EGRESS_CONTROL: Capability = Capability::new(
        "egress-control",
        "admits harness issuers while refusing other private addresses",
    );
    /// A resource path accepts person tokens (`[resource] person_path`).
    pub const PERSON_TOKEN: Capability = Capability::new(
        "person-token",
        "a resource path accepts person tokens whose aud is the resource",
    );
    /// A resource path requires auth tokens (`[resource] auth_path`).
    pub const AUTH_TOKEN: Capability = Capability::new(
        "auth-token",
        "a resource path requires auth tokens and challenges with requirement=auth-token",
    );
    /// Issues resource tokens at an `authorization_endpoint`.
    pub const RESOURCE_TOKENS: Capability = Capability::new(
        "resource-tokens",
        "issues resource tokens at its authorization_endpoint",
    );
    /// Implements R3 rich resource requests.
    pub const R3: Capability = Capability::new("r3", "implements R3 rich resource requests");
    /// Implements Budgets.
    pub const BUDGETS: Capability = Capability::new("budgets", "implements budgets");
    /// Implements Events.
    pub const EVENTS: Capability = Capability::new("events", "implements events");

    const fn new(name: &'static str, about: &'static str) -> Capability {
        Capability { name, about }
    }

    /// The name used in target files.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// One line for `explain` and `--help`.
    pub fn about(self) -> &'static str {
        self.about
    }

    /// The declared capability with this name, if any.
    pub fn lookup(name: &str) -> Option<Capability> {
        ALL.iter().copied().find(|c| c.name == name)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Every capability a target may declare.
pub const ALL: &[Capability] = &[
    Capability::ES256,
    Capability::REPLAY_CACHE,
    Capability::SIGNATURE_WINDOW,
    Capability::DEFERRED,
    Capability::INTERACTION,
    Capability::CLARIFICATION,
    Capability::MISSIONS,
    Capability::SUB_AGENTS,
    Capability::CALL_CHAINING,
    Capability::FEDERATION,
    Capability::REVOCATION,
    Capability::LOGIN,
    Capability::SESSION_TOKEN,
    Capability::PERSON_HOOK,
    Capability::EGRESS_CONTROL,
    Capability::R3,
    Capability::BUDGETS,
    Capability::EVENTS,
    Capability::PERSON_TOKEN,
    Capability::AUTH_TOKEN,
    Capability::RESOURCE_TOKENS,
];

/// The capabilities a target declared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities(BTreeSet<Capability>);

/// A target declared a capability the suite does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability {0:?} (known: {known})", known = known_names())]
pub struct UnknownCapability(pub String);

fn known_names() -> String {
    ALL.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

impl Capabilities {
    /// Nothing optional.
    pub fn none() -> Capabilities {
        Capabilities::default()
    }

    /// Everything (self-test environments).
    pub fn all() -> Capabilities {
        Capabilities(ALL.iter().copied().collect())
    }

    /// Exactly these.
    pub fn of(capabilities: impl IntoIterator<Item = Capability>) -> Capabilities {
        Capabilities(capabilities.into_iter().collect())
    }

    /// From the names in a target file; an unknown name is an error, not silently ignored.
    pub fn from_names<I, S>(names: I) -> Result<Capabilities, UnknownCapability>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        names
            .into_iter()
            .map(|n| {
                Capability::lookup(n.as_ref())
                    .ok_or_else(|| UnknownCapability(n.as_ref().to_string()))
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Capabilities)
    }

    /// True when declared.
    pub fn contains(&self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// The needs of a case that are not declared, in the order the case lists them.
    pub fn missing(&self, needs: &[Capability]) -> Vec<Capability> {
        needs
            .iter()
            .copied()
            .filter(|c| !self.contains(*c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_are_unique_and_resolvable() {
        let names: BTreeSet<_> = ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), ALL.len());
        assert_eq!(Capability::lookup("es256"), Some(Capability::ES256));
        let declared = Capabilities::from_names(["es256", "deferred"]).unwrap();
        assert_eq!(
            declared.missing(&[Capability::DEFERRED, Capability::MISSIONS]),
            vec![Capability::MISSIONS]
        );
        assert!(Capabilities::from_names(["es512"]).is_err());
    }
}
