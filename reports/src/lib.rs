//! aauth-reports: the report model of an aauth-conform run and its renderers.
//!
//! This crate depends on nothing of the harness or the suite: a report is a file format that
//! other tools parse, so its model is defined here, once, and versioned (`SCHEMA.md` beside
//! this crate documents every field). The suite fills a [`Report`] with [`CaseReport`]s and
//! hands it to a renderer:
//!
//! - [`json`]: the canonical form, the only one read back ([`Report::from_json`]);
//! - [`junit`]: JUnit XML for CI test views;
//! - [`sarif`]: SARIF 2.1.0 for code-scanning dashboards;
//! - [`html`]: one self-contained page for people;
//! - [`text`]: the terminal summary.
//!
//! Renderers never decide conformance or exit codes; they present what the model says.
//! Every renderer is golden-tested over one sample report (`tests/golden.rs`).
//!
//! ```
//! use aauth_reports::*;
//!
//! let case = CaseReport::new("sig.created.too-old", "resource", "aauth-11", Level::Must, Outcome::Fail)
//!     .with_title("Sends a request whose created is 61 s in the past")
//!     .with_requirement("SIG-007")
//!     .with_spec(SpecRef::new("draft-hardt-oauth-aauth-protocol-11", "verification", "13.8.4"))
//!     .with_message("a request signed 61 s ago was accepted")
//!     .with_fault(Fault::implementation("resource"))
//!     .with_mismatch(Mismatch::UnexpectedSuccess { got: 200 })
//!     .with_exchange(
//!         Exchange::new(1, "harness (agent)", "resource under test",
//!             HttpRequest::new("GET", "https://resource.example/data"))
//!         .with_response(HttpResponse::new(200).body(Body::from_bytes(b"ok", Body::DEFAULT_LIMIT))),
//!     );
//! let report = Report::new(Tool::new("aauth-conform", "0.1.0"), Run::default(), vec![case]);
//! assert!(report.check().is_empty());
//! assert_eq!(report.summary.failed, 1);
//! let json = report.to_json()?;
//! assert_eq!(Report::from_json(&json)?, report);
//! let page = html::render(&report);
//! # assert!(page.contains("SIG-007"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
pub mod html;
pub mod json;
pub mod junit;
mod model;
pub mod sarif;
pub mod text;

use std::fmt;
use std::str::FromStr;

pub use error::{ReadError, RenderError};
pub use model::{
    Body, BodyContent, CaseReport, Counts, Evidence, Exchange, Expectation, ExpectationStatus,
    Fault, HttpRequest, HttpResponse, Inconsistency, Level, LevelCounts, Mismatch, MismatchKind,
    Outcome, Quirk, Report, Run, SpecRef, Summary, Target, Tool, SCHEMA_ID, SCHEMA_VERSION,
};
pub use text::TextOptions;

/// The output formats, named as `--report <name>=PATH` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The canonical JSON report.
    Json,
    /// JUnit XML.
    Junit,
    /// SARIF 2.1.0.
    Sarif,
    /// Self-contained HTML.
    Html,
    /// The plain-text summary (no colour).
    Text,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Junit,
        Format::Sarif,
        Format::Html,
        Format::Text,
    ];

    /// The format's name (`json`, `junit`, `sarif`, `html`, `text`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Text => "text",
        }
    }

    /// The usual file extension for the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Junit => "xml",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Text => "txt",
        }
    }

    /// Renders `report` in this format. Text is plain ASCII without colour, as suits a file.
    pub fn render(self, report: &Report) -> Result<String, RenderError> {
        match self {
            Format::Json => json::render(report),
            Format::Junit => junit::render(report),
            Format::Sarif => sarif::render(report),
            Format::Html => Ok(html::render(report)),
            Format::Text => Ok(text::render(
                report,
                &TextOptions {
                    ascii: true,
                    ..TextOptions::default()
                },
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format {0:?} (expected json, junit, sarif, html or text)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}
