//! With the CLI's panic hook installed, a case panic is silent and its outcome says where it
//! happened. Its own test binary, because the hook is process-wide.

#![allow(clippy::unwrap_used)] // a panic is a test failure

use std::num::NonZeroUsize;
use std::time::Duration;

use aauth_suite::capability::Capabilities;
use aauth_suite::cases::selftest::{self, SelfTestEnvironment};
use aauth_suite::filter::{IdFilter, Selection};
use aauth_suite::outcome::{HarnessError, Outcome};
use aauth_suite::panic_guard::quiet_case_panics;
use aauth_suite::registry::Registry;
use aauth_suite::runner::{run, NoProgress, Plan, RunOptions};

#[tokio::test]
async fn case_panics_record_their_location_under_the_quiet_hook() {
    quiet_case_panics();
    let env = SelfTestEnvironment::everywhere(Capabilities::all());
    let registry = Registry::from_modules(&[selftest::CASES]);
    let selection = Selection {
        ids: IdFilter::parse("selftest.panic.*").unwrap(),
        ..Selection::everything()
    };
    let plan = Plan::build(&registry, &selection, &env);
    let options = RunOptions {
        jobs: NonZeroUsize::MIN,
        seed: 0,
        timeout: Duration::from_secs(5),
    };
    let results = run(&plan, &env, &options, &mut NoProgress).await;
    let Outcome::Error(HarnessError::Panic(message)) = &results[0].outcome else {
        panic!("expected a panic outcome, got {:?}", results[0].outcome);
    };
    assert!(
        message.starts_with("selftest body panicked on purpose (at "),
        "{message}"
    );
    assert!(message.contains("selftest.rs"), "{message}");
}
