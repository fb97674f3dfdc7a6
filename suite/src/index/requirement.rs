//! `spec/requirements.toml`: one entry per catalogue row. Field reference: `spec/README.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use aauth_harness::profile::Profile;
use serde::Deserialize;

use super::anchors::AnchorList;
use super::id::ReqId;
use crate::case::{Level, SpecRef, Strength};

/// Longest summary accepted: a summary is a line in a listing, not the requirement text.
pub const MAX_SUMMARY_LEN: usize = 100;

/// The document a requirement is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum Doc {
    /// AAuth protocol, -11 editor's copy.
    #[serde(rename = "aauth-11")]
    Aauth11,
    /// HTTP Signature Keys -08.
    #[serde(rename = "sk-08")]
    Sk08,
    /// RFC 9421, HTTP Message Signatures.
    #[serde(rename = "rfc9421")]
    Rfc9421,
    /// AAuth R3 (rich resource requests).
    #[serde(rename = "r3")]
    R3,
    /// AAuth Budgets.
    #[serde(rename = "budgets")]
    Budgets,
    /// AAuth Events.
    #[serde(rename = "events")]
    Events,
}

impl Doc {
    /// Every document.
    pub const ALL: [Doc; 6] = [
        Doc::Aauth11,
        Doc::Sk08,
        Doc::Rfc9421,
        Doc::R3,
        Doc::Budgets,
        Doc::Events,
    ];

    /// The name used in the index and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Doc::Aauth11 => "aauth-11",
            Doc::Sk08 => "sk-08",
            Doc::Rfc9421 => "rfc9421",
            Doc::R3 => "r3",
            Doc::Budgets => "budgets",
            Doc::Events => "events",
        }
    }
}

impl fmt::Display for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Doc {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Doc::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown document {s:?}"))
    }
}

/// How a catalogue row binds. Wider than [`Level`]: rows may also be descriptive or derived,
/// and a case citing such a row picks its own level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequirementLevel {
    /// MUST, REQUIRED, SHALL.
    Must,
    /// MUST NOT, SHALL NOT.
    MustNot,
    /// SHOULD, RECOMMENDED.
    Should,
    /// SHOULD NOT, NOT RECOMMENDED.
    ShouldNot,
    /// MAY, where the choice is observable.
    May,
    /// Behaviour the text prescribes without a keyword, but which an observer can check.
    Descriptive,
    /// Implied by the text rather than stated; normally tested as a warning.
    Derived,
}

impl RequirementLevel {
    /// The name used in the index.
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementLevel::Must => "must",
            RequirementLevel::MustNot => "must-not",
            RequirementLevel::Should => "should",
            RequirementLevel::ShouldNot => "should-not",
            RequirementLevel::May => "may",
            RequirementLevel::Descriptive => "descriptive",
            RequirementLevel::Derived => "derived",
        }
    }

    /// True when a case at `level` may cite a row at this level: same strength (polarity is
    /// free, a MUST can be tested from the MUST NOT side), or any level for descriptive and
    /// derived rows.
    pub fn admits(self, level: Level) -> bool {
        let strength = match self {
            RequirementLevel::Must | RequirementLevel::MustNot => Strength::Required,
            RequirementLevel::Should | RequirementLevel::ShouldNot => Strength::Recommended,
            RequirementLevel::May => Strength::Optional,
            RequirementLevel::Descriptive | RequirementLevel::Derived => return true,
        };
        level.strength() == strength
    }
}

impl fmt::Display for RequirementLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether and how a black-box harness can check a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Testability {
    /// Black box: the harness plays the counterparties.
    Bb,
    /// Black box with hosted issuers, clock control, timing statistics or long waits.
    BbStar,
    /// Needs a person (or a test hook) at a consent or interaction page.
    Ui,
    /// Not black-box testable; the row carries the reason.
    Nbb,
}

impl Testability {
    /// The name used in the index.
    pub fn as_str(self) -> &'static str {
        match self {
            Testability::Bb => "bb",
            Testability::BbStar => "bb-star",
            Testability::Ui => "ui",
            Testability::Nbb => "nbb",
        }
    }
}

