//! Validated settings: every flag of a command interpreted and checked, with a message naming
//! the flag, before anything is opened or run. A [`UsageError`] ends the process with exit 2.

use std::collections::BTreeSet;
use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;

use super::args::{RunArgs, SelectArgs};
use crate::expect::Baseline;
use crate::filter::{IdFilter, LevelThreshold, Selection};
use crate::registry::Registry;
use crate::report::{ReportRequest, ReportSinks};
use crate::runner::RunOptions;
use crate::target::{DeclaredTarget, TargetSpec};

/// Bad usage: the message says which flag and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn usage(message: impl fmt::Display) -> UsageError {
    UsageError(message.to_string())
}

/// Longest per-case timeout accepted (a day), so a typo cannot hang CI for a year.
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// Interprets the selection flags.
pub fn selection(args: &SelectArgs) -> Result<Selection, UsageError> {
    let mut ids = IdFilter::all();
    for spec in &args.filter {
        ids.add(spec).map_err(|e| usage(format!("--filter: {e}")))?;
    }
    let level = match &args.level {
        None => LevelThreshold::default(),
        Some(l) => l.parse().map_err(|e| usage(format!("--level: {e}")))?,
    };
    let profiles = unique(&args.profiles, "--profile", |p| p.parse::<Profile>())?;
    let roles = unique(&args.roles, "--role", |r| r.parse::<Role>())?;
    Ok(Selection {
        ids,
        level,
        profiles,
        roles,
    })
}

fn unique<T: Ord + Copy, E: fmt::Display>(
    values: &[String],
    flag: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, UsageError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for value in values {
        let item = parse(value).map_err(|e| usage(format!("{flag}: {e}")))?;
        if !seen.insert(item) {
            return Err(usage(format!("{flag} {value} given twice")));
        }
        out.push(item);
    }
    Ok(out)
}

/// A `--filter` that selects no case of the registry is almost always a typo.
pub fn check_filter_selects<C>(
    args: &SelectArgs,
    registry: &Registry<C>,
    selection: &Selection,
) -> Result<(), UsageError> {
    if !args.filter.is_empty() && registry.select(selection).is_empty() {
        return Err(usage(format!(
            "--filter {} selects no case (see `aauth-conform list`)",
            args.filter.join(" --filter ")
        )));
    }
    Ok(())
}

/// Everything `run` needs, validated.
#[derive(Debug)]
pub struct RunSettings {
    /// Which cases.
    pub selection: Selection,
    /// Which implementations (not yet opened).
    pub targets: Vec<TargetSpec>,
    /// Baseline, with the path it came from.
    pub baseline: Option<(PathBuf, Baseline)>,
    /// Jobs, seed, timeout.
    pub options: RunOptions,
    /// Reports to write.
    pub reports: Vec<ReportRequest>,
    /// Run the cases that wait minutes of real time (`--slow`).
    pub slow: bool,
}

/// Interprets and checks every `run` flag; opens only the baseline (a small local file).
pub fn run_settings(args: &RunArgs, sinks: &ReportSinks) -> Result<RunSettings, UsageError> {
    let selection = selection(&args.select)?;
    let targets = args
        .targets
        .iter()
        .map(|t| t.parse::<TargetSpec>().map_err(usage))
        .collect::<Result<Vec<_>, _>>()?;
    let jobs = args.jobs.parse::<NonZeroUsize>().map_err(|_| {
        usage(format!(
            "--jobs {:?}: expected a whole number of at least 1",
            args.jobs
        ))
    })?;
    let seed = args
        .seed
        .parse::<u64>()
        .map_err(|_| usage(format!("--seed {:?}: expected a whole number", args.seed)))?;
    let timeout = args
        .timeout
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_TIMEOUT_SECS).contains(s))
        .ok_or_else(|| {
            usage(format!(
                "--timeout {:?}: expected whole seconds between 1 and {MAX_TIMEOUT_SECS}",
                args.timeout
            ))
        })?;
    let mut reports = Vec::new();
    let mut paths = BTreeSet::new();
    for value in &args.reports {
        let request: ReportRequest = value.parse().map_err(usage)?;
        if sinks.get(request.format).is_none() {
            return Err(usage(format!(
                "--report {value}: the {} renderer is not wired into this build",
                request.format
            )));
        }
        if !paths.insert(request.path.clone()) {
            return Err(usage(format!("--report {value}: path used twice")));
        }
        check_report_path(&request.path).map_err(|m| usage(format!("--report {value}: {m}")))?;
        reports.push(request);
    }
    let baseline = match &args.expect {
        None => None,
        Some(path) => Some((
            path.clone(),
            Baseline::load(path).map_err(|e| usage(format!("--expect: {e}")))?,
        )),
    };
    Ok(RunSettings {
        selection,
        targets,
        baseline,
        options: RunOptions {
            jobs,
            seed,
            timeout: Duration::from_secs(timeout),
        },
        reports,
        slow: args.slow,
    })
}

/// Refuses, before the run, report paths that can never be written: a path that is a
/// directory, or one below an existing file. Missing directories are fine; they are created
/// when the report is written.
fn check_report_path(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{} is a directory", path.display()));
    }
    let blocking_file = path
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.exists())
        .filter(|a| !a.is_dir());
    match blocking_file {
        Some(file) => Err(format!("{} is not a directory", file.display())),
        None => Ok(()),
    }
}

/// Opens the target specs: built-in roles under each selected profile (aauth-11 when none is
/// selected), target files under their own profile, which must be a selected one.
pub fn resolve_targets(
    specs: &[TargetSpec],
    selected_profiles: &[Profile],
) -> Result<Vec<DeclaredTarget>, UsageError> {
    let builtin_profiles: &[Profile] = if selected_profiles.is_empty() {
        &[Profile::Aauth11, Profile::Aauth10]
    } else {
        selected_profiles
    };
    let defaults: Vec<TargetSpec>;
    let specs = if specs.is_empty() {
        // The agent is a client: it cannot be served as a target, only driven.
        defaults = Role::ALL
            .into_iter()
            .filter(|role| *role != Role::Agent)
            .map(|role| TargetSpec::Builtin { role, flaw: None })
            .collect();
        &defaults
    } else {
        specs
    };
    let mut out = Vec::new();
    for spec in specs {
        match spec {
            TargetSpec::Builtin { role, flaw } => {
                for &profile in builtin_profiles {
                    out.push(DeclaredTarget::builtin(*role, flaw.clone(), profile));
                }
            }
            TargetSpec::File(path) => {
                let target = DeclaredTarget::from_file(path).map_err(usage)?;
                if !selected_profiles.is_empty() && !selected_profiles.contains(&target.profile) {
                    return Err(usage(format!(
                        "--target {}: it speaks {}, which --profile does not select",
                        path.display(),
                        target.profile
                    )));
                }
                out.push(target);
            }
        }
    }
    Ok(out)
}
