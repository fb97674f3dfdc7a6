//! The terminal form: one line per case that needs attention, then totals.
//!
//! Messages and transcripts quote the implementation, so everything is passed through
//! [`sanitize`] before it reaches a terminal: control characters (an IUT could send ANSI
//! escapes that rewrite the screen) and bidirectional overrides are shown as `\u{..}`
//! escapes, and in ASCII mode so is everything outside printable ASCII. Colour is only added
//! when asked for; the caller decides whether its stream is a terminal.

use std::fmt::Write as _;

use crate::model::{BodyContent, CaseReport, Counts, Exchange, Level, Outcome, Report};

/// How the text summary is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Add ANSI colours to outcome tags and totals.
    pub color: bool,
    /// Write only printable ASCII: escape everything else, use ASCII punctuation.
    pub ascii: bool,
    /// Print the transcript under each listed case.
    pub transcripts: bool,
}

/// Renders the summary: a header line, one line per fail, error and unexpected pass, then
/// totals overall and per level.
pub fn render(report: &Report, options: &TextOptions) -> String {
    let style = Style::new(options);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}{}started {}{}seed {}{}profiles {}",
        clean(&report.tool.name, options),
        clean(&report.tool.version, options),
        style.dot,
        clean(&report.run.started_at, options),
        style.dot,
        report.run.seed,
        style.dot,
        clean(&report.run.profiles.join(", "), options),
    );
    let listed: Vec<&CaseReport> = report.notable_cases().collect();
    let show_profile = distinct_profiles(report) > 1;
    let ids: Vec<String> = listed
        .iter()
        .map(|case| clean(&display_id(case, show_profile), options))
        .collect();
    let id_width = ids.iter().map(|id| id.chars().count()).max().unwrap_or(0);
    if !listed.is_empty() {
        out.push('\n');
    }
    for (case, id) in listed.iter().zip(&ids) {
        let tag = tag_of(case);
        let mut message = match (&case.message, &case.expectation) {
            (Some(message), _) => message.clone(),
            (None, Some(expectation)) if case.is_unexpected_pass() => format!(
                "passed; the baseline expects a failure: {}",
                expectation.reason
            ),
            _ => String::new(),
        };
        if let Some(mismatch) = &case.evidence.mismatch {
            let _ = write!(message, "{}{mismatch}", style.dash);
        }
        let line = format!(
            "{}  {id:<id_width$}  {:<10}  {:<8}  {}",
            style.paint(tag, &format!("{tag:<5}")),
            case.level.keyword(),
            clean(&case.requirement, options),
            clean(&message, options),
        );
        let _ = writeln!(out, "{}", line.trim_end());
        if options.transcripts && !case.evidence.transcript.is_empty() {
            for transcript_line in transcript(&case.evidence.transcript, options.ascii).lines() {
                let _ = writeln!(out, "      {transcript_line}");
            }
        }
    }
    out.push('\n');
    out.push_str(&totals(report, &style));
    out
}

/// Renders a transcript as plain text, one line per request line, header and body line,
/// prefixed `>` for requests and `<` for responses. JUnit's `system-out` uses it too.
pub fn transcript(exchanges: &[Exchange], ascii: bool) -> String {
    let options = TextOptions {
        ascii,
        ..TextOptions::default()
    };
    let arrow = if ascii { "->" } else { "→" };
    let mut out = String::new();
    for exchange in exchanges {
        let _ = write!(
            out,
            "#{} {} {arrow} {} +{} ms",
            exchange.seq,
            clean(&exchange.from, &options),
            clean(&exchange.to, &options),
            exchange.elapsed_ms
        );
        if let Some(note) = &exchange.note {
            let _ = write!(out, " ({})", clean(note, &options));
        }
        out.push('\n');
        let request = &exchange.request;
        let _ = writeln!(
            out,
            "> {} {}",
            clean(&request.method, &options),
            clean(&request.url, &options)
        );
        write_message(
            '>',
            &request.headers,
            &request.body.content,
            &options,
            &mut out,
        );
        write_truncation('>', request.body.truncated, request.body.size, &mut out);
        if let Some(response) = &exchange.response {
            let _ = writeln!(out, "< {}", response.status);
            write_message(
                '<',
                &response.headers,
                &response.body.content,
                &options,
                &mut out,
            );
            write_truncation('<', response.body.truncated, response.body.size, &mut out);
        }
        if let Some(error) = &exchange.error {
            let _ = writeln!(out, "! {}", clean(error, &options));
        }
    }
    out
}

