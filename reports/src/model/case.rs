//! One executed case: what it tested, what happened, and the evidence.
//!
//! A `CaseReport` is the record of one case expanded to one role and run under one profile
//! (and, when a run has several, one target). Its identity fields are copied from the suite's
//! case definition so that a report can be read without the suite at hand. Everything that
//! judges the implementation is in `outcome` and `evidence`; the two never disagree about
//! whose fault a result is (see [`crate::Report::check`]).

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::evidence::{Evidence, Fault, Mismatch};
use super::transcript::Exchange;

/// The verdict of one case, kept to four values so that every renderer treats them alike.
///
/// `Fail` is reserved for the implementation breaking the requirement; anything the harness,
/// the network or the environment got wrong is `Error`, so that a harness bug can never be
/// reported as a conformance failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The implementation behaved as the requirement demands (or as one accepted alternative).
    Pass,
    /// The implementation broke the requirement; `evidence` says how and who.
    Fail,
    /// The case did not apply: filtered out, capability not declared, or role not offered.
    Skip,
    /// The harness or transport broke before a verdict could be reached; never the IUT's fault.
    Error,
}

impl Outcome {
    /// Every outcome, in the order reports list them.
    pub const ALL: [Outcome; 4] = [Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Error];

    /// The lowercase name used in every file format.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How strongly the cited requirement binds, one per case so a SHOULD miss never hides a MUST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// An absolute requirement.
    Must,
    /// An absolute prohibition.
    MustNot,
    /// A recommendation; a miss is a warning.
    Should,
    /// A recommendation against; a miss is a warning.
    ShouldNot,
    /// Optional behaviour; recorded for information.
    May,
}

impl Level {
    /// Every level, strongest first.
    pub const ALL: [Level; 5] = [
        Level::Must,
        Level::MustNot,
        Level::Should,
        Level::ShouldNot,
        Level::May,
    ];

    /// The name used in every file format (`must-not`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::MustNot => "must-not",
            Level::Should => "should",
            Level::ShouldNot => "should-not",
            Level::May => "may",
        }
    }

    /// The keyword as the specs spell it (`MUST NOT`), for human-facing output.
    pub fn keyword(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::MustNot => "MUST NOT",
            Level::Should => "SHOULD",
            Level::ShouldNot => "SHOULD NOT",
            Level::May => "MAY",
        }
    }

    /// True for MUST and MUST NOT: the levels whose failures make an implementation
    /// non-conformant.
    pub fn is_required(self) -> bool {
        matches!(self, Level::Must | Level::MustNot)
    }

    /// True for SHOULD and SHOULD NOT.
    pub fn is_recommended(self) -> bool {
        matches!(self, Level::Should | Level::ShouldNot)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in which document the requirement lives.
///
/// The anchor (`verification` for `{#verification}`) survives renumbering between drafts;
/// the section number is kept for humans reading this revision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpecRef {
    /// Document name, e.g. `draft-hardt-aauth-protocol-11`.
    pub doc: String,
    /// Heading anchor without `#`, e.g. `verification`.
    pub anchor: String,
    /// Section number in that revision, e.g. `13.8.4`.
    pub section: String,
}

impl SpecRef {
    /// Builds a reference from its three parts.
    pub fn new(
        doc: impl Into<String>,
        anchor: impl Into<String>,
        section: impl Into<String>,
    ) -> Self {
        SpecRef {
            doc: doc.into(),
            anchor: anchor.into(),
            section: section.into(),
        }
    }

    /// Orders references by document, then by section number compared part by part, so
    /// that `13.10` sorts after `13.9` and appendix letters after numbers.
    pub fn compare_sections(&self, other: &SpecRef) -> Ordering {
        self.doc
            .cmp(&other.doc)
            .then_with(|| compare_section_numbers(&self.section, &other.section))
    }
}

impl fmt::Display for SpecRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} §{}", self.doc, self.section)?;
        if !self.anchor.is_empty() {
            write!(f, " (#{})", self.anchor)?;
        }
        Ok(())
    }
}

