//! The engine: runs a plan of expanded cases against an [`Environment`] and returns one
//! [`CaseResult`] per planned case, in plan order.
//!
//! Guarantees, whatever a case body does:
//! - A panic in a body (or in building its context) becomes `Error(Panic)`; the run goes on.
//! - A body that outlives its timeout (the case's own, else the run's) is dropped and becomes
//!   `Error(Timeout)` as soon as the limit passes. Bodies must be async: a body that blocks its
//!   thread cannot be interrupted.
//! - Up to `jobs` cases are in flight at once on the calling task; results come back in plan
//!   order, and each case's seed depends only on the run seed, its expanded id and its profile,
//!   so a run is reproducible whatever the job count or completion order.
//! - A case whose `needs` the target does not declare is `Skip`ped with the missing names, and
//!   an adapter's `Error(Unsupported)` is turned into a `Skip` (the adapter declined the case;
//!   no one is at fault).
//!
//! The runner knows nothing of HTTP or targets: the environment says which roles and profiles
//! it serves, with which capabilities, and builds each case's context.

use std::fmt;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use sha2::{Digest, Sha256};

use crate::capability::Capabilities;
use crate::case::{CaseMeta, CaseRun, ExpandedId};
use crate::filter::Selection;
use crate::outcome::{HarnessError, Outcome};
use crate::panic_guard::Guarded;
use crate::registry::{Expansion, Registry};

/// What the runner needs from the world: which targets exist, and a context per case.
pub trait Environment: Sync {
    /// The per-case context case bodies receive.
    type Context: Send + Sync;

    /// The target that plays `role` under `profile`, if any. Cases for roles without a target
    /// are not planned.
    fn target(&self, role: Role, profile: Profile) -> Option<&TargetInfo>;

    /// Builds the context for one case (fresh transcript, issuers, clock...). Runs inside the
    /// case's timeout and panic guard.
    fn context<'a>(
        &'a self,
        run: &'a CaseRun,
    ) -> BoxFuture<'a, Result<Self::Context, HarnessError>>;
}

/// What the runner knows about a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    /// The target's name, for reports.
    pub name: String,
    /// The optional features it declares.
    pub capabilities: Capabilities,
}

/// Settings of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Cases in flight at once.
    pub jobs: NonZeroUsize,
    /// The run seed every case seed derives from.
    pub seed: u64,
    /// Time allowed per case unless the case sets its own.
    pub timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: NonZeroUsize::MIN.saturating_add(1),
            seed: 0,
            timeout: Duration::from_secs(30),
        }
    }
}

/// The expanded cases a run will execute, in order.
pub struct Plan<C: 'static> {
    entries: Vec<Expansion<C>>,
}

impl<C> fmt::Debug for Plan<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

impl<C> Plan<C> {
    /// The registry's expansions that `selection` keeps and `env` has a target for.
    pub fn build<E>(registry: &Registry<C>, selection: &Selection, env: &E) -> Plan<C>
    where
        E: Environment<Context = C>,
    {
        let entries = registry
            .select(selection)
            .into_iter()
            .filter(|e| env.target(e.id.role, e.profile).is_some())
            .collect();
        Plan { entries }
    }

    /// A plan of exactly these expansions.
    pub fn from_expansions(entries: Vec<Expansion<C>>) -> Plan<C> {
        Plan { entries }
    }

    /// The planned expansions.
    pub fn entries(&self) -> &[Expansion<C>] {
        &self.entries
    }

    /// Number of planned cases.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is planned.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The result of one expanded case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// `case@role`.
    pub id: ExpandedId,
    /// The profile it ran under.
    pub profile: Profile,
    /// The case's description.
    pub meta: &'static CaseMeta,
    /// The target's name, when one was found.
    pub target: Option<String>,
    /// The seed the case received.
    pub seed: u64,
    /// What it concluded.
    pub outcome: Outcome,
    /// Wall time from start to verdict.
    pub duration: Duration,
    /// The exchanges the case caused, in order (kept even when it timed out or panicked).
    pub transcript: Vec<aauth_harness::transcript::Exchange>,
}

