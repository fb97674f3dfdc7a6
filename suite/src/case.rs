//! What a case is: stable identity, the requirement it cites, how strongly that binds, where it
//! applies, and the function that exercises the implementation.
//!
//! Invariants the rest of the suite relies on:
//! - A [`CaseId`] is human-chosen, dotted lowercase kebab (`sig.created.too-old`), never
//!   positional and never reused; [`CaseId::from_static`] checks the grammar at compile time.
//! - A case cites exactly one requirement ([`crate::index::ReqId`]) and carries exactly one
//!   [`Level`], so a SHOULD miss can never hide a MUST pass.
//! - A case is written once and expanded to every role it lists ([`ExpandedId`],
//!   `sig.created.too-old@resource`) and every profile it lists.
//! - Definitions are immutable `const` data; results live elsewhere ([`crate::runner`]).
//!
//! Why a plain `fn` pointer for the body rather than a trait object: cases are `const` slices
//! in their modules (ripgrep's `FLAGS` pattern), which a `fn` item fits without allocation or
//! registration code, and a `fn` cannot capture state, so every input a body sees comes through
//! its two arguments: the per-case context `C` built by the environment and the [`CaseRun`]
//! (expanded id, role, profile, seed). The runner is generic over `C`, so its tests use a dummy
//! context and the real one (target handle, hosted issuers, clock, transcript) plugs in without
//! touching the engine.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;

use crate::capability::Capability;
use crate::index::{Doc, ReqId};
use crate::outcome::Outcome;

/// Longest case id accepted, so ids stay readable in reports and terminals.
pub const MAX_CASE_ID_LEN: usize = 100;

/// The stable name of a case, e.g. `sig.created.too-old`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId(Cow<'static, str>);

/// A case id that breaks the grammar, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid case id {id:?}: it {problem}")]
pub struct CaseIdError {
    /// The text as given.
    pub id: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// Checks the case id grammar: two or more `.`-separated segments of `[a-z0-9]` words joined by
/// single `-`. `const` so that [`CaseId::from_static`] fails the build, not the run.
const fn case_id_problem(text: &str) -> Option<&'static str> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Some("is empty");
    }
    if bytes.len() > MAX_CASE_ID_LEN {
        return Some("is longer than 100 characters");
    }
    let mut i = 0;
    let mut segments = 1;
    let mut segment_len = 0;
    let mut previous = b'.';
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'a'..=b'z' | b'0'..=b'9' => segment_len += 1,
            b'-' => {
                if previous == b'-' || previous == b'.' {
                    return Some("has a '-' that does not join two words");
                }
                segment_len += 1;
            }
            b'.' => {
                if segment_len == 0 {
                    return Some("has an empty segment");
                }
                if previous == b'-' {
                    return Some("has a '-' that does not join two words");
                }
                segments += 1;
                segment_len = 0;
            }
            _ => return Some("contains a character other than a-z, 0-9, '-' and '.'"),
        }
        previous = c;
        i += 1;
    }
    if segment_len == 0 {
        return Some("has an empty segment");
    }
    if previous == b'-' {
        return Some("has a '-' that does not join two words");
    }
    if segments < 2 {
        return Some("needs at least two '.'-separated segments");
    }
    None
}

impl CaseId {
    /// A case id from a literal in a case module. Evaluated in a `const`, a bad literal is a
    /// compile error; never call it on input (use [`CaseId::parse`]).
    pub const fn from_static(text: &'static str) -> CaseId {
        match case_id_problem(text) {
            Some(problem) => panic!("{}", problem),
            None => CaseId(Cow::Borrowed(text)),
        }
    }

    /// A case id from user input (filters, `explain`, baselines).
    pub fn parse(text: &str) -> Result<CaseId, CaseIdError> {
        match case_id_problem(text) {
            Some(problem) => Err(CaseIdError {
                id: text.to_string(),
                problem,
            }),
            None => Ok(CaseId(Cow::Owned(text.to_string()))),
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first segment (`sig` in `sig.created.too-old`), used to group output.
    pub fn area(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CaseId {
    type Err = CaseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseId::parse(s)
    }
}

/// A case expanded to one role: `sig.created.too-old@resource`. Profiles are not part of the
/// id; a result is identified by the expanded id plus its profile.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExpandedId {
    /// The case as defined.
    pub case: CaseId,
    /// The role of the implementation under test in this expansion.
    pub role: Role,
}

/// An expanded id that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandedIdError {
    /// No `@role` suffix.
    #[error("{0:?} has no @role suffix (for example sig.created.too-old@resource)")]
    MissingRole(String),
    /// The part before `@` is not a case id.
    #[error(transparent)]
    Case(#[from] CaseIdError),
    /// The part after `@` is not a role.
    #[error(transparent)]
    Role(#[from] aauth_harness::role::UnknownRole),
}

impl ExpandedId {
    /// Reads `case@role`.
    pub fn parse(text: &str) -> Result<ExpandedId, ExpandedIdError> {
        let (case, role) = text
            .split_once('@')
            .ok_or_else(|| ExpandedIdError::MissingRole(text.to_string()))?;
        Ok(ExpandedId {
            case: CaseId::parse(case)?,
            role: role.parse()?,
        })
    }
}

impl fmt::Display for ExpandedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.case, self.role)
    }
}