impl fmt::Display for Testability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The file as written; turned into [`Requirement`]s after checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexFile {
    requirement: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    doc: Doc,
    section: String,
    anchor: String,
    cites: String,
    level: RequirementLevel,
    secondary_level: Option<RequirementLevel>,
    profiles: Vec<String>,
    testability: Testability,
    secondary_testability: Option<Testability>,
    summary: String,
    untestable: Option<String>,
}

/// One catalogue row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Stable id.
    pub id: ReqId,
    /// Where it is written.
    pub spec: SpecRef,
    /// The catalogue's full citation (several sections or steps), for people.
    pub cites: String,
    /// How it binds.
    pub level: RequirementLevel,
    /// The weaker half of a compound row (`M / S`), if any.
    pub secondary_level: Option<RequirementLevel>,
    /// Profiles it applies to.
    pub profiles: Vec<Profile>,
    /// How it can be tested.
    pub testability: Testability,
    /// The other half of a mixed row (`BB*/UI`), if any.
    pub secondary_testability: Option<Testability>,
    /// Our paraphrase, at most [`MAX_SUMMARY_LEN`] characters.
    pub summary: String,
    /// Why no observer can check it (exactly for `nbb` rows).
    pub untestable: Option<String>,
}

impl Requirement {
    /// True when a case at `level` may cite this row.
    pub fn admits(&self, level: Level) -> bool {
        self.level.admits(level) || self.secondary_level.is_some_and(|l| l.admits(level))
    }
}

/// Why the index (or the anchors or exclusions) could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The file does not parse or has an unknown field.
    #[error("{file}: {message}")]
    Syntax {
        /// Which file.
        file: &'static str,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value breaks a rule of the index.
    #[error("{file}: {entry}: {problem}")]
    Invalid {
        /// Which file.
        file: &'static str,
        /// The entry (requirement id or line).
        entry: String,
        /// What is wrong.
        problem: String,
    },
}

const FILE: &str = "requirements.toml";

fn invalid(entry: &str, problem: impl Into<String>) -> IndexError {
    IndexError::Invalid {
        file: FILE,
        entry: entry.to_string(),
        problem: problem.into(),
    }
}

/// Every catalogue row, in catalogue order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementIndex {
    rows: Vec<Requirement>,
    by_id: BTreeMap<ReqId, usize>,
}

impl RequirementIndex {
    /// Parses and checks `requirements.toml`: ids well formed and unique, profiles known and
    /// not repeated, summaries short, `untestable` present exactly on `nbb` rows.
    pub fn parse(text: &str) -> Result<RequirementIndex, IndexError> {
        let file: IndexFile = toml::from_str(text).map_err(|e| IndexError::Syntax {
            file: FILE,
            message: e.to_string(),
        })?;
        let mut rows = Vec::with_capacity(file.requirement.len());
        let mut by_id = BTreeMap::new();
        for raw in file.requirement {
            let row = check(raw)?;
            if by_id.insert(row.id.clone(), rows.len()).is_some() {
                return Err(invalid(row.id.as_str(), "duplicate id"));
            }
            rows.push(row);
        }
        Ok(RequirementIndex { rows, by_id })
    }

    /// Every row, in catalogue order.
    pub fn rows(&self) -> &[Requirement] {
        &self.rows
    }

    /// The row with this id.
    pub fn get(&self, id: &ReqId) -> Option<&Requirement> {
        self.by_id.get(id).and_then(|&i| self.rows.get(i))
    }

    /// Where the row with this id is written.
    pub fn spec_ref(&self, id: &ReqId) -> Option<&SpecRef> {
        self.get(id).map(|r| &r.spec)
    }

