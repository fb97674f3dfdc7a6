//! Writes the fuzz seed corpora and dictionaries: every seed found in `vectors/` plus the
//! ones built with the harness's builders, into `<corpus>/<target>/`, and one
//! `<dict>/<target>.dict` per target. Run by `fuzz/seed.sh`.
//!
//! Usage: `cargo run -p aauth-harness --example fuzz_seeds -- <vectors> <corpus> <dict>`

use aauth_harness::fuzzing::{dictionaries, seeds, TARGETS};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [vectors, corpus, dict] = args.as_slice() else {
        eprintln!("usage: fuzz_seeds <vectors dir> <corpus dir> <dict dir>");
        return ExitCode::from(2);
    };
    let mut all = match seeds::from_vectors(vectors) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fuzz_seeds: {e}");
            return ExitCode::from(3);
        }
    };
    all.extend(seeds::built());
    let written = match seeds::write_corpus(&all, corpus) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("fuzz_seeds: writing {}: {e}", corpus.display());
            return ExitCode::from(3);
        }
    };
    if let Err(e) = std::fs::create_dir_all(dict) {
        eprintln!("fuzz_seeds: {}: {e}", dict.display());
        return ExitCode::from(3);
    }
    for t in TARGETS {
        let path = dict.join(format!("{}.dict", t.name));
        if let Err(e) = std::fs::write(&path, dictionaries::render(t.name)) {
            eprintln!("fuzz_seeds: {}: {e}", path.display());
            return ExitCode::from(3);
        }
    }
    for t in TARGETS {
        let n = all.iter().filter(|s| s.target == t.name).count();
        println!("{:<24} {n:>3} seeds", t.name);
    }
    println!(
        "{} seeds ({written} new files) in {}, {} dictionaries in {}",
        all.len(),
        corpus.display(),
        TARGETS.len(),
        dict.display()
    );
    ExitCode::SUCCESS
}
