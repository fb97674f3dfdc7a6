//! Which catalogue rows have no case yet, per group. The registry can be complete only in the
//! sense this report measures: every row is cited by some case or excluded with a reason.

use std::collections::BTreeSet;

use crate::case::CaseMeta;
use crate::index::{Exclusions, ReqId, Requirement, RequirementIndex, GROUPS};

/// Coverage of one group (`SIG`, `TOK`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCoverage<'i> {
    /// The group.
    pub group: &'static str,
    /// Rows in the group.
    pub total: usize,
    /// Rows cited by at least one case.
    pub covered: usize,
    /// Rows excluded on purpose, with the reason.
    pub excluded: Vec<(&'i Requirement, String)>,
    /// Rows neither covered nor excluded.
    pub missing: Vec<&'i Requirement>,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage<'i> {
    /// Per group, in catalogue order.
    pub groups: Vec<GroupCoverage<'i>>,
    /// Exclusions for rows that do have a case (the exclusion is out of date).
    pub stale_exclusions: Vec<ReqId>,
    /// Exclusions for ids the index does not have.
    pub unknown_exclusions: Vec<ReqId>,
}

impl Coverage<'_> {
    /// Rows missing in every group together.
    pub fn missing_total(&self) -> usize {
        self.groups.iter().map(|g| g.missing.len()).sum()
    }
}

/// Measures which rows of `index` the cases described by `metas` cite.
pub fn coverage<'i, 'm>(
    index: &'i RequirementIndex,
    metas: impl IntoIterator<Item = &'m CaseMeta>,
    exclusions: &Exclusions,
) -> Coverage<'i> {
    let cited: BTreeSet<ReqId> = metas.into_iter().map(|m| m.requirement.clone()).collect();
    let groups = GROUPS
        .iter()
        .map(|&group| {
            let rows: Vec<&Requirement> = index
                .rows()
                .iter()
                .filter(|r| r.id.group() == group)
                .collect();
            let mut report = GroupCoverage {
                group,
                total: rows.len(),
                covered: 0,
                excluded: Vec::new(),
                missing: Vec::new(),
            };
            for row in rows {
                if cited.contains(&row.id) {
                    report.covered += 1;
                } else if let Some(reason) = exclusions.reason(&row.id) {
                    report.excluded.push((row, reason.to_string()));
                } else {
                    report.missing.push(row);
                }
            }
            report
        })
        .collect();
    let stale_exclusions = exclusions
        .iter()
        .filter(|(id, _)| cited.contains(*id))
        .map(|(id, _)| id.clone())
        .collect();
    let unknown_exclusions = exclusions
        .iter()
        .filter(|(id, _)| index.get(id).is_none())
        .map(|(id, _)| id.clone())
        .collect();
    Coverage {
        groups,
        stale_exclusions,
        unknown_exclusions,
    }
}
