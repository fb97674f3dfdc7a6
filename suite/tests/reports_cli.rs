//! `--report FORMAT=PATH` through the binary: every format written into directories that do
//! not exist yet, the JSON read back by `baseline`, and the exit statuses of paths that
//! cannot be written.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::path::PathBuf;
use std::process::{Command, Output};

use aauth_reports::Report;

fn conform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reports-cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn every_format_is_written_and_missing_directories_are_created() {
    let dir = scratch("run-all");
    let _ = std::fs::remove_dir_all(&dir);
    let path = |name: &str| dir.join("nested").join(name).display().to_string();
    let reports: Vec<String> = [
        ("json", "report.json"),
        ("junit", "junit.xml"),
        ("sarif", "report.sarif"),
        ("html", "report.html"),
        ("text", "summary.txt"),
    ]
    .iter()
    .map(|(format, file)| format!("{format}={}", path(file)))
    .collect();
    let mut args = vec!["run", "--seed", "5"];
    for report in &reports {
        args.extend(["--report", report.as_str()]);
    }
    let out = conform(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    for file in [
        "report.json",
        "junit.xml",
        "report.sarif",
        "report.html",
        "summary.txt",
    ] {
        assert!(dir.join("nested").join(file).is_file(), "{file}: {stderr}");
    }
    assert!(stderr.contains("wrote the junit report"), "{stderr}");

    let json = std::fs::read_to_string(path("report.json")).unwrap();
    let report = Report::from_json(&json).unwrap();
    assert_eq!(report.check(), vec![]);
    assert_eq!(report.run.seed, 5);
    assert_eq!(report.tool.version, env!("CARGO_PKG_VERSION"));
    assert!(report.run.command_line.iter().any(|a| a == "--report"));
    assert!(report
        .run
        .targets
        .iter()
        .any(|t| t.name == "built-in resource"));
    assert!(
        report.run.started_at.ends_with('Z'),
        "{}",
        report.run.started_at
    );

    let junit = std::fs::read_to_string(path("junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml"), "{junit}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("report.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let html = std::fs::read_to_string(path("report.html")).unwrap();
    assert!(html.contains("<html"), "{html}");
    let text = std::fs::read_to_string(path("summary.txt")).unwrap();
    assert!(text.contains("seed 5"), "{text}");

    // `baseline` reads the JSON the sink wrote.
    let baseline = dir.join("baseline.toml");
    let out = conform(&[
        "baseline",
        &path("report.json"),
        "-o",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = conform(&["run", "--expect", baseline.to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(0 | 3)));
}

#[test]
fn a_report_below_a_file_is_a_usage_error_before_the_run() {
    let file = scratch("plain-file");
    std::fs::write(&file, "not a directory").unwrap();
    let request = format!("json={}/report.json", file.display());
    let out = conform(&["run", "--report", &request]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a directory"), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_is_a_harness_error() {
    // /dev/full opens fine and fails every write with ENOSPC.
    let out = conform(&["run", "--report", "json=/dev/full"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("harness error: cannot write the json report /dev/full"),
        "{stderr}"
    );
}
