//! The report model: one serde tree, versioned, shared by every renderer.
//!
//! A report is a file format first. Its top level carries a schema id and an integer
//! version (see `SCHEMA.md` at the crate root for every field and the version policy), then
//! the tool, the run's parameters and targets, a summary recomputable from the cases, and
//! the cases themselves. Roles and profiles are plain strings here, not the harness's enums:
//! a report must stay readable when a newer suite adds a role or profile, and this crate
//! depends on nothing of the harness.
//!
//! Invariants the suite is expected to keep, and [`Report::check`] verifies:
//! - `summary == Summary::from_cases(&cases)`;
//! - `(id, profile, target)` is unique and `id == base_id + "@" + role`;
//! - a `fail` blames the implementation, an `error` never does, a `skip` says why;
//! - an expectation's `status` agrees with the outcome.

mod case;
mod evidence;
mod summary;
mod transcript;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub(crate) use case::compare_section_numbers;
pub use case::{CaseReport, Expectation, ExpectationStatus, Level, Outcome, SpecRef};
pub use evidence::{Evidence, Fault, Mismatch, MismatchKind};
pub use summary::{Counts, LevelCounts, Summary};
pub use transcript::{Body, BodyContent, Exchange, HttpRequest, HttpResponse};

/// The `schema` value of every version 1 report.
pub const SCHEMA_ID: &str = "https://aauth-conform.dev/report/v1";

/// The `version` value this crate writes and the only one it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run: what ran, against what, and every case's outcome and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_ID`]; lets a reader recognise the file without guessing.
    pub schema: String,
    /// Always [`SCHEMA_VERSION`] when written by this crate.
    pub version: u32,
    /// The program that produced the report.
    pub tool: Tool,
    /// The run's parameters and targets.
    pub run: Run,
    /// Totals, recomputable from `cases`.
    pub summary: Summary,
    /// One entry per case, role, profile and target, in execution order.
    pub cases: Vec<CaseReport>,
}

impl Report {
    /// Assembles a report and computes its summary from `cases`.
    pub fn new(tool: Tool, run: Run, cases: Vec<CaseReport>) -> Self {
        Report {
            schema: SCHEMA_ID.to_owned(),
            version: SCHEMA_VERSION,
            tool,
            run,
            summary: Summary::from_cases(&cases),
            cases,
        }
    }

    /// Appends a case and keeps the summary current.
    pub fn push_case(&mut self, case: CaseReport) {
        self.cases.push(case);
        self.summary = Summary::from_cases(&self.cases);
    }

    /// Recomputes the summary after `cases` was edited directly.
    pub fn refresh_summary(&mut self) {
        self.summary = Summary::from_cases(&self.cases);
    }

    /// Lists every broken invariant (see the module docs). The suite's self-tests call this
    /// on every report they produce; an empty list means the report is consistent.
    pub fn check(&self) -> Vec<Inconsistency> {
        let mut found = Vec::new();
        if self.summary != Summary::from_cases(&self.cases) {
            found.push(Inconsistency::StaleSummary);
        }
        let mut seen = HashSet::new();
        for case in &self.cases {
            let key = (&case.id, &case.profile, &case.target);
            if !seen.insert(key) {
                found.push(Inconsistency::DuplicateCase {
                    id: case.id.clone(),
                    profile: case.profile.clone(),
                });
            }
            if case.id != format!("{}@{}", case.base_id, case.role) {
                found.push(Inconsistency::IdNotExpanded {
                    id: case.id.clone(),
                });
            }
            let fault = case.evidence.fault.as_ref();
            match case.outcome {
                Outcome::Fail if !fault.is_some_and(Fault::is_implementation) => {
                    found.push(Inconsistency::FailNotBlamedOnImplementation {
                        id: case.id.clone(),
                    });
                }
                Outcome::Error if fault.is_some_and(Fault::is_implementation) => {
                    found.push(Inconsistency::ErrorBlamedOnImplementation {
                        id: case.id.clone(),
                    });
                }
                Outcome::Skip if case.skip_reason.is_none() => {
                    found.push(Inconsistency::SkipWithoutReason {
                        id: case.id.clone(),
                    });
                }
                _ => {}
            }
            if let Some(expectation) = &case.expectation {
                if expectation.status
                    != ExpectationStatus::resolve(expectation.expected, case.outcome)
                {
                    found.push(Inconsistency::StaleExpectation {
                        id: case.id.clone(),
                    });
                }
            }
        }
        found
    }

    /// Cases in report order that did not simply pass: fails, errors, and unexpected passes.
    /// Skips are left out. This is what the text summary and SARIF list.
    pub fn notable_cases(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases.iter().filter(|case| {
            matches!(case.outcome, Outcome::Fail | Outcome::Error) || case.is_unexpected_pass()
        })
    }
}