/// Compares dotted section numbers numerically where both parts are numbers.
pub(crate) fn compare_section_numbers(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.trim().parse::<u64>(), y.trim().parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// What a baseline (`--expect FILE`) said about this case, and how the run compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    /// The outcome the baseline predicts; version 1 baselines only predict `fail`.
    pub expected: Outcome,
    /// Why the deviation is expected (every baseline entry carries one).
    pub reason: String,
    /// How the actual outcome compared with the prediction.
    pub status: ExpectationStatus,
}

impl Expectation {
    /// Records a baseline entry predicting failure and resolves it against the actual outcome.
    pub fn expected_failure(reason: impl Into<String>, actual: Outcome) -> Self {
        Expectation {
            expected: Outcome::Fail,
            reason: reason.into(),
            status: ExpectationStatus::resolve(Outcome::Fail, actual),
        }
    }
}

/// The comparison of a baseline prediction with the actual outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExpectationStatus {
    /// Failed as the baseline predicts: known, tolerated, not a regression.
    #[serde(rename = "xfail")]
    XFail,
    /// Passed although the baseline predicts failure: the baseline is stale.
    #[serde(rename = "xpass")]
    XPass,
    /// Skipped or errored, so the prediction could be neither confirmed nor refuted.
    #[serde(rename = "unresolved")]
    Unresolved,
}

impl ExpectationStatus {
    /// Compares a predicted outcome with the actual one.
    pub fn resolve(expected: Outcome, actual: Outcome) -> Self {
        match (expected, actual) {
            (Outcome::Fail, Outcome::Fail) => ExpectationStatus::XFail,
            (Outcome::Fail, Outcome::Pass) => ExpectationStatus::XPass,
            _ => ExpectationStatus::Unresolved,
        }
    }

    /// The name used in every file format.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectationStatus::XFail => "xfail",
            ExpectationStatus::XPass => "xpass",
            ExpectationStatus::Unresolved => "unresolved",
        }
    }
}

/// The record of one case run against one role under one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// Expanded id, `<base_id>@<role>`, e.g. `sig.created.too-old@resource`. Unique together
    /// with `profile` and `target`.
    pub id: String,
    /// The case id before role expansion, e.g. `sig.created.too-old`.
    pub base_id: String,
    /// What the case sends or does ("Sends a request whose `created` is 61 s old").
    pub title: String,
    /// Catalogue id of the one requirement the case cites, e.g. `SIG-007`.
    pub requirement: String,
    /// The role the implementation played (`resource`, `person-server`, ...).
    pub role: String,
    /// The profile the case ran under (`aauth-11`, ...).
    pub profile: String,
    /// Name of the target (from `run.targets`) the case ran against, when known.
    #[serde(default)]
    pub target: Option<String>,
    /// How strongly the requirement binds.
    pub level: Level,
    /// Where the requirement is stated.
    pub spec: SpecRef,
    /// The verdict.
    pub outcome: Outcome,
    /// What a baseline said about this case, if one was in force and named it.
    #[serde(default)]
    pub expectation: Option<Expectation>,
    /// Wall-clock time the case took.
    #[serde(default)]
    pub duration_ms: u64,
    /// One-line explanation of a fail or error (may quote implementation output).
    #[serde(default)]
    pub message: Option<String>,
    /// Why the case was skipped; present exactly when `outcome` is `skip`.
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// What was seen: fault, typed mismatch, alternatives and the transcript.
    #[serde(default)]
    pub evidence: Evidence,
}

impl CaseReport {
    /// Starts the record of `base_id` expanded to `role` under `profile`; the remaining fields
    /// are filled with the `with_*` methods. The id is derived as `<base_id>@<role>`.
    pub fn new(
        base_id: impl Into<String>,
        role: impl Into<String>,
        profile: impl Into<String>,
        level: Level,
        outcome: Outcome,
    ) -> Self {
        let base_id = base_id.into();
        let role = role.into();
        CaseReport {
            id: format!("{base_id}@{role}"),
            base_id,
            title: String::new(),
            requirement: String::new(),
            role,
            profile: profile.into(),
            target: None,
            level,
            spec: SpecRef::default(),
            outcome,
            expectation: None,
            duration_ms: 0,
            message: None,
            skip_reason: None,
            evidence: Evidence::default(),
        }
    }

