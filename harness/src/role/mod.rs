//! The parties of AAuth. The harness plays every one of them (correctly by default, with
//! switchable flaws), and they double as the built-in reference targets.

pub mod access_server;
pub mod approver;
pub mod endpoint;
pub mod flaw;
pub mod pending;
pub mod person_server;

use std::fmt;
use std::str::FromStr;

/// A protocol role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Software acting with its own identity, holding an agent token.
    Agent,
    /// Issues agent tokens and publishes `aauth-agent.json`.
    AgentProvider,
    /// Serves protected APIs and issues resource tokens.
    Resource,
    /// Represents a person: person tokens, auth tokens, missions, consent.
    PersonServer,
    /// Issues auth tokens for resources in four-party deployments.
    AccessServer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Agent,
        Role::AgentProvider,
        Role::Resource,
        Role::PersonServer,
        Role::AccessServer,
    ];

    /// The name used in target files, case ids (`@resource`) and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::AgentProvider => "agent-provider",
            Role::Resource => "resource",
            Role::PersonServer => "person-server",
            Role::AccessServer => "access-server",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role name was not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}: expected agent, agent-provider, resource, person-server or access-server"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}
