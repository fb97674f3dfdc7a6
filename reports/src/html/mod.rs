//! The HTML form: one self-contained page for people.
//!
//! The page needs no network and no other file: CSS and JavaScript are inline, and a
//! Content-Security-Policy allows exactly those two (by hash) and nothing else, so even a
//! mistake in escaping could neither run injected script nor load anything. All report text
//! goes through [`escape::escape`]; no report data is ever placed inside the script.
//!
//! Layout, top to bottom: run header with summary cards; targets; a matrix of spec section ×
//! level with coloured counts; the case list with a text filter (id, title, requirement) and
//! outcome toggles, each case a native `<details>` element (so expanding works without
//! script) holding message, mismatch, alternatives and the full transcript.
//!
//! Loading the page with the fragment `#selftest` runs a small in-page test that types into
//! the filter, flips a toggle and opens a case, then writes its results into
//! `<pre id="selftest">`; the Chromium test reads them from the dumped DOM.

mod cases;
mod escape;
mod matrix;

use std::fmt::{self, Write as _};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::model::{Outcome, Report};
pub use escape::{escape, Escaped};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// Renders `report` as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    // Writing to a String cannot fail.
    let _ = page(report, &mut out);
    out
}

fn page(report: &Report, out: &mut String) -> fmt::Result {
    let summary = &report.summary;
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src '{}'; script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'\">",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )?;
    writeln!(
        out,
        "<title>{} report: {} failed, {} errors of {}</title>",
        escape(&report.tool.name),
        summary.failed,
        summary.errors,
        summary.total
    )?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    header(report, out)?;
    targets(report, out)?;
    matrix::render(report, out)?;
    cases::render(report, out)?;
    writeln!(out, "<pre id=\"selftest\" hidden></pre>")?;
    writeln!(out, "<script>{SCRIPT}</script>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

/// The CSP source expression allowing exactly this inline block.
fn csp_hash(block: &str) -> String {
    let digest = Sha256::digest(block.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn header(report: &Report, out: &mut String) -> fmt::Result {
    let run = &report.run;
    let summary = &report.summary;
    writeln!(out, "<header>")?;
    writeln!(
        out,
        "<h1>{} <span class=\"version\">{}</span></h1>",
        escape(&report.tool.name),
        escape(&report.tool.version)
    )?;
    writeln!(out, "<dl class=\"run\">")?;
    let duration = format!("{:.1} s", run.duration_ms as f64 / 1000.0);
    let seed = run.seed.to_string();
    let profiles = run.profiles.join(", ");
    let mut facts: Vec<(&str, &str)> = vec![
        ("Started", run.started_at.as_str()),
        ("Duration", duration.as_str()),
        ("Seed", seed.as_str()),
        ("Profiles", profiles.as_str()),
    ];
    if let Some(filter) = &run.filter {
        facts.push(("Filter", filter.as_str()));
    }
    if let Some(baseline) = &run.baseline {
        facts.push(("Baseline", baseline.as_str()));
    }
    for (name, value) in facts {
        writeln!(out, "<div><dt>{name}</dt><dd>{}</dd></div>", escape(value))?;
    }
    writeln!(out, "</dl>")?;
    if !run.command_line.is_empty() {
        writeln!(
            out,
            "<p class=\"command\"><code>{}</code></p>",
            escape(&run.command_line.join(" "))
        )?;
    }
    writeln!(out, "<div class=\"cards\" id=\"summary\">")?;
    card(out, "total", summary.total, "cases")?;
    for outcome in Outcome::ALL {
        let word = match outcome {
            Outcome::Pass => "passed",
            Outcome::Fail => "failed",
            Outcome::Skip => "skipped",
            Outcome::Error => "errors",
        };
        card(out, outcome.as_str(), summary.of(outcome), word)?;
    }
    if summary.expected_failures > 0 || run.baseline.is_some() {
        card(out, "xfail", summary.expected_failures, "expected failures")?;
    }
    if summary.unexpected_passes > 0 || run.baseline.is_some() {
        card(out, "xpass", summary.unexpected_passes, "unexpected passes")?;
    }
    writeln!(out, "</div>")?;
    writeln!(out, "</header>")
}

fn card(out: &mut String, class: &str, count: u64, word: &str) -> fmt::Result {
    writeln!(
        out,
        "<div class=\"card {class}\"><span class=\"count\">{count}</span> <span class=\"word\">{word}</span></div>"
    )
}

fn targets(report: &Report, out: &mut String) -> fmt::Result {
    let targets = &report.run.targets;
    writeln!(out, "<section id=\"targets\">")?;
    writeln!(out, "<h2>Targets</h2>")?;
    if targets.is_empty() {
        return writeln!(out, "<p class=\"none\">No targets recorded.</p></section>");
    }
    writeln!(
        out,
        "<table><thead><tr><th>Name</th><th>Role</th><th>Profile</th><th>URL</th>\
         <th>Identifier</th><th>Quirks in force</th></tr></thead><tbody>"
    )?;
    for target in targets {
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>",
            escape(&target.name),
            escape(&target.role),
            escape(&target.profile),
            escape(target.url.as_deref().unwrap_or("")),
            escape(target.identifier.as_deref().unwrap_or("")),
        )?;
        if target.quirks.is_empty() {
            write!(out, "none")?;
        } else {
            write!(out, "<ul class=\"quirks\">")?;
            for quirk in &target.quirks {
                write!(out, "<li><code>{}</code>", escape(&quirk.id))?;
                if let Some(reason) = &quirk.reason {
                    write!(out, ": {}", escape(reason))?;
                }
                write!(out, "</li>")?;
            }
            write!(out, "</ul>")?;
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody></table>")?;
    writeln!(out, "</section>")
}
