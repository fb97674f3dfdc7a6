//! Where a run's results go: the `--report FORMAT=PATH` requests and the [`ReportSink`] trait
//! renderers implement.
//!
//! The suite core does not render JSON, JUnit, SARIF or HTML itself; those renderers live in
//! `aauth-reports` (which knows nothing of the suite) and are plugged in by registering an
//! adapter per format in [`ReportSinks`] before the CLI runs ([`crate::render::register`],
//! called from `main.rs`). Requests are validated before any case runs: a format with no
//! registered sink is a usage error, not a lost report at the end. The plain-text summary the
//! CLI prints is available as the `text` sink by default.
//!
//! Everything a case quotes from the implementation (its messages, codes and header values)
//! is passed through [`aauth_reports::text::sanitize`] before it reaches the summary, so an
//! implementation cannot send terminal escapes to the person reading it.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::expect::{Baseline, Judgement, Verdict};
use crate::index::RequirementIndex;
use crate::outcome::Outcome;
use crate::runner::CaseResult;
use crate::target::DeclaredTarget;

/// A report file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportFormat {
    /// The versioned JSON report (other tools parse it; `baseline` reads it).
    Json,
    /// JUnit XML for CI test tabs.
    Junit,
    /// SARIF for code-scanning views.
    Sarif,
    /// A self-contained HTML page.
    Html,
    /// The plain-text summary.
    Text,
}

impl ReportFormat {
    /// Every format.
    pub const ALL: [ReportFormat; 5] = [
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Sarif,
        ReportFormat::Html,
        ReportFormat::Text,
    ];

    /// The name used in `--report`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Junit => "junit",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Html => "html",
            ReportFormat::Text => "text",
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--report` value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportRequestError {
    /// No `=`.
    #[error("--report {0:?}: expected FORMAT=PATH, e.g. junit=out/junit.xml")]
    Shape(String),
    /// Unknown format.
    #[error("--report {0:?}: unknown format (json, junit, sarif, html, text)")]
    Format(String),
    /// Empty path.
    #[error("--report {0:?}: empty path")]
    EmptyPath(String),
}

/// One `--report FORMAT=PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRequest {
    /// The format.
    pub format: ReportFormat,
    /// Where to write it.
    pub path: PathBuf,
}

impl FromStr for ReportRequest {
    type Err = ReportRequestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, path) = s
            .split_once('=')
            .ok_or_else(|| ReportRequestError::Shape(s.to_string()))?;
        let format = ReportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == format)
            .ok_or_else(|| ReportRequestError::Format(s.to_string()))?;
        if path.is_empty() {
            return Err(ReportRequestError::EmptyPath(s.to_string()));
        }
        Ok(ReportRequest {
            format,
            path: PathBuf::from(path),
        })
    }
}

/// Everything a renderer may show about a finished run.
#[derive(Clone, Copy, Debug)]
pub struct RunReport<'a> {
    /// Results in plan order.
    pub results: &'a [CaseResult],
    /// The verdict of each result (same order).
    pub judgement: &'a Judgement,
    /// The baseline in force, if any.
    pub baseline: Option<&'a Baseline>,
    /// The file the baseline came from (`--expect`), if any.
    pub baseline_path: Option<&'a Path>,
    /// The `--filter` values as given, in order (repeated flags accumulate).
    pub filters: &'a [String],
    /// The program's arguments, program name first, so a report says how to reproduce it.
    pub command_line: &'a [String],
    /// The requirement index (summaries, spec references).
    pub index: &'a RequirementIndex,
    /// The implementations tested.
    pub targets: &'a [DeclaredTarget],
    /// The run seed.
    pub seed: u64,
    /// When the run started (Unix seconds, from the run's clock).
    pub started_unix: i64,
    /// How long it took.
    pub elapsed: Duration,
    /// Warnings to show (stale baseline entries and the like).
    pub warnings: &'a [String],
}

/// A renderer failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The renderer could not represent the run.
    #[error("{0}")]
    Render(String),
}