/// A broken report invariant, found by [`Report::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inconsistency {
    /// The summary does not match the cases.
    #[error("summary does not match the cases")]
    StaleSummary,
    /// Two cases share id, profile and target.
    #[error("case {id} appears twice under profile {profile}")]
    DuplicateCase {
        /// The repeated id.
        id: String,
        /// Its profile.
        profile: String,
    },
    /// `id` is not `base_id@role`.
    #[error("case {id}: id is not base_id@role")]
    IdNotExpanded {
        /// The offending id.
        id: String,
    },
    /// A fail with no fault, or blaming the harness or transport.
    #[error("case {id}: a fail must blame the implementation under test")]
    FailNotBlamedOnImplementation {
        /// The offending id.
        id: String,
    },
    /// An error blaming the implementation under test.
    #[error("case {id}: an error must never blame the implementation under test")]
    ErrorBlamedOnImplementation {
        /// The offending id.
        id: String,
    },
    /// A skip without a reason.
    #[error("case {id}: a skip must say why")]
    SkipWithoutReason {
        /// The offending id.
        id: String,
    },
    /// An expectation status that does not follow from the outcome.
    #[error("case {id}: expectation status disagrees with the outcome")]
    StaleExpectation {
        /// The offending id.
        id: String,
    },
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Program name, `aauth-conform`.
    pub name: String,
    /// Its version.
    pub version: String,
}

impl Tool {
    /// Names the program and its version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Tool {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// The run's parameters: enough to reproduce it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Start time, RFC 3339, supplied by the caller (this crate reads no clock).
    pub started_at: String,
    /// Wall-clock duration of the whole run.
    #[serde(default)]
    pub duration_ms: u64,
    /// The seed that makes the run deterministic.
    #[serde(default)]
    pub seed: u64,
    /// Profiles run, e.g. `["aauth-11"]`.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// The `--filter` expression, if any.
    #[serde(default)]
    pub filter: Option<String>,
    /// The baseline file in force (`--expect`), if any.
    #[serde(default)]
    pub baseline: Option<String>,
    /// The program's arguments, `argv[0]` first.
    #[serde(default)]
    pub command_line: Vec<String>,
    /// The implementations under test.
    #[serde(default)]
    pub targets: Vec<Target>,
}

/// One implementation under test, as its target file describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Its name from the target file (`built-in resource` for reference targets).
    pub name: String,
    /// The role it plays.
    pub role: String,
    /// The profile it claims.
    pub profile: String,
    /// Where the harness connected, if over the network.
    #[serde(default)]
    pub url: Option<String>,
    /// The AAuth identifier it signs as or verifies against.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Deviations the harness worked around for this target (each still reported by its
    /// own case).
    #[serde(default)]
    pub quirks: Vec<Quirk>,
}

/// A deviation the harness worked around so that later cases could reach deeper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quirk {
    /// The quirk's name from the target file.
    pub id: String,
    /// Why it is in force.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Quirk {
    /// Names a quirk and why it is in force.
    pub fn new(id: impl Into<String>, reason: impl Into<String>) -> Self {
        Quirk {
            id: id.into(),
            reason: Some(reason.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Run {
        Run {
            started_at: "2026-01-01T00:00:00Z".into(),
            ..Run::default()
        }
    }

    #[test]
    fn a_consistent_report_has_no_inconsistencies() {
        let cases = vec![
            CaseReport::new("a.b", "resource", "aauth-11", Level::Must, Outcome::Fail)
                .with_fault(Fault::implementation("resource")),
            CaseReport::new("a.c", "resource", "aauth-11", Level::Must, Outcome::Skip)
                .with_skip_reason("filtered"),
        ];
        let report = Report::new(Tool::new("t", "1"), run(), cases);
        assert_eq!(report.check(), vec![]);
    }

    #[test]
    fn check_finds_misattributed_outcomes_and_duplicates() {
        let cases = vec![
            CaseReport::new("a.b", "resource", "aauth-11", Level::Must, Outcome::Fail)
                .with_fault(Fault::Harness),
            CaseReport::new("a.b", "resource", "aauth-11", Level::Must, Outcome::Error)
                .with_fault(Fault::implementation("resource")),
            CaseReport::new("a.c", "resource", "aauth-11", Level::Must, Outcome::Skip),
        ];
        let mut report = Report::new(Tool::new("t", "1"), run(), cases);
        report.cases[2].outcome = Outcome::Pass;
        let found = report.check();
        assert!(found.contains(&Inconsistency::StaleSummary));
        assert!(
            found.contains(&Inconsistency::FailNotBlamedOnImplementation {
                id: "a.b@resource".into()
            })
        );
        assert!(found.contains(&Inconsistency::ErrorBlamedOnImplementation {
            id: "a.b@resource".into()
        }));
        assert!(found.contains(&Inconsistency::DuplicateCase {
            id: "a.b@resource".into(),
            profile: "aauth-11".into()
        }));
    }
}