/// How strongly a case's requirement binds. One per case: compound requirements are split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Required behaviour; a failure fails the run.
    Must,
    /// Prohibited behaviour; a failure fails the run.
    MustNot,
    /// Recommended; a failure is a warning.
    Should,
    /// Recommended against; a failure is a warning.
    ShouldNot,
    /// Optional; the outcome is recorded for information.
    May,
}

/// How much a level binds, ignoring its polarity: what `--level` thresholds compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Strength {
    /// MUST or MUST NOT.
    Required,
    /// SHOULD or SHOULD NOT.
    Recommended,
    /// MAY.
    Optional,
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

    /// The kebab-case name used in the index, on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::MustNot => "must-not",
            Level::Should => "should",
            Level::ShouldNot => "should-not",
            Level::May => "may",
        }
    }

    /// The strength, polarity aside.
    pub fn strength(self) -> Strength {
        match self {
            Level::Must | Level::MustNot => Strength::Required,
            Level::Should | Level::ShouldNot => Strength::Recommended,
            Level::May => Strength::Optional,
        }
    }

    /// True when a failure at this level fails the run (exit 1) rather than warns.
    pub fn gates(self) -> bool {
        self.strength() == Strength::Required
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level name was not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level {0:?}: expected must, must-not, should, should-not or may")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_string()))
    }
}

/// Where a requirement is written: the anchor survives renumbering, the section number is for
/// people reading a report.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SpecRef {
    /// The document.
    pub doc: Doc,
    /// The section's anchor in that document, e.g. `verification`.
    pub anchor: String,
    /// The section number in the pinned revision, e.g. `13.8.4`.
    pub section: String,
}

impl fmt::Display for SpecRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} §{} #{}", self.doc, self.section, self.anchor)
    }
}

/// Profile sets for case declarations, so modules do not repeat slices.
pub mod profiles {
    use aauth_harness::profile::Profile;

    /// Every profile.
    pub const ALL: &[Profile] = &Profile::ALL;
    /// -10 and later (fully specified algorithms, SK-08).
    pub const FROM_10: &[Profile] = &[Profile::Aauth11, Profile::Aauth10];
    /// Only the -11 editor's copy (person tokens and the other -11 changes).
    pub const ONLY_11: &[Profile] = &[Profile::Aauth11];
}

/// Role sets for case declarations.
pub mod roles {
    use aauth_harness::role::Role;

    /// Every server that verifies a signed request from an agent: written once, run against each.
    pub const VERIFIERS: &[Role] = &[Role::Resource, Role::PersonServer, Role::AccessServer];
    /// The agent only.
    pub const AGENT: &[Role] = &[Role::Agent];
    /// The resource only.
    pub const RESOURCE: &[Role] = &[Role::Resource];
    /// The person server only.
    pub const PERSON_SERVER: &[Role] = &[Role::PersonServer];
    /// The access server only.
    pub const ACCESS_SERVER: &[Role] = &[Role::AccessServer];
    /// The agent provider only.
    pub const AGENT_PROVIDER: &[Role] = &[Role::AgentProvider];
}

/// The description of a case: everything reports, filters and `explain` need, with no behaviour.
///
/// Build it in a `const` with [`CaseMeta::new`] and the `with_*` methods (struct-update syntax
/// does not work in `const` because of the ids' owned variants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMeta {
    /// Stable id.
    pub id: CaseId,
    /// The stimulus, in the form "Sends …" (what the harness does, not what it expects).
    pub title: &'static str,
    /// The one catalogue row this case checks.
    pub requirement: ReqId,
    /// How strongly that row binds for this case (admitted by the row's level).
    pub level: Level,
    /// The roles the implementation may play for this case; one expansion each.
    pub roles: &'static [Role],
    /// The profiles the case applies to.
    pub profiles: &'static [Profile],
    /// Optional features the target must declare, else the case is skipped.
    pub needs: &'static [Capability],
    /// Overrides the run's per-case timeout, for cases that wait on purpose.
    pub timeout: Option<Duration>,
}