    /// Checks every row's anchor exists in `anchors` for its document, under the same section
    /// number (RFC anchors are `section-N` by construction).
    pub fn check_anchors(&self, anchors: &AnchorList) -> Result<(), IndexError> {
        for row in &self.rows {
            let spec = &row.spec;
            if spec.doc == Doc::Rfc9421 {
                if spec.anchor != format!("section-{}", spec.section) {
                    return Err(invalid(row.id.as_str(), "RFC anchors are section-<number>"));
                }
                continue;
            }
            match anchors.section_of(spec.doc, &spec.anchor) {
                None => {
                    return Err(invalid(
                        row.id.as_str(),
                        format!("anchor {} not found in {}", spec.anchor, spec.doc),
                    ))
                }
                Some(section) if section != spec.section => {
                    return Err(invalid(
                        row.id.as_str(),
                        format!(
                            "anchor {} is section {section} of {}, not {}",
                            spec.anchor, spec.doc, spec.section
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

fn check(raw: RawRequirement) -> Result<Requirement, IndexError> {
    let id = ReqId::parse(&raw.id).map_err(|e| invalid(&raw.id, e.problem))?;
    let entry = raw.id.as_str();
    if raw.section.is_empty() || raw.anchor.is_empty() || raw.cites.is_empty() {
        return Err(invalid(
            entry,
            "section, anchor and cites must not be empty",
        ));
    }
    let summary_len = raw.summary.chars().count();
    if summary_len == 0 || summary_len > MAX_SUMMARY_LEN {
        return Err(invalid(
            entry,
            format!("summary must be 1..={MAX_SUMMARY_LEN} characters"),
        ));
    }
    if raw.secondary_level == Some(raw.level) {
        return Err(invalid(entry, "secondary_level repeats level"));
    }
    if raw.secondary_testability == Some(raw.testability) {
        return Err(invalid(entry, "secondary_testability repeats testability"));
    }
    match (&raw.untestable, raw.testability) {
        (None, Testability::Nbb) => {
            return Err(invalid(entry, "nbb rows need an untestable reason"))
        }
        (Some(_), t) if t != Testability::Nbb => {
            return Err(invalid(entry, "untestable is only for nbb rows"))
        }
        (Some(reason), _) if reason.trim().is_empty() => {
            return Err(invalid(entry, "untestable reason is empty"))
        }
        _ => {}
    }
    let mut profiles = Vec::new();
    let mut seen = BTreeSet::new();
    for name in &raw.profiles {
        let profile: Profile = name.parse().map_err(|e| invalid(entry, format!("{e}")))?;
        if !seen.insert(profile) {
            return Err(invalid(entry, format!("profile {name} listed twice")));
        }
        profiles.push(profile);
    }
    if profiles.is_empty() {
        return Err(invalid(entry, "profiles must not be empty"));
    }
    Ok(Requirement {
        id,
        spec: SpecRef {
            doc: raw.doc,
            anchor: raw.anchor,
            section: raw.section,
        },
        cites: raw.cites,
        level: raw.level,
        secondary_level: raw.secondary_level,
        profiles,
        testability: raw.testability,
        secondary_testability: raw.secondary_testability,
        summary: raw.summary,
        untestable: raw.untestable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = r#"
[[requirement]]
id = "SIG-007"
doc = "aauth-11"
section = "13.8.4"
anchor = "verification"
cites = "13.8.4 (3)"
level = "must"
profiles = ["aauth-11"]
testability = "bb-star"
summary = "Refuse a stale created"
"#;

    #[test]
    fn a_well_formed_row_loads() {
        let index = RequirementIndex::parse(ROW).unwrap();
        let row = index.get(&ReqId::from_static("SIG-007")).unwrap();
        assert_eq!(row.spec.anchor, "verification");
        assert!(row.admits(Level::MustNot) && !row.admits(Level::Should));
    }

    #[test]
    fn unknown_fields_duplicates_and_bad_values_are_rejected() {
        let unknown = ROW.replace("summary =", "colour = \"red\"\nsummary =");
        assert!(matches!(
            RequirementIndex::parse(&unknown),
            Err(IndexError::Syntax { .. })
        ));
        let twice = format!("{ROW}{ROW}");
        assert!(RequirementIndex::parse(&twice).is_err());
        let bad_profile = ROW.replace("[\"aauth-11\"]", "[\"aauth-12\"]");
        assert!(RequirementIndex::parse(&bad_profile).is_err());
        let nbb = ROW.replace("bb-star", "nbb");
        assert!(RequirementIndex::parse(&nbb).is_err());
        let long = ROW.replace("Refuse a stale created", &"x".repeat(101));
        assert!(RequirementIndex::parse(&long).is_err());
    }
}
