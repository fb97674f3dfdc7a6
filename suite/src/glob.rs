//! Glob patterns over case ids, shared by `--filter` and baseline files so both select cases
//! the same way.
//!
//! A pattern without `@` matches the case id whatever the role (`sig.*` selects
//! `sig.created.too-old@resource` and `@person-server`); a pattern with `@` matches the
//! expanded id (`sig.*@resource`). `*` crosses dots. Patterns are checked when read: only the
//! characters ids and glob syntax use, at most one `@`, and a literal role must be a real role,
//! so a typo is a usage error instead of a filter that silently selects nothing.

use std::fmt;

use aauth_harness::role::Role;
use globset::{GlobBuilder, GlobMatcher};

use crate::case::ExpandedId;

/// A compiled id pattern.
#[derive(Clone, Debug)]
pub struct IdPattern {
    text: String,
    matcher: GlobMatcher,
    expanded: bool,
}

/// A pattern that cannot be used, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid pattern {pattern:?}: {problem}")]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong.
    pub problem: String,
}

const GLOB_META: &[char] = &['*', '?', '[', ']', '{', '}', '!', '^', ','];

fn allowed(c: char) -> bool {
    c.is_ascii_lowercase()
        || c.is_ascii_digit()
        || matches!(c, '.' | '-' | '@')
        || GLOB_META.contains(&c)
}

impl IdPattern {
    /// Reads and compiles a pattern.
    pub fn parse(text: &str) -> Result<IdPattern, PatternError> {
        let error = |problem: String| PatternError {
            pattern: text.to_string(),
            problem,
        };
        if text.is_empty() {
            return Err(error("empty pattern".into()));
        }
        if let Some(c) = text.chars().find(|c| !allowed(*c)) {
            return Err(error(format!(
                "{c:?} cannot appear in a case id (lowercase letters, digits, '.', '-', '@' and glob characters)"
            )));
        }
        let expanded = match text.split('@').count() {
            1 => false,
            2 => true,
            _ => return Err(error("more than one '@'".into())),
        };
        if let Some((_, role)) = text.split_once('@') {
            if !role.contains(GLOB_META) && role.parse::<Role>().is_err() {
                return Err(error(format!(
                    "unknown role {role:?} after '@' (agent, agent-provider, resource, person-server, access-server)"
                )));
            }
        }
        let glob = GlobBuilder::new(text)
            .literal_separator(false)
            .backslash_escape(false)
            .build()
            .map_err(|e| error(e.kind().to_string()))?;
        Ok(IdPattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
            expanded,
        })
    }

    /// True when the pattern selects this expanded case.
    pub fn matches(&self, id: &ExpandedId) -> bool {
        if self.expanded {
            self.matcher.is_match(id.to_string())
        } else {
            self.matcher.is_match(id.case.as_str())
        }
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for IdPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for IdPattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for IdPattern {}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ExpandedId {
        ExpandedId::parse(text).unwrap()
    }

    #[test]
    fn patterns_without_a_role_match_every_expansion() {
        let p = IdPattern::parse("sig.*").unwrap();
        assert!(p.matches(&id("sig.created.too-old@resource")));
        assert!(p.matches(&id("sig.created.too-old@person-server")));
        assert!(!p.matches(&id("tok.typ.wrong@resource")));
        assert!(!IdPattern::parse("sig")
            .unwrap()
            .matches(&id("sig.created.too-old@resource")));
    }

    #[test]
    fn patterns_with_a_role_match_the_expanded_id() {
        let p = IdPattern::parse("sig.*@resource").unwrap();
        assert!(p.matches(&id("sig.created.too-old@resource")));
        assert!(!p.matches(&id("sig.created.too-old@person-server")));
        let any_server = IdPattern::parse("sig.created.{too-old,too-new}@*-server").unwrap();
        assert!(any_server.matches(&id("sig.created.too-new@access-server")));
        assert!(!any_server.matches(&id("sig.created.too-new@resource")));
    }

    #[test]
    fn bad_patterns_are_rejected_with_a_reason() {
        for bad in [
            "",
            "Sig.*",
            "sig.*@resourse",
            "a@b@c",
            "sig.[",
            "sig\\.x",
            "sig x",
        ] {
            assert!(IdPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