/// Progress callbacks; the CLI draws a bar on a terminal and plain lines otherwise.
pub trait Progress: Send {
    /// The run is about to start `total` cases.
    fn begin(&mut self, total: usize) {
        let _ = total;
    }
    /// One more case finished (`done` so far, in completion order).
    fn finished(&mut self, done: usize, result: &CaseResult) {
        let _ = (done, result);
    }
    /// Every case finished.
    fn end(&mut self) {}
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// The seed of one case: SHA-256 over the run seed, the expanded id and the profile.
pub fn case_seed(run_seed: u64, id: &ExpandedId, profile: Profile) -> u64 {
    let mut hash = Sha256::new();
    hash.update(b"aauth-conform case seed v1\0");
    hash.update(run_seed.to_be_bytes());
    hash.update(id.to_string().as_bytes());
    hash.update([0]);
    hash.update(profile.as_str().as_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    u64::from_be_bytes(first)
}

/// Runs every planned case; never fails, every problem is in some case's outcome.
pub async fn run<E: Environment>(
    plan: &Plan<E::Context>,
    env: &E,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Vec<CaseResult> {
    progress.begin(plan.len());
    let mut slots: Vec<Option<CaseResult>> = (0..plan.len()).map(|_| None).collect();
    let in_flight = plan
        .entries()
        .iter()
        .enumerate()
        .map(|(i, entry)| run_one(entry, env, options).map(move |result| (i, result)));
    let mut finished = futures::stream::iter(in_flight).buffer_unordered(options.jobs.get());
    let mut done = 0;
    while let Some((i, result)) = finished.next().await {
        done += 1;
        progress.finished(done, &result);
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(result);
        }
    }
    progress.end();
    slots.into_iter().flatten().collect()
}

async fn run_one<E: Environment>(
    entry: &Expansion<E::Context>,
    env: &E,
    options: &RunOptions,
) -> CaseResult {
    let started = Instant::now();
    let meta = &entry.case.meta;
    let run = CaseRun {
        id: entry.id.clone(),
        profile: entry.profile,
        seed: case_seed(options.seed, &entry.id, entry.profile),
        timeout: meta.timeout.unwrap_or(options.timeout),
        transcript: aauth_harness::transcript::Transcript::new(),
    };
    let target = env.target(entry.id.role, entry.profile);
    let outcome = match target {
        None => Outcome::Skip(format!(
            "no target plays {} under {}",
            entry.id.role, entry.profile
        )),
        Some(target) => {
            let missing = target.capabilities.missing(meta.needs);
            if missing.is_empty() {
                guarded(entry, env, &run).await
            } else {
                let names: Vec<_> = missing.iter().map(|c| c.name()).collect();
                Outcome::Skip(format!(
                    "target does not declare capability {}",
                    names.join(", ")
                ))
            }
        }
    };
    let outcome = match outcome {
        Outcome::Error(HarnessError::Unsupported(reason)) => {
            Outcome::Skip(format!("adapter declined: {reason}"))
        }
        other => other,
    };
    CaseResult {
        id: run.id.clone(),
        profile: run.profile,
        meta,
        target: target.map(|t| t.name.clone()),
        seed: run.seed,
        outcome,
        duration: started.elapsed(),
        transcript: run.transcript.snapshot(),
    }
}

/// Builds the context and runs the body under the timeout and the panic guard.
async fn guarded<E: Environment>(entry: &Expansion<E::Context>, env: &E, run: &CaseRun) -> Outcome {
    let body = async {
        let context = env.context(run).await?;
        Ok::<_, HarnessError>((entry.case.run)(&context, run).await)
    };
    match tokio::time::timeout(run.timeout, Guarded::new(body)).await {
        Err(_elapsed) => Outcome::Error(HarnessError::Timeout(run.timeout)),
        Ok(Err(message)) => Outcome::Error(HarnessError::Panic(message)),
        Ok(Ok(Err(error))) => Outcome::Error(error),
        Ok(Ok(Ok(outcome))) => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_seeds_depend_on_seed_id_and_profile_only() {
        let a = ExpandedId::parse("sig.created.too-old@resource").unwrap();
        let b = ExpandedId::parse("sig.created.too-old@person-server").unwrap();
        let s = case_seed(7, &a, Profile::Aauth11);
        assert_eq!(s, case_seed(7, &a, Profile::Aauth11));
        assert_ne!(s, case_seed(8, &a, Profile::Aauth11));
        assert_ne!(s, case_seed(7, &b, Profile::Aauth11));
        assert_ne!(s, case_seed(7, &a, Profile::Aauth10));
    }
}
