//! The command line as typed: clap derive, every value kept as the user wrote it. Nothing here
//! opens a file or interprets a value; [`super::settings`] validates everything before any
//! target is touched (ripgrep's low-level/high-level argument split).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Conformance suite and protocol fuzzer for AAuth.
#[derive(Debug, Parser)]
#[command(
    name = "aauth-conform",
    version,
    about = "Conformance suite and protocol fuzzer for AAuth",
    after_help = "With no command, runs every case against the built-in reference roles.\n\n\
Exit codes: 0 every required case passed (or matched the baseline); 1 conformance failures\n\
or an unexpected pass; 2 bad usage or target file; 3 harness error (and nothing failed)."
)]
pub struct Cli {
    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run cases against one or more implementations.
    Run(RunArgs),
    /// List cases: expanded id, level, requirement, profiles, title.
    List(SelectArgs),
    /// Everything about one case (or one requirement id and the cases citing it).
    Explain {
        /// A case id (`sig.created.too-old`), an expanded id (`…@resource`) or a requirement
        /// id (`SIG-007`).
        id: String,
    },
    /// Write a baseline of the failures in a JSON report.
    Baseline {
        /// A report written with `--report json=PATH`.
        report: PathBuf,
        /// The baseline file to write.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Catalogue rows that no case cites yet.
    Coverage,
    /// Check or regenerate the test vectors under vectors/ (aauth, rfc9421, jose).
    Vectors {
        /// What to do with them.
        #[command(subcommand)]
        action: VectorsAction,
    },
    /// Fuzz the harness's parsers in process, or a live target with mutated requests.
    Fuzz {
        /// What to fuzz.
        #[command(subcommand)]
        action: FuzzAction,
    },
    /// Time AAuth signing and verification of a realistic request against the raw
    /// signature primitives (quick, in process; `cargo bench -p aauth-harness` is rigorous).
    Bench(BenchArgs),
}

/// The `vectors` subcommands.
#[derive(Debug, Subcommand)]
pub enum VectorsAction {
    /// Check every vector file of every family and print one line per file; exit 1 on any
    /// failure (or an AAuth file that differs from the generator's output), 2 when a file is
    /// missing or does not load.
    Verify(VectorsDir),
    /// Rewrite the AAuth vectors (DIR/aauth) deterministically from the fixed keys and
    /// clock, and print their counts.
    Generate(VectorsDir),
}

/// The `fuzz` subcommands.
#[derive(Debug, Subcommand)]
pub enum FuzzAction {
    /// Fuzz the harness's parsers in process (no nightly or cargo-fuzz needed).
    ///
    /// Every parser (or those named): seeds from vectors/ and the builders, dictionary-steered byte mutations, every oracle of `cargo fuzz` (no panic, round trip,
    /// differential against sfv). Coverage-blind, so slower to go deep than `cargo fuzz run`
    /// in fuzz/, but needs neither nightly nor cargo-fuzz. Exit 1 when anything panics; each
    /// finding is printed as a ready-to-paste regression test.
    Parsers(FuzzParsersArgs),
    /// Fuzz a live implementation with mutated, often re-signed, requests.
    ///
    /// Its valid baseline request is mutated (catalogue defects,
    /// defective agent tokens, bodies/queries/paths/headers changed and re-signed, signature
    /// headers garbled) and sent. A 5xx, silence, or a 2xx to a request every reading of the
    /// spec refuses is a finding, written as JSON with a curl line. Exit 1 on findings.
    Target(FuzzTargetArgs),
}

/// Flags of `fuzz parsers`.
#[derive(Debug, Default, Args)]
pub struct FuzzParsersArgs {
    /// Only this parser target (see `cargo fuzz list` names, e.g. signature_key). Repeatable.
    #[arg(long = "only", value_name = "TARGET")]
    pub only: Vec<String>,
    /// Seconds to spend in total, shared evenly by the targets.
    #[arg(long, value_name = "SECS", default_value = "19")]
    pub duration: String,
    /// Mutation seed: the same seed replays the same inputs.
    #[arg(long, value_name = "N", default_value = "0")]
    pub seed: String,
    /// The vectors directory seeds are read from (default: as for `vectors verify`).
    #[arg(long, value_name = "DIR")]
    pub vectors: Option<PathBuf>,
}

/// Flags of `fuzz target`.
#[derive(Debug, Default, Args)]
pub struct FuzzTargetArgs {
    /// The implementation: a target file or builtin:ROLE[?flaw=ID].
    #[arg(long = "target", value_name = "FILE|builtin:ROLE")]
    pub target: String,
    /// Profile for a built-in target (default aauth-11); a target file names its own.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Most requests to send.
    #[arg(long, value_name = "N", default_value = "2000")]
    pub iterations: String,
    /// Stop after this many seconds even if requests remain.
    #[arg(long, value_name = "SECS", default_value = "60")]
    pub duration: String,
    /// Mutation seed: the same seed sends the same mutations.
    #[arg(long, value_name = "N", default_value = "0")]
    pub seed: String,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value = "4")]
    pub jobs: String,
    /// Seconds one exchange may take before it counts as unresponsive.
    #[arg(long = "request-timeout", value_name = "SECS", default_value = "10")]
    pub request_timeout: String,
    /// Directory for finding records (created when there is a finding).
    #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
    pub out: PathBuf,
}

