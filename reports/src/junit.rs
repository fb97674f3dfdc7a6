//! The JUnit XML form, for CI systems that show test results.
//!
//! One `<testsuite>` per role and profile (in order of first appearance), one `<testcase>`
//! per case named by its id with the role as classname. The mapping keeps the distinction
//! h2spec's writer lost (it filed every failure as `<error>`):
//!
//! | report                      | JUnit                                              |
//! |-----------------------------|----------------------------------------------------|
//! | `pass`                      | success                                            |
//! | `pass` + baseline `xpass`   | `<failure type="xpass">`: the baseline is stale     |
//! | `fail`                      | `<failure type="<mismatch kind>">` with the message |
//! | `fail` + baseline `xfail`   | success, with the baseline reason in system-out    |
//! | `error`                     | `<error type="harness"/"transport">`               |
//! | `skip`                      | `<skipped>` with the skip reason                   |
//!
//! Each test case's `system-out` holds the transcript as text, and its properties carry the
//! requirement id, level, profile and spec reference.

use std::collections::HashMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::error::RenderError;
use crate::model::{CaseReport, Outcome, Report};
use crate::text;

/// Renders `report` as JUnit XML.
pub fn render(report: &Report) -> Result<String, RenderError> {
    Ok(to_junit(report).to_string()?)
}

/// Builds the quick-junit tree, for callers that want to add to it before serialising.
pub fn to_junit(report: &Report) -> quick_junit::Report {
    let mut suites: Vec<TestSuite> = Vec::new();
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    for case in &report.cases {
        let key = (case.role.as_str(), case.profile.as_str());
        let position = *index.entry(key).or_insert_with(|| {
            let mut suite = TestSuite::new(format!("{} ({})", case.role, case.profile));
            suite.add_property(("role", case.role.as_str()));
            suite.add_property(("profile", case.profile.as_str()));
            suite.add_property(("seed", report.run.seed.to_string().as_str()));
            suite.add_property(("started_at", report.run.started_at.as_str()));
            suites.push(suite);
            suites.len() - 1
        });
        if let Some(suite) = suites.get_mut(position) {
            suite.add_test_case(test_case(case));
        }
    }
    for suite in &mut suites {
        let millis: u64 = suite
            .test_cases
            .iter()
            .filter_map(|case| case.time)
            .map(|time| u64::try_from(time.as_millis()).unwrap_or(u64::MAX))
            .sum();
        suite.set_time(Duration::from_millis(millis));
        // quick-junit counts skips as `disabled`; most CI readers look for `skipped`.
        let skipped = suite.disabled.to_string();
        suite.extra.insert("skipped".into(), skipped.into());
    }
    let mut junit = quick_junit::Report::new(xml_text(&report.tool.name));
    junit.set_time(Duration::from_millis(report.run.duration_ms));
    junit.add_test_suites(suites);
    junit
}

fn test_case(case: &CaseReport) -> TestCase {
    let mut test = TestCase::new(xml_text(&case.id), status(case));
    test.set_classname(xml_text(&case.role));
    test.set_time(Duration::from_millis(case.duration_ms));
    test.add_property(("requirement", xml_text(&case.requirement).as_str()));
    test.add_property(("level", case.level.as_str()));
    test.add_property(("profile", xml_text(&case.profile).as_str()));
    test.add_property(("spec", xml_text(&case.spec.to_string()).as_str()));
    test.add_property(("title", xml_text(&case.title).as_str()));
    let mut out = String::new();
    if case.is_expected_failure() {
        let reason = case.expectation.as_ref().map_or("", |e| e.reason.as_str());
        out.push_str(&format!(
            "expected failure (baseline): {reason}\nactual failure: {}\n",
            failure_message(case)
        ));
    }
    let transcript = text::transcript(&case.evidence.transcript, false);
    if !transcript.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&transcript);
    }
    if !out.is_empty() {
        test.set_system_out(xml_text(&out));
    }
    test
}

fn status(case: &CaseReport) -> TestCaseStatus {
    if case.is_unexpected_pass() {
        let reason = case.expectation.as_ref().map_or("", |e| e.reason.as_str());
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_type("xpass");
        status.set_message(xml_text(&format!(
            "passed, but the baseline expects a failure ({reason}); update the baseline"
        )));
        return status;
    }
    if case.is_expected_failure() {
        return TestCaseStatus::success();
    }
    match case.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        Outcome::Fail => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_type(
                case.evidence
                    .mismatch
                    .as_ref()
                    .map_or("fail", |m| m.kind().as_str()),
            );
            status.set_message(xml_text(&failure_message(case)));
            status.set_description(xml_text(&details(case)));
            status
        }
        Outcome::Error => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_type(
                case.evidence
                    .fault
                    .as_ref()
                    .map_or_else(|| "harness".to_owned(), ToString::to_string),
            );
            status.set_message(xml_text(case.message.as_deref().unwrap_or("harness error")));
            status
        }
        Outcome::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(xml_text(case.skip_reason.as_deref().unwrap_or("skipped")));
            status
        }
    }
}

/// The one-line failure message: the case's message, else the mismatch.
fn failure_message(case: &CaseReport) -> String {
    match (&case.message, &case.evidence.mismatch) {
        (Some(message), _) => message.clone(),
        (None, Some(mismatch)) => mismatch.to_string(),
        (None, None) => "failed".to_owned(),
    }
}

/// The body of a `<failure>`: requirement, fault, mismatch and alternatives.
fn details(case: &CaseReport) -> String {
    let evidence = &case.evidence;
    let mut lines = vec![format!(
        "{} {} ({}): {}",
        case.level.keyword(),
        case.requirement,
        case.spec,
        case.title
    )];
    if let Some(fault) = &evidence.fault {
        lines.push(format!("at fault: {fault}"));
    }
    if let Some(mismatch) = &evidence.mismatch {
        lines.push(format!("want: {}", mismatch.want_text()));
        lines.push(format!("got: {}", mismatch.got_text()));
    }
    if !evidence.accepted_alternatives.is_empty() {
        lines.push(format!(
            "accepted: {}",
            evidence.accepted_alternatives.join(" | ")
        ));
    }
    lines.join("\n")
}

/// Text safe for XML 1.0: quick-junit drops C0 controls and ANSI escapes; this also drops
/// the characters XML forbids that it keeps (U+FFFE, U+FFFF) and the C1 controls.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| !matches!(c, '\u{fffe}' | '\u{ffff}' | '\u{7f}'..='\u{9f}'))
        .collect()
}
