//! `aauth-conform bench`: a quick, in-process answer to "what does AAuth cost over the
//! bare signatures?" on the request of `aauth_harness::bench` (a ~1 KB JSON `POST` with an
//! agent token in `Signature-Key`).
//!
//! The verify ratio is judged against the goal of issue #2
//! ([`aauth_harness::bench::VERIFY_RATIO_GOAL`]: a full verification within 1.15x of the
//! two raw signature checks it contains); a debug build or a busy machine can miss it where
//! a release build on a quiet one meets it.
//!
//! Each operation runs a warm-up, then five batches of `--iterations` calls timed with
//! `Instant`; the median batch divided by the batch size is the time per call. That is
//! enough to see an order of magnitude or a regression by eye; criterion
//! (`cargo bench -p aauth-harness`) gives confidence intervals. Before timing anything the
//! fixture is checked (the full verification accepts, the raw checks verify), so a broken
//! fixture is a harness error rather than a fast wrong number.

use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};

use aauth_harness::bench::{SignVerifyFixture, VERIFY_RATIO_GOAL};
use aauth_harness::jose::Alg;
use aauth_harness::message::Fields;

use super::args::BenchArgs;
use super::{harness_error, print_stdout, usage_error};
use crate::expect::ExitStatus;

/// Batches per operation; the median is reported.
pub const BATCHES: usize = 5;
/// The largest `--iterations` accepted (keeps a typo from running for hours).
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Validated `bench` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchSettings {
    /// Calls per batch.
    pub iterations: u32,
    /// Agent key algorithms to measure, in order.
    pub algs: Vec<Alg>,
}

impl BenchSettings {
    /// Interpret the flags; `Err` names the flag.
    pub fn from_args(args: &BenchArgs) -> Result<Self, String> {
        let iterations = args
            .iterations
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_ITERATIONS).contains(n))
            .ok_or_else(|| {
                format!(
                    "--iterations {:?}: expected a whole number from 1 to {MAX_ITERATIONS}",
                    args.iterations
                )
            })?;
        let algs = match args.alg.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => vec![Alg::ED25519, Alg::ES256],
            Some("ed25519") => vec![Alg::ED25519],
            Some("es256") => vec![Alg::ES256],
            Some(_) => {
                return Err(format!(
                    "--alg {:?}: expected ed25519 or es256",
                    args.alg.as_deref().unwrap_or_default()
                ))
            }
        };
        Ok(BenchSettings { iterations, algs })
    }
}

/// Runs `bench`.
pub fn execute(args: &BenchArgs) -> ExitStatus {
    let settings = match BenchSettings::from_args(args) {
        Ok(settings) => settings,
        Err(message) => return usage_error(message),
    };
    let mut out = String::new();
    for (i, alg) in settings.algs.iter().enumerate() {
        let fixture = match checked_fixture(alg) {
            Ok(fixture) => fixture,
            Err(message) => return harness_error(message),
        };
        if i == 0 {
            describe(&mut out, &fixture, settings.iterations);
        }
        table(&mut out, &fixture, settings.iterations);
    }
    let _ = writeln!(
        out,
        "note: a quick in-process measurement (median of {BATCHES} batches); \
         `cargo bench -p aauth-harness` (criterion) gives the rigorous numbers."
    );
    if cfg!(debug_assertions) {
        let _ = writeln!(
            out,
            "warning: this is a debug build, far slower than release; for real numbers run \
             `cargo run --release -p aauth-suite --bin aauth-conform -- bench`"
        );
    }
    print_stdout(&out)
}

/// The fixture for `alg`, after making sure every operation succeeds on it.
fn checked_fixture(alg: &Alg) -> Result<SignVerifyFixture, String> {
    let fixture = SignVerifyFixture::new(alg).map_err(|e| e.to_string())?;
    fixture
        .full_verify()
        .map_err(|e| format!("the benchmark request does not verify: {e}"))?;
    fixture
        .full_sign()
        .map_err(|e| format!("the benchmark request does not sign: {e}"))?;
    if !fixture.raw_verify_http() || !fixture.raw_verify_jwt() {
        return Err("a raw signature check refuses the benchmark request".into());
    }
    Ok(fixture)
}

fn describe(out: &mut String, fixture: &SignVerifyFixture, iterations: u32) {
    let request = &fixture.signed;
    let _ = writeln!(
        out,
        "request: {} {}, {}-byte JSON body, agent token (Ed25519 agent provider key) in \
         Signature-Key",
        request.method,
        request.target_uri(),
        request.body.len()
    );
    let _ = writeln!(
        out,
        "signed:  {}",
        request.header("signature-input").unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "timing:  warm-up, then {BATCHES} batches of {iterations} calls per operation; \
         median batch / {iterations}\n"
    );
}

