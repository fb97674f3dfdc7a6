//! The coverage matrix: one row per spec section, one column per requirement level.
//!
//! Each cell counts the cases citing that section at that level and is coloured by its worst
//! result: an unexpected failure beats an error, which beats an unexpected pass (a stale
//! baseline), which beats an expected failure, which beats a pass; a cell of skips only is
//! grey. Rows follow section order (numeric per part),
//! documents apart; columns show only the levels that occur in the report.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use super::escape::escape;
use crate::model::{compare_section_numbers, CaseReport, Counts, Level, Report, SpecRef};

/// One row: a section of one document.
struct Row<'a> {
    spec: &'a SpecRef,
    cells: [Cell; 5],
}

/// One cell's tallies.
#[derive(Default, Clone, Copy)]
struct Cell {
    counts: Counts,
    expected_failures: u64,
    unexpected_passes: u64,
}

impl Cell {
    fn add(&mut self, case: &CaseReport) {
        self.counts.add(case.outcome);
        if case.is_expected_failure() {
            self.expected_failures += 1;
        }
        if case.is_unexpected_pass() {
            self.unexpected_passes += 1;
        }
    }

    fn class(&self) -> &'static str {
        let counts = &self.counts;
        if counts.total == 0 {
            "empty"
        } else if counts.failed > self.expected_failures {
            "fail"
        } else if counts.errors > 0 {
            "error"
        } else if self.unexpected_passes > 0 {
            "xpass"
        } else if counts.failed > 0 {
            "xfail"
        } else if counts.passed > 0 {
            "pass"
        } else {
            "skip"
        }
    }
}

fn level_index(level: Level) -> usize {
    match level {
        Level::Must => 0,
        Level::MustNot => 1,
        Level::Should => 2,
        Level::ShouldNot => 3,
        Level::May => 4,
    }
}

/// Writes the matrix section.
pub(super) fn render(report: &Report, out: &mut String) -> fmt::Result {
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut levels = BTreeSet::new();
    for case in &report.cases {
        levels.insert(case.level);
        let position = rows
            .iter()
            .position(|row| row.spec.doc == case.spec.doc && row.spec.section == case.spec.section);
        let row = match position {
            Some(i) => rows.get_mut(i),
            None => {
                rows.push(Row {
                    spec: &case.spec,
                    cells: [Cell::default(); 5],
                });
                rows.last_mut()
            }
        };
        if let Some(cell) = row.and_then(|row| row.cells.get_mut(level_index(case.level))) {
            cell.add(case);
        }
    }
    rows.sort_by(|a, b| {
        a.spec
            .doc
            .cmp(&b.spec.doc)
            .then_with(|| compare_section_numbers(&a.spec.section, &b.spec.section))
    });

    writeln!(out, "<section id=\"matrix\">")?;
    writeln!(out, "<h2>Requirements by section and level</h2>")?;
    if rows.is_empty() {
        return writeln!(out, "<p class=\"none\">No cases.</p></section>");
    }
    write!(out, "<table class=\"matrix\"><thead><tr><th>Section</th>")?;
    for level in &levels {
        write!(out, "<th>{}</th>", level.keyword())?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    for row in &rows {
        write!(
            out,
            "<tr><th scope=\"row\"><span class=\"section\">§{}</span>",
            escape(&row.spec.section)
        )?;
        if !row.spec.anchor.is_empty() {
            write!(
                out,
                " <span class=\"anchor\">#{}</span>",
                escape(&row.spec.anchor)
            )?;
        }
        write!(
            out,
            " <span class=\"doc\">{}</span></th>",
            escape(&row.spec.doc)
        )?;
        for level in &levels {
            let cell = row
                .cells
                .get(level_index(*level))
                .copied()
                .unwrap_or_default();
            cell_html(&cell, out)?;
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody></table>")?;
    writeln!(
        out,
        "<p class=\"legend\"><span class=\"cell pass\">passed</span> <span class=\"cell fail\">failed</span> \
         <span class=\"cell error\">error</span> <span class=\"cell xpass\">unexpected pass</span> <span class=\"cell xfail\">expected failure</span> \
         <span class=\"cell skip\">skipped only</span> Cells show passed / run (skips not counted as run).</p>"
    )?;
    writeln!(out, "</section>")
}

fn cell_html(cell: &Cell, out: &mut String) -> fmt::Result {
    let counts = &cell.counts;
    if counts.total == 0 {
        return write!(out, "<td class=\"cell empty\"></td>");
    }
    let run = counts.total - counts.skipped;
    write!(
        out,
        "<td class=\"cell {}\" title=\"{} passed ({} unexpectedly), {} failed ({} expected), {} skipped, {} errors\">",
        cell.class(),
        counts.passed,
        cell.unexpected_passes,
        counts.failed,
        cell.expected_failures,
        counts.skipped,
        counts.errors,
    )?;
    if run == 0 {
        return write!(out, "skipped</td>");
    }
    write!(out, "{}/{run}", counts.passed)?;
    if counts.failed > 0 {
        write!(out, " <span class=\"n-fail\">{} fail</span>", counts.failed)?;
    }
    if counts.errors > 0 {
        write!(out, " <span class=\"n-error\">{} err</span>", counts.errors)?;
    }
    if cell.unexpected_passes > 0 {
        write!(
            out,
            " <span class=\"n-xpass\">{} xpass</span>",
            cell.unexpected_passes
        )?;
    }
    write!(out, "</td>")
}
