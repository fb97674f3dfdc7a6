//! `aauth-conform fuzz`: the network fuzzer finds planted flaws and misbehaving servers, stays
//! quiet on the reference targets, and the in-process parser loop runs.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn conform(args: &[&str]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.code(), text, started.elapsed())
}

/// Serves connections on threads; `behave` gets the stream and the connection's ordinal.
fn serve(behave: fn(std::net::TcpStream, usize), counter: &'static AtomicUsize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || behave(stream, n));
        }
    });
    port
}

fn read_request(stream: &mut std::net::TcpStream) {
    let mut buf = [0u8; 65536];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.read(&mut buf);
}

fn answer(stream: &mut std::net::TcpStream, status: &str) {
    let _ = stream.write_all(
        format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}")
            .as_bytes(),
    );
}

fn target_file(name: &str, port: u16) -> PathBuf {
    let file = scratch(&format!("{name}.toml"));
    std::fs::write(
        &file,
        format!(
            "name = \"{name}\"\nrole = \"resource\"\nidentifier = \"https://{name}.test\"\n\
             url = \"http://127.0.0.1:{port}\"\n[resource]\nidentity_path = \"/api/whoami\"\n"
        ),
    )
    .unwrap();
    file
}

fn fuzz_file(name: &str, port: u16, iterations: &str) -> (Option<i32>, String, Duration) {
    let file = target_file(name, port);
    let out = scratch(&format!("{name}-findings"));
    conform(&[
        "fuzz",
        "target",
        "--target",
        file.to_str().unwrap(),
        "--iterations",
        iterations,
        "--request-timeout",
        "2",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn the_reference_resource_gives_no_finding() {
    let (code, out, _) = conform(&[
        "fuzz",
        "target",
        "--target",
        "builtin:resource",
        "--iterations",
        "120",
        "--jobs",
        "8",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("120 requests"), "{out}");
    assert!(out.contains("0 finding(s)"), "{out}");
}

#[test]
fn a_planted_flaw_is_found_with_a_record_and_a_curl_line() {
    let dir = scratch("flaw-findings");
    let _ = std::fs::remove_dir_all(&dir);
    let (code, out, _) = conform(&[
        "fuzz",
        "target",
        "--target",
        "builtin:resource?flaw=no-created-window",
        "--iterations",
        "300",
        "--jobs",
        "8",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("FINDING accepted-invalid [defect:created-skew:"),
        "{out}"
    );
    assert!(out.contains("curl -sS -i -X 'GET'"), "{out}");
    let records: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert!(!records.is_empty());
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(records[0].path()).unwrap()).unwrap();
    assert_eq!(record["kind"], "accepted-invalid");
    assert!(record["request"]["headers"].as_array().unwrap().len() >= 3);
}

#[test]
fn a_server_that_accepts_everything_is_caught() {
    static N: AtomicUsize = AtomicUsize::new(0);
    let port = serve(
        |mut s, _| {
            read_request(&mut s);
            answer(&mut s, "200 OK");
        },
        &N,
    );
    let (code, out, _) = fuzz_file("yes-server", port, "200");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FINDING accepted-invalid"), "{out}");
}

#[test]
fn server_errors_are_findings() {
    static N: AtomicUsize = AtomicUsize::new(0);
    // Metadata and baseline are answered; every mutated request gets a 500.
    let port = serve(
        |mut s, n| {
            read_request(&mut s);
            answer(
                &mut s,
                if n < 2 {
                    "200 OK"
                } else {
                    "500 Internal Server Error"
                },
            );
        },
        &N,
    );
    let (code, out, _) = fuzz_file("error-server", port, "40");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FINDING server-error"), "{out}");
}

#[test]
fn a_server_that_dies_stops_the_session_quickly() {
    static N: AtomicUsize = AtomicUsize::new(0);
    // Metadata and baseline are answered; then every connection is dropped unanswered.
    let port = serve(
        |mut s, n| {
            read_request(&mut s);
            if n < 2 {
                answer(&mut s, "200 OK");
            }
        },
        &N,
    );
    let (code, out, elapsed) = fuzz_file("dying-server", port, "5000");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FINDING target-down"), "{out}");
    assert!(out.contains("stopped early"), "{out}");
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
}

#[test]
fn roles_without_a_verifier_probe_are_usage_errors() {
    let (code, out, _) = conform(&["fuzz", "target", "--target", "builtin:agent-provider"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("verifies signed requests"), "{out}");
}

#[test]
fn the_parser_loop_runs_and_names_unknown_targets() {
    let (code, out, _) = conform(&[
        "fuzz",
        "parsers",
        "--only",
        "signature_key",
        "--only",
        "content_digest",
        "--duration",
        "2",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2 parser target(s)"), "{out}");
    assert!(out.contains("0 finding(s)"), "{out}");
    let (code, out, _) = conform(&["fuzz", "parsers", "--only", "nope"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("signature_input"), "{out}");
}
