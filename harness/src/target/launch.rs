//! A target the harness starts itself (`start` in the target file), waits for, watches and
//! stops.
//!
//! The command template is run with `sh -c` in its own process group, so stopping it stops
//! everything it spawned (interpreters, workers, `npm` wrappers). Placeholders:
//!
//! | placeholder    | replaced with                                              |
//! |----------------|------------------------------------------------------------|
//! | `{port}`       | the port the target must listen on (free loopback port)    |
//! | `{routes}`     | the routing table (`https://ap.harness.test=http://...`)   |
//! | `{ca}`         | path of the harness CA PEM file                            |
//! | `{identifier}` | the target's own identifier from the target file          |
//! | `{proxy}`      | `http://127.0.0.1:PORT` of the CONNECT proxy (if enabled)  |
//!
//! Values are shell-quoted when they contain anything beyond plain path characters. Other
//! braces (`${HOME}`, `{a,b}`) are left to the shell.
//!
//! The target gets `AAUTH_HARNESS_ROUTES` and `AAUTH_HARNESS_CA` in its environment, and with
//! the proxy enabled also `HTTPS_PROXY`/`https_proxy`, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`,
//! `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` and `NO_PROXY=127.0.0.1,localhost`. Inherited proxy
//! variables are removed first so a target never reaches past loopback through a proxy of the
//! machine's.
//!
//! Output goes to bounded ring buffers (and optionally a log file, also bounded) so a report
//! can quote the last lines of a target that died. Readiness: `GET {ready}` until any answer
//! below 500, failing early if the process exits. `stop()` and `Drop` send SIGTERM to the
//! group, wait a grace period, then SIGKILL the group. Signals go through the `kill` command
//! because `unsafe` (and so libc) is not allowed in this workspace.

use std::collections::VecDeque;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::host::routes::Routes;
use crate::message::Request;
use crate::target::client::{ClientLimits, HttpClient};

/// What the issuer host gives a launched target so it can reach the hosted names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LaunchContext {
    /// The routing table (`AAUTH_HARNESS_ROUTES`, `{routes}`).
    pub routes: Routes,
    /// The CA PEM file (`AAUTH_HARNESS_CA`, `{ca}`).
    pub ca_file: PathBuf,
    /// The CONNECT proxy, when the target should use it (`HTTPS_PROXY`, `{proxy}`).
    pub proxy: Option<SocketAddr>,
}

impl LaunchContext {
    /// The environment variables a target gets, in a stable order.
    pub fn env(&self) -> Vec<(String, String)> {
        let ca = self.ca_file.display().to_string();
        let mut env = vec![
            ("AAUTH_HARNESS_ROUTES".to_string(), self.routes.to_string()),
            ("AAUTH_HARNESS_CA".to_string(), ca.clone()),
        ];
        if let Some(proxy) = self.proxy {
            let url = format!("http://{proxy}");
            for name in ["HTTPS_PROXY", "https_proxy"] {
                env.push((name.to_string(), url.clone()));
            }
            for name in [
                "SSL_CERT_FILE",
                "NODE_EXTRA_CA_CERTS",
                "REQUESTS_CA_BUNDLE",
                "CURL_CA_BUNDLE",
            ] {
                env.push((name.to_string(), ca.clone()));
            }
            for name in ["NO_PROXY", "no_proxy"] {
                env.push((name.to_string(), "127.0.0.1,localhost".to_string()));
            }
        }
        env
    }
}

/// Proxy variables removed from the inherited environment before launching.
const INHERITED_PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// How to start a target and decide it is ready: the `start`/`ready` part of a target file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchSpec {
    /// Name used in errors and log lines.
    pub name: String,
    /// Command template run by `sh -c` (see the module docs for placeholders).
    pub start: String,
    /// Working directory; the harness's own when `None`.
    pub workdir: Option<PathBuf>,
    /// Path probed for readiness, such as `/.well-known/aauth-resource.json`.
    pub ready: String,
    /// How long the target may take to become ready.
    pub ready_timeout: Duration,
    /// The target's identifier, for `{identifier}`.
    pub identifier: String,
    /// A fixed port (when the target file's `url` names one); a free one is chosen if `None`.
    pub port: Option<u16>,
    /// Further environment variables, applied last.
    pub env: Vec<(String, String)>,
    /// Also append the target's output to this file (bounded to 64 MiB).
    pub log_file: Option<PathBuf>,
    /// Lines of output kept in memory per target.
    pub log_lines: usize,
    /// Time between SIGTERM and SIGKILL.
    pub stop_grace: Duration,
}

