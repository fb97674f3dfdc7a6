//! Properties of the model and renderers that snapshots alone would not make obvious.

mod common;

use aauth_reports::{
    html, junit, sarif, text, Format, Outcome, Report, TextOptions, SCHEMA_ID, SCHEMA_VERSION,
};

#[test]
fn the_sample_report_is_consistent() {
    assert_eq!(common::sample().check(), vec![]);
}

#[test]
fn json_round_trips_exactly() {
    let report = common::sample();
    let text = report.to_json().unwrap();
    let back = Report::from_json(&text).unwrap();
    assert_eq!(back, report);
    assert_eq!(back.to_json().unwrap(), text);
}

#[test]
fn json_carries_the_schema_id_and_version() {
    let value: serde_json::Value =
        serde_json::from_str(&common::sample().to_json().unwrap()).unwrap();
    assert_eq!(value["schema"], SCHEMA_ID);
    assert_eq!(value["version"], SCHEMA_VERSION);
    assert_eq!(
        value["cases"][0]["evidence"]["mismatch"]["kind"],
        "unexpected_success"
    );
}

#[test]
fn readers_ignore_members_added_later_within_version_one() {
    let mut value: serde_json::Value =
        serde_json::from_str(&common::sample().to_json().unwrap()).unwrap();
    value["added_later"] = serde_json::json!({"x": 1});
    value["cases"][0]["added_later"] = serde_json::json!(true);
    let report = Report::from_json(&value.to_string()).unwrap();
    assert_eq!(report, common::sample());
}

#[test]
fn summary_counts_every_outcome_and_the_baseline_overlays() {
    let summary = common::sample().summary;
    assert_eq!(summary.total, 11);
    assert_eq!(
        summary.passed + summary.failed + summary.skipped + summary.errors,
        summary.total
    );
    assert_eq!(summary.expected_failures, 1);
    assert_eq!(summary.unexpected_passes, 1);
    for outcome in Outcome::ALL {
        assert!(summary.of(outcome) > 0, "sample lacks {outcome}");
    }
}

#[test]
fn html_escapes_the_hostile_body() {
    let page = html::render(&common::sample());
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!page.contains("<img src=x"));
    assert!(!page.contains("onmouseover=\"alert"));
    assert!(page.contains("&lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt;"));
    assert!(!page.contains('\u{1b}'));
}

#[test]
fn html_needs_no_network() {
    let page = html::render(&common::sample());
    assert!(page.contains("default-src 'none'"));
    for needle in [
        "http-equiv=\"refresh\"",
        "<link",
        " src=\"http",
        "@import",
        "url(",
    ] {
        assert!(!page.contains(needle), "page contains {needle}");
    }
}

#[test]
fn terminal_text_never_carries_escapes_from_the_implementation() {
    let options = TextOptions {
        transcripts: true,
        ..TextOptions::default()
    };
    let out = text::render(&common::sample(), &options);
    assert!(!out.contains('\u{1b}'));
    assert!(!out.contains('\u{202e}'));
    assert!(out.contains("\\u{1b}[2J\\u{202e}"));
}

#[test]
fn ascii_text_is_ascii() {
    let options = TextOptions {
        ascii: true,
        transcripts: true,
        ..TextOptions::default()
    };
    let out = text::render(&common::sample(), &options);
    assert!(out
        .chars()
        .all(|c| c.is_ascii() && (!c.is_control() || c == '\n')));
}

#[test]
fn junit_files_failures_as_failures_and_errors_as_errors() {
    let xml = junit::render(&common::sample()).unwrap();
    let parsed = quick_junit_counts(&xml);
    // Four unexpected fails plus one xpass are failures; one transport error is an error.
    assert_eq!(parsed, (5, 1));
}

fn quick_junit_counts(xml: &str) -> (usize, usize) {
    (
        xml.matches("<failure").count(),
        xml.matches("<error").count(),
    )
}

#[test]
fn sarif_has_a_rule_per_requirement_and_a_result_per_non_pass() {
    let report = common::sample();
    let log: serde_json::Value = serde_json::from_str(&sarif::render(&report).unwrap()).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let mut requirements: Vec<&str> = report
        .cases
        .iter()
        .map(|c| c.requirement.as_str())
        .collect();
    requirements.sort_unstable();
    requirements.dedup();
    assert_eq!(rules.len(), requirements.len());
    let results = run["results"].as_array().unwrap();
    let non_pass = report
        .cases
        .iter()
        .filter(|c| c.outcome != Outcome::Pass || c.is_unexpected_pass())
        .count();
    assert_eq!(results.len(), non_pass);
    assert_eq!(log["version"], "2.1.0");
}

#[test]
fn every_format_renders_by_name() {
    let report = common::sample();
    for format in Format::ALL {
        let parsed: Format = format.name().parse().unwrap();
        assert_eq!(parsed, format);
        assert!(!format.render(&report).unwrap().is_empty());
    }
    assert!("pdf".parse::<Format>().is_err());
}
