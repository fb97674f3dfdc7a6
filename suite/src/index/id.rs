//! Requirement ids: `GROUP-NNN` (`SIG-007`, `R3-002`), never renumbered or reused.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The catalogue's groups, in catalogue order: who is tested, or which companion document.
pub const GROUPS: &[&str] = &[
    "SIG", "TOK", "AGT", "RES", "PS", "AS", "AP", "DEF", "ERR", "REV", "R3", "BUD", "EVT",
];

/// A catalogue row id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqId(Cow<'static, str>);

/// A requirement id that breaks the grammar.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid requirement id {id:?}: {problem}")]
pub struct ReqIdError {
    /// The text as given.
    pub id: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `const` so that [`ReqId::from_static`] fails the build on a bad literal.
const fn req_id_problem(text: &str) -> Option<&'static str> {
    let bytes = text.as_bytes();
    let mut dash = 0;
    while dash < bytes.len() && bytes[dash] != b'-' {
        dash += 1;
    }
    if dash == bytes.len() {
        return Some("expected GROUP-NNN, e.g. SIG-007");
    }
    let (group, number) = bytes.split_at(dash);
    let mut known = false;
    let mut g = 0;
    while g < GROUPS.len() {
        if same(group, GROUPS[g].as_bytes()) {
            known = true;
        }
        g += 1;
    }
    if !known {
        return Some("unknown group (SIG TOK AGT RES PS AS AP DEF ERR REV R3 BUD EVT)");
    }
    // `number` still starts with the dash.
    if number.len() != 4 {
        return Some("the number must have exactly three digits");
    }
    let mut i = 1;
    while i < number.len() {
        if !number[i].is_ascii_digit() {
            return Some("the number must have exactly three digits");
        }
        i += 1;
    }
    if same(number, b"-000") {
        return Some("numbers start at 001");
    }
    None
}

impl ReqId {
    /// A requirement id from a literal in a case module; a bad literal fails the build when
    /// evaluated in a `const`. Never call it on input (use [`ReqId::parse`]).
    pub const fn from_static(text: &'static str) -> ReqId {
        match req_id_problem(text) {
            Some(problem) => panic!("{}", problem),
            None => ReqId(Cow::Borrowed(text)),
        }
    }

    /// A requirement id from data or user input.
    pub fn parse(text: &str) -> Result<ReqId, ReqIdError> {
        match req_id_problem(text) {
            Some(problem) => Err(ReqIdError {
                id: text.to_string(),
                problem,
            }),
            None => Ok(ReqId(Cow::Owned(text.to_string()))),
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The group, `SIG` in `SIG-007`.
    pub fn group(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }
}

impl fmt::Display for ReqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ReqId {
    type Err = ReqIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReqId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_ids_name_a_known_group_and_three_digits() {
        for good in ["SIG-001", "R3-008", "PS-044", "EVT-004"] {
            assert!(ReqId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "SIG-1", "SIG-0001", "sig-001", "XYZ-001", "SIG001", "SIG-00a", "SIG-000", "", "-001",
        ] {
            assert!(ReqId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ReqId::from_static("R3-002").group(), "R3");
    }
}