impl LaunchSpec {
    /// A spec with defaults: ready path `/`, 20 s to become ready, 2 s stop grace, 200 lines.
    pub fn new(name: impl Into<String>, start: impl Into<String>) -> Self {
        LaunchSpec {
            name: name.into(),
            start: start.into(),
            workdir: None,
            ready: "/".to_string(),
            ready_timeout: Duration::from_secs(20),
            identifier: String::new(),
            port: None,
            env: Vec::new(),
            log_file: None,
            log_lines: 200,
            stop_grace: Duration::from_secs(2),
        }
    }
}

/// Why a target could not be launched or did not become ready.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// The template asks for something the harness cannot give (e.g. `{proxy}` with no proxy).
    #[error("start command template: {reason}")]
    Template {
        /// What is missing.
        reason: String,
    },
    /// No free loopback port could be found.
    #[error("no free loopback port: {detail}")]
    NoPort {
        /// The operating system's reason.
        detail: String,
    },
    /// `sh` could not be started at all.
    #[error("cannot run {command:?}: {detail}")]
    Spawn {
        /// The command after substitution.
        command: String,
        /// The operating system's reason.
        detail: String,
    },
    /// The target exited before it became ready.
    #[error("target {name} exited during startup ({status}); last output:\n{log_tail}")]
    Exited {
        /// Target name.
        name: String,
        /// Exit status as the OS reports it.
        status: String,
        /// Its last lines of output.
        log_tail: String,
    },
    /// The target did not answer the readiness probe in time; it has been stopped.
    #[error("target {name} not ready after {} ms (last probe: {last_probe}); last output:\n{log_tail}", after.as_millis())]
    NotReady {
        /// Target name.
        name: String,
        /// Process (and group) id it had, for checking it is gone.
        pid: u32,
        /// How long the harness waited.
        after: Duration,
        /// What the last probe got.
        last_probe: String,
        /// Its last lines of output.
        log_tail: String,
    },
}

/// Which output stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line of target output (cut at 4 KiB).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Where it came from.
    pub stream: Stream,
    /// The text, lossily decoded.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        write!(f, "[{tag}] {}", self.text)
    }
}

const MAX_LINE: usize = 4096;
const MAX_LOG_FILE: u64 = 64 * 1024 * 1024;

#[derive(Debug)]
struct LogRing {
    lines: VecDeque<LogLine>,
    capacity: usize,
    file: Option<std::fs::File>,
    file_bytes: u64,
}

impl LogRing {
    fn push(&mut self, line: LogLine) {
        if let Some(file) = &mut self.file {
            let text = format!("{line}\n");
            if self.file_bytes + text.len() as u64 <= MAX_LOG_FILE
                && file.write_all(text.as_bytes()).is_ok()
            {
                self.file_bytes += text.len() as u64;
            }
        }
        if self.lines.len() >= self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }
}

type Logs = Arc<Mutex<LogRing>>;

/// A running target. Dropping it kills its whole process group.
#[derive(Debug)]
pub struct LaunchedTarget {
    name: String,
    child: Child,
    pgid: u32,
    port: u16,
    command: String,
    logs: Logs,
    readers: Vec<JoinHandle<()>>,
    grace: Duration,
    stopped: bool,
}

impl LaunchedTarget {
    /// Start the target and wait until it is ready. On any failure the process group has
    /// already been stopped when this returns.
    pub async fn start(
        spec: &LaunchSpec,
        context: &LaunchContext,
    ) -> Result<LaunchedTarget, LaunchError> {
        let mut target = LaunchedTarget::spawn(spec, context)?;
        match target.wait_ready(spec).await {
            Ok(()) => Ok(target),
            Err(e) => {
                target.stop().await;
                Err(e)
            }
        }
    }