/// A renderer for one format. Implemented by adapters over `aauth-reports`.
pub trait ReportSink: Send + Sync {
    /// Writes the whole report to `out`.
    fn write(&self, report: &RunReport<'_>, out: &mut dyn Write) -> Result<(), ReportError>;
}

/// The renderer registered for each format.
#[derive(Default)]
pub struct ReportSinks {
    sinks: BTreeMap<ReportFormat, Box<dyn ReportSink>>,
}

impl fmt::Debug for ReportSinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.sinks.keys()).finish()
    }
}

impl ReportSinks {
    /// No renderers.
    pub fn new() -> ReportSinks {
        ReportSinks::default()
    }

    /// The renderers the suite has itself: the `text` summary.
    pub fn with_defaults() -> ReportSinks {
        let mut sinks = ReportSinks::new();
        sinks.register(ReportFormat::Text, Box::new(TextSummary));
        sinks
    }

    /// Registers (or replaces) the renderer for `format`.
    pub fn register(&mut self, format: ReportFormat, sink: Box<dyn ReportSink>) {
        self.sinks.insert(format, sink);
    }

    /// The renderer for `format`.
    pub fn get(&self, format: ReportFormat) -> Option<&dyn ReportSink> {
        self.sinks.get(&format).map(|b| b.as_ref())
    }
}

/// The plain-text summary, as the CLI prints it.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextSummary;

impl ReportSink for TextSummary {
    fn write(&self, report: &RunReport<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
        write_summary(report, out)?;
        Ok(())
    }
}

/// Writes the summary: one block per result that needs attention, then the counts.
pub fn write_summary(report: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "aauth-conform: {} case(s) in {:.1} s, seed {}",
        report.results.len(),
        report.elapsed.as_secs_f64(),
        report.seed
    )?;
    for target in report.targets {
        writeln!(
            out,
            "  target: {} ({}, {}) from {}",
            clean(&target.info.name),
            target.role,
            target.profile,
            clean(&target.spec.to_string())
        )?;
    }
    for (result, judged) in report.results.iter().zip(&report.judgement.judged) {
        if matches!(
            judged.verdict,
            Verdict::Pass | Verdict::Skip | Verdict::XFail
        ) {
            continue;
        }
        let spec = report
            .index
            .spec_ref(&result.meta.requirement)
            .map(|s| format!(" {s}"))
            .unwrap_or_default();
        writeln!(
            out,
            "\n{:<5} {} [{}] {} {}{}",
            judged.verdict.as_str().to_uppercase(),
            result.id,
            result.profile,
            result.meta.requirement,
            result.meta.level,
            spec
        )?;
        writeln!(out, "      {}", result.meta.title)?;
        match (&result.outcome, judged.verdict) {
            (Outcome::Pass, Verdict::XPass) => {
                let reason = judged
                    .expected
                    .and_then(|i| report.baseline.and_then(|b| b.entries().get(i)))
                    .map(|e| e.reason.as_str())
                    .unwrap_or_default();
                writeln!(
                    out,
                    "      passed, but the baseline expects a failure: {}",
                    clean(reason)
                )?;
            }
            (outcome, _) => writeln!(out, "      {}", clean(&outcome.to_string()))?,
        }
    }
    let counts: Vec<String> = Verdict::ALL
        .into_iter()
        .map(|v| format!("{} {}", v, report.judgement.count(v)))
        .collect();
    writeln!(out, "\n{}", counts.join("  "))?;
    for warning in report.warnings {
        writeln!(out, "warning: {}", clean(warning))?;
    }
    Ok(())
}

/// Untrusted text made safe for a terminal line (control and bidirectional characters
/// escaped; other Unicode kept).
fn clean(text: &str) -> String {
    aauth_reports::text::sanitize(text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_requests_parse_format_and_path() {
        let r: ReportRequest = "junit=out/junit.xml".parse().unwrap();
        assert_eq!(r.format, ReportFormat::Junit);
        assert_eq!(r.path, PathBuf::from("out/junit.xml"));
        let with_equals: ReportRequest = "html=out/a=b.html".parse().unwrap();
        assert_eq!(with_equals.path, PathBuf::from("out/a=b.html"));
        for bad in ["junit", "xml=out.xml", "json=", "=x"] {
            assert!(bad.parse::<ReportRequest>().is_err(), "{bad}");
        }
    }
}
