//! The `aauth-conform` binary: the command line with every report renderer registered
//! (JSON, JUnit, SARIF and HTML from `aauth-reports`, and the suite's text summary).

use std::process::ExitCode;

fn main() -> ExitCode {
    aauth_suite::cli::main(aauth_suite::render::all_sinks())
}
