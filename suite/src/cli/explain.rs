//! `aauth-conform explain ID`: everything the suite knows about one case, or about one
//! requirement and the cases that cite it.

use super::{harness_error, print_stdout, usage_error};
use crate::case::{CaseId, CaseMeta, ExpandedId};
use crate::context::CaseContext;
use crate::expect::ExitStatus;
use crate::index::{self, ReqId, Requirement, RequirementIndex};
use crate::registry::{default_registry, Registry};

/// Runs the `explain` command.
pub fn execute(id: &str) -> ExitStatus {
    let index = match index::bundled() {
        Ok(index) => index,
        Err(error) => return harness_error(error),
    };
    let registry = default_registry();
    match explain(id, index, &registry) {
        Ok(text) => print_stdout(&text),
        Err(message) => usage_error(message),
    }
}

/// The explanation of `id`, or why there is none.
pub fn explain(
    id: &str,
    index: &RequirementIndex,
    registry: &Registry<CaseContext>,
) -> Result<String, String> {
    if let Ok(requirement) = ReqId::parse(id) {
        let row = index
            .get(&requirement)
            .ok_or_else(|| format!("{id} is not in the requirement index"))?;
        let mut text = describe_requirement(row);
        let citing: Vec<_> = registry
            .metas()
            .filter(|m| m.requirement == requirement)
            .collect();
        if citing.is_empty() {
            text.push_str("cases:       none yet (see `aauth-conform coverage`)\n");
        }
        for meta in citing {
            text.push_str(&format!(
                "case:        {} ({}) {}\n",
                meta.id, meta.level, meta.title
            ));
        }
        return Ok(text);
    }
    let case_id = match ExpandedId::parse(id) {
        Ok(expanded) => expanded.case,
        Err(_) => CaseId::parse(id).map_err(|e| e.to_string())?,
    };
    let case = registry
        .get(&case_id)
        .ok_or_else(|| format!("no case {case_id} (see `aauth-conform list`)"))?;
    Ok(describe_case(&case.meta, index))
}

fn describe_requirement(row: &Requirement) -> String {
    let mut text = format!(
        "requirement: {} ({}{})\nsummary:     {}\nspec:        {} (cites {})\nprofiles:    {}\ntestability: {}{}\n",
        row.id,
        row.level,
        row.secondary_level.map(|l| format!(" / {l}")).unwrap_or_default(),
        row.summary,
        row.spec,
        row.cites,
        row.profiles.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
        row.testability,
        row.secondary_testability.map(|t| format!(" / {t}")).unwrap_or_default(),
    );
    if let Some(reason) = &row.untestable {
        text.push_str(&format!("untestable:  {reason}\n"));
    }
    text
}

fn describe_case(meta: &CaseMeta, index: &RequirementIndex) -> String {
    let roles: Vec<_> = meta
        .roles
        .iter()
        .map(|r| format!("{}@{r}", meta.id))
        .collect();
    let mut text = format!(
        "case:        {}\ntitle:       {}\nlevel:       {}\nexpands to:  {}\nprofiles:    {}\n",
        meta.id,
        meta.title,
        meta.level,
        roles.join(", "),
        meta.profiles
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    if meta.needs.is_empty() {
        text.push_str("needs:       nothing optional\n");
    }
    for need in meta.needs {
        text.push_str(&format!("needs:       {need} ({})\n", need.about()));
    }
    if let Some(timeout) = meta.timeout {
        text.push_str(&format!("timeout:     {timeout:?}\n"));
    }
    match index.get(&meta.requirement) {
        Some(row) => text.push_str(&describe_requirement(row)),
        None => text.push_str(&format!(
            "requirement: {} (not in the index!)\n",
            meta.requirement
        )),
    }
    text
}
