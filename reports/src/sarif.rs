//! The SARIF 2.1.0 form, for code-scanning dashboards.
//!
//! One rule per requirement id (`SIG-007`), in order of first appearance, whose default
//! level follows the requirement level (MUST/MUST NOT → `error`, SHOULD/SHOULD NOT →
//! `warning`, MAY → `note`) and whose help text names the cases and the spec anchor. One
//! result per case that did not simply pass:
//!
//! | report                    | SARIF result                                                  |
//! |---------------------------|---------------------------------------------------------------|
//! | `fail`                    | `kind: fail`, level from the requirement level               |
//! | `fail` + baseline `xfail` | the same, `baselineState: unchanged`, external suppression   |
//! | `pass` + baseline `xpass` | `kind: pass`, `baselineState: absent` (the finding went away) |
//! | `error`                   | `kind: review`, level `none`: not a finding about the IUT    |
//! | `skip`                    | `kind: notApplicable`, level `none`                           |
//!
//! There are no source files, so each result's location is logical: `<profile>/<role>`
//! (with the target name when known). A partial fingerprint keyed on case id and profile lets
//! dashboards track a result across runs.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use serde_sarif::sarif::{
    Invocation, Location, LogicalLocation, Message, MultiformatMessageString, PropertyBag,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultKind, ResultLevel,
    Run, Sarif, Suppression, Tool, ToolComponent,
};

use crate::error::RenderError;
use crate::model::{CaseReport, Level, Outcome, Report};
use crate::text;

/// The `$schema` written into every SARIF file.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Renders `report` as pretty-printed SARIF 2.1.0.
pub fn render(report: &Report) -> Result<String, RenderError> {
    let mut text = serde_json::to_string_pretty(&to_sarif(report))?;
    text.push('\n');
    Ok(text)
}

/// Builds the SARIF log, for callers that want to add to it before serialising.
pub fn to_sarif(report: &Report) -> Sarif {
    let rules = Rules::collect(report);
    let results: Vec<SarifResult> = report
        .cases
        .iter()
        .filter(|case| case.outcome != Outcome::Pass || case.is_unexpected_pass())
        .map(|case| result(case, &rules, report.run.baseline.is_some()))
        .collect();
    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .rules(rules.descriptors())
        .build();
    let invocation = Invocation::builder()
        .execution_successful(report.summary.errors == 0)
        .command_line(report.run.command_line.join(" "))
        .arguments(report.run.command_line.clone())
        .start_time_utc(report.run.started_at.clone())
        .build();
    let mut run_properties = BTreeMap::new();
    run_properties.insert("seed".to_owned(), json!(report.run.seed));
    run_properties.insert("profiles".to_owned(), json!(report.run.profiles));
    run_properties.insert("summary".to_owned(), json!(report.summary));
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .properties(
            PropertyBag::builder()
                .additional_properties(run_properties)
                .build(),
        )
        .build();
    Sarif::builder()
        .schema(SARIF_SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The rule table: requirement ids in order of first appearance, with the cases citing each.
struct Rules<'a> {
    order: Vec<&'a str>,
    cases: HashMap<&'a str, Vec<&'a CaseReport>>,
}

impl<'a> Rules<'a> {
    fn collect(report: &'a Report) -> Self {
        let mut order = Vec::new();
        let mut cases: HashMap<&str, Vec<&CaseReport>> = HashMap::new();
        for case in &report.cases {
            let citing = cases.entry(case.requirement.as_str()).or_default();
            if citing.is_empty() {
                order.push(case.requirement.as_str());
            }
            citing.push(case);
        }
        Rules { order, cases }
    }

    fn index_of(&self, requirement: &str) -> Option<i64> {
        self.order
            .iter()
            .position(|id| *id == requirement)
            .and_then(|i| i64::try_from(i).ok())
    }

    fn descriptors(&self) -> Vec<ReportingDescriptor> {
        self.order
            .iter()
            .map(|id| {
                let citing = self.cases.get(id).map(Vec::as_slice).unwrap_or_default();
                descriptor(id, citing)
            })
            .collect()
    }
}

fn descriptor(id: &str, citing: &[&CaseReport]) -> ReportingDescriptor {
    // The strongest level among the citing cases decides the default.
    let level = citing
        .iter()
        .map(|case| case.level)
        .min()
        .unwrap_or(Level::Must);
    let mut titles: Vec<&str> = citing.iter().map(|case| case.title.as_str()).collect();
    titles.dedup();
    let spec = citing
        .first()
        .map(|case| case.spec.to_string())
        .unwrap_or_default();
    let short = titles.first().copied().unwrap_or(id);
    let help = format!(
        "{} requirement, {spec}. Cases: {}.",
        level.keyword(),
        titles.join("; ")
    );
    ReportingDescriptor::builder()
        .id(id)
        .name(id)
        .short_description(text_message(short))
        .help(text_message(&help))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_of(level)))
                .build(),
        )
        .build()
}