/// Where the vectors are.
#[derive(Debug, Default, Args)]
pub struct VectorsDir {
    /// The vectors directory (holding aauth/, rfc9421/, jose/). Default: ./vectors if it
    /// holds a family, else the repository's vectors/ next to this crate.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Flags of `bench`.
#[derive(Debug, Default, Args)]
pub struct BenchArgs {
    /// Calls per batch; each operation runs a warm-up, then 5 batches, and the median batch
    /// gives the time per call.
    #[arg(long, value_name = "N", default_value = "1000")]
    pub iterations: String,
    /// The agent key's algorithm: ed25519 or es256 (default: both).
    #[arg(long, value_name = "ALG")]
    pub alg: Option<String>,
}

/// Selection flags shared by `run` and `list`.
#[derive(Debug, Default, Args)]
pub struct SelectArgs {
    /// Comma-separated globs over case ids; `-` excludes: 'sig.*,-sig.replay.*'. A glob with
    /// `@role` matches expanded ids. Repeatable.
    #[arg(long, value_name = "GLOBS")]
    pub filter: Vec<String>,
    /// Weakest level to keep: must, should or may (default: may, everything).
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Profile to run: aauth-11, aauth-10 or aauth-legacy. Repeatable.
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Role to test: agent, agent-provider, resource, person-server, access-server. Repeatable.
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
}

/// Flags of `run`.
#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// Implementation to test: a target file, or builtin:ROLE[?flaw=ID]. Repeatable; default:
    /// the built-in reference implementation of every role.
    #[arg(long = "target", value_name = "FILE|builtin:ROLE")]
    pub targets: Vec<String>,
    /// Case selection.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Baseline of expected failures (TOML).
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
    /// Cases in flight at once.
    #[arg(long, value_name = "N", default_value = "2")]
    pub jobs: String,
    /// Run seed; every case seed derives from it and the case id.
    #[arg(long, value_name = "N", default_value = "0")]
    pub seed: String,
    /// Seconds allowed per case unless the case sets its own limit.
    #[arg(long, value_name = "SECS", default_value = "30")]
    pub timeout: String,
    /// Write a report: json, junit, sarif, html or text (FORMAT=PATH; missing directories
    /// are created). Repeatable.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<String>,
    /// Also run the cases that need minutes of real time against a real target (waiting
    /// out its once-a-minute JWKS refetch floor, `jwks.refresh.*`); without it they are
    /// skipped with that reason. Built-in targets never need it.
    #[arg(long)]
    pub slow: bool,
}
