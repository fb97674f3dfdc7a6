//! Launched targets: they start, become ready or fail clearly and quickly, and leave no
//! process behind, whatever they do.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aauth_harness::host::{HostConfig, IssuerHost};
use aauth_harness::message::{Request, Response};
use aauth_harness::target::launch::{LaunchContext, LaunchError, LaunchSpec, LaunchedTarget};

/// True when no live process has this id (gone, or a zombie awaiting a reaper).
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
    }
}

async fn eventually_gone(pid: u32) -> bool {
    for _ in 0..100 {
        if process_gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aauth-launch-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn read_pid(path: &std::path::Path) -> u32 {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no pid written to {}", path.display());
}

#[tokio::test]
async fn a_target_that_never_becomes_ready_fails_within_the_timeout_and_is_gone() {
    let dir = scratch("never-ready");
    let mut spec = LaunchSpec::new("sleeper", "sleep 1000 & echo $! > child.pid; sleep 1000");
    spec.workdir = Some(dir.clone());
    spec.ready_timeout = Duration::from_millis(1500);
    spec.stop_grace = Duration::from_millis(500);
    let started = Instant::now();
    let err = LaunchedTarget::start(&spec, &LaunchContext::default())
        .await
        .expect_err("never ready");
    let LaunchError::NotReady { pid, .. } = err else {
        panic!("expected NotReady, got {err}");
    };
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(eventually_gone(pid).await, "leader {pid} survived");
    let grandchild = read_pid(&dir.join("child.pid"));
    assert!(
        eventually_gone(grandchild).await,
        "background child {grandchild} survived"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_target_that_exits_at_once_reports_its_stderr() {
    let spec = LaunchSpec::new(
        "crasher",
        "echo starting; echo 'cannot bind: boom' >&2; exit 3",
    );
    let started = Instant::now();
    let err = LaunchedTarget::start(&spec, &LaunchContext::default())
        .await
        .expect_err("exits");
    assert!(started.elapsed() < Duration::from_secs(3));
    let LaunchError::Exited {
        status, log_tail, ..
    } = &err
    else {
        panic!("expected Exited, got {err}");
    };
    assert!(status.contains('3'), "{status}");
    assert!(
        log_tail.contains("[stderr] cannot bind: boom"),
        "{log_tail}"
    );
    assert!(log_tail.contains("[stdout] starting"), "{log_tail}");
    assert!(err.to_string().contains("boom"));
}

#[tokio::test]
async fn a_template_asking_for_a_missing_proxy_is_refused_before_starting() {
    let spec = LaunchSpec::new("t", "serve --proxy {proxy}");
    let err = LaunchedTarget::start(&spec, &LaunchContext::default())
        .await
        .expect_err("template");
    assert!(matches!(err, LaunchError::Template { .. }));
}

#[tokio::test]
async fn a_ready_target_gets_its_port_and_environment_and_dies_with_its_handle() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("ap", |_r: Request| async { Response::new(200) })
        .expect("serve");
    let dir = scratch("ready");
    let mut spec = LaunchSpec::new(
        "python http.server",
        "echo \"$AAUTH_HARNESS_ROUTES|$AAUTH_HARNESS_CA|{identifier}\" > env.txt; \
         exec python3 -m http.server {port} --bind 127.0.0.1",
    );
    spec.workdir = Some(dir.clone());
    spec.identifier = "https://resource.example".to_string();
    spec.log_file = Some(dir.join("target.log"));
    let target = LaunchedTarget::start(&spec, &host.launch_context(false))
        .await
        .expect("ready");
    let env = std::fs::read_to_string(dir.join("env.txt")).expect("env");
    assert_eq!(
        env.trim(),
        format!(
            "{}|{}|https://resource.example",
            host.routes(),
            host.ca_file().display()
        )
    );
    let response = host
        .client()
        .send(
            &target.url(),
            &Request::new(
                "GET",
                "http",
                &format!("127.0.0.1:{}", target.port()),
                "/env.txt",
            ),
        )
        .await
        .expect("served");
    assert_eq!(response.status, 200);
    let pid = target.pid();
    drop(target);
    assert!(
        eventually_gone(pid).await,
        "target {pid} survived its handle"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_target_given_the_proxy_reaches_hosted_names_over_tls() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("curl not installed; skipping");
        return;
    }
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("ap", |r: Request| async move {
        Response::new(200).with_body(format!("hello {}://{}", r.scheme, r.authority))
    })
    .expect("serve");
    let dir = scratch("proxy");
    // curl honours HTTPS_PROXY and CURL_CA_BUNDLE, and checks the CA's name constraint
    // with a different TLS stack from ours.
    let mut spec = LaunchSpec::new(
        "curl through the proxy",
        "curl -sS --max-time 5 https://ap.harness.test/ > fetched.txt 2> curl.err; \
         exec python3 -m http.server {port} --bind 127.0.0.1",
    );
    spec.workdir = Some(dir.clone());
    let mut target = LaunchedTarget::start(&spec, &host.launch_context(true))
        .await
        .expect("ready");
    let fetched = std::fs::read_to_string(dir.join("fetched.txt")).unwrap_or_default();
    let curl_err = std::fs::read_to_string(dir.join("curl.err")).unwrap_or_default();
    assert_eq!(
        fetched, "hello https://ap.harness.test",
        "curl said: {curl_err}"
    );
    target.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
