//! `aauth-conform fuzz parsers` and `aauth-conform fuzz target`.
//!
//! Both validate every flag first (exit 2), then run for a bounded time and exit 1 when they
//! found something, 0 when not, 3 when the harness itself could not work (a target that will
//! not start, a baseline request the target refuses).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use aauth_harness::clock::Clock;
use aauth_harness::fuzzing::{self, inprocess, seeds};
use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use aauth_harness::transcript::Transcript;

use super::args::{FuzzAction, FuzzParsersArgs, FuzzTargetArgs};
use super::settings::resolve_targets;
use super::vectors::resolve_root;
use super::{harness_error, print_stdout, usage_error};
use crate::connect::OpenError;
use crate::context::{CaseContext, DeclaredTargets, Harnessed};
use crate::expect::ExitStatus;
use crate::netfuzz::session::{run_session, SessionReport, SessionSettings};
use crate::target::TargetSpec;

/// Roles the fuzzer can send a valid baseline to (those with a verifier probe).
const FUZZABLE: [Role; 3] = [Role::Resource, Role::PersonServer, Role::AccessServer];

/// The longest `--duration` accepted: a day.
pub const MAX_DURATION_SECS: u64 = 86_400;

/// Runs a `fuzz` subcommand.
pub fn execute(action: &FuzzAction) -> ExitStatus {
    match action {
        FuzzAction::Parsers(args) => parsers(args),
        FuzzAction::Target(args) => target(args),
    }
}

fn number(flag: &str, value: &str, range: std::ops::RangeInclusive<u64>) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "{flag} {value:?}: expected a whole number from {} to {}",
                range.start(),
                range.end()
            )
        })
}

fn parsers(args: &FuzzParsersArgs) -> ExitStatus {
    let settings = (|| -> Result<_, String> {
        let duration = number("--duration", &args.duration, 1..=MAX_DURATION_SECS)?;
        let seed = number("--seed", &args.seed, 0..=u64::MAX)?;
        let mut chosen = Vec::new();
        for name in &args.only {
            let target = fuzzing::TARGETS
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = fuzzing::TARGETS.iter().map(|t| t.name).collect();
                    format!(
                        "--only {name:?}: no such parser target; one of {}",
                        names.join(", ")
                    )
                })?;
            chosen.push(*target);
        }
        if chosen.is_empty() {
            chosen = fuzzing::TARGETS.to_vec();
        }
        let root = resolve_root(args.vectors.as_deref())?;
        Ok((duration, seed, chosen, root))
    })();
    let (duration, seed, chosen, root) = match settings {
        Ok(s) => s,
        Err(message) => return usage_error(message),
    };
    let mut all_seeds = seeds::built();
    match seeds::from_vectors(&root) {
        Ok(found) => all_seeds.extend(found),
        Err(error) => {
            return harness_error(format!(
                "cannot read seeds from {}: {error}",
                root.display()
            ))
        }
    }
    let share = Duration::from_secs(duration).div_f64(chosen.len().max(1) as f64);

    // The oracles speak by panicking; keep the terminal clean and report them ourselves.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut out = String::new();
    let mut findings = 0usize;
    let mut execs = 0u64;
    for (i, target) in chosen.iter().enumerate() {
        let inputs: Vec<Vec<u8>> = all_seeds
            .iter()
            .filter(|s| s.target == target.name)
            .map(|s| s.data.clone())
            .collect();
        let campaign = inprocess::run_campaign(target, &inputs, share, seed.wrapping_add(i as u64));
        execs += campaign.execs;
        let _ = writeln!(
            out,
            "{:<26} {:>9} execs {:>9.0}/s  {:>4} seeds  {}",
            campaign.target,
            campaign.execs,
            campaign.rate(),
            inputs.len(),
            if campaign.findings.is_empty() {
                "ok".to_string()
            } else {
                format!("{} FINDING(S)", campaign.findings.len())
            }
        );
        for finding in &campaign.findings {
            findings += 1;
            let _ = writeln!(out, "  panic: {}", finding.message);
            out.push_str(&fuzzing::regression_snippet(target.name, &finding.input));
            out.push('\n');
        }
    }
    std::panic::set_hook(previous);
    let _ = writeln!(
        out,
        "\n{} parser target(s), {execs} inputs in {duration} s (seed {seed}): {findings} finding(s)",
        chosen.len()
    );
    let printed = print_stdout(&out);
    if printed != ExitStatus::Success {
        return printed;
    }
    if findings > 0 {
        ExitStatus::Failures
    } else {
        ExitStatus::Success
    }
}