fn result(case: &CaseReport, rules: &Rules<'_>, has_baseline: bool) -> SarifResult {
    let (kind, level) = if case.is_unexpected_pass() {
        (ResultKind::Pass, ResultLevel::None)
    } else {
        match case.outcome {
            Outcome::Fail => (ResultKind::Fail, level_of(case.level)),
            Outcome::Error => (ResultKind::Review, ResultLevel::None),
            Outcome::Skip => (ResultKind::NotApplicable, ResultLevel::None),
            Outcome::Pass => (ResultKind::Pass, ResultLevel::None),
        }
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        "caseId/v1".to_owned(),
        format!("{}|{}", case.id, case.profile),
    );
    let mut built = SarifResult::builder()
        .rule_id(case.requirement.clone())
        .kind(kind)
        .level(level)
        // Messages may quote the implementation: keep control and bidi characters visible.
        .message(
            Message::builder()
                .text(text::sanitize(&message_text(case), false))
                .build(),
        )
        .locations(vec![location(case)])
        .partial_fingerprints(fingerprints)
        .properties(case_properties(case))
        .build();
    built.rule_index = rules.index_of(&case.requirement);
    let baseline_state = if case.is_unexpected_pass() {
        Some("absent")
    } else if case.is_expected_failure() {
        Some("unchanged")
    } else if has_baseline && case.outcome == Outcome::Fail {
        Some("new")
    } else {
        None
    };
    built.baseline_state = baseline_state.map(|state| json!(state));
    if case.is_expected_failure() {
        let reason = case.expectation.as_ref().map(|e| e.reason.clone());
        built.suppressions = Some(vec![Suppression {
            guid: None,
            justification: reason,
            kind: json!("external"),
            location: None,
            properties: None,
            status: Some(json!("accepted")),
        }]);
    }
    built
}

fn message_text(case: &CaseReport) -> String {
    let mut text = format!("{} ({}): ", case.id, case.profile);
    if case.is_unexpected_pass() {
        let reason = case.expectation.as_ref().map_or("", |e| e.reason.as_str());
        text.push_str(&format!(
            "passed, but the baseline expects a failure ({reason})"
        ));
        return text;
    }
    match case.outcome {
        Outcome::Skip => text.push_str(case.skip_reason.as_deref().unwrap_or("skipped")),
        _ => text.push_str(case.message.as_deref().unwrap_or(case.title.as_str())),
    }
    if let Some(mismatch) = &case.evidence.mismatch {
        text.push_str(&format!(" [{mismatch}]"));
    }
    if let Some(fault) = &case.evidence.fault {
        text.push_str(&format!(" (at fault: {fault})"));
    }
    text
}

fn location(case: &CaseReport) -> Location {
    let qualified = match &case.target {
        Some(target) => format!("{}/{}/{}", case.profile, case.role, target),
        None => format!("{}/{}", case.profile, case.role),
    };
    Location::builder()
        .logical_locations(vec![LogicalLocation::builder()
            .name(case.role.clone())
            .fully_qualified_name(qualified)
            .build()])
        .build()
}

fn case_properties(case: &CaseReport) -> PropertyBag {
    let mut properties = BTreeMap::new();
    properties.insert("caseId".to_owned(), json!(case.id));
    properties.insert("outcome".to_owned(), json!(case.outcome));
    properties.insert("level".to_owned(), json!(case.level));
    properties.insert("profile".to_owned(), json!(case.profile));
    properties.insert("role".to_owned(), json!(case.role));
    properties.insert("spec".to_owned(), json!(case.spec));
    if let Some(mismatch) = &case.evidence.mismatch {
        properties.insert("mismatch".to_owned(), json!(mismatch));
    }
    if let Some(fault) = &case.evidence.fault {
        properties.insert("fault".to_owned(), json!(fault));
    }
    PropertyBag::builder()
        .additional_properties(properties)
        .build()
}

fn text_message(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

/// Maps a requirement level to the SARIF severity it warrants.
pub fn level_of(level: Level) -> ResultLevel {
    match level {
        Level::Must | Level::MustNot => ResultLevel::Error,
        Level::Should | Level::ShouldNot => ResultLevel::Warning,
        Level::May => ResultLevel::Note,
    }
}