impl CaseMeta {
    /// A case with no optional needs and the run's timeout.
    pub const fn new(
        id: CaseId,
        title: &'static str,
        requirement: ReqId,
        level: Level,
        roles: &'static [Role],
        profiles: &'static [Profile],
    ) -> CaseMeta {
        CaseMeta {
            id,
            title,
            requirement,
            level,
            roles,
            profiles,
            needs: &[],
            timeout: None,
        }
    }

    /// The same case at another level.
    pub const fn with_level(mut self, level: Level) -> CaseMeta {
        self.level = level;
        self
    }

    /// The same case for other roles.
    pub const fn with_roles(mut self, roles: &'static [Role]) -> CaseMeta {
        self.roles = roles;
        self
    }

    /// The same case under other profiles.
    pub const fn with_profiles(mut self, profiles: &'static [Profile]) -> CaseMeta {
        self.profiles = profiles;
        self
    }

    /// The same case, skipped unless the target declares `needs`.
    pub const fn with_needs(mut self, needs: &'static [Capability]) -> CaseMeta {
        self.needs = needs;
        self
    }

    /// The same case with its own time limit.
    pub const fn with_timeout(mut self, timeout: Duration) -> CaseMeta {
        self.timeout = Some(timeout);
        self
    }
}

/// What the runner hands a case body besides its context: which expansion this is.
#[derive(Clone, Debug)]
pub struct CaseRun {
    /// The expanded id.
    pub id: ExpandedId,
    /// The profile of this run of the case.
    pub profile: Profile,
    /// Deterministic per case: derived from the run seed, the expanded id and the profile, so a
    /// case draws the same values whatever the job count or the order cases finish in.
    pub seed: u64,
    /// The time the case has before it is stopped with `HarnessError::Timeout`.
    pub timeout: Duration,
    /// Every exchange the case causes, recorded by whoever sends or serves it. Owned by the
    /// runner rather than the context so a case that times out or panics still leaves its
    /// evidence in the report.
    pub transcript: aauth_harness::transcript::Transcript,
}

impl CaseRun {
    /// The role of the implementation under test.
    pub fn role(&self) -> Role {
        self.id.role
    }
}

/// The future a case body returns; borrows the context and the run description.
pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A case body: exercises the implementation through the context and judges what it saw.
pub type CaseFn<C> = for<'a> fn(&'a C, &'a CaseRun) -> CaseFuture<'a>;

/// A case: static description plus body, generic over the per-case context `C`.
pub struct Case<C> {
    /// The description.
    pub meta: CaseMeta,
    /// The body.
    pub run: CaseFn<C>,
}

impl<C> fmt::Debug for Case<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Case").field("meta", &self.meta).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_follow_the_dotted_kebab_grammar() {
        for good in [
            "sig.created.too-old",
            "a.b",
            "attack.replay.post-within-window",
            "x.61s-old",
        ] {
            assert!(CaseId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "sig",
            "Sig.created",
            "sig..x",
            "sig.x.",
            ".sig.x",
            "sig.-x",
            "sig.x-",
            "sig.a--b",
            "sig.a_b",
            "sig.a b",
            "sig.é",
        ] {
            assert!(CaseId::parse(bad).is_err(), "{bad}");
        }
        assert!(CaseId::parse(&"a.".repeat(60)).is_err());
    }

    #[test]
    fn expanded_ids_round_trip_through_display() {
        let id = ExpandedId::parse("sig.created.too-old@person-server").unwrap();
        assert_eq!(id.role, Role::PersonServer);
        assert_eq!(id.to_string(), "sig.created.too-old@person-server");
        assert!(ExpandedId::parse("sig.created.too-old").is_err());
        assert!(ExpandedId::parse("sig.created.too-old@server").is_err());
    }

    #[test]
    fn levels_parse_and_rank() {
        assert_eq!("must-not".parse::<Level>().unwrap(), Level::MustNot);
        assert!("MUST".parse::<Level>().is_err());
        assert!(Level::MustNot.gates() && !Level::Should.gates());
        assert!(Level::Must.strength() < Level::May.strength());
    }
}
