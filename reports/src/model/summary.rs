//! Totals over a run's cases.
//!
//! The four outcome counts partition the cases (`passed + failed + skipped + errors ==
//! total`). The baseline counts are overlays on them: `expected_failures` is the part of
//! `failed` that a baseline predicted, and `unexpected_passes` the part of `passed` that a
//! baseline said would fail. How these turn into an exit code is the suite's business; the
//! summary only states facts, and is always recomputable from the cases.

use serde::{Deserialize, Serialize};

use super::case::{CaseReport, Level, Outcome};

/// Outcome counts for one slice of the cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Cases in the slice.
    pub total: u64,
    /// Cases that passed.
    pub passed: u64,
    /// Cases that failed (including expected failures).
    pub failed: u64,
    /// Cases skipped.
    pub skipped: u64,
    /// Cases that ended in a harness or transport error.
    pub errors: u64,
}

impl Counts {
    /// Adds one case with `outcome`.
    pub fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Skip => self.skipped += 1,
            Outcome::Error => self.errors += 1,
        }
    }

    /// The count for one outcome.
    pub fn of(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Pass => self.passed,
            Outcome::Fail => self.failed,
            Outcome::Skip => self.skipped,
            Outcome::Error => self.errors,
        }
    }
}

/// Outcome counts per requirement level, one field per level so the JSON shape is fixed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCounts {
    /// MUST cases.
    pub must: Counts,
    /// MUST NOT cases.
    #[serde(rename = "must-not")]
    pub must_not: Counts,
    /// SHOULD cases.
    pub should: Counts,
    /// SHOULD NOT cases.
    #[serde(rename = "should-not")]
    pub should_not: Counts,
    /// MAY cases.
    pub may: Counts,
}

impl LevelCounts {
    /// The counts for one level.
    pub fn get(&self, level: Level) -> &Counts {
        match level {
            Level::Must => &self.must,
            Level::MustNot => &self.must_not,
            Level::Should => &self.should,
            Level::ShouldNot => &self.should_not,
            Level::May => &self.may,
        }
    }

    fn get_mut(&mut self, level: Level) -> &mut Counts {
        match level {
            Level::Must => &mut self.must,
            Level::MustNot => &mut self.must_not,
            Level::Should => &mut self.should,
            Level::ShouldNot => &mut self.should_not,
            Level::May => &mut self.may,
        }
    }
}

/// Totals over all cases of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of cases.
    pub total: u64,
    /// Cases that passed (including unexpected passes).
    pub passed: u64,
    /// Cases that failed (including expected failures).
    pub failed: u64,
    /// Cases skipped.
    pub skipped: u64,
    /// Cases that ended in a harness or transport error.
    pub errors: u64,
    /// Failures a baseline predicted (`xfail`).
    pub expected_failures: u64,
    /// Passes a baseline said would fail (`xpass`).
    pub unexpected_passes: u64,
    /// The same outcome counts split by requirement level.
    pub by_level: LevelCounts,
}

impl Summary {
    /// Counts `cases`. This is the only way a summary should be produced, so that it always
    /// agrees with the cases it summarises.
    pub fn from_cases(cases: &[CaseReport]) -> Self {
        let mut summary = Summary::default();
        for case in cases {
            summary.total += 1;
            match case.outcome {
                Outcome::Pass => summary.passed += 1,
                Outcome::Fail => summary.failed += 1,
                Outcome::Skip => summary.skipped += 1,
                Outcome::Error => summary.errors += 1,
            }
            if case.is_expected_failure() {
                summary.expected_failures += 1;
            }
            if case.is_unexpected_pass() {
                summary.unexpected_passes += 1;
            }
            summary.by_level.get_mut(case.level).add(case.outcome);
        }
        summary
    }

    /// Failures no baseline predicted: the regressions.
    pub fn unexpected_failures(&self) -> u64 {
        self.failed.saturating_sub(self.expected_failures)
    }

    /// The count for one outcome over all cases.
    pub fn of(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Pass => self.passed,
            Outcome::Fail => self.failed,
            Outcome::Skip => self.skipped,
            Outcome::Error => self.errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(level: Level, outcome: Outcome) -> CaseReport {
        CaseReport::new("a.b", "resource", "aauth-11", level, outcome)
    }

    #[test]
    fn outcome_counts_partition_the_cases_and_baselines_overlay_them() {
        let cases = vec![
            case(Level::Must, Outcome::Pass),
            case(Level::Must, Outcome::Fail),
            case(Level::Must, Outcome::Fail).with_expected_failure("known"),
            case(Level::Should, Outcome::Pass).with_expected_failure("stale"),
            case(Level::May, Outcome::Skip),
            case(Level::MustNot, Outcome::Error),
        ];
        let summary = Summary::from_cases(&cases);
        assert_eq!(summary.total, 6);
        assert_eq!(
            summary.passed + summary.failed + summary.skipped + summary.errors,
            summary.total
        );
        assert_eq!(summary.failed, 2);
        assert_eq!(summary.expected_failures, 1);
        assert_eq!(summary.unexpected_failures(), 1);
        assert_eq!(summary.unexpected_passes, 1);
        assert_eq!(summary.by_level.must.total, 3);
        assert_eq!(summary.by_level.must_not.errors, 1);
        assert_eq!(summary.by_level.should.passed, 1);
    }
}