fn write_message(
    prefix: char,
    headers: &[(String, String)],
    body: &BodyContent,
    options: &TextOptions,
    out: &mut String,
) {
    for (name, value) in headers {
        let _ = writeln!(
            out,
            "{prefix} {}: {}",
            clean(name, options),
            clean(value, options)
        );
    }
    match body {
        BodyContent::Text(text) if text.is_empty() => {}
        BodyContent::Text(text) => {
            let _ = writeln!(out, "{prefix}");
            for line in text.lines() {
                let _ = writeln!(out, "{prefix} {}", clean(line, options));
            }
        }
        BodyContent::Base64(data) => {
            let _ = writeln!(out, "{prefix}");
            let _ = writeln!(out, "{prefix} [base64] {}", clean(data, options));
        }
    }
}

fn write_truncation(prefix: char, truncated: bool, size: u64, out: &mut String) {
    if truncated {
        let _ = writeln!(out, "{prefix} [truncated; {size} bytes in all]");
    }
}

fn totals(report: &Report, style: &Style) -> String {
    let summary = &report.summary;
    let mut out = format!(
        "{}: {}, {}, {} skipped, {}",
        plural(summary.total, "case", "cases"),
        style.paint("PASS", &format!("{} passed", summary.passed)),
        style.paint("FAIL", &format!("{} failed", summary.failed)),
        summary.skipped,
        style.paint("ERROR", &plural(summary.errors, "error", "errors")),
    );
    if summary.expected_failures > 0 || summary.unexpected_passes > 0 {
        let _ = write!(
            out,
            " ({}, {})",
            plural(
                summary.expected_failures,
                "expected failure",
                "expected failures"
            ),
            style.paint(
                "XPASS",
                &plural(
                    summary.unexpected_passes,
                    "unexpected pass",
                    "unexpected passes"
                )
            ),
        );
    }
    out.push('\n');
    for level in Level::ALL {
        let counts = summary.by_level.get(level);
        if counts.total > 0 {
            let _ = writeln!(out, "  {:<10}  {}", level.keyword(), level_line(counts));
        }
    }
    out
}

fn level_line(counts: &Counts) -> String {
    let mut parts = vec![format!("{}/{} passed", counts.passed, counts.total)];
    for (outcome, word) in [
        (Outcome::Fail, "failed"),
        (Outcome::Skip, "skipped"),
        (Outcome::Error, "error"),
    ] {
        match counts.of(outcome) {
            0 => {}
            1 => parts.push(format!("1 {word}")),
            n if outcome == Outcome::Error => parts.push(format!("{n} errors")),
            n => parts.push(format!("{n} {word}")),
        }
    }
    parts.join(", ")
}

fn plural(count: u64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The tag a listed case is shown with.
fn tag_of(case: &CaseReport) -> &'static str {
    if case.is_unexpected_pass() {
        "XPASS"
    } else if case.is_expected_failure() {
        "XFAIL"
    } else {
        match case.outcome {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
            Outcome::Error => "ERROR",
        }
    }
}

fn display_id(case: &CaseReport, show_profile: bool) -> String {
    if show_profile {
        format!("{} [{}]", case.id, case.profile)
    } else {
        case.id.clone()
    }
}

fn distinct_profiles(report: &Report) -> usize {
    let mut profiles: Vec<&str> = report.cases.iter().map(|c| c.profile.as_str()).collect();
    profiles.sort_unstable();
    profiles.dedup();
    profiles.len()
}

/// Makes untrusted text safe for a terminal line: control characters, bidirectional
/// controls and (in ASCII mode) all non-ASCII characters become `\u{..}` escapes.
pub fn sanitize(text: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let unsafe_char = c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || (ascii && !c.is_ascii());
        if c == '\t' {
            out.push(' ');
        } else if unsafe_char {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

fn clean(text: &str, options: &TextOptions) -> String {
    sanitize(text, options.ascii)
}

/// Punctuation and colours chosen once from the options.
struct Style {
    color: bool,
    dot: &'static str,
    dash: &'static str,
}

impl Style {
    fn new(options: &TextOptions) -> Self {
        Style {
            color: options.color,
            dot: if options.ascii { " | " } else { " · " },
            dash: if options.ascii { " -- " } else { " — " },
        }
    }

    /// Wraps already-clean `text` in the colour for `tag`, when colour is on.
    fn paint(&self, tag: &str, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match tag {
            "PASS" => "32",
            "FAIL" => "1;31",
            "ERROR" => "1;35",
            "XPASS" => "1;33",
            "XFAIL" => "2",
            _ => "0",
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }
}
