//! The `aauth-reports` renderers, plugged into the suite.
//!
//! One conversion, [`to_report`], turns a finished run ([`RunReport`]) into the versioned
//! report model; every file format is a view of that one model, so JSON, JUnit, SARIF and
//! HTML can never disagree about a case. [`RendererSink`] adapts a renderer to the suite's
//! [`ReportSink`], and [`register`] wires all of them into a [`ReportSinks`] (the binary does
//! so in `main.rs`).
//!
//! The conversion is pure: it reads no clock and no file, so a fixed [`RunReport`] gives a
//! byte-identical report (the snapshot test relies on it).

pub mod case;
pub mod mismatch;
pub mod time;
pub mod transcript;

use std::io::Write;

use aauth_harness::profile::Profile;
use aauth_reports::{Format, Report, Run, Target, Tool};

use crate::report::{ReportError, ReportFormat, ReportSink, ReportSinks, RunReport};
use crate::target::DeclaredTarget;

pub use time::rfc3339_utc;

/// The tool name written into every report.
pub const TOOL_NAME: &str = "aauth-conform";

/// The whole run as a report. Cases keep the run's order; the summary is computed from them.
pub fn to_report(run: &RunReport<'_>) -> Report {
    let sources = case::CaseSources {
        index: run.index,
        baseline: run.baseline,
        targets: run.targets,
    };
    let cases = run
        .results
        .iter()
        .enumerate()
        .map(|(i, result)| case::case(result, run.judgement.judged.get(i), sources))
        .collect();
    Report::new(
        Tool::new(TOOL_NAME, env!("CARGO_PKG_VERSION")),
        run_parameters(run),
        cases,
    )
}

fn run_parameters(run: &RunReport<'_>) -> Run {
    let filter = (!run.filters.is_empty()).then(|| run.filters.join(","));
    Run {
        started_at: rfc3339_utc(run.started_unix),
        duration_ms: u64::try_from(run.elapsed.as_millis()).unwrap_or(u64::MAX),
        seed: run.seed,
        profiles: profiles(run),
        filter,
        baseline: run.baseline_path.map(|p| p.display().to_string()),
        command_line: run.command_line.to_vec(),
        targets: run.targets.iter().map(target).collect(),
    }
}

/// The profiles the run covered: those of its targets, in the suite's profile order.
fn profiles(run: &RunReport<'_>) -> Vec<String> {
    Profile::ALL
        .into_iter()
        .filter(|p| run.targets.iter().any(|t| t.profile == *p))
        .map(|p| p.as_str().to_owned())
        .collect()
}

/// A target as the report lists it. The core reads only a target file's head, so the URL,
/// identifier and quirks stay empty until the harness adapters hand them over.
fn target(declared: &DeclaredTarget) -> Target {
    Target {
        name: declared.info.name.clone(),
        role: declared.role.as_str().to_owned(),
        profile: declared.profile.as_str().to_owned(),
        url: None,
        identifier: None,
        quirks: Vec::new(),
    }
}

/// A [`ReportSink`] that renders [`to_report`] with one `aauth-reports` format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RendererSink {
    format: Format,
}

impl RendererSink {
    /// The sink for `format`.
    pub fn new(format: Format) -> RendererSink {
        RendererSink { format }
    }
}

impl ReportSink for RendererSink {
    fn write(&self, report: &RunReport<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
        let text = self
            .format
            .render(&to_report(report))
            .map_err(|e| ReportError::Render(e.to_string()))?;
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// The file formats rendered by `aauth-reports`, with their suite names.
pub const FORMATS: [(ReportFormat, Format); 4] = [
    (ReportFormat::Json, Format::Json),
    (ReportFormat::Junit, Format::Junit),
    (ReportFormat::Sarif, Format::Sarif),
    (ReportFormat::Html, Format::Html),
];

/// Registers the JSON, JUnit, SARIF and HTML renderers. The `text` format keeps the suite's
/// own summary (see [`crate::report::TextSummary`]): it shows the verdicts the exit code is
/// computed from (warn, xfail), the targets and the run's warnings.
pub fn register(sinks: &mut ReportSinks) {
    for (name, format) in FORMATS {
        sinks.register(name, Box::new(RendererSink::new(format)));
    }
}

/// Every renderer: the suite's defaults plus [`register`]. What the binary uses.
pub fn all_sinks() -> ReportSinks {
    let mut sinks = ReportSinks::with_defaults();
    register(&mut sinks);
    sinks
}
