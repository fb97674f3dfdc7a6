//! The HTML report in a real browser: headless Chromium loads the sample page with the
//! `#selftest` fragment, the page's own test types into the filter, flips a toggle and opens
//! a case, and `--dump-dom` shows us the results it wrote into `<pre id="selftest">`.
//!
//! Without Chromium the tests print "skipped: chromium not installed" and pass, unless
//! `AAUTH_REQUIRE_CHROMIUM` is set (CI sets it), in which case they fail. `AAUTH_CHROMIUM`
//! may name the browser binary; otherwise `chromium`, `chromium-browser`, `google-chrome`
//! are looked up on `PATH`.
// Test helpers outside `#[test]` functions: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use aauth_reports::html;

const TIMEOUT: Duration = Duration::from_secs(120);

/// Finds the browser, or reports the skip (and fails when Chromium is required).
fn chromium_or_skip() -> Option<PathBuf> {
    let found = std::env::var_os("AAUTH_CHROMIUM")
        .map(PathBuf::from)
        .filter(|path| path.is_file())
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path).find_map(|dir| {
                ["chromium", "chromium-browser", "google-chrome"]
                    .iter()
                    .map(|name| dir.join(name))
                    .find(|candidate| candidate.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var_os("AAUTH_REQUIRE_CHROMIUM").is_none(),
            "AAUTH_REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        eprintln!("skipped: chromium not installed");
    }
    found
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("aauth-reports-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs headless Chromium with `extra` arguments on `url`, returning stdout; fails the test
/// on a non-zero exit or after [`TIMEOUT`].
fn run_chromium(browser: &Path, profile_dir: &Path, extra: &[String], url: &str) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(50));
    };
    let out = out_reader.join().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "chromium failed: {status}\n{err}");
    out
}

fn write_page(dir: &Path) -> PathBuf {
    let page = dir.join("report.html");
    std::fs::write(&page, html::render(&common::sample())).unwrap();
    page
}

#[test]
fn the_page_filters_toggles_and_expands_in_chromium() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let scratch = Scratch::new("dom");
    let page = write_page(&scratch.0);
    let url = format!("file://{}#selftest", page.display());
    let dom = run_chromium(
        &browser,
        &scratch.0.join("profile"),
        &["--dump-dom".to_owned()],
        &url,
    );

    let selftest = dom
        .split("<pre id=\"selftest\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no selftest output in the DOM:\n{dom}"));
    assert!(
        selftest.contains("selftest: passed"),
        "in-page selftest failed:\n{selftest}"
    );
    assert!(!selftest.contains("FAIL "), "{selftest}");

    // The summary is rendered.
    assert!(dom.contains("<div class=\"card fail\"><span class=\"count\">5</span>"));
    assert!(dom.contains("<div class=\"card total\"><span class=\"count\">11</span>"));
    assert_eq!(dom.matches("<details class=\"case").count(), 11);
    // The script left the page as the reader will see it: everything shown again.
    assert!(dom.contains("11 of 11 cases shown"), "filter count missing");
    // The hostile body stayed text: no script ran, nothing was injected.
    assert!(dom.contains("&lt;script&gt;document.title='owned'&lt;/script&gt;"));
    assert!(!dom.contains("<title>owned</title>"));
    assert_eq!(dom.matches("<script").count(), 1);
    assert!(!dom.contains("<img src=\"x\""));
}

#[test]
fn the_page_renders_a_screenshot_in_chromium() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let scratch = Scratch::new("shot");
    let page = write_page(&scratch.0);
    let shot = scratch.0.join("report.png");
    // `#case-1` opens the first case, whose transcript carries the hostile body.
    let url = format!("file://{}#case-1", page.display());
    run_chromium(
        &browser,
        &scratch.0.join("profile"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2200".to_owned(),
        ],
        &url,
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(png.len() > 10_000, "screenshot suspiciously small");
    // Keep a copy for people to look at.
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    if std::fs::copy(&shot, &kept).is_ok() {
        eprintln!("screenshot: {}", kept.display());
    }
}
