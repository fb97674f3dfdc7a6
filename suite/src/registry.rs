//! The registry: every case the suite has, as static data, and its expansion.
//!
//! Each module under [`crate::cases`] exports `pub const CASES: &[Case<CaseContext>]`, and
//! [`crate::cases::MODULES`] lists the modules: adding a case is adding an entry to a slice,
//! adding a module is one line there. Nothing registers itself at run time, so the registry can
//! be checked as a whole ([`Registry::check`], run by `tests/registry.rs`): unique and
//! well-formed ids, every cited requirement in the index with an admissible level and
//! profiles, roles present, needs declared.
//!
//! Expansion writes a case once and runs it for many parties (rustls' per-provider modules,
//! regex's `TestRunner::expand`): one [`Expansion`] per listed role and per listed profile, in
//! registry order, then role order, then profile order, so plans and results are deterministic.

use std::collections::BTreeSet;
use std::fmt;

use aauth_harness::profile::Profile;

use crate::capability;
use crate::case::{Case, CaseId, CaseMeta, ExpandedId};
use crate::context::CaseContext;
use crate::filter::Selection;
use crate::index::RequirementIndex;

/// A set of cases over the per-case context `C`.
pub struct Registry<C: 'static> {
    cases: Vec<&'static Case<C>>,
}

impl<C> fmt::Debug for Registry<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.cases.iter().map(|c| c.meta.id.as_str()))
            .finish()
    }
}

/// One case expanded to one role and one profile: the unit the runner runs.
pub struct Expansion<C: 'static> {
    /// The case.
    pub case: &'static Case<C>,
    /// `case@role`.
    pub id: ExpandedId,
    /// The profile.
    pub profile: Profile,
}

impl<C> Clone for Expansion<C> {
    fn clone(&self) -> Self {
        Expansion {
            case: self.case,
            id: self.id.clone(),
            profile: self.profile,
        }
    }
}

impl<C> fmt::Debug for Expansion<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.id, self.profile)
    }
}

/// Something wrong with the registry's data; a bug in a case module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryProblem {
    /// The case concerned.
    pub case: String,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.case, self.problem)
    }
}

impl<C> Registry<C> {
    /// Gathers the `CASES` slices of case modules, in order.
    pub fn from_modules(modules: &[&'static [Case<C>]]) -> Registry<C> {
        Registry {
            cases: modules.iter().flat_map(|m| m.iter()).collect(),
        }
    }

    /// Every case, unexpanded, in registry order.
    pub fn cases(&self) -> &[&'static Case<C>] {
        &self.cases
    }

    /// The case with this id.
    pub fn get(&self, id: &CaseId) -> Option<&'static Case<C>> {
        self.cases.iter().copied().find(|c| &c.meta.id == id)
    }

    /// Every case's description.
    pub fn metas(&self) -> impl Iterator<Item = &'static CaseMeta> + '_ {
        self.cases.iter().map(|c| &c.meta)
    }

    /// Every expansion (all roles, all profiles), in deterministic order.
    pub fn expand(&self) -> Vec<Expansion<C>> {
        self.select(&Selection::everything())
    }

    /// The expansions `selection` keeps, in deterministic order.
    pub fn select(&self, selection: &Selection) -> Vec<Expansion<C>> {
        let mut out = Vec::new();
        for case in &self.cases {
            for &role in case.meta.roles {
                let id = ExpandedId {
                    case: case.meta.id.clone(),
                    role,
                };
                for &profile in case.meta.profiles {
                    if selection.admits(&id, case.meta.level, profile) {
                        out.push(Expansion {
                            case,
                            id: id.clone(),
                            profile,
                        });
                    }
                }
            }
        }
        out
    }

    /// Checks the registry against the index; empty when sound.
    pub fn check(&self, index: &RequirementIndex) -> Vec<RegistryProblem> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for case in &self.cases {
            let meta = &case.meta;
            let mut report = |problem: String| {
                problems.push(RegistryProblem {
                    case: meta.id.to_string(),
                    problem,
                })
            };
            if !seen.insert(meta.id.clone()) {
                report("duplicate case id".into());
            }
            if let Err(e) = CaseId::parse(meta.id.as_str()) {
                report(e.to_string());
            }
            if meta.title.trim().is_empty() {
                report("empty title".into());
            }
            check_set(meta.roles, "role", &mut report);
            check_set(meta.profiles, "profile", &mut report);
            check_set(meta.needs, "need", &mut report);
            for need in meta.needs {
                if !capability::ALL.contains(need) {
                    report(format!("needs {need}, which capability::ALL does not list"));
                }
            }
            if meta.timeout.is_some_and(|t| t.is_zero()) {
                report("zero timeout".into());
            }
            match index.get(&meta.requirement) {
                None => report(format!(
                    "cites {} which is not in the index",
                    meta.requirement
                )),
                Some(row) => {
                    if !row.admits(meta.level) {
                        report(format!(
                            "level {} is not admitted by {} ({}{})",
                            meta.level,
                            row.id,
                            row.level,
                            row.secondary_level
                                .map(|l| format!(" / {l}"))
                                .unwrap_or_default()
                        ));
                    }
                    for profile in meta.profiles {
                        if !row.profiles.contains(profile) {
                            report(format!(
                                "profile {profile} is outside {}'s profiles",
                                row.id
                            ));
                        }
                    }
                }
            }
        }
        problems
    }
}

fn check_set<T: Ord + fmt::Display>(items: &[T], what: &str, report: &mut impl FnMut(String)) {
    if items.is_empty() && what != "need" {
        report(format!("no {what}s listed"));
    }
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            report(format!("{what} {item} listed twice"));
        }
    }
}

/// The suite's cases: every module in [`crate::cases::MODULES`].
pub fn default_registry() -> Registry<CaseContext> {
    Registry::from_modules(crate::cases::MODULES)
}
