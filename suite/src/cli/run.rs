//! `aauth-conform run`: validate, open targets, plan, run, judge, print, write reports.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use aauth_harness::clock::Clock;
use aauth_harness::profile::Profile;

use super::args::RunArgs;
use super::settings::{check_filter_selects, resolve_targets, run_settings};
use super::{harness_error, progress, usage_error};
use crate::context::DeclaredTargets;
use crate::expect::{ExitStatus, Judgement};
use crate::index;
use crate::registry::default_registry;
use crate::report::{write_summary, ReportSinks, RunReport};
use crate::runner::{self, Plan};

/// Runs the `run` command.
pub fn execute(args: &RunArgs, sinks: &ReportSinks) -> ExitStatus {
    let settings = match run_settings(args, sinks) {
        Ok(settings) => settings,
        Err(error) => return usage_error(error),
    };
    let index = match index::bundled() {
        Ok(index) => index,
        Err(error) => return harness_error(error),
    };
    let registry = default_registry();
    if let Err(error) = check_filter_selects(&args.select, &registry, &settings.selection) {
        return usage_error(error);
    }
    let declared = match resolve_targets(&settings.targets, &settings.selection.profiles) {
        Ok(declared) => declared,
        Err(error) => return usage_error(error),
    };
    let clock = Clock::real();
    let env = match DeclaredTargets::new(declared, clock.clone()) {
        Ok(env) => env,
        Err(error) => return usage_error(error),
    };
    let targets: Vec<_> = env.targets().cloned().collect();
    let plan = Plan::build(&registry, &settings.selection, &env);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return harness_error(format!("cannot start the async runtime: {error}")),
    };
    let started_unix = clock.now();
    let started = Instant::now();
    crate::panic_guard::quiet_case_panics();
    let mut progress = progress::for_stderr();
    let results = runtime.block_on(runner::run(
        &plan,
        &env,
        &settings.options,
        progress.as_mut(),
    ));
    let elapsed = started.elapsed();

    let baseline = settings.baseline.as_ref().map(|(_, b)| b);
    let judgement = Judgement::of(&results, baseline);
    let mut warnings = Vec::new();
    if let Some((path, baseline)) = &settings.baseline {
        let known: Vec<_> = registry
            .expand()
            .into_iter()
            .map(|e| (e.id, e.profile))
            .collect();
        for stale in baseline.stale(&known) {
            let profile = stale
                .profile
                .map(Profile::as_str)
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            warnings.push(format!(
                "baseline {}: entry {}{profile} matches no case",
                path.display(),
                stale.pattern
            ));
        }
    }
    if plan.is_empty() {
        warnings.push("no case was selected for the targets given".to_string());
    }
    let report = RunReport {
        results: &results,
        judgement: &judgement,
        baseline,
        index,
        targets: &targets,
        seed: settings.options.seed,
        started_unix,
        elapsed,
        warnings: &warnings,
    };
    let mut status = judgement.exit_status();
    let stdout = std::io::stdout();
    if let Err(error) = write_summary(&report, &mut stdout.lock()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("aauth-conform: cannot write the summary: {error}");
        }
    }
    for request in &settings.reports {
        let Some(sink) = sinks.get(request.format) else {
            continue; // validated before the run
        };
        let written = File::create(&request.path)
            .map_err(crate::report::ReportError::from)
            .and_then(|file| {
                let mut out = BufWriter::new(file);
                sink.write(&report, &mut out)?;
                out.flush()?;
                Ok(())
            });
        if let Err(error) = written {
            eprintln!(
                "aauth-conform: harness error: cannot write {} report {}: {error}",
                request.format,
                request.path.display()
            );
            if status == ExitStatus::Success {
                status = ExitStatus::Harness;
            }
        }
    }
    status
}
