//! Mutation score: the suite must be able to fail. Each planted flaw of the reference roles
//! (`harness/src/role/flaw.rs`) is switched on alone, the suite runs against that built-in
//! target, and at least one case must fail. The table printed names the cases that caught
//! each flaw.
//!
//! `mutation_uncaught.txt` lists flaws no case catches yet, one per line with the reason after
//! `#`. A flaw missing from the list that nothing catches fails the test (a hole opened); a
//! listed flaw that is now caught fails it too (remove it from the list), so the list only
//! shrinks.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use aauth_harness::role::flaw::Flaw;

/// Flaw id → the failing cases of its run, or why the run did not complete.
type Results = BTreeMap<&'static str, Result<Vec<String>, String>>;

fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mutation");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the suite against one flawed built-in target; returns the failing case ids.
fn failing_cases(flaw: Flaw) -> Result<Vec<String>, String> {
    let report = scratch().join(format!("{}.json", flaw.id()));
    let _ = std::fs::remove_file(&report);
    let target = format!("builtin:{}?flaw={}", flaw.role(), flaw.id());
    let out = Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(["run", "--target", &target, "--jobs", "4"])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .output()
        .map_err(|e| format!("cannot run: {e}"))?;
    let text = std::fs::read_to_string(&report).map_err(|e| {
        format!(
            "no report ({e}); exit {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let cases = json["cases"].as_array().cloned().unwrap_or_default();
    Ok(cases
        .iter()
        .filter(|c| c["outcome"] == "fail")
        .filter_map(|c| {
            Some(format!(
                "{} [{}]",
                c["id"].as_str()?,
                c["profile"].as_str().unwrap_or("")
            ))
        })
        .collect())
}

fn known_uncaught() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mutation_uncaught.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('#') {
            Some((id, why)) => (id.trim().to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
fn every_planted_flaw_is_caught_by_at_least_one_case() {
    let queue: Arc<Mutex<Vec<Flaw>>> = Arc::new(Mutex::new(Flaw::ALL.to_vec()));
    let results: Arc<Mutex<Results>> = Arc::default();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let results = Arc::clone(&results);
            std::thread::spawn(move || loop {
                let Some(flaw) = queue.lock().unwrap().pop() else {
                    return;
                };
                let outcome = failing_cases(flaw);
                results.lock().unwrap().insert(flaw.id(), outcome);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let results = results.lock().unwrap();
    let known = known_uncaught();
    let mut caught = 0;
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    println!("{:<40} {:<8} caught by", "flaw", "breaks");
    for flaw in Flaw::ALL {
        ids.insert(flaw.id().to_string());
        match &results[flaw.id()] {
            Err(e) => problems.push(format!("{}: the run did not complete: {e}", flaw.id())),
            Ok(failing) if failing.is_empty() => {
                println!("{:<40} {:<8} -", flaw.id(), flaw.requirement());
                if !known.contains_key(flaw.id()) {
                    problems.push(format!(
                        "{} ({}) is caught by no case: {}",
                        flaw.id(),
                        flaw.requirement(),
                        flaw.description()
                    ));
                }
            }
            Ok(failing) => {
                caught += 1;
                let shown: Vec<_> = failing.iter().take(3).cloned().collect();
                let more = failing.len().saturating_sub(3);
                let more = if more > 0 {
                    format!(" (+{more})")
                } else {
                    String::new()
                };
                println!(
                    "{:<40} {:<8} {}{more}",
                    flaw.id(),
                    flaw.requirement(),
                    shown.join(", ")
                );
                if known.contains_key(flaw.id()) {
                    problems.push(format!(
                        "{} is caught now: remove it from tests/mutation_uncaught.txt",
                        flaw.id()
                    ));
                }
            }
        }
    }
    for id in known.keys() {
        if !ids.contains(id) {
            problems.push(format!("mutation_uncaught.txt names unknown flaw {id}"));
        }
    }
    println!(
        "mutation score: {caught}/{} flaws caught ({:.0}%)",
        Flaw::ALL.len(),
        100.0 * caught as f64 / Flaw::ALL.len() as f64
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