    /// Sets the stimulus description.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the catalogue id of the cited requirement.
    pub fn with_requirement(mut self, requirement: impl Into<String>) -> Self {
        self.requirement = requirement.into();
        self
    }

    /// Sets where the requirement is stated.
    pub fn with_spec(mut self, spec: SpecRef) -> Self {
        self.spec = spec;
        self
    }

    /// Names the target the case ran against.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the wall-clock duration.
    pub fn with_duration_ms(mut self, duration_ms: u64) -> Self {
        self.duration_ms = duration_ms;
        self
    }

    /// Sets the one-line explanation.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets why the case was skipped.
    pub fn with_skip_reason(mut self, reason: impl Into<String>) -> Self {
        self.skip_reason = Some(reason.into());
        self
    }

    /// Records that a baseline predicted failure for this case, resolved against the outcome
    /// already set. Call after the outcome is final.
    pub fn with_expected_failure(mut self, reason: impl Into<String>) -> Self {
        self.expectation = Some(Expectation::expected_failure(reason, self.outcome));
        self
    }

    /// Names the party at fault.
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.evidence.fault = Some(fault);
        self
    }

    /// Records the typed difference between what was wanted and what was seen.
    pub fn with_mismatch(mut self, mismatch: Mismatch) -> Self {
        self.evidence.mismatch = Some(mismatch);
        self
    }

    /// Records the set of answers the case accepts and the one actually seen, if any.
    pub fn with_alternatives<I, S>(mut self, accepted: I, seen: Option<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.evidence.accepted_alternatives = accepted.into_iter().map(Into::into).collect();
        self.evidence.seen_alternative = seen;
        self
    }

    /// Appends one exchange to the transcript.
    pub fn with_exchange(mut self, exchange: Exchange) -> Self {
        self.evidence.transcript.push(exchange);
        self
    }

    /// Replaces the transcript.
    pub fn with_transcript(mut self, transcript: Vec<Exchange>) -> Self {
        self.evidence.transcript = transcript;
        self
    }

    /// True when the case failed and a baseline expected exactly that.
    pub fn is_expected_failure(&self) -> bool {
        self.outcome == Outcome::Fail && self.expectation_status() == Some(ExpectationStatus::XFail)
    }

    /// True when the case passed although a baseline expected it to fail.
    pub fn is_unexpected_pass(&self) -> bool {
        self.outcome == Outcome::Pass && self.expectation_status() == Some(ExpectationStatus::XPass)
    }

    /// The baseline comparison, if a baseline named this case.
    pub fn expectation_status(&self) -> Option<ExpectationStatus> {
        self.expectation.as_ref().map(|e| e.status)
    }

    /// The text that the HTML and text filters match against: id, title and requirement.
    pub fn search_text(&self) -> String {
        format!("{} {} {}", self.id, self.title, self.requirement).to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_numbers_compare_numerically_and_appendices_last() {
        let mut sections = vec!["13.10", "13.9", "A.1", "2", "13.8.4", "13.8"];
        sections.sort_by(|a, b| compare_section_numbers(a, b));
        assert_eq!(
            sections,
            vec!["2", "13.8", "13.8.4", "13.9", "13.10", "A.1"]
        );
    }

    #[test]
    fn expected_failure_resolves_against_the_outcome() {
        let fail = CaseReport::new("a.b", "resource", "aauth-11", Level::Must, Outcome::Fail)
            .with_expected_failure("known");
        assert!(fail.is_expected_failure());
        let pass = CaseReport::new("a.b", "resource", "aauth-11", Level::Must, Outcome::Pass)
            .with_expected_failure("known");
        assert!(pass.is_unexpected_pass());
        let skip = CaseReport::new("a.b", "resource", "aauth-11", Level::Must, Outcome::Skip)
            .with_expected_failure("known");
        assert_eq!(
            skip.expectation_status(),
            Some(ExpectationStatus::Unresolved)
        );
    }

    #[test]
    fn levels_serialise_in_kebab_case() {
        let text = serde_json::to_string(&Level::MustNot).unwrap();
        assert_eq!(text, "\"must-not\"");
    }
}
