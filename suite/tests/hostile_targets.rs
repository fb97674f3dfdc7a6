//! A target that hangs, answers garbage, floods, or dies must give `Error` outcomes within the
//! timeout: never a hang, a panic, or a pass. Each test starts a misbehaving server on
//! 127.0.0.1, points a target file at it, and checks the summary and the exit code (3: the
//! harness could not reach a verdict).

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Serves every connection with `behave` on its own thread; returns the port.
fn serve(behave: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || behave(stream));
        }
    });
    port
}

fn read_head(stream: &mut std::net::TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.read(&mut buf);
}

/// Runs the baseline case against a resource at `port`; returns (exit code, stdout, elapsed).
fn run_against(name: &str, port: u16) -> (Option<i32>, String, Duration) {
    let file = scratch(&format!("{name}.toml"));
    std::fs::write(
        &file,
        format!(
            "name = \"{name}\"\nrole = \"resource\"\nidentifier = \"https://{name}.test\"\n\
             url = \"http://127.0.0.1:{port}\"\n[resource]\nidentity_path = \"/api/whoami\"\n"
        ),
    )
    .unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(["run", "--target"])
        .arg(&file)
        .args([
            "--filter",
            "sig.baseline.*,sig.created.too-old",
            "--timeout",
            "4",
        ])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        started.elapsed(),
    )
}

fn assert_errors_only(name: &str, behave: fn(std::net::TcpStream)) {
    let port = serve(behave);
    let (code, stdout, elapsed) = run_against(name, port);
    assert_eq!(code, Some(3), "{name}: {stdout}");
    assert!(
        stdout.contains("pass 0"),
        "{name}: a broken target must never pass: {stdout}"
    );
    assert!(!stdout.contains("error 0"), "{name}: {stdout}");
    assert!(elapsed < Duration::from_secs(30), "{name} took {elapsed:?}");
}

#[test]
fn a_target_that_never_answers_gives_errors_within_the_timeout() {
    assert_errors_only("hang", |mut s| {
        read_head(&mut s);
        std::thread::sleep(Duration::from_secs(60));
    });
}

#[test]
fn a_target_that_answers_garbage_gives_errors() {
    assert_errors_only("garbage", |mut s| {
        read_head(&mut s);
        let _ = s.write_all(b"\x16\x03\x01 this is not HTTP at all\r\n\r\n");
    });
}

#[test]
fn a_target_that_floods_gives_errors() {
    assert_errors_only("flood", |mut s| {
        read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..1024 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
}

#[test]
fn a_target_that_hangs_up_mid_response_gives_errors() {
    assert_errors_only("hangup", |mut s| {
        read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\npartial");
    });
}

#[test]
fn a_launched_target_that_dies_at_start_is_a_harness_error_with_its_output() {
    let file = scratch("dies.toml");
    std::fs::write(
        &file,
        "name = \"dies\"\nrole = \"resource\"\nidentifier = \"https://dies.test\"\n\
         url = \"http://127.0.0.1:{port}\"\nstart = \"echo boom-on-startup >&2; exit 7\"\n\
         ready = \"/\"\n[resource]\nidentity_path = \"/api/whoami\"\n",
    )
    .unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(["run", "--target"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("boom-on-startup"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
}
