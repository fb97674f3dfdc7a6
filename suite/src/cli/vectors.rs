//! `aauth-conform vectors verify|generate`: the vector checks of
//! `aauth_harness::vectors`, as a command a CI job or an implementer in another language
//! can run without `cargo test`.
//!
//! Exit codes follow the rest of the CLI: 0 every vector passed, 1 some vector failed or a
//! generated file differs from the generator's output, 2 the directory or a file is
//! missing, unreadable or not in its format (nothing about it can be counted), 3 the
//! generator itself failed.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use aauth_harness::vectors::{self, Family, FileReport, VectorError, VerdictCounts};

use super::args::VectorsAction;
use super::{harness_error, print_stdout, usage_error};
use crate::expect::ExitStatus;

/// Runs `vectors verify` or `vectors generate`.
pub fn execute(action: &VectorsAction) -> ExitStatus {
    match action {
        VectorsAction::Verify(dir) => match resolve_root(dir.dir.as_deref()) {
            Ok(root) => verify(&root),
            Err(message) => usage_error(message),
        },
        VectorsAction::Generate(dir) => match resolve_root(dir.dir.as_deref()) {
            Ok(root) => generate(&root),
            Err(message) => usage_error(message),
        },
    }
}

/// The vectors root: `--dir` as given (it must be a directory); else `./vectors` when it
/// holds at least one family; else the repository's `vectors/` beside this crate, so the
/// command works from anywhere in a checkout.
pub fn resolve_root(dir: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = dir {
        return if dir.is_dir() {
            Ok(dir.to_path_buf())
        } else {
            Err(format!("--dir {}: not a directory", dir.display()))
        };
    }
    let local = Path::new("vectors");
    if holds_a_family(local) {
        return Ok(local.to_path_buf());
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors");
    match beside.canonicalize() {
        Ok(path) if path.is_dir() => Ok(path),
        _ => Err(format!(
            "no vectors directory: ./vectors holds no aauth/, rfc9421/ or jose/, and {} does \
             not exist; pass --dir",
            beside.display()
        )),
    }
}

fn holds_a_family(dir: &Path) -> bool {
    Family::ALL.iter().any(|f| dir.join(f.as_str()).is_dir())
}

fn data_or_harness(error: &VectorError) -> ExitStatus {
    if error.is_data_error() {
        usage_error(error)
    } else {
        harness_error(error)
    }
}

fn verify(root: &Path) -> ExitStatus {
    let reports = match vectors::verify_all(root) {
        Ok(reports) => reports,
        Err(error) => return data_or_harness(&error),
    };
    let text = render_reports(&reports);
    let status = print_stdout(&text);
    if status != ExitStatus::Success {
        return status;
    }
    if reports.iter().all(FileReport::ok) {
        ExitStatus::Success
    } else {
        ExitStatus::Failures
    }
}

fn count(n: Option<usize>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// One table line: family, file, vectors, valid, invalid, acceptable, passed, failed, and
/// whether the file is as generated.
fn line(out: &mut String, width: usize, cells: [&str; 9]) {
    let [family, file, total, valid, invalid, acceptable, passed, failed, generated] = cells;
    let text = format!(
        "{family:<8} {file:<width$} {total:>7} {valid:>6} {invalid:>7} {acceptable:>10} \
         {passed:>6} {failed:>6}  {generated}"
    );
    let _ = writeln!(out, "{}", text.trim_end());
}

/// Verdict counts as three cells, `-` where the family has none.
fn verdict_cells(v: Option<VerdictCounts>) -> [String; 3] {
    [
        count(v.map(|v| v.valid)),
        count(v.map(|v| v.invalid)),
        count(v.map(|v| v.acceptable)),
    ]
}

/// The table (one line per file, then the total) and the failures, as printed.
pub fn render_reports(reports: &[FileReport]) -> String {
    let width = reports
        .iter()
        .map(|r| r.path.display().to_string().len())
        .max()
        .unwrap_or(0)
        .max("file".len());
    let mut out = String::new();
    line(
        &mut out,
        width,
        [
            "family",
            "file",
            "vectors",
            "valid",
            "invalid",
            "acceptable",
            "passed",
            "failed",
            "as generated",
        ],
    );
    let mut verdicts: Option<VerdictCounts> = None;
    for r in reports {
        let generated = match r.identical {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        let [valid, invalid, acceptable] = verdict_cells(r.verdicts);
        line(
            &mut out,
            width,
            [
                r.family.as_str(),
                &r.path.display().to_string(),
                &r.total.to_string(),
                &valid,
                &invalid,
                &acceptable,
                &r.passed.to_string(),
                &r.failed.to_string(),
                generated,
            ],
        );
        if let Some(v) = r.verdicts {
            *verdicts.get_or_insert_with(VerdictCounts::default) += v;
        }
    }
    let total: usize = reports.iter().map(|r| r.total).sum();
    let passed: usize = reports.iter().map(|r| r.passed).sum();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    let differ = reports
        .iter()
        .filter(|r| r.identical == Some(false))
        .count();
    let [valid, invalid, acceptable] = verdict_cells(verdicts);
    line(
        &mut out,
        width,
        [
            "total",
            &format!("{} files", reports.len()),
            &total.to_string(),
            &valid,
            &invalid,
            &acceptable,
            &passed.to_string(),
            &failed.to_string(),
            if differ == 0 { "" } else { "NO" },
        ],
    );
    let failures: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.failures
                .iter()
                .map(move |f| format!("FAIL {} {f}", r.path.display()))
        })
        .collect();
    if failures.is_empty() {
        let _ = writeln!(out, "every vector passed");
    } else {
        out.push('\n');
        for failure in &failures {
            let _ = writeln!(out, "{failure}");
        }
        let _ = writeln!(
            out,
            "{} failure(s): {failed} vector(s) failed, {differ} file(s) differ from the generator",
            failures.len()
        );
    }
    out
}

fn generate(root: &Path) -> ExitStatus {
    let dir = root.join(Family::Aauth.as_str());
    let summary = match vectors::generate(&dir) {
        Ok(summary) => summary,
        Err(error) => return data_or_harness(&error),
    };
    let mut out = String::new();
    let mut total = 0;
    for f in &summary.files {
        let v = f.verdicts;
        let _ = writeln!(
            out,
            "wrote {}: {} vectors ({} valid, {} invalid, {} acceptable)",
            f.path.display(),
            f.total,
            v.valid,
            v.invalid,
            v.acceptable
        );
        total += f.total;
    }
    let _ = writeln!(
        out,
        "total: {} files, {total} vectors; check them with `aauth-conform vectors verify`",
        summary.files.len()
    );
    print_stdout(&out)
}