    /// Start the target without waiting for readiness.
    pub fn spawn(
        spec: &LaunchSpec,
        context: &LaunchContext,
    ) -> Result<LaunchedTarget, LaunchError> {
        let port = match spec.port {
            Some(p) => p,
            None => free_port()?,
        };
        let command = substitute(&spec.start, port, context, &spec.identifier)?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&command)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(false);
        if let Some(dir) = &spec.workdir {
            cmd.current_dir(dir);
        }
        for name in INHERITED_PROXY_VARS {
            cmd.env_remove(name);
        }
        for (k, v) in context.env().into_iter().chain(spec.env.iter().cloned()) {
            cmd.env(k, v);
        }
        let file = match &spec.log_file {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| LaunchError::Spawn {
                        command: command.clone(),
                        detail: format!("cannot open log file {}: {e}", path.display()),
                    })?,
            ),
            None => None,
        };
        let mut child = cmd.spawn().map_err(|e| LaunchError::Spawn {
            command: command.clone(),
            detail: e.to_string(),
        })?;
        let pgid = child.id().unwrap_or(0);
        let logs: Logs = Arc::new(Mutex::new(LogRing {
            lines: VecDeque::new(),
            capacity: spec.log_lines.max(1),
            file,
            file_bytes: 0,
        }));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(tokio::spawn(pump(out, Stream::Stdout, logs.clone())));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(tokio::spawn(pump(err, Stream::Stderr, logs.clone())));
        }
        Ok(LaunchedTarget {
            name: spec.name.clone(),
            child,
            pgid,
            port,
            command,
            logs,
            readers,
            grace: spec.stop_grace,
            stopped: false,
        })
    }

    async fn wait_ready(&mut self, spec: &LaunchSpec) -> Result<(), LaunchError> {
        let started = Instant::now();
        let probe_client = HttpClient::new().with_limits(ClientLimits {
            connect_timeout: Duration::from_millis(500),
            total_timeout: Duration::from_secs(2),
            max_header_bytes: 64 * 1024,
            max_headers: 256,
            max_body_bytes: 1024 * 1024,
        });
        let authority = format!("127.0.0.1:{}", self.port);
        let probe = Request::new("GET", "http", &authority, &spec.ready);
        let address = self.url();
        let mut last_probe = "no probe yet".to_string();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.drain_readers().await;
                return Err(LaunchError::Exited {
                    name: self.name.clone(),
                    status: status.to_string(),
                    log_tail: self.log_tail(20),
                });
            }
            if started.elapsed() >= spec.ready_timeout {
                return Err(LaunchError::NotReady {
                    name: self.name.clone(),
                    pid: self.pgid,
                    after: started.elapsed(),
                    last_probe,
                    log_tail: self.log_tail(20),
                });
            }
            let remaining = spec.ready_timeout.saturating_sub(started.elapsed());
            match tokio::time::timeout(remaining, probe_client.send(&address, &probe)).await {
                Ok(Ok(response)) if response.status < 500 => return Ok(()),
                Ok(Ok(response)) => last_probe = format!("status {}", response.status),
                Ok(Err(e)) => last_probe = e.to_string(),
                Err(_) => last_probe = "probe still running at the deadline".to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Give the output readers a moment to take in what a dead process left in its pipes.
    async fn drain_readers(&mut self) {
        let deadline = Instant::now() + Duration::from_millis(500);
        for reader in &mut self.readers {
            // A finished handle must not be polled again.
            if reader.is_finished() {
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = tokio::time::timeout(left, reader).await;
        }
    }

    /// The port the target listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where to reach it: `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Process id of the `sh` leading the group (also the group id).
    pub fn pid(&self) -> u32 {
        self.pgid
    }

    /// The command as run, after substitution.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The last `n` lines of output, tagged by stream, one per line.
    pub fn log_tail(&self, n: usize) -> String {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let skip = logs.lines.len().saturating_sub(n);
        logs.lines
            .iter()
            .skip(skip)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The exit status, if the process has exited (without waiting).
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stop the whole process group: SIGTERM, wait up to the grace period, SIGKILL.
    /// Returns the exit status of the group leader when it could be collected.
    pub async fn stop(&mut self) -> Option<ExitStatus> {
        if self.stopped {
            return self.child.try_wait().ok().flatten();
        }
        self.stopped = true;
        signal_group(self.pgid, "TERM");
        let mut status = tokio::time::timeout(self.grace, self.child.wait())
            .await
            .ok()
            .and_then(Result::ok);
        // Children that ignored SIGTERM, or outlived the shell, go now.
        signal_group(self.pgid, "KILL");
        if status.is_none() {
            status = tokio::time::timeout(Duration::from_secs(2), self.child.wait())
                .await
                .ok()
                .and_then(Result::ok);
        }
        self.drain_readers().await;
        for reader in &self.readers {
            reader.abort();
        }
        status
    }
}

impl Drop for LaunchedTarget {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        signal_group(self.pgid, "TERM");
        let deadline = Instant::now() + self.grace;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_group(self.pgid, "KILL");
        let _ = self.child.start_kill();
        // Reap the leader so no zombie is left behind; SIGKILL makes this quick.
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(10));
        }
        for reader in &self.readers {
            reader.abort();
        }
    }
}

