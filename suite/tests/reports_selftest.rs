//! Every report format end to end over a real run: the demo cases of `cases::selftest` run by
//! the runner against the dummy environment (pass, fail, warn, timeout, panic, capability
//! skip, adapter decline), judged against a baseline, and written through the registered
//! sinks into files.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aauth_reports::{ExpectationStatus, Fault, Outcome as ReportOutcome, Report};
use aauth_suite::capability::Capabilities;
use aauth_suite::cases::selftest::{self, SelfTestEnvironment};
use aauth_suite::expect::{Baseline, Judgement};
use aauth_suite::filter::Selection;
use aauth_suite::index;
use aauth_suite::registry::Registry;
use aauth_suite::render;
use aauth_suite::report::{ReportFormat, RunReport};
use aauth_suite::runner::{run, CaseResult, NoProgress, Plan, RunOptions};

const BASELINE: &str = r#"
[[expected]]
id = "selftest.outcome.warn@resource"
reason = "SIG-022: the dummy never lists its algorithms"
"#;

fn results() -> Vec<CaseResult> {
    aauth_suite::panic_guard::quiet_case_panics();
    let registry = Registry::from_modules(&[selftest::CASES]);
    // No capabilities: the es256 case is skipped for want of one.
    let env = SelfTestEnvironment::everywhere(Capabilities::none());
    let plan = Plan::build(&registry, &Selection::everything(), &env);
    let options = RunOptions {
        jobs: NonZeroUsize::new(2).unwrap(),
        seed: 9,
        timeout: Duration::from_secs(5),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(&plan, &env, &options, &mut NoProgress))
}

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reports-selftest")
}

fn write(format: ReportFormat, report: &RunReport<'_>, path: &Path) -> String {
    let sinks = render::all_sinks();
    let sink = sinks.get(format).unwrap();
    let mut out = Vec::new();
    sink.write(report, &mut out).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path)
        .unwrap()
        .write_all(&out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_format_is_written_from_a_selftest_run() {
    let results = results();
    let baseline = Baseline::parse(BASELINE).unwrap();
    let judgement = Judgement::of(&results, Some(&baseline));
    let command_line = vec!["aauth-conform".to_string(), "run".to_string()];
    let report = RunReport {
        results: &results,
        judgement: &judgement,
        baseline: Some(&baseline),
        baseline_path: Some(Path::new("selftest-baseline.toml")),
        filters: &[],
        command_line: &command_line,
        index: index::bundled().unwrap(),
        targets: &[],
        seed: 9,
        started_unix: 0,
        elapsed: Duration::from_millis(250),
        warnings: &[],
    };
    let dir = out_dir();
    let mut written = std::collections::BTreeMap::new();
    for format in ReportFormat::ALL {
        let path = dir.join(format!("report.{format}"));
        written.insert(format, write(format, &report, &path));
        assert!(path.is_file(), "{}", path.display());
    }

    // JSON: the canonical form reads back to the same model, which is consistent.
    let json = Report::from_json(&written[&ReportFormat::Json]).unwrap();
    assert_eq!(json, render::to_report(&report));
    assert_eq!(json.check(), vec![]);
    assert_eq!(json.cases.len(), results.len());
    assert_eq!(json.run.started_at, "1970-01-01T00:00:00Z");
    let case = |id: &str| json.cases.iter().find(|c| c.id == id).unwrap();
    assert_eq!(
        case("selftest.outcome.fail@resource").outcome,
        ReportOutcome::Fail
    );
    assert_eq!(
        case("selftest.outcome.warn@resource").expectation_status(),
        Some(ExpectationStatus::XFail)
    );
    let timeout = case("selftest.timeout.sleeps-past-limit@resource");
    assert_eq!(timeout.outcome, ReportOutcome::Error);
    assert_eq!(timeout.evidence.fault, Some(Fault::Transport));
    let panic = case("selftest.panic.in-body@resource");
    assert_eq!(panic.evidence.fault, Some(Fault::Harness));
    assert!(panic
        .message
        .as_deref()
        .unwrap()
        .starts_with("panic: selftest body panicked on purpose"));
    assert!(case("selftest.needs.es256@resource")
        .skip_reason
        .as_deref()
        .unwrap()
        .contains("es256"));
    assert!(case("selftest.adapter.declines@resource")
        .skip_reason
        .as_deref()
        .unwrap()
        .contains("adapter declined"));

    // HTML: one page naming every case.
    let html = &written[&ReportFormat::Html];
    for result in &results {
        assert!(html.contains(&result.id.to_string()), "{}", result.id);
    }

    // JUnit: a failure for the fail, an error for the timeout and the panic.
    let junit = &written[&ReportFormat::Junit];
    let testcase = |id: &str| {
        let start = junit
            .find(&format!("name=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} not in {junit}"));
        let end = junit[start..]
            .find("</testcase>")
            .map_or(junit.len(), |e| start + e);
        &junit[start..end]
    };
    assert!(testcase("selftest.outcome.fail@resource").contains("<failure"));
    assert!(testcase("selftest.timeout.sleeps-past-limit@resource").contains("<error"));
    assert!(testcase("selftest.panic.in-body@resource").contains("<error"));
    assert!(testcase("selftest.needs.es256@resource").contains("<skipped"));

    // SARIF: one rule per requirement the run cites.
    let sarif: serde_json::Value = serde_json::from_str(&written[&ReportFormat::Sarif]).unwrap();
    let mut rules: Vec<String> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    let mut cited: Vec<String> = results
        .iter()
        .map(|r| r.meta.requirement.to_string())
        .collect();
    cited.sort();
    cited.dedup();
    assert_eq!(rules, cited);

    // Text: the suite's own summary, with the verdicts the exit code is computed from.
    let text = &written[&ReportFormat::Text];
    assert!(
        text.contains("FAIL  selftest.outcome.fail@resource"),
        "{text}"
    );
    assert!(text.contains("xfail 1"), "{text}");
}
