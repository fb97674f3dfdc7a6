//! `aauth-conform run`: validate, open targets, plan, run, judge, print, write reports.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use aauth_harness::clock::Clock;
use aauth_harness::profile::Profile;

use super::args::RunArgs;
use super::settings::{check_filter_selects, resolve_targets, run_settings};
use super::{harness_error, progress, usage_error};
use crate::connect::OpenError;
use crate::context::{DeclaredTargets, Harnessed};
use crate::expect::{ExitStatus, Judgement};
use crate::index;
use crate::registry::default_registry;
use crate::report::{write_summary, ReportError, ReportSink, ReportSinks, RunReport};
use crate::runner::{self, Plan};

/// Runs the `run` command. `command_line` is the program's arguments as given, for reports.
pub fn execute(args: &RunArgs, sinks: &ReportSinks, command_line: &[String]) -> ExitStatus {
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
    let seed = settings.options.seed;
    let opened = runtime.block_on(async {
        if plan.is_empty() {
            return Ok(None);
        }
        Harnessed::open(env, seed)
            .await
            .map(|h| Some(h.allowing_slow(settings.slow)))
    });
    let results = match opened {
        Err(OpenError::Usage(message)) => return usage_error(message),
        Err(OpenError::Harness(message)) => return harness_error(message),
        Ok(None) => Vec::new(),
        Ok(Some(harnessed)) => runtime.block_on(async {
            let results =
                runner::run(&plan, &harnessed, &settings.options, progress.as_mut()).await;
            harnessed.close().await;
            results
        }),
    };
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
        baseline_path: settings.baseline.as_ref().map(|(path, _)| path.as_path()),
        filters: &args.select.filter,
        command_line,
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
        if let Err(error) = write_report(sink, &report, &request.path) {
            eprintln!(
                "aauth-conform: harness error: cannot write the {} report {}: {error}",
                request.format,
                request.path.display()
            );
            // A conformance failure (exit 1) still takes precedence, as for case errors.
            if status == ExitStatus::Success {
                status = ExitStatus::Harness;
            }
        } else {
            eprintln!(
                "aauth-conform: wrote the {} report {}",
                request.format,
                request.path.display()
            );
        }
    }
    status
}

/// Renders one report into `path`, creating its directory first.
fn write_report(
    sink: &dyn ReportSink,
    report: &RunReport<'_>,
    path: &Path,
) -> Result<(), ReportError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = BufWriter::new(File::create(path)?);
    sink.write(report, &mut out)?;
    out.flush()?;
    Ok(())
}
