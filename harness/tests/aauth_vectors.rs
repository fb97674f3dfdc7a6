//! The committed AAuth vectors (`vectors/aauth/`): byte-identical to the generator's output,
//! strictly loadable, and every verdict reproduced by the harness verifier; and every family
//! under `vectors/` checked together, as `aauth-conform vectors verify` does.

use aauth_harness::vectors::{self, default_dir, default_root, Family};

/// `AAUTH_REGENERATE_VECTORS=1 cargo test -p aauth-harness --test aauth_vectors` rewrites
/// the files first (as `aauth-conform vectors generate` does).
#[test]
fn committed_vectors_are_current_and_pass() {
    if std::env::var_os("AAUTH_REGENERATE_VECTORS").is_some() {
        let summary = vectors::generate(&default_dir()).expect("generates");
        for f in &summary.files {
            eprintln!(
                "{}: {} vectors ({:?})",
                f.path.display(),
                f.total,
                f.verdicts
            );
        }
    }
    let reports = vectors::verify(&default_dir()).expect("vector files load");
    assert_eq!(reports.len(), 2);
    for report in &reports {
        assert!(
            report.ok(),
            "{}: {} failed\n{:#?}",
            report.path.display(),
            report.failed,
            report.failures
        );
        assert_eq!(report.identical, Some(true));
        let invalid = report.verdicts.map(|v| v.invalid).unwrap_or_default();
        assert!(
            invalid >= 60,
            "{}: {invalid} invalid",
            report.path.display()
        );
    }
}

#[test]
fn every_family_is_checked_and_passes() {
    let reports = vectors::verify_all(&default_root()).expect("vector files load");
    for family in Family::ALL {
        assert!(
            reports.iter().any(|r| r.family == family),
            "no {family} file checked"
        );
    }
    for report in &reports {
        assert!(
            report.ok(),
            "{}: {:?}",
            report.path.display(),
            report.failures
        );
        assert_eq!(report.passed + report.failed, report.total);
    }
}