/// Send a signal to a process group through the `kill` command.
fn signal_group(pgid: u32, signal: &str) {
    if pgid <= 1 {
        return;
    }
    let _ = std::process::Command::new("kill")
        .args(["-s", signal, "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Copy a pipe into the ring, line by line, with lines bounded.
async fn pump(mut pipe: impl AsyncRead + Unpin, stream: Stream, logs: Logs) {
    let mut chunk = [0u8; 8192];
    let mut line: Vec<u8> = Vec::new();
    let mut overflow = false;
    let flush = |line: &mut Vec<u8>, overflow: &mut bool| {
        let mut text = String::from_utf8_lossy(line).into_owned();
        if *overflow {
            text.push_str(" [line cut]");
        }
        logs.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(LogLine { stream, text });
        line.clear();
        *overflow = false;
    };
    loop {
        let n = match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in chunk.iter().take(n) {
            if b == b'\n' {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                flush(&mut line, &mut overflow);
            } else if line.len() < MAX_LINE {
                line.push(b);
            } else {
                overflow = true;
            }
        }
    }
    if !line.is_empty() {
        flush(&mut line, &mut overflow);
    }
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> Result<u16, LaunchError> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| LaunchError::NoPort {
            detail: e.to_string(),
        })
}

/// Replace the placeholders of a start template.
pub fn substitute(
    template: &str,
    port: u16,
    context: &LaunchContext,
    identifier: &str,
) -> Result<String, LaunchError> {
    let mut out = template.replace("{port}", &port.to_string());
    if out.contains("{routes}") {
        out = out.replace("{routes}", &shell_quote(&context.routes.to_string()));
    }
    if out.contains("{ca}") {
        out = out.replace("{ca}", &shell_quote(&context.ca_file.display().to_string()));
    }
    if out.contains("{identifier}") {
        if identifier.is_empty() {
            return Err(LaunchError::Template {
                reason: "{identifier} used but the target has no identifier".to_string(),
            });
        }
        out = out.replace("{identifier}", &shell_quote(identifier));
    }
    if out.contains("{proxy}") {
        let Some(proxy) = context.proxy else {
            return Err(LaunchError::Template {
                reason: "{proxy} used but the proxy is not enabled for this target".to_string(),
            });
        };
        out = out.replace("{proxy}", &format!("http://{proxy}"));
    }
    Ok(out)
}

/// Quote for `sh` unless the text only has characters the shell leaves alone.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_quoted_when_needed() {
        let mut routes = Routes::new();
        routes
            .insert(
                "https://ap.harness.test",
                "127.0.0.1:4000".parse().expect("addr"),
            )
            .expect("route");
        let context = LaunchContext {
            routes,
            ca_file: PathBuf::from("/tmp/with space/ca.pem"),
            proxy: None,
        };
        let out = substitute(
            "serve --port {port} --routes {routes} --ca {ca} --id {identifier} ${HOME}",
            8080,
            &context,
            "https://resource.example",
        )
        .expect("template");
        assert_eq!(
            out,
            "serve --port 8080 --routes https://ap.harness.test=http://127.0.0.1:4000 \
             --ca '/tmp/with space/ca.pem' --id https://resource.example ${HOME}"
        );
        assert!(substitute("x {proxy}", 1, &context, "").is_err());
    }
}
