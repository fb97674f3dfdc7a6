//! The case list: controls, one `<details>` per case, and the transcript inside it.
//!
//! Every case element carries `data-outcome`, `data-requirement` and `data-search` (id, title
//! and requirement, lowercased) for the page script's filter; all are escaped attribute
//! values. Element ids are `case-<n>` by report position, unique by construction.

use std::fmt::{self, Write as _};

use super::escape::escape;
use crate::model::{Body, BodyContent, CaseReport, Exchange, Outcome, Report};

/// Writes the cases section.
pub(super) fn render(report: &Report, out: &mut String) -> fmt::Result {
    writeln!(out, "<section id=\"cases\">")?;
    writeln!(out, "<h2>Cases</h2>")?;
    controls(report, out)?;
    writeln!(
        out,
        "<div class=\"case-head\" aria-hidden=\"true\"><span>Outcome</span><span>Case</span>\
         <span>Level</span><span>Requirement</span><span>Title</span><span>Time</span></div>"
    )?;
    writeln!(out, "<div id=\"case-list\">")?;
    for (index, case) in report.cases.iter().enumerate() {
        case_html(index + 1, case, out)?;
    }
    writeln!(out, "</div>")?;
    writeln!(out, "</section>")
}

fn controls(report: &Report, out: &mut String) -> fmt::Result {
    writeln!(out, "<div class=\"controls\">")?;
    writeln!(
        out,
        "<input id=\"filter\" type=\"search\" placeholder=\"Filter by id, title or requirement\" \
         aria-label=\"Filter cases\" autocomplete=\"off\">"
    )?;
    for outcome in Outcome::ALL {
        writeln!(
            out,
            "<label class=\"toggle {0}\"><input type=\"checkbox\" data-outcome=\"{0}\" checked> {0} ({1})</label>",
            outcome.as_str(),
            report.summary.of(outcome)
        )?;
    }
    writeln!(
        out,
        "<button type=\"button\" id=\"expand-all\">Expand shown</button>\
         <button type=\"button\" id=\"collapse-all\">Collapse all</button>"
    )?;
    writeln!(out, "<span id=\"shown\" aria-live=\"polite\"></span>")?;
    writeln!(out, "</div>")
}

fn badge(case: &CaseReport) -> (&'static str, &'static str) {
    if case.is_unexpected_pass() {
        ("xpass", "XPASS")
    } else if case.is_expected_failure() {
        ("xfail", "XFAIL")
    } else {
        match case.outcome {
            Outcome::Pass => ("pass", "PASS"),
            Outcome::Fail => ("fail", "FAIL"),
            Outcome::Skip => ("skip", "SKIP"),
            Outcome::Error => ("error", "ERROR"),
        }
    }
}

fn case_html(number: usize, case: &CaseReport, out: &mut String) -> fmt::Result {
    let (class, label) = badge(case);
    writeln!(
        out,
        "<details class=\"case {class}\" id=\"case-{number}\" data-outcome=\"{}\" data-requirement=\"{}\" data-search=\"{}\">",
        case.outcome.as_str(),
        escape(&case.requirement),
        escape(&case.search_text())
    )?;
    writeln!(
        out,
        "<summary><span class=\"badge {class}\">{label}</span><code class=\"id\">{}</code>\
         <span class=\"level {}\">{}</span><span class=\"req\">{}</span><span class=\"title\">{}</span>\
         <span class=\"time\">{} ms</span></summary>",
        escape(&case.id),
        case.level.as_str(),
        case.level.keyword(),
        escape(&case.requirement),
        escape(&case.title),
        case.duration_ms
    )?;
    writeln!(out, "<div class=\"detail\">")?;
    facts(case, out)?;
    verdict(case, out)?;
    transcript(&case.evidence.transcript, out)?;
    writeln!(out, "</div>")?;
    writeln!(out, "</details>")
}

fn facts(case: &CaseReport, out: &mut String) -> fmt::Result {
    writeln!(out, "<dl class=\"facts\">")?;
    let spec = &case.spec;
    fact(
        out,
        "Requirement",
        &format!("{} ({})", case.requirement, case.level.keyword()),
    )?;
    let anchor = if spec.anchor.is_empty() {
        String::new()
    } else {
        format!(" #{}", spec.anchor)
    };
    fact(
        out,
        "Spec",
        &format!("{} §{}{anchor}", spec.doc, spec.section),
    )?;
    fact(out, "Case", &case.base_id)?;
    fact(out, "Role", &case.role)?;
    fact(out, "Profile", &case.profile)?;
    if let Some(target) = &case.target {
        fact(out, "Target", target)?;
    }
    writeln!(out, "</dl>")
}

fn fact(out: &mut String, name: &str, value: &str) -> fmt::Result {
    writeln!(out, "<div><dt>{name}</dt><dd>{}</dd></div>", escape(value))
}

