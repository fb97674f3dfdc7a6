//! The `aauth-conform` binary. Report renderers from `aauth-reports` are registered here.

use std::process::ExitCode;

fn main() -> ExitCode {
    aauth_suite::cli::main(aauth_suite::report::ReportSinks::with_defaults())
}
