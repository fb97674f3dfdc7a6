//! `aauth-conform baseline REPORT.json -o FILE`: a baseline listing every failure of a run.
//!
//! The JSON report format belongs to `aauth-reports` (its `SCHEMA.md`); this reader depends
//! only on the part of it a baseline needs and ignores the rest, so a hand-trimmed report
//! still works: a top-level `cases` array whose entries have `id` (expanded id), `outcome`
//! (`"fail"` marks a failure), and optionally `profile`, `requirement`, `spec` (`doc`,
//! `section`, `anchor`) and `message`, which feed the generated reason. A report without
//! `cases` is rejected, and so is one whose `schema` or `version`, when present, names
//! another format: its members might mean something else.

use std::collections::BTreeSet;
use std::path::Path;

use aauth_harness::profile::Profile;
use serde::Deserialize;

use super::usage_error;
use crate::case::ExpandedId;
use crate::expect::{render_baseline, BaselineEntry, ExitStatus};

#[derive(Deserialize)]
struct ReportHead {
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    version: Option<u64>,
    cases: Vec<ReportCase>,
}

#[derive(Deserialize)]
struct ReportCase {
    id: String,
    outcome: String,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    requirement: Option<String>,
    #[serde(default)]
    spec: Option<ReportSpec>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ReportSpec {
    doc: String,
    section: String,
}

/// Runs the `baseline` command.
pub fn execute(report: &Path, output: &Path) -> ExitStatus {
    let text = match std::fs::read_to_string(report) {
        Ok(text) => text,
        Err(error) => return usage_error(format!("report {}: {error}", report.display())),
    };
    let entries = match entries_from_report(&text) {
        Ok(entries) => entries,
        Err(error) => return usage_error(format!("report {}: {error}", report.display())),
    };
    let rendered = match render_baseline(&report.display().to_string(), &entries) {
        Ok(rendered) => rendered,
        Err(error) => return usage_error(format!("cannot render the baseline: {error}")),
    };
    if let Err(error) = std::fs::write(output, rendered) {
        return usage_error(format!("-o {}: {error}", output.display()));
    }
    eprintln!(
        "wrote {} expected failure(s) to {}",
        entries.len(),
        output.display()
    );
    ExitStatus::Success
}

/// One entry per failed case of the report, with a reason naming the clause and the failure.
pub fn entries_from_report(text: &str) -> Result<Vec<BaselineEntry>, String> {
    let head: ReportHead = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if let Some(schema) = head
        .schema
        .as_deref()
        .filter(|s| *s != aauth_reports::SCHEMA_ID)
    {
        return Err(format!(
            "unknown report schema {schema:?}, expected {:?}",
            aauth_reports::SCHEMA_ID
        ));
    }
    if let Some(version) = head
        .version
        .filter(|v| *v != u64::from(aauth_reports::SCHEMA_VERSION))
    {
        return Err(format!(
            "unsupported report version {version}, this reader understands version {}",
            aauth_reports::SCHEMA_VERSION
        ));
    }
    let profiles: BTreeSet<_> = head
        .cases
        .iter()
        .filter_map(|c| c.profile.as_deref())
        .collect();
    let several_profiles = profiles.len() > 1;
    let mut entries = Vec::new();
    for case in &head.cases {
        if !case.outcome.eq_ignore_ascii_case("fail") {
            continue;
        }
        ExpandedId::parse(&case.id).map_err(|e| format!("case {:?}: {e}", case.id))?;
        let profile = match (&case.profile, several_profiles) {
            (Some(p), true) => Some(p.parse::<Profile>().map_err(|e| e.to_string())?),
            _ => None,
        };
        let clause = match (&case.requirement, &case.spec) {
            (Some(r), Some(s)) => format!("{r} {} §{}", s.doc, s.section),
            (Some(r), None) => r.clone(),
            (None, Some(s)) => format!("{} §{}", s.doc, s.section),
            (None, None) => "clause?".to_string(),
        };
        let evidence = case.message.as_deref().unwrap_or("failed");
        entries.push(BaselineEntry {
            id: case.id.clone(),
            reason: format!("{clause}: {evidence}"),
            profile,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_in_a_report_become_entries_with_clause_and_evidence() {
        let report = r#"{"version": 1, "cases": [
            {"id": "sig.created.too-old@resource", "outcome": "fail", "profile": "aauth-11",
             "requirement": "SIG-007", "spec": {"doc": "aauth-11", "section": "13.8.4", "anchor": "verification"},
             "message": "status 200, wanted 401", "extra": true},
            {"id": "sig.created.missing@resource", "outcome": "pass", "profile": "aauth-11"}
        ]}"#;
        let entries = entries_from_report(report).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].reason,
            "SIG-007 aauth-11 §13.8.4: status 200, wanted 401"
        );
        assert_eq!(entries[0].profile, None);
        assert!(entries_from_report("{}").is_err());
        assert!(entries_from_report(r#"{"version": 2, "cases": []}"#).is_err());
        assert!(
            entries_from_report(r#"{"schema": "https://example/other", "cases": []}"#).is_err()
        );
        assert!(entries_from_report(r#"{"cases":[{"id":"x","outcome":"fail"}]}"#).is_err());
    }
}
