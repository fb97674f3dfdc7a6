//! `spec/exclusions.toml`: catalogue rows deliberately left without a case. Every entry
//! carries a reason (regex's `BLACKLIST`, BoGo's `DisabledTests`); the coverage report leaves
//! these rows out of "missing" and flags entries whose row has a case after all.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::id::ReqId;
use super::requirement::IndexError;

const FILE: &str = "exclusions.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExclusionsFile {
    #[serde(default)]
    excluded: Vec<RawExclusion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    id: String,
    reason: String,
}

/// Excluded rows and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exclusions {
    reasons: BTreeMap<ReqId, String>,
}

impl Exclusions {
    /// Parses the file: ids well formed and unique, reasons not blank.
    pub fn parse(text: &str) -> Result<Exclusions, IndexError> {
        let file: ExclusionsFile = toml::from_str(text).map_err(|e| IndexError::Syntax {
            file: FILE,
            message: e.to_string(),
        })?;
        let mut reasons = BTreeMap::new();
        for raw in file.excluded {
            let invalid = |problem: &str| IndexError::Invalid {
                file: FILE,
                entry: raw.id.clone(),
                problem: problem.to_string(),
            };
            let id = ReqId::parse(&raw.id).map_err(|e| invalid(e.problem))?;
            if raw.reason.trim().is_empty() {
                return Err(invalid("every exclusion needs a reason"));
            }
            if reasons.insert(id, raw.reason.clone()).is_some() {
                return Err(invalid("excluded twice"));
            }
        }
        Ok(Exclusions { reasons })
    }

    /// The reason a row is excluded, if it is.
    pub fn reason(&self, id: &ReqId) -> Option<&str> {
        self.reasons.get(id).map(String::as_str)
    }

    /// Every exclusion, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&ReqId, &str)> {
        self.reasons
            .iter()
            .map(|(id, reason)| (id, reason.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_need_a_reason_and_a_valid_id() {
        let ok =
            Exclusions::parse("[[excluded]]\nid = \"AGT-037\"\nreason = \"internal\"\n").unwrap();
        assert_eq!(ok.reason(&ReqId::from_static("AGT-037")), Some("internal"));
        assert!(Exclusions::parse("[[excluded]]\nid = \"AGT-037\"\nreason = \" \"\n").is_err());
        assert!(Exclusions::parse("[[excluded]]\nid = \"AGT-37\"\nreason = \"x\"\n").is_err());
        assert!(
            Exclusions::parse("[[excluded]]\nid = \"AGT-037\"\nreason = \"x\"\nwhy = 1\n").is_err()
        );
    }
}
