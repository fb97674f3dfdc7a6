//! The per-case context of the default registry, and the environment that builds it.
//!
//! [`CaseContext`] is what every case body in [`crate::cases`] receives. Today it carries the
//! expansion's role, profile and target and the run's clock; the harness layers (target handle,
//! hosted issuers, transcript) are added here as fields when they land, without changing any
//! case signature or the runner. [`DeclaredTargets`] is the matching [`Environment`]: it serves
//! each declared target's role under its profile and hands out contexts.

use std::collections::BTreeMap;

use aauth_harness::clock::Clock;
use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use futures::future::BoxFuture;

use crate::case::CaseRun;
use crate::outcome::HarnessError;
use crate::runner::{Environment, TargetInfo};
use crate::target::{DeclaredTarget, TargetError};

/// What a case body of the default registry works with.
#[derive(Clone, Debug)]
pub struct CaseContext {
    /// The implementation under test, as declared.
    pub target: DeclaredTarget,
    /// The run's clock; cases offset it, never read the system time.
    pub clock: Clock,
}

/// Serves every declared target, one per (role, profile).
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
}

impl Environment for DeclaredTargets {
    type Context = CaseContext;

    fn target(&self, role: Role, profile: Profile) -> Option<&TargetInfo> {
        self.targets.get(&(role, profile)).map(|t| &t.info)
    }

    fn context<'a>(&'a self, run: &'a CaseRun) -> BoxFuture<'a, Result<CaseContext, HarnessError>> {
        Box::pin(async move {
            let target = self
                .targets
                .get(&(run.role(), run.profile))
                .ok_or_else(|| HarnessError::Config(format!("no target for {}", run.id)))?;
            Ok(CaseContext {
                target: target.clone(),
                clock: self.clock.clone(),
            })
        })
    }
}
