//! Baselines (`--expect FILE.toml`): the failures of an implementation that are already known,
//! so CI gates on regressions instead of on the backlog. Like BoGo's `DisabledTests` and
//! regex's `BLACKLIST`, every entry carries a reason.
//!
//! ```toml
//! [[expected]]
//! id = "sig.created.too-old@resource"   # glob over case ids, as in --filter
//! reason = "SIG-007 §13.8.4: accepts created = now-3600 (issue #12)"
//! profile = "aauth-10"                  # optional: only under this profile
//! ```
//!
//! Judgement of each result (first matching entry wins):
//!
//! | outcome | no entry | entry |
//! |---|---|---|
//! | pass | pass | **xpass** (the baseline is stale: gates) |
//! | fail, MUST level | **fail** (gates) | xfail |
//! | fail, SHOULD/MAY level | warn | xfail |
//! | skip | skip | skip |
//! | error | error | error |
//!
//! An entry that matches no case of the registry is a warning (a renamed or retired case).
//!
//! Exit status precedence: 1 if any result gates (`fail` or `xpass`); otherwise 3 if any
//! result is `error`; otherwise 0. A definite conformance failure is never hidden behind a
//! harness error, and a run with errors is never reported as a clean pass. Usage errors (2)
//! happen before any case runs.

use std::fmt;
use std::path::Path;

use aauth_harness::profile::Profile;
use serde::{Deserialize, Serialize};

use crate::case::ExpandedId;
use crate::glob::{IdPattern, PatternError};
use crate::outcome::Outcome;
use crate::runner::CaseResult;

/// One expected failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Which cases it covers.
    pub pattern: IdPattern,
    /// Why the failure is expected: the clause and the evidence.
    pub reason: String,
    /// Only under this profile, if set.
    pub profile: Option<Profile>,
}

/// A loaded baseline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: Vec<Expected>,
}

/// A baseline file that cannot be used. A usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file cannot be read.
    #[error("baseline {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not TOML, or an unknown field.
    #[error("baseline: {0}")]
    Syntax(String),
    /// An entry's id pattern is invalid.
    #[error("baseline entry {index}: {source}")]
    Pattern {
        /// 1-based entry number.
        index: usize,
        /// Why.
        source: PatternError,
    },
    /// An entry has no reason.
    #[error("baseline entry {index} ({id}): every expected failure needs a reason")]
    NoReason {
        /// 1-based entry number.
        index: usize,
        /// The entry's id.
        id: String,
    },
    /// An entry names an unknown profile.
    #[error("baseline entry {index}: {source}")]
    Profile {
        /// 1-based entry number.
        index: usize,
        /// Why.
        source: aauth_harness::profile::UnknownProfile,
    },
}

/// The file format, shared by the reader and the writer.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    #[serde(default)]
    expected: Vec<EntryFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    id: String,
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
}

impl Baseline {
    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let file: BaselineFile =
            toml::from_str(text).map_err(|e| BaselineError::Syntax(e.to_string()))?;
        let mut entries = Vec::with_capacity(file.expected.len());
        for (i, raw) in file.expected.into_iter().enumerate() {
            let index = i + 1;
            let pattern = IdPattern::parse(&raw.id)
                .map_err(|source| BaselineError::Pattern { index, source })?;
            if raw.reason.trim().is_empty() {
                return Err(BaselineError::NoReason { index, id: raw.id });
            }
            let profile = raw
                .profile
                .map(|p| p.parse())
                .transpose()
                .map_err(|source| BaselineError::Profile { index, source })?;
            entries.push(Expected {
                pattern,
                reason: raw.reason,
                profile,
            });
        }
        Ok(Baseline { entries })
    }

    /// Reads and parses a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Baseline::parse(&text)
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Expected] {
        &self.entries
    }

    /// The first entry covering this expanded case under this profile.
    pub fn lookup(&self, id: &ExpandedId, profile: Profile) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.pattern.matches(id) && e.profile.is_none_or(|p| p == profile))
    }

    /// Entries that match none of `known` (normally the whole registry expansion, so a
    /// filtered run does not warn about entries for cases it did not select).
    pub fn stale<'a>(&'a self, known: &[(ExpandedId, Profile)]) -> Vec<&'a Expected> {
        self.entries
            .iter()
            .filter(|e| {
                !known.iter().any(|(id, profile)| {
                    e.pattern.matches(id) && e.profile.is_none_or(|p| p == *profile)
                })
            })
            .collect()
    }
}

/// The judgement of one result against the baseline and its level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Passed, not expected to fail.
    Pass,
    /// Failed at a gating level, not expected.
    Fail,
    /// Failed at a non-gating level (SHOULD, MAY).
    Warn,
    /// Failed as the baseline expects.
    XFail,
    /// Passed although the baseline expects a failure.
    XPass,
    /// Skipped.
    Skip,
    /// The harness could not reach a verdict.
    Error,
}