fn table(out: &mut String, fixture: &SignVerifyFixture, iterations: u32) {
    let alg = fixture.alg();
    let (verify_lib, sign_lib) = if alg == Alg::ES256 {
        ("ring", "p256")
    } else {
        ("ed25519-dalek", "ed25519-dalek")
    };
    let full_verify = time_per_call(iterations, || {
        let _ = black_box(fixture.full_verify());
    });
    let raw_http = time_per_call(iterations, || {
        black_box(fixture.raw_verify_http());
    });
    let raw_jwt = time_per_call(iterations, || {
        black_box(fixture.raw_verify_jwt());
    });
    let full_sign = time_per_call(iterations, || {
        let _ = black_box(fixture.full_sign());
    });
    let raw_sign = time_per_call(iterations, || {
        black_box(fixture.raw_sign());
    });
    let rows = [
        (
            "full verify (verify_request, StaticKeys)".to_string(),
            full_verify,
        ),
        (
            format!("raw verify: HTTP signature ({verify_lib})"),
            raw_http,
        ),
        (
            "raw verify: agent token JWT (ed25519-dalek)".to_string(),
            raw_jwt,
        ),
        ("full sign (sign_aauth)".to_string(), full_sign),
        (format!("raw sign ({sign_lib})"), raw_sign),
    ];
    let _ = writeln!(
        out,
        "{:<9} {:<44} {:>12}",
        "agent key", "operation", "per call"
    );
    for (name, time) in &rows {
        let _ = writeln!(
            out,
            "{:<9} {name:<44} {:>12}",
            alg.as_str(),
            per_call(*time)
        );
    }
    let verify_goal = if cfg!(debug_assertions) {
        // Unoptimised code shifts the ratio either way; only a release build is judged.
        format!("(goal <= {VERIFY_RATIO_GOAL:.2}x: not judged in a debug build)")
    } else {
        goal_verdict(full_verify, raw_http + raw_jwt)
    };
    let ratios = [
        (
            "full verify / (raw HTTP + raw JWT verify)",
            ratio(full_verify, raw_http + raw_jwt),
            verify_goal,
        ),
        (
            "full sign / raw sign",
            ratio(full_sign, raw_sign),
            String::new(),
        ),
    ];
    for (name, r, goal) in ratios {
        let line = format!("{:<9} {name:<44} {:>12}  {goal}", alg.as_str(), r);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

/// Whether a full verification taking `full` meets the goal of issue #2 against raw checks
/// taking `raw` in all: at most [`VERIFY_RATIO_GOAL`] times as long.
pub fn goal_verdict(full: Duration, raw: Duration) -> String {
    let verdict = if raw.is_zero() {
        "unmeasured"
    } else if full.as_secs_f64() / raw.as_secs_f64() <= VERIFY_RATIO_GOAL {
        "met"
    } else {
        "not met"
    };
    format!("(goal <= {VERIFY_RATIO_GOAL:.2}x: {verdict})")
}

/// Median over [`BATCHES`] of the time per call in a batch of `iterations` calls, after a
/// warm-up of a quarter batch (at least one call).
pub fn time_per_call(iterations: u32, mut op: impl FnMut()) -> Duration {
    for _ in 0..(iterations / 4).max(1) {
        op();
    }
    let mut batches: Vec<Duration> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                op();
            }
            start.elapsed() / iterations.max(1)
        })
        .collect();
    batches.sort();
    batches.get(BATCHES / 2).copied().unwrap_or_default()
}

fn per_call(time: Duration) -> String {
    let nanos = time.as_nanos();
    if nanos < 1_000 {
        format!("{nanos} ns")
    } else if nanos < 1_000_000 {
        format!("{:.2} µs", time.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", time.as_secs_f64() * 1e3)
    }
}

fn ratio(numerator: Duration, denominator: Duration) -> String {
    if denominator.is_zero() {
        return "-".to_string();
    }
    format!(
        "{:.2}x",
        numerator.as_secs_f64() / denominator.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(iterations: &str, alg: Option<&str>) -> BenchArgs {
        BenchArgs {
            iterations: iterations.to_string(),
            alg: alg.map(str::to_string),
        }
    }

    #[test]
    fn flags_are_validated_and_name_themselves() {
        assert_eq!(
            BenchSettings::from_args(&args("10", None)),
            Ok(BenchSettings {
                iterations: 10,
                algs: vec![Alg::ED25519, Alg::ES256]
            })
        );
        assert_eq!(
            BenchSettings::from_args(&args("1", Some("ES256"))).map(|s| s.algs),
            Ok(vec![Alg::ES256])
        );
        for bad in ["0", "-1", "x", "10000001"] {
            let e = BenchSettings::from_args(&args(bad, None)).expect_err(bad);
            assert!(e.contains("--iterations"), "{e}");
        }
        let e = BenchSettings::from_args(&args("1", Some("rs256"))).expect_err("rs256");
        assert!(e.contains("--alg"), "{e}");
    }

    #[test]
    fn the_median_batch_is_reported() {
        let mut calls = 0u32;
        let t = time_per_call(8, || calls += 1);
        assert_eq!(calls, 2 + 8 * BATCHES as u32);
        assert!(t < Duration::from_millis(1));
    }

    #[test]
    fn times_and_ratios_read_well() {
        assert_eq!(per_call(Duration::from_nanos(850)), "850 ns");
        assert_eq!(per_call(Duration::from_nanos(41_250)), "41.25 µs");
        assert_eq!(per_call(Duration::from_micros(2_500)), "2.50 ms");
        assert_eq!(
            ratio(Duration::from_micros(150), Duration::from_micros(100)),
            "1.50x"
        );
        assert_eq!(ratio(Duration::ZERO, Duration::ZERO), "-");
        let us = Duration::from_micros;
        assert_eq!(goal_verdict(us(115), us(100)), "(goal <= 1.15x: met)");
        assert_eq!(goal_verdict(us(116), us(100)), "(goal <= 1.15x: not met)");
        assert_eq!(
            goal_verdict(us(1), Duration::ZERO),
            "(goal <= 1.15x: unmeasured)"
        );
    }
}