fn target(args: &FuzzTargetArgs) -> ExitStatus {
    let settings = (|| -> Result<_, String> {
        let spec = args
            .target
            .parse::<TargetSpec>()
            .map_err(|e| e.to_string())?;
        let profile = match &args.profile {
            Some(p) => Some(
                p.parse::<Profile>()
                    .map_err(|e| format!("--profile: {e}"))?,
            ),
            None => None,
        };
        let profiles =
            match (&spec, profile) {
                (TargetSpec::Builtin { .. }, p) => vec![p.unwrap_or(Profile::Aauth11)],
                (TargetSpec::File(_), None) => Vec::new(),
                (TargetSpec::File(_), Some(_)) => return Err(
                    "--profile applies to built-in targets; a target file names its own profile"
                        .into(),
                ),
            };
        let declared =
            resolve_targets(std::slice::from_ref(&spec), &profiles).map_err(|e| e.to_string())?;
        if let Some(t) = declared.iter().find(|t| !FUZZABLE.contains(&t.role)) {
            return Err(format!(
                "--target {}: fuzzing needs a server that verifies signed requests (resource, \
                 person-server or access-server), not the {} role",
                args.target, t.role
            ));
        }
        let session = SessionSettings {
            iterations: number("--iterations", &args.iterations, 1..=100_000_000)?,
            duration: Duration::from_secs(number(
                "--duration",
                &args.duration,
                1..=MAX_DURATION_SECS,
            )?),
            seed: number("--seed", &args.seed, 0..=u64::MAX)?,
            jobs: number("--jobs", &args.jobs, 1..=64)? as usize,
            request_timeout: Duration::from_secs(number(
                "--request-timeout",
                &args.request_timeout,
                1..=300,
            )?),
        };
        Ok((declared, session))
    })();
    let (declared, session) = match settings {
        Ok(s) => s,
        Err(message) => return usage_error(message),
    };
    let clock = Clock::real();
    let env = match DeclaredTargets::new(declared, clock.clone()) {
        Ok(env) => env,
        Err(error) => return usage_error(error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return harness_error(format!("cannot start the async runtime: {error}")),
    };
    let outcome = runtime.block_on(async {
        let harnessed = Harnessed::open(env, session.seed).await?;
        let mut reports = Vec::new();
        let opened = harnessed.opened();
        for ((_, profile), target) in &opened.targets {
            let Some(world) = opened.worlds.get(profile) else {
                continue;
            };
            let ctx = CaseContext {
                target: target.clone(),
                world: world.clone(),
                clock: clock.clone(),
                transcript: Transcript::new(),
                slow: false,
            };
            let name = target.declared.info.name.clone();
            let report = run_session(&ctx, &session).await;
            let log = match &report {
                Err(_) => target.log_tail(20).await,
                Ok(_) => String::new(),
            };
            reports.push((name, *profile, report, log));
        }
        harnessed.close().await;
        Ok::<_, OpenError>(reports)
    });
    let reports = match outcome {
        Err(OpenError::Usage(message)) => return usage_error(message),
        Err(OpenError::Harness(message)) => return harness_error(message),
        Ok(reports) => reports,
    };
    let mut status = ExitStatus::Success;
    for (name, profile, report, log) in reports {
        match report {
            Err(error) => {
                let mut message = format!("{name} ({profile}): {error}");
                if !log.is_empty() {
                    let _ = write!(message, "\nlast lines of its log:\n{log}");
                }
                return harness_error(message);
            }
            Ok(report) => {
                let text = summary(&name, profile, &session, &report);
                if print_stdout(&text) != ExitStatus::Success {
                    return ExitStatus::Harness;
                }
                if !report.findings.is_empty() {
                    if let Err(error) = write_findings(&args.out, &report) {
                        return harness_error(error);
                    }
                    status = ExitStatus::Failures;
                }
            }
        }
    }
    status
}

fn summary(
    name: &str,
    profile: Profile,
    settings: &SessionSettings,
    report: &SessionReport,
) -> String {
    let mut out = String::new();
    let secs = report.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        report.sent as f64 / secs
    } else {
        0.0
    };
    let statuses: Vec<String> = report
        .statuses
        .iter()
        .map(|(class, n)| format!("{class} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "{name} ({profile}): {} requests in {secs:.1} s ({rate:.0}/s), seed {}; baseline answered {}; responses: {}",
        report.sent,
        settings.seed,
        report.baseline_status,
        statuses.join(", ")
    );
    if report.baseline_status >= 400 {
        let _ = writeln!(
            out,
            "  note: the valid baseline passes verification but is refused for business reasons \
             ({}), so only server errors and silence can be findings here",
            report.baseline_status
        );
    }
    if let Some(reason) = &report.stopped {
        let _ = writeln!(out, "  stopped early: {reason}");
    }
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "  FINDING {} [{}] x{}: {}\n    {}\n    {}",
            finding.kind.name(),
            finding.family,
            finding.occurrences,
            finding.detail,
            finding.mutation.describe(),
            finding.curl()
        );
    }
    let _ = writeln!(out, "  {} finding(s)", report.findings.len());
    out
}

fn write_findings(dir: &Path, report: &SessionReport) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (i, finding) in report.findings.iter().enumerate() {
        let path = dir.join(format!("{}.json", finding.file_stem(i + 1)));
        let text = serde_json::to_string_pretty(&finding.to_json())
            .map_err(|e| format!("cannot encode a finding: {e}"))?;
        std::fs::write(&path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!("  records written to {}", dir.display());
    Ok(())
}
