//! `aauth-conform coverage`: catalogue rows without a case, per group, and the exclusions.

use std::fmt::Write;

use super::{harness_error, print_stdout};
use crate::coverage::coverage;
use crate::expect::ExitStatus;
use crate::index;
use crate::registry::default_registry;

/// Runs the `coverage` command. Always exit 0 when the data loads: missing coverage is a
/// to-do list, not a failure.
pub fn execute() -> ExitStatus {
    let (index, exclusions) = match (index::bundled(), index::bundled_exclusions()) {
        (Ok(index), Ok(exclusions)) => (index, exclusions),
        (Err(error), _) => return harness_error(error),
        (_, Err(error)) => return harness_error(error),
    };
    let registry = default_registry();
    let report = coverage(index, registry.metas(), exclusions);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<5} {:>5} {:>7} {:>8} {:>7}",
        "group", "rows", "covered", "excluded", "missing"
    );
    for group in &report.groups {
        let _ = writeln!(
            out,
            "{:<5} {:>5} {:>7} {:>8} {:>7}",
            group.group,
            group.total,
            group.covered,
            group.excluded.len(),
            group.missing.len()
        );
    }
    for group in &report.groups {
        for row in &group.missing {
            let _ = writeln!(
                out,
                "missing  {:<7} {:<11} {:<8} {} ({} §{})",
                row.id.as_str(),
                row.level.as_str(),
                row.testability.as_str(),
                row.summary,
                row.spec.doc,
                row.spec.section
            );
        }
    }
    for group in &report.groups {
        for (row, reason) in &group.excluded {
            let _ = writeln!(out, "excluded {:<7} {reason}", row.id.as_str());
        }
    }
    for id in &report.stale_exclusions {
        let _ = writeln!(
            out,
            "warning: {id} is excluded but a case cites it; drop the exclusion"
        );
    }
    for id in &report.unknown_exclusions {
        let _ = writeln!(out, "warning: exclusion {id} names no catalogue row");
    }
    let _ = writeln!(out, "{} row(s) without a case", report.missing_total());
    print_stdout(&out)
}
