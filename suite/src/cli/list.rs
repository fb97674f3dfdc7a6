//! `aauth-conform list`: one line per case and role, with level, requirement, profiles and the
//! stimulus.

use std::collections::BTreeMap;

use aauth_harness::profile::Profile;

use super::args::SelectArgs;
use super::settings::{check_filter_selects, selection};
use std::fmt::Write;

use super::{print_stdout, usage_error};
use crate::case::{CaseMeta, ExpandedId};
use crate::expect::ExitStatus;
use crate::registry::default_registry;

/// Runs the `list` command.
pub fn execute(args: &SelectArgs) -> ExitStatus {
    let selection = match selection(args) {
        Ok(selection) => selection,
        Err(error) => return usage_error(error),
    };
    let registry = default_registry();
    if let Err(error) = check_filter_selects(args, &registry, &selection) {
        return usage_error(error);
    }
    let mut rows: BTreeMap<usize, (ExpandedId, &CaseMeta, Vec<Profile>)> = BTreeMap::new();
    let mut order: BTreeMap<ExpandedId, usize> = BTreeMap::new();
    for expansion in registry.select(&selection) {
        let next = order.len();
        let slot = *order.entry(expansion.id.clone()).or_insert(next);
        rows.entry(slot)
            .or_insert_with(|| (expansion.id.clone(), &expansion.case.meta, Vec::new()))
            .2
            .push(expansion.profile);
    }
    let width = rows
        .values()
        .map(|(id, _, _)| id.to_string().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (id, meta, profiles) in rows.values() {
        let profiles: Vec<_> = profiles.iter().map(|p| p.as_str()).collect();
        let _ = writeln!(
            out,
            "{:<width$}  {:<10}  {:<7}  {:<24}  {}",
            id.to_string(),
            meta.level.as_str(),
            meta.requirement.as_str(),
            profiles.join(","),
            meta.title
        );
    }
    eprintln!("{} case expansion(s)", rows.len());
    print_stdout(&out)
}