fn verdict(case: &CaseReport, out: &mut String) -> fmt::Result {
    let evidence = &case.evidence;
    if let Some(message) = &case.message {
        writeln!(out, "<p class=\"message\">{}</p>", escape(message))?;
    }
    if let Some(reason) = &case.skip_reason {
        writeln!(
            out,
            "<p class=\"message skip\">Skipped: {}</p>",
            escape(reason)
        )?;
    }
    if let Some(expectation) = &case.expectation {
        writeln!(
            out,
            "<p class=\"baseline {0}\">Baseline expects <b>{1}</b>: {2} <span class=\"badge {0}\">{0}</span></p>",
            expectation.status.as_str(),
            expectation.expected.as_str(),
            escape(&expectation.reason)
        )?;
    }
    if evidence.fault.is_none()
        && evidence.mismatch.is_none()
        && evidence.accepted_alternatives.is_empty()
    {
        return Ok(());
    }
    writeln!(out, "<table class=\"evidence\"><tbody>")?;
    if let Some(fault) = &evidence.fault {
        writeln!(
            out,
            "<tr><th>At fault</th><td>{}</td></tr>",
            escape(&fault.to_string())
        )?;
    }
    if let Some(mismatch) = &evidence.mismatch {
        writeln!(
            out,
            "<tr><th>Mismatch</th><td><code>{}</code></td></tr>\
             <tr><th>Wanted</th><td>{}</td></tr><tr><th>Got</th><td class=\"got\">{}</td></tr>",
            mismatch.kind().as_str(),
            escape(&mismatch.want_text()),
            escape(&mismatch.got_text())
        )?;
    }
    if !evidence.accepted_alternatives.is_empty() {
        write!(
            out,
            "<tr><th>Accepted answers</th><td><ul class=\"alternatives\">"
        )?;
        for alternative in &evidence.accepted_alternatives {
            let seen = evidence.seen_alternative.as_deref() == Some(alternative.as_str());
            write!(
                out,
                "<li{}>{}{}</li>",
                if seen { " class=\"seen\"" } else { "" },
                escape(alternative),
                if seen { " <b>(seen)</b>" } else { "" }
            )?;
        }
        writeln!(out, "</ul></td></tr>")?;
    }
    writeln!(out, "</tbody></table>")
}

fn transcript(exchanges: &[Exchange], out: &mut String) -> fmt::Result {
    if exchanges.is_empty() {
        return writeln!(out, "<p class=\"none\">No transcript.</p>");
    }
    writeln!(out, "<div class=\"transcript\">")?;
    for exchange in exchanges {
        writeln!(out, "<div class=\"exchange\">")?;
        write!(
            out,
            "<div class=\"xhead\"><b>#{}</b> {} → {} <span class=\"at\">+{} ms</span>",
            exchange.seq,
            escape(&exchange.from),
            escape(&exchange.to),
            exchange.elapsed_ms
        )?;
        if let Some(note) = &exchange.note {
            write!(out, " <span class=\"note\">{}</span>", escape(note))?;
        }
        writeln!(out, "</div>")?;
        let request = &exchange.request;
        writeln!(
            out,
            "<div class=\"message-block request\"><div class=\"start\">{} {}</div>",
            escape(&request.method),
            escape(&request.url)
        )?;
        headers(&request.headers, out)?;
        body(&request.body, out)?;
        writeln!(out, "</div>")?;
        if let Some(response) = &exchange.response {
            writeln!(
                out,
                "<div class=\"message-block response s{}xx\"><div class=\"start\">{}</div>",
                response.status / 100,
                response.status
            )?;
            headers(&response.headers, out)?;
            body(&response.body, out)?;
            writeln!(out, "</div>")?;
        }
        if let Some(error) = &exchange.error {
            writeln!(
                out,
                "<div class=\"xerror\">No response: {}</div>",
                escape(error)
            )?;
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</div>")
}

fn headers(headers: &[(String, String)], out: &mut String) -> fmt::Result {
    if headers.is_empty() {
        return Ok(());
    }
    write!(out, "<table class=\"headers\"><tbody>")?;
    for (name, value) in headers {
        write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(name),
            escape(value)
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn body(body: &Body, out: &mut String) -> fmt::Result {
    if body.is_empty() {
        return Ok(());
    }
    match &body.content {
        BodyContent::Text(text) => writeln!(out, "<pre class=\"body\">{}</pre>", escape(text))?,
        BodyContent::Base64(data) => writeln!(
            out,
            "<div class=\"body-label\">binary body, base64:</div><pre class=\"body base64\">{}</pre>",
            escape(data)
        )?,
    }
    if body.truncated {
        writeln!(
            out,
            "<div class=\"body-label\">truncated; {} bytes in all</div>",
            body.size
        )?;
    }
    Ok(())
}
