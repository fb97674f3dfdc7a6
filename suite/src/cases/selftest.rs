//! Demonstration cases for the runner's own tests: one per thing the engine must get right
//! (pass, fail, warning, timeout, panic, capability skip, adapter decline, seeds). They run
//! against [`SelfTestEnvironment`], a dummy that plays no protocol, and are never part of the
//! default registry.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use futures::future::BoxFuture;

use crate::capability::{Capabilities, Capability};
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::index::ReqId;
use crate::outcome::{HarnessError, Mismatch, Outcome};
use crate::runner::{Environment, TargetInfo};

/// The per-case context of the demo cases: a shared log of which expansion ran with which seed.
#[derive(Debug, Default)]
pub struct SelfTestContext {
    log: Arc<Mutex<Vec<(String, u64)>>>,
}

/// A dummy environment: declares targets per role and profile, builds [`SelfTestContext`]s.
#[derive(Debug, Default)]
pub struct SelfTestEnvironment {
    targets: BTreeMap<(Role, Profile), TargetInfo>,
    log: Arc<Mutex<Vec<(String, u64)>>>,
}

impl SelfTestEnvironment {
    /// Targets for every role under every profile, declaring `capabilities`.
    pub fn everywhere(capabilities: Capabilities) -> SelfTestEnvironment {
        let mut env = SelfTestEnvironment::default();
        for role in Role::ALL {
            for profile in Profile::ALL {
                env.targets.insert(
                    (role, profile),
                    TargetInfo {
                        name: format!("dummy {role}"),
                        capabilities: capabilities.clone(),
                    },
                );
            }
        }
        env
    }

    /// Every `(expanded id, seed)` a case body recorded, in the order they ran.
    pub fn seeds(&self) -> Vec<(String, u64)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Environment for SelfTestEnvironment {
    type Context = SelfTestContext;

    fn target(&self, role: Role, profile: Profile) -> Option<&TargetInfo> {
        self.targets.get(&(role, profile))
    }

    fn context<'a>(
        &'a self,
        _run: &'a CaseRun,
    ) -> BoxFuture<'a, Result<SelfTestContext, HarnessError>> {
        Box::pin(async move {
            Ok(SelfTestContext {
                log: Arc::clone(&self.log),
            })
        })
    }
}

const fn meta(id: &'static str, title: &'static str, requirement: &'static str) -> CaseMeta {
    CaseMeta::new(
        CaseId::from_static(id),
        title,
        ReqId::from_static(requirement),
        Level::Must,
        roles::RESOURCE,
        profiles::ONLY_11,
    )
}

fn passes<'a>(cx: &'a SelfTestContext, run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(async move {
        if let Ok(mut log) = cx.log.lock() {
            log.push((run.id.to_string(), run.seed));
        }
        Outcome::Pass
    })
}

fn fails<'a>(_: &'a SelfTestContext, run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(async move {
        Outcome::fail(
            run.role(),
            Mismatch::Status {
                want: vec![401],
                got: 200,
            },
        )
    })
}

fn sleeps<'a>(_: &'a SelfTestContext, _: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Outcome::Pass
    })
}

fn panics<'a>(_: &'a SelfTestContext, _: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(async move { panic!("selftest body panicked on purpose") })
}

fn declines<'a>(_: &'a SelfTestContext, _: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(async move {
        Outcome::Error(HarnessError::Unsupported(
            "the dummy adapter cannot send this".into(),
        ))
    })
}

/// The demo cases.
pub const CASES: &[Case<SelfTestContext>] = &[
    Case {
        meta: meta(
            "selftest.outcome.pass",
            "Sends nothing; the body records its seed and passes",
            "SIG-019",
        )
        .with_roles(roles::VERIFIERS)
        .with_profiles(profiles::FROM_10),
        run: passes,
    },
    Case {
        meta: meta(
            "selftest.outcome.fail",
            "Sends nothing; the body reports a 200 where 401 was required",
            "SIG-019",
        ),
        run: fails,
    },
    Case {
        meta: meta(
            "selftest.outcome.warn",
            "Sends nothing; the body fails a SHOULD-level check",
            "SIG-022",
        )
        .with_level(Level::Should),
        run: fails,
    },
    Case {
        meta: meta(
            "selftest.timeout.sleeps-past-limit",
            "Sends nothing; the body sleeps a minute against a 100 ms limit",
            "SIG-019",
        )
        .with_timeout(Duration::from_millis(100)),
        run: sleeps,
    },
    Case {
        meta: meta(
            "selftest.panic.in-body",
            "Sends nothing; the body panics",
            "SIG-019",
        ),
        run: panics,
    },
    Case {
        meta: meta(
            "selftest.needs.es256",
            "Sends nothing; needs the es256 capability",
            "SIG-023",
        )
        .with_needs(&[Capability::ES256]),
        run: passes,
    },
    Case {
        meta: meta(
            "selftest.adapter.declines",
            "Sends nothing; the adapter declines the stimulus",
            "SIG-019",
        ),
        run: declines,
    },
];