impl Verdict {
    /// Every verdict, in summary order.
    pub const ALL: [Verdict; 7] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Warn,
        Verdict::XFail,
        Verdict::XPass,
        Verdict::Skip,
        Verdict::Error,
    ];

    /// The lowercase name used in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::XFail => "xfail",
            Verdict::XPass => "xpass",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
        }
    }

    /// True when this verdict fails the run (exit 1).
    pub fn gates(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::XPass)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One result's verdict and the baseline entry that applied, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    /// The verdict.
    pub verdict: Verdict,
    /// Index into [`Baseline::entries`].
    pub expected: Option<usize>,
}

/// Verdicts for a run's results, in result order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Judgement {
    /// One per result.
    pub judged: Vec<Judged>,
}

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Every gating case passed or matched the baseline.
    Success,
    /// Conformance failures or unexpected passes.
    Failures,
    /// Bad usage or target file; nothing ran.
    Usage,
    /// The harness could not reach a verdict for some case, and nothing gated.
    Harness,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failures => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Harness => 3,
        }
    }
}

impl Judgement {
    /// Judges every result; without a baseline nothing is expected.
    pub fn of(results: &[CaseResult], baseline: Option<&Baseline>) -> Judgement {
        let judged = results
            .iter()
            .map(|r| {
                let expected = baseline.and_then(|b| b.lookup(&r.id, r.profile));
                let verdict = match (&r.outcome, expected.is_some()) {
                    (Outcome::Pass, false) => Verdict::Pass,
                    (Outcome::Pass, true) => Verdict::XPass,
                    (Outcome::Fail(_), true) => Verdict::XFail,
                    (Outcome::Fail(_), false) if r.meta.level.gates() => Verdict::Fail,
                    (Outcome::Fail(_), false) => Verdict::Warn,
                    (Outcome::Skip(_), _) => Verdict::Skip,
                    (Outcome::Error(_), _) => Verdict::Error,
                };
                Judged { verdict, expected }
            })
            .collect();
        Judgement { judged }
    }

    /// How many results got `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.judged.iter().filter(|j| j.verdict == verdict).count()
    }

    /// The exit status (see the module docs for the precedence).
    pub fn exit_status(&self) -> ExitStatus {
        if self.judged.iter().any(|j| j.verdict.gates()) {
            ExitStatus::Failures
        } else if self.count(Verdict::Error) > 0 {
            ExitStatus::Harness
        } else {
            ExitStatus::Success
        }
    }
}

/// One entry for a baseline file being written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineEntry {
    /// Exact expanded id (or a glob).
    pub id: String,
    /// The reason; generated text names the clause and the observed failure.
    pub reason: String,
    /// Set when the run covered several profiles.
    pub profile: Option<Profile>,
}

/// Renders a baseline file. `source` names where the failures came from.
pub fn render_baseline(source: &str, entries: &[BaselineEntry]) -> Result<String, String> {
    let file = BaselineFile {
        expected: entries
            .iter()
            .map(|e| EntryFile {
                id: e.id.clone(),
                reason: e.reason.clone(),
                profile: e.profile.map(|p| p.as_str().to_string()),
            })
            .collect(),
    };
    let body = toml::to_string(&file).map_err(|e| e.to_string())?;
    Ok(format!(
        "# aauth-conform baseline: known failures, generated from {source}.\n\
         # Use with `aauth-conform run --expect FILE`. Each reason starts with the clause and\n\
         # the failure observed; add the evidence a maintainer needs (issue link, transcript).\n\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_load_strictly() {
        let ok = Baseline::parse(
            "[[expected]]\nid = \"sig.*@resource\"\nreason = \"SIG-007: accepts stale created\"\nprofile = \"aauth-10\"\n",
        )
        .unwrap();
        assert_eq!(ok.entries().len(), 1);
        assert_eq!(ok.entries()[0].profile, Some(Profile::Aauth10));
        for bad in [
            "[[expected]]\nid = \"sig.*\"\n",
            "[[expected]]\nid = \"sig.*\"\nreason = \"\"\n",
            "[[expected]]\nid = \"SIG.*\"\nreason = \"x\"\n",
            "[[expected]]\nid = \"sig.*\"\nreason = \"x\"\nprofile = \"aauth-9\"\n",
            "[[expected]]\nid = \"sig.*\"\nreason = \"x\"\nwhy = \"y\"\n",
            "[[expectations]]\nid = \"sig.*\"\nreason = \"x\"\n",
        ] {
            assert!(Baseline::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rendered_baselines_parse_back() {
        let text = render_baseline(
            "report.json",
            &[BaselineEntry {
                id: "sig.created.too-old@resource".into(),
                reason: "SIG-007 aauth-11 §13.8.4: status 200, wanted 401".into(),
                profile: Some(Profile::Aauth11),
            }],
        )
        .unwrap();
        let back = Baseline::parse(&text).unwrap();
        let id = ExpandedId::parse("sig.created.too-old@resource").unwrap();
        assert_eq!(back.lookup(&id, Profile::Aauth11), Some(0));
        assert_eq!(back.lookup(&id, Profile::Aauth10), None);
        assert_eq!(back.stale(&[(id, Profile::Aauth10)]).len(), 1);
    }
}
