//! Which expanded cases a run or a listing selects.
//!
//! Grammar of `--filter`: comma-separated [`IdPattern`]s; a leading `-` excludes. A case is
//! selected when it matches at least one include (or there are none) and no exclude:
//! `--filter 'sig.*,-sig.replay.*'`. Commas inside `{a,b}` belong to the glob. `--level`
//! is a threshold (`must` keeps MUST and MUST NOT; `should` adds SHOULD and SHOULD NOT; `may`
//! keeps everything), and profile and role selections are sets (empty = all).

use std::fmt;
use std::str::FromStr;

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;

use crate::case::{ExpandedId, Level, Strength};
use crate::glob::{IdPattern, PatternError};

/// Include and exclude patterns over expanded ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdFilter {
    include: Vec<IdPattern>,
    exclude: Vec<IdPattern>,
}

/// A `--filter` value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Two commas in a row, or a leading or trailing comma.
    #[error("empty pattern in filter {0:?}")]
    EmptyPattern(String),
    /// An unbalanced `{`/`}`.
    #[error("unbalanced braces in filter {0:?}")]
    Braces(String),
    /// One pattern is invalid.
    #[error(transparent)]
    Pattern(#[from] PatternError),
}

/// Splits on commas that are not inside `{...}`.
fn split_top_level(spec: &str) -> Result<Vec<&str>, FilterError> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in spec.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| FilterError::Braces(spec.to_string()))?
            }
            ',' if depth == 0 => {
                parts.push(spec.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(FilterError::Braces(spec.to_string()));
    }
    parts.push(spec.get(start..).unwrap_or_default());
    Ok(parts)
}

impl IdFilter {
    /// Selects everything.
    pub fn all() -> IdFilter {
        IdFilter::default()
    }

    /// Reads one `--filter` value.
    pub fn parse(spec: &str) -> Result<IdFilter, FilterError> {
        let mut filter = IdFilter::default();
        filter.add(spec)?;
        Ok(filter)
    }

    /// Adds the patterns of another `--filter` value (repeated flags accumulate).
    pub fn add(&mut self, spec: &str) -> Result<(), FilterError> {
        for part in split_top_level(spec)? {
            let part = part.trim();
            if part.is_empty() || part == "-" {
                return Err(FilterError::EmptyPattern(spec.to_string()));
            }
            match part.strip_prefix('-') {
                Some(pattern) => self.exclude.push(IdPattern::parse(pattern)?),
                None => self.include.push(IdPattern::parse(part)?),
            }
        }
        Ok(())
    }

    /// True when nothing is filtered.
    pub fn is_all(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// True when the expanded case is selected.
    pub fn matches(&self, id: &ExpandedId) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| p.matches(id)))
            && !self.exclude.iter().any(|p| p.matches(id))
    }
}

/// The weakest level `--level` keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LevelThreshold {
    /// MUST and MUST NOT only.
    Must,
    /// Also SHOULD and SHOULD NOT.
    Should,
    /// Everything.
    #[default]
    May,
}

impl LevelThreshold {
    /// True when a case at `level` is kept.
    pub fn admits(self, level: Level) -> bool {
        let weakest = match self {
            LevelThreshold::Must => Strength::Required,
            LevelThreshold::Should => Strength::Recommended,
            LevelThreshold::May => Strength::Optional,
        };
        level.strength() <= weakest
    }

    /// The command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            LevelThreshold::Must => "must",
            LevelThreshold::Should => "should",
            LevelThreshold::May => "may",
        }
    }
}

impl fmt::Display for LevelThreshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `--level` value was not recognised.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown level threshold {0:?}: expected must, should or may")]
pub struct UnknownThreshold(pub String);

impl FromStr for LevelThreshold {
    type Err = UnknownThreshold;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "must" => Ok(LevelThreshold::Must),
            "should" => Ok(LevelThreshold::Should),
            "may" => Ok(LevelThreshold::May),
            other => Err(UnknownThreshold(other.to_string())),
        }
    }
}

/// Everything that decides whether an expanded case is selected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Id patterns.
    pub ids: IdFilter,
    /// Level threshold.
    pub level: LevelThreshold,
    /// Profiles to run (empty: every profile a case lists).
    pub profiles: Vec<Profile>,
    /// Roles to run (empty: every role a case lists).
    pub roles: Vec<Role>,
}

impl Selection {
    /// Selects everything.
    pub fn everything() -> Selection {
        Selection::default()
    }

    /// True when the expanded case at `level` under `profile` is selected.
    pub fn admits(&self, id: &ExpandedId, level: Level, profile: Profile) -> bool {
        self.ids.matches(id)
            && self.level.admits(level)
            && (self.profiles.is_empty() || self.profiles.contains(&profile))
            && (self.roles.is_empty() || self.roles.contains(&id.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ExpandedId {
        ExpandedId::parse(text).unwrap()
    }

    #[test]
    fn includes_and_excludes_combine() {
        let f = IdFilter::parse("sig.*,-sig.replay.*").unwrap();
        assert!(f.matches(&id("sig.created.too-old@resource")));
        assert!(!f.matches(&id("sig.replay.within-window@resource")));
        assert!(!f.matches(&id("tok.typ.wrong@resource")));
        let only_exclude = IdFilter::parse("-sig.replay.*@person-server").unwrap();
        assert!(only_exclude.matches(&id("tok.typ.wrong@resource")));
        assert!(only_exclude.matches(&id("sig.replay.within-window@resource")));
        assert!(!only_exclude.matches(&id("sig.replay.within-window@person-server")));
    }

    #[test]
    fn commas_inside_braces_stay_in_the_glob() {
        let f = IdFilter::parse("sig.{created,expires}.*, tok.*").unwrap();
        assert!(f.matches(&id("sig.expires.past@resource")));
        assert!(f.matches(&id("tok.typ.wrong@resource")));
        assert!(!f.matches(&id("sig.label.missing@resource")));
    }

    #[test]
    fn malformed_filters_are_usage_errors() {
        for bad in [
            "",
            "sig.*,",
            ",sig.*",
            "sig.*,,tok.*",
            "-",
            "sig.{a,b",
            "sig.a}",
            "SIG.*",
        ] {
            assert!(IdFilter::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn level_threshold_keeps_stronger_levels() {
        assert!(LevelThreshold::Must.admits(Level::MustNot));
        assert!(!LevelThreshold::Must.admits(Level::Should));
        assert!(LevelThreshold::Should.admits(Level::ShouldNot));
        assert!(!LevelThreshold::Should.admits(Level::May));
        assert!(LevelThreshold::May.admits(Level::May));
        assert!("strict".parse::<LevelThreshold>().is_err());
    }

    #[test]
    fn selection_applies_every_criterion() {
        let selection = Selection {
            ids: IdFilter::parse("sig.*").unwrap(),
            level: LevelThreshold::Must,
            profiles: vec![Profile::Aauth11],
            roles: vec![Role::Resource],
        };
        let hit = id("sig.created.too-old@resource");
        assert!(selection.admits(&hit, Level::Must, Profile::Aauth11));
        assert!(!selection.admits(&hit, Level::Should, Profile::Aauth11));
        assert!(!selection.admits(&hit, Level::Must, Profile::Aauth10));
        assert!(!selection.admits(
            &id("sig.created.too-old@access-server"),
            Level::Must,
            Profile::Aauth11
        ));
    }
}
