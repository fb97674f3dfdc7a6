//! Which implementations a run tests: `--target` values and what the suite core reads from a
//! target file.
//!
//! `--target` is either `builtin:ROLE` (the harness's reference implementation of that role,
//! optionally with one planted flaw, `builtin:resource?flaw=no-freshness-check`) or a path to
//! a target file. This module checks the syntax and reads only the fields the core needs to
//! plan (`name`, `role`, `profile`, `capabilities`); the full target-file schema (url, start,
//! ready, quirks, role knobs) belongs to the harness's target adapters, which load it strictly
//! when they open the target.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use serde::Deserialize;

use crate::capability::{Capabilities, UnknownCapability};
use crate::case::CaseId;
use crate::runner::TargetInfo;

/// One `--target` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// The built-in reference implementation of a role, optionally with a planted flaw.
    Builtin {
        /// The role it plays.
        role: Role,
        /// The flaw to plant (kebab-case id), for mutation testing.
        flaw: Option<String>,
    },
    /// A target file.
    File(PathBuf),
}

/// A `--target` value or target file that cannot be used. Always a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `builtin:` with something that is not a role.
    #[error("--target {spec:?}: {source}")]
    BuiltinRole {
        /// The value given.
        spec: String,
        /// Why the role is wrong.
        source: aauth_harness::role::UnknownRole,
    },
    /// `builtin:ROLE?...` with anything but `flaw=ID`.
    #[error("--target {0:?}: expected builtin:ROLE or builtin:ROLE?flaw=ID (ID in kebab-case)")]
    BuiltinQuery(String),
    /// The file cannot be read.
    #[error("target file {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not TOML or lacks a required field.
    #[error("target file {path}: {message}")]
    Parse {
        /// The path.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// The file names an unknown capability.
    #[error("target file {path}: {source}")]
    Capability {
        /// The path.
        path: PathBuf,
        /// The unknown name.
        source: UnknownCapability,
    },
    /// Two targets play the same role under the same profile.
    #[error("two targets play {role} under {profile}: {first} and {second}")]
    Duplicate {
        /// The role.
        role: Role,
        /// The profile.
        profile: Profile,
        /// The first target's name.
        first: String,
        /// The second target's name.
        second: String,
    },
}

fn valid_flaw(flaw: &str) -> bool {
    // Flaw ids share the case-id word grammar: one kebab-case segment.
    CaseId::parse(&format!("flaw.{flaw}")).is_ok() && !flaw.contains('.')
}

impl FromStr for TargetSpec {
    type Err = TargetError;
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let Some(rest) = spec.strip_prefix("builtin:") else {
            return Ok(TargetSpec::File(PathBuf::from(spec)));
        };
        let (role, query) = match rest.split_once('?') {
            Some((role, query)) => (role, Some(query)),
            None => (rest, None),
        };
        let role = role.parse().map_err(|source| TargetError::BuiltinRole {
            spec: spec.to_string(),
            source,
        })?;
        let flaw = match query {
            None => None,
            Some(query) => match query.strip_prefix("flaw=") {
                Some(flaw) if valid_flaw(flaw) => Some(flaw.to_string()),
                _ => return Err(TargetError::BuiltinQuery(spec.to_string())),
            },
        };
        Ok(TargetSpec::Builtin { role, flaw })
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Builtin { role, flaw: None } => write!(f, "builtin:{role}"),
            TargetSpec::Builtin {
                role,
                flaw: Some(flaw),
            } => write!(f, "builtin:{role}?flaw={flaw}"),
            TargetSpec::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// What the core knows about a target once its spec is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredTarget {
    /// Where it came from.
    pub spec: TargetSpec,
    /// The role it plays.
    pub role: Role,
    /// The profile it speaks.
    pub profile: Profile,
    /// Its name and declared capabilities, as the runner sees them.
    pub info: TargetInfo,
}

/// What each built-in reference role really implements, so a case needing more is skipped
/// against it exactly as against a real target that lacks the feature:
///
/// - every verifier (resource, PS, AS) accepts ES256 and applies egress admission before
///   fetching metadata (`aauth_harness::verify`), and offers a `revocation_endpoint`;
/// - the resource publishes `signature_window` (the built-in target states its 60 s), has a
///   deferred path answered with an interaction requirement, requires auth tokens at
///   `/api/data`, issues resource tokens at `/authorize` and hands out session tokens;
/// - the PS defers (`/pending`), offers missions, takes sub-agent and upstream tokens,
///   federates with an AS, and has the scripted person's decision hook (`/_harness/decide`);
/// - the AS takes sub-agent and upstream tokens from the PSes it federates with.
///
/// Nobody keeps a replay cache, asks clarification questions, offers a login endpoint or
/// implements R3, budgets or events; the built-in resource names no `person_path` and is not
/// set up four-party, and the built-in AS is not set up to defer.
pub fn builtin_capabilities(role: Role) -> Capabilities {
    use crate::capability::Capability as C;
    let verifier = [C::ES256, C::EGRESS_CONTROL, C::REVOCATION];
    let own: &[C] = match role {
        Role::Resource => &[
            C::SIGNATURE_WINDOW,
            C::DEFERRED,
            C::INTERACTION,
            C::SESSION_TOKEN,
            C::AUTH_TOKEN,
            C::RESOURCE_TOKENS,
        ],
        Role::PersonServer => &[
            C::DEFERRED,
            C::MISSIONS,
            C::SUB_AGENTS,
            C::CALL_CHAINING,
            C::FEDERATION,
            C::PERSON_HOOK,
            // The person hook can make the person unreachable, which drives an agent that
            // declares `interaction` into a 202 interaction requirement.
            C::INTERACTION,
        ],
        Role::AccessServer => &[
            C::SUB_AGENTS,
            C::CALL_CHAINING,
            C::FEDERATION,
            // The person hook defers or denies the approval step (access_server/person.rs).
            C::PERSON_HOOK,
            C::DEFERRED,
        ],
        Role::AgentProvider | Role::Agent => return Capabilities::none(),
    };
    Capabilities::of(verifier.iter().chain(own).copied())
}

