//! The runner end to end, with the demo cases of `cases::selftest` and a dummy environment:
//! filtering, expansion, timeouts, panic capture, capability skips, determinism, baselines and
//! exit statuses.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use aauth_harness::role::Role;
use aauth_suite::capability::Capabilities;
use aauth_suite::cases::selftest::{self, SelfTestContext, SelfTestEnvironment};
use aauth_suite::expect::{Baseline, ExitStatus, Judgement, Verdict};
use aauth_suite::filter::{IdFilter, LevelThreshold, Selection};
use aauth_suite::outcome::{HarnessError, Outcome};
use aauth_suite::registry::Registry;
use aauth_suite::runner::{run, CaseResult, NoProgress, Plan, Progress, RunOptions};

fn registry() -> Registry<SelfTestContext> {
    Registry::from_modules(&[selftest::CASES])
}

fn options(jobs: usize, seed: u64) -> RunOptions {
    RunOptions {
        jobs: NonZeroUsize::new(jobs).unwrap(),
        seed,
        timeout: Duration::from_secs(5),
    }
}

async fn run_selected(
    filter: &str,
    env: &SelfTestEnvironment,
    opts: RunOptions,
) -> Vec<CaseResult> {
    let selection = Selection {
        ids: IdFilter::parse(filter).unwrap(),
        ..Selection::everything()
    };
    let registry = registry();
    let plan = Plan::build(&registry, &selection, env);
    run(&plan, env, &opts, &mut NoProgress).await
}

fn outcome_of<'a>(results: &'a [CaseResult], id: &str) -> &'a Outcome {
    &results
        .iter()
        .find(|r| r.id.to_string() == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
        .outcome
}

#[tokio::test]
async fn a_case_sleeping_past_its_timeout_errors_promptly() {
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let started = Instant::now();
    let results = run_selected("selftest.timeout.*", &env, options(2, 0)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        outcome_of(&results, "selftest.timeout.sleeps-past-limit@resource"),
        &Outcome::Error(HarnessError::Timeout(Duration::from_millis(100)))
    );
}

#[tokio::test]
async fn a_panicking_case_is_an_error_and_the_run_goes_on() {
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let results = run_selected("selftest.panic.*,selftest.outcome.*", &env, options(1, 0)).await;
    assert_eq!(
        outcome_of(&results, "selftest.panic.in-body@resource"),
        &Outcome::Error(HarnessError::Panic(
            "selftest body panicked on purpose".into()
        ))
    );
    assert_eq!(
        outcome_of(&results, "selftest.outcome.pass@access-server"),
        &Outcome::Pass
    );
    assert_eq!(
        results.len(),
        6 + 1 + 1 + 1,
        "pass x6 expansions, fail, warn, panic"
    );
}

#[tokio::test]
async fn undeclared_capabilities_and_declining_adapters_are_skips() {
    let env = SelfTestEnvironment::everywhere(Capabilities::none());
    let results = run_selected("selftest.needs.*,selftest.adapter.*", &env, options(2, 0)).await;
    assert_eq!(
        outcome_of(&results, "selftest.needs.es256@resource"),
        &Outcome::Skip("target does not declare capability es256".into())
    );
    assert_eq!(
        outcome_of(&results, "selftest.adapter.declines@resource"),
        &Outcome::Skip("adapter declined: the dummy adapter cannot send this".into())
    );
    let declared = SelfTestEnvironment::everywhere(Capabilities::from_names(["es256"]).unwrap());
    let results = run_selected("selftest.needs.*", &declared, options(2, 0)).await;
    assert_eq!(
        outcome_of(&results, "selftest.needs.es256@resource"),
        &Outcome::Pass
    );
}

#[tokio::test]
async fn roles_without_a_target_are_not_planned() {
    let env = SelfTestEnvironment::default();
    let results = run_selected("selftest.*", &env, options(2, 0)).await;
    assert!(results.is_empty());
}

#[tokio::test]
async fn results_and_seeds_do_not_depend_on_job_count() {
    let mut runs = Vec::new();
    for jobs in [1, 4] {
        let env = SelfTestEnvironment::everywhere(Capabilities::all());
        let results = run_selected("selftest.*,-selftest.timeout.*", &env, options(jobs, 42)).await;
        let summary: Vec<_> = results
            .iter()
            .map(|r| (r.id.to_string(), r.profile, r.seed, r.outcome.kind()))
            .collect();
        let mut recorded = env.seeds();
        recorded.sort();
        runs.push((summary, recorded));
    }
    assert_eq!(runs[0], runs[1]);
    let seeds: std::collections::BTreeSet<_> = runs[0].0.iter().map(|r| r.2).collect();
    assert_eq!(
        seeds.len(),
        runs[0].0.len(),
        "every expansion gets its own seed"
    );
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let other_seed = run_selected("selftest.outcome.pass", &env, options(2, 43)).await;
    assert_ne!(other_seed[0].seed, runs[0].0[0].2);
}

