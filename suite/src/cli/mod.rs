//! The `aauth-conform` command line.
//!
//! Three phases, each allowed to fail only in its own way:
//! 1. parse ([`args`], clap): unknown flags and missing values are usage errors (exit 2);
//! 2. validate ([`settings`]): every value interpreted and checked, target files read, before
//!    anything runs (exit 2 on any problem, with the flag named);
//! 3. execute ([`run`], [`list`], [`explain`], [`baseline`], [`coverage`], [`vectors`],
//!    [`fuzz`], [`bench`]): exit 0, 1 or 3 as documented in [`crate::expect`].
//!
//! The `aauth-reports` renderers are plugged in by registering them in the [`ReportSinks`]
//! passed to [`main`] (`src/main.rs` passes [`crate::render::all_sinks`]).

pub mod args;
pub mod baseline;
pub mod bench;
pub mod coverage;
pub mod explain;
pub mod fuzz;
pub mod list;
pub mod progress;
pub mod run;
pub mod settings;
pub mod vectors;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use self::args::{Cli, Command, RunArgs};
use crate::expect::ExitStatus;
use crate::report::ReportSinks;

/// Runs the command line with the process arguments.
pub fn main(sinks: ReportSinks) -> ExitCode {
    ExitCode::from(run_cli(std::env::args_os(), &sinks).code())
}

/// Runs the command line with `args` (the first is the program name).
pub fn run_cli<I, T>(args: I, sinks: &ReportSinks) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let command_line: Vec<String> = args
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            };
        }
    };
    let command = cli
        .command
        .unwrap_or_else(|| Command::Run(RunArgs::default_run()));
    match command {
        Command::Run(args) => run::execute(&args, sinks, &command_line),
        Command::List(args) => list::execute(&args),
        Command::Explain { id } => explain::execute(&id),
        Command::Baseline { report, output } => baseline::execute(&report, &output),
        Command::Coverage => coverage::execute(),
        Command::Vectors { action } => vectors::execute(&action),
        Command::Fuzz { action } => fuzz::execute(&action),
        Command::Bench(args) => bench::execute(&args),
    }
}

/// Writes command output to stdout. A closed pipe (`| head`) ends the output quietly, as a
/// Unix filter should; any other write error is a harness error.
pub(crate) fn print_stdout(text: &str) -> ExitStatus {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitStatus::Success,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(error) => harness_error(format!("cannot write to stdout: {error}")),
    }
}

/// Prints a usage error and returns exit status 2.
pub(crate) fn usage_error(error: impl std::fmt::Display) -> ExitStatus {
    eprintln!("aauth-conform: {error}");
    ExitStatus::Usage
}

/// Prints a harness error and returns exit status 3.
pub(crate) fn harness_error(error: impl std::fmt::Display) -> ExitStatus {
    eprintln!("aauth-conform: harness error: {error}");
    ExitStatus::Harness
}

impl RunArgs {
    /// The flags of a bare `aauth-conform`: clap's defaults for `run`.
    fn default_run() -> RunArgs {
        RunArgs {
            jobs: "2".into(),
            seed: "0".into(),
            timeout: "30".into(),
            ..RunArgs::default()
        }
    }
}
