//! The committed AAuth vectors (`vectors/aauth/`): byte-identical to the generator's output,
//! strictly loadable, and every verdict reproduced by the harness verifier.

use aauth_harness::vectors::{self, default_dir};

/// `AAUTH_REGENERATE_VECTORS=1 cargo test -p aauth-harness --test aauth_vectors` rewrites
/// the files first (until the CLI's `vectors generate` exists, and for CI-free updates).
#[test]
fn committed_vectors_are_current_and_pass() {
    if std::env::var_os("AAUTH_REGENERATE_VECTORS").is_some() {
        let summary = vectors::generate(&default_dir()).expect("generates");
        for f in &summary.files {
            eprintln!(
                "{}: {} vectors ({} valid, {} invalid, {} acceptable)",
                f.path.display(),
                f.total,
                f.valid,
                f.invalid,
                f.acceptable
            );
        }
    }
    let reports = vectors::verify(&default_dir()).expect("vector files load");
    assert_eq!(reports.len(), 2);
    for report in &reports {
        assert!(
            report.ok(),
            "{}: {} failed\n{}",
            report.path.display(),
            report.failed,
            report.failures.join("\n")
        );
        assert!(
            report.invalid >= 60,
            "{}: {} invalid",
            report.path.display(),
            report.invalid
        );
    }
}
