//! The `aauth-conform` binary: exit codes for usage errors, placeholders and the commands that
//! work on the (still empty) default registry.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::path::PathBuf;
use std::process::{Command, Output};

fn conform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn code(args: &[&str]) -> i32 {
    conform(args).status.code().unwrap_or(-1)
}

fn stderr(args: &[&str]) -> String {
    String::from_utf8_lossy(&conform(args).stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn bare_invocation_runs_against_the_builtin_targets() {
    let out = conform(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("built-in resource"));
}

#[test]
fn argument_errors_exit_2_with_a_message_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--bogus"], "--bogus"),
        (&["run", "--jobs", "0"], "--jobs"),
        (&["run", "--seed", "x"], "--seed"),
        (&["run", "--timeout", "0"], "--timeout"),
        (&["run", "--level", "strict"], "--level"),
        (&["run", "--profile", "aauth-12"], "--profile"),
        (&["run", "--role", "server"], "--role"),
        (&["run", "--filter", "SIG.*"], "--filter"),
        (&["run", "--filter", "zz-none.*"], "selects no case"),
        (&["run", "--report", "xml=out.xml"], "--report"),
        (&["run", "--report", "html=/"], "is a directory"),
        (&["run", "--target", "builtin:server"], "--target"),
        (&["run", "--target", "builtin:resource?bug=1"], "--target"),
        (
            &["run", "--target", "/nonexistent/target.toml"],
            "target file",
        ),
        (
            &["run", "--expect", "/nonexistent/baseline.toml"],
            "--expect",
        ),
        (&["list", "--filter", "sig.*@resourse"], "unknown role"),
        (&["explain", "no.such-case"], "no case"),
        (&["explain", "SIG-999"], "not in the requirement index"),
    ];
    for (args, needle) in cases {
        assert_eq!(code(args), 2, "{args:?}");
        let message = stderr(args);
        assert!(message.contains(needle), "{args:?}: {message}");
    }
}

#[test]
fn fuzz_needs_a_known_subcommand() {
    assert_eq!(code(&["fuzz", "verify"]), 2);
    let message = stderr(&["fuzz"]);
    assert!(
        message.contains("parsers") && message.contains("target"),
        "{message}"
    );
}

#[test]
fn list_explain_and_coverage_work_on_the_index() {
    assert_eq!(code(&["list"]), 0);
    let explain = conform(&["explain", "SIG-007"]);
    assert_eq!(explain.status.code(), Some(0));
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains("aauth-11 §13.8.4 #verification"), "{text}");
    let coverage = conform(&["coverage"]);
    assert_eq!(coverage.status.code(), Some(0));
    let text = String::from_utf8_lossy(&coverage.stdout);
    assert!(text.contains("missing  AGT-028"), "{text}");
    assert!(text.contains("excluded AGT-037"), "{text}");
}

#[test]
fn target_files_are_read_and_checked() {
    let good = scratch("resource.toml");
    std::fs::write(
        &good,
        "name = \"example\"\nrole = \"resource\"\nprofile = \"aauth-10\"\nidentifier = \"https://example.test\"\nurl = \"http://127.0.0.1:1\"\ncapabilities = [\"es256\"]\n",
    )
    .unwrap();
    let good = good.to_str().unwrap();
    // The target is unreachable: only cases that skip before sending (missing knobs or
    // capabilities) can end well, so the knob-free metadata fetches are filtered out.
    let out = conform(&["run", "--target", good, "--filter", "*,-res.metadata.*"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("example (resource, aauth-10)"));
    assert_eq!(code(&["run", "--target", good, "--profile", "aauth-11"]), 2);

    let bad = scratch("bad-capability.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\nrole = \"resource\"\ncapabilities = [\"es512\"]\n",
    )
    .unwrap();
    assert!(stderr(&["run", "--target", bad.to_str().unwrap()]).contains("unknown capability"));

    let twice = [
        "run",
        "--target",
        "builtin:resource",
        "--target",
        "builtin:resource",
    ];
    assert_eq!(code(&twice), 2);
}

#[test]
fn text_reports_are_written_through_the_sink() {
    let path = scratch("summary.txt");
    let _ = std::fs::remove_file(&path);
    let report = format!("text={}", path.display());
    assert_eq!(code(&["run", "--report", &report]), 0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("seed 0"), "{text}");
}

#[test]
fn baseline_turns_a_json_report_into_an_expect_file() {
    let report = scratch("report.json");
    std::fs::write(
        &report,
        r#"{"cases":[{"id":"zz.never-a-case.example@resource","outcome":"fail","requirement":"SIG-007",
            "spec":{"doc":"aauth-11","section":"13.8.4","anchor":"verification"},"message":"status 200, wanted 401"}]}"#,
    )
    .unwrap();
    let output = scratch("baseline.toml");
    let args = [
        "baseline",
        report.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ];
    assert_eq!(code(&args), 0);
    let text = std::fs::read_to_string(&output).unwrap();
    assert!(
        text.contains("id = \"zz.never-a-case.example@resource\""),
        "{text}"
    );
    assert!(
        text.contains("SIG-007 aauth-11 §13.8.4: status 200, wanted 401"),
        "{text}"
    );
    // The baseline loads; its entry matches no case of the registry: a warning, not an error.
    let out = conform(&["run", "--expect", output.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("matches no case"));
    assert_eq!(
        code(&[
            "baseline",
            "/nonexistent.json",
            "-o",
            output.to_str().unwrap()
        ]),
        2
    );
}