#[derive(Default)]
struct Recorder {
    total: usize,
    done: Vec<usize>,
    ended: bool,
}

impl Progress for Recorder {
    fn begin(&mut self, total: usize) {
        self.total = total;
    }
    fn finished(&mut self, done: usize, _: &CaseResult) {
        self.done.push(done);
    }
    fn end(&mut self) {
        self.ended = true;
    }
}

#[tokio::test]
async fn progress_sees_every_case_and_results_keep_plan_order() {
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let registry = registry();
    let plan = Plan::build(&registry, &Selection::everything(), &env);
    let mut progress = Recorder::default();
    let results = run(&plan, &env, &options(3, 0), &mut progress).await;
    assert_eq!(progress.total, plan.len());
    assert_eq!(progress.done, (1..=plan.len()).collect::<Vec<_>>());
    assert!(progress.ended);
    let planned: Vec<_> = plan
        .entries()
        .iter()
        .map(|e| (e.id.clone(), e.profile))
        .collect();
    let got: Vec<_> = results.iter().map(|r| (r.id.clone(), r.profile)).collect();
    assert_eq!(planned, got);
}

#[tokio::test]
async fn level_role_and_profile_selection_narrow_the_plan() {
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let registry = registry();
    let selection = Selection {
        level: LevelThreshold::Must,
        roles: vec![Role::PersonServer],
        profiles: vec![aauth_harness::profile::Profile::Aauth10],
        ..Selection::everything()
    };
    let plan = Plan::build(&registry, &selection, &env);
    let ids: Vec<_> = plan.entries().iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, ["selftest.outcome.pass@person-server"]);
    let should = Selection {
        level: LevelThreshold::Must,
        ..Selection::everything()
    };
    assert!(Plan::build(&registry, &should, &env)
        .entries()
        .iter()
        .all(|e| e.id.case.as_str() != "selftest.outcome.warn"));
}

#[tokio::test]
async fn baselines_turn_failures_into_xfail_and_stale_passes_into_xpass() {
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let results = run_selected("selftest.outcome.*", &env, options(2, 0)).await;

    let plain = Judgement::of(&results, None);
    assert_eq!(plain.count(Verdict::Fail), 1);
    assert_eq!(plain.count(Verdict::Warn), 1, "a SHOULD failure only warns");
    assert_eq!(plain.exit_status(), ExitStatus::Failures);

    let baseline = Baseline::parse(
        "[[expected]]\nid = \"selftest.outcome.fail@resource\"\nreason = \"SIG-019: known\"\n",
    )
    .unwrap();
    let judged = Judgement::of(&results, Some(&baseline));
    assert_eq!(judged.count(Verdict::XFail), 1);
    assert_eq!(judged.exit_status(), ExitStatus::Success);

    let stale = Baseline::parse(
        "[[expected]]\nid = \"selftest.outcome.pass@access-server\"\nreason = \"SIG-019: was broken\"\n\
         [[expected]]\nid = \"selftest.outcome.fail\"\nreason = \"SIG-019: known\"\n\
         [[expected]]\nid = \"selftest.renamed.*\"\nreason = \"gone\"\n",
    )
    .unwrap();
    let judged = Judgement::of(&results, Some(&stale));
    assert_eq!(
        judged.count(Verdict::XPass),
        2,
        "aauth-11 and aauth-10 expansions"
    );
    assert_eq!(judged.exit_status(), ExitStatus::Failures);
    let known: Vec<_> = registry()
        .expand()
        .into_iter()
        .map(|e| (e.id, e.profile))
        .collect();
    let stale_entries = stale.stale(&known);
    assert_eq!(stale_entries.len(), 1);
    assert_eq!(stale_entries[0].pattern.as_str(), "selftest.renamed.*");
}

#[tokio::test]
async fn errors_exit_3_only_when_nothing_gates() {
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let errors_only = run_selected(
        "selftest.panic.*,selftest.outcome.pass",
        &env,
        options(2, 0),
    )
    .await;
    assert_eq!(
        Judgement::of(&errors_only, None).exit_status(),
        ExitStatus::Harness
    );
    let with_failure = run_selected(
        "selftest.panic.*,selftest.outcome.fail",
        &env,
        options(2, 0),
    )
    .await;
    assert_eq!(
        Judgement::of(&with_failure, None).exit_status(),
        ExitStatus::Failures
    );
    assert_eq!(ExitStatus::Harness.code(), 3);
}
