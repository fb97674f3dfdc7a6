//! One [`CaseResult`] and its verdict as a report case.
//!
//! The report keeps the outcome and the baseline apart, as the suite does: the outcome is
//! what the implementation did, the expectation is what the baseline said about it. Faults
//! follow the suite's rule that a failure is the implementation's and an error never is:
//! `Fail` blames the implementation playing [`Failure::at_fault`] (which, in a multi-party
//! flow, need not be the role the case addressed), and `Error` blames the harness or the
//! transport according to the [`HarnessError`] kind.

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use aauth_reports::{CaseReport, Fault, Level as ReportLevel, Outcome as ReportOutcome, SpecRef};

use super::mismatch::{mismatch, MismatchEvidence};
use super::transcript::exchange;
use crate::case::Level;
use crate::expect::{Baseline, Judged};
use crate::index::RequirementIndex;
use crate::outcome::{Failure, HarnessError, Outcome};
use crate::runner::CaseResult;
use crate::target::DeclaredTarget;

/// What a case conversion consults besides the result itself.
#[derive(Clone, Copy, Debug)]
pub struct CaseSources<'a> {
    /// The requirement index, for spec references and requirement summaries.
    pub index: &'a RequirementIndex,
    /// The baseline in force, for the reasons of expected failures.
    pub baseline: Option<&'a Baseline>,
    /// Every target, to name the one at fault when it is not the one addressed.
    pub targets: &'a [DeclaredTarget],
}

/// Converts one result and its judgement.
pub fn case(result: &CaseResult, judged: Option<&Judged>, sources: CaseSources<'_>) -> CaseReport {
    let meta = result.meta;
    let requirement = sources.index.get(&meta.requirement);
    let spec = requirement
        .map(|row| {
            SpecRef::new(
                row.spec.doc.as_str(),
                row.spec.anchor.as_str(),
                row.spec.section.as_str(),
            )
        })
        .unwrap_or_default();
    let mut report = CaseReport::new(
        result.id.case.as_str(),
        result.id.role.as_str(),
        result.profile.as_str(),
        level(meta.level),
        outcome(&result.outcome),
    )
    .with_title(meta.title)
    .with_requirement(meta.requirement.as_str())
    .with_spec(spec)
    .with_duration_ms(u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX))
    .with_transcript(result.transcript.iter().map(exchange).collect());
    if let Some(target) = &result.target {
        report = report.with_target(target.as_str());
    }
    match &result.outcome {
        Outcome::Pass => {}
        Outcome::Fail(failure) => {
            let evidence = MismatchEvidence {
                transcript: &result.transcript,
                requirement: requirement
                    .map(|row| row.summary.as_str())
                    .unwrap_or(meta.requirement.as_str()),
            };
            report = report
                .with_message(failure.to_string())
                .with_fault(implementation_fault(result, failure, sources.targets))
                .with_mismatch(mismatch(&failure.mismatch, evidence))
                .with_alternatives(failure.accepted.iter().cloned(), failure.seen.clone());
        }
        Outcome::Skip(reason) => report = report.with_skip_reason(reason.as_str()),
        Outcome::Error(error) => {
            report = report
                .with_message(error.to_string())
                .with_fault(harness_fault(error));
        }
    }
    let reason = judged
        .and_then(|j| j.expected)
        .and_then(|i| sources.baseline?.entries().get(i))
        .map(|entry| entry.reason.as_str());
    if let Some(reason) = reason {
        // Resolved against the outcome: xfail for a fail, xpass for a pass, unresolved for a
        // skip or error, which is exactly how the suite judges them (see `crate::expect`).
        report = report.with_expected_failure(reason);
    }
    report
}

/// The report's outcome for the suite's.
pub fn outcome(outcome: &Outcome) -> ReportOutcome {
    match outcome {
        Outcome::Pass => ReportOutcome::Pass,
        Outcome::Fail(_) => ReportOutcome::Fail,
        Outcome::Skip(_) => ReportOutcome::Skip,
        Outcome::Error(_) => ReportOutcome::Error,
    }
}

/// The report's level for the suite's.
pub fn level(level: Level) -> ReportLevel {
    match level {
        Level::Must => ReportLevel::Must,
        Level::MustNot => ReportLevel::MustNot,
        Level::Should => ReportLevel::Should,
        Level::ShouldNot => ReportLevel::ShouldNot,
        Level::May => ReportLevel::May,
    }
}

/// The party an error is attributed to: the path for transport failures and timeouts, the
/// harness for everything the suite or its configuration got wrong.
pub fn harness_fault(error: &HarnessError) -> Fault {
    match error {
        HarnessError::Transport(_) | HarnessError::Timeout(_) => Fault::Transport,
        HarnessError::Config(_) | HarnessError::Panic(_) | HarnessError::Unsupported(_) => {
            Fault::Harness
        }
    }
}

/// The implementation at fault, with its target name: the result's own target when the
/// addressed role is to blame, else whichever target plays the blamed role under the
/// case's profile.
fn implementation_fault(
    result: &CaseResult,
    failure: &Failure,
    targets: &[DeclaredTarget],
) -> Fault {
    let role = failure.at_fault;
    let target = if role == result.id.role {
        result.target.clone()
    } else {
        target_playing(targets, role, result.profile)
    };
    Fault::Implementation {
        role: role.as_str().to_owned(),
        target,
    }
}

fn target_playing(targets: &[DeclaredTarget], role: Role, profile: Profile) -> Option<String> {
    targets
        .iter()
        .find(|t| t.role == role && t.profile == profile)
        .map(|t| t.info.name.clone())
}