/// The fields of a target file the core reads; everything else is left to the adapters.
#[derive(Deserialize)]
struct TargetFileHead {
    name: String,
    role: String,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    capabilities: Vec<String>,
}

impl DeclaredTarget {
    /// The built-in reference role under `profile`: declares what that role implements
    /// ([`builtin_capabilities`]).
    pub fn builtin(role: Role, flaw: Option<String>, profile: Profile) -> DeclaredTarget {
        let name = match &flaw {
            None => format!("built-in {role}"),
            Some(flaw) => format!("built-in {role} (flaw {flaw})"),
        };
        DeclaredTarget {
            spec: TargetSpec::Builtin { role, flaw },
            role,
            profile,
            info: TargetInfo {
                name,
                capabilities: builtin_capabilities(role),
            },
        }
    }

    /// Reads the head of a target file; the profile defaults to `aauth-11`.
    pub fn from_file(path: &Path) -> Result<DeclaredTarget, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parse_error = |message: String| TargetError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let head: TargetFileHead = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
        let role = head.role.parse().map_err(|e| parse_error(format!("{e}")))?;
        let profile = match head.profile {
            None => Profile::Aauth11,
            Some(p) => p.parse().map_err(|e| parse_error(format!("{e}")))?,
        };
        let capabilities = Capabilities::from_names(&head.capabilities).map_err(|source| {
            TargetError::Capability {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Ok(DeclaredTarget {
            spec: TargetSpec::File(path.to_path_buf()),
            role,
            profile,
            info: TargetInfo {
                name: head.name,
                capabilities,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_targets_declare_what_their_role_implements() {
        use crate::capability::Capability as C;
        let resource = builtin_capabilities(Role::Resource);
        let ps = builtin_capabilities(Role::PersonServer);
        let access = builtin_capabilities(Role::AccessServer);
        for c in [
            C::AUTH_TOKEN,
            C::SESSION_TOKEN,
            C::SIGNATURE_WINDOW,
            C::DEFERRED,
        ] {
            assert!(resource.contains(c), "{c}");
        }
        assert!(!resource.contains(C::MISSIONS) && !resource.contains(C::PERSON_TOKEN));
        assert!(ps.contains(C::MISSIONS) && !ps.contains(C::SESSION_TOKEN));
        assert!(access.contains(C::FEDERATION) && access.contains(C::PERSON_HOOK));
        for role in [Role::Resource, Role::PersonServer, Role::AccessServer] {
            let declared = builtin_capabilities(role);
            assert!(declared.contains(C::ES256) && declared.contains(C::EGRESS_CONTROL));
            for absent in [
                C::REPLAY_CACHE,
                C::CLARIFICATION,
                C::LOGIN,
                C::R3,
                C::BUDGETS,
            ] {
                assert!(!declared.contains(absent), "{role} {absent}");
            }
        }
        assert_eq!(
            builtin_capabilities(Role::AgentProvider),
            Capabilities::none()
        );
    }

    #[test]
    fn builtin_specs_name_a_role_and_maybe_a_flaw() {
        assert_eq!(
            "builtin:resource".parse::<TargetSpec>().unwrap(),
            TargetSpec::Builtin {
                role: Role::Resource,
                flaw: None
            }
        );
        let flawed: TargetSpec = "builtin:person-server?flaw=no-freshness-check"
            .parse()
            .unwrap();
        assert_eq!(
            flawed.to_string(),
            "builtin:person-server?flaw=no-freshness-check"
        );
        for bad in [
            "builtin:server",
            "builtin:resource?flaw=",
            "builtin:resource?flaw=No",
            "builtin:resource?bug=x",
            "builtin:resource?flaw=a.b",
        ] {
            assert!(bad.parse::<TargetSpec>().is_err(), "{bad}");
        }
        assert_eq!(
            "targets/x.toml".parse::<TargetSpec>().unwrap(),
            TargetSpec::File("targets/x.toml".into())
        );
    }
}
