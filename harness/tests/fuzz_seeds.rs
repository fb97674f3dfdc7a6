//! Every fuzzing function over every seed: the ones found in `vectors/` and the ones the
//! harness's builders make. `cargo test` thereby checks each fuzz oracle on real inputs
//! without building the cargo-fuzz package. Also checks that the fuzz package in `fuzz/`
//! matches the target registry (one target file, one `[[bin]]` and one dictionary per
//! target, nothing else), so the lists are never kept in sync by hand.

use aauth_harness::fuzzing::{self, dictionaries, seeds, TARGETS};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_fuzzing_function_accepts_every_vector_seed() {
    let found = seeds::from_vectors(&repo().join("vectors")).expect("vectors load");
    assert!(
        found.len() >= 50,
        "only {} seeds found in vectors/",
        found.len()
    );
    for seed in &found {
        assert!(
            fuzzing::run(seed.target, &seed.data),
            "{} names no target",
            seed.origin
        );
    }
    // A sample of the seeds also goes through every other target: a vector value is a fine
    // hostile input for the parsers it was not meant for (a sample, to keep debug-mode
    // `cargo test` quick; the fuzzers themselves cross-pollinate through their corpora).
    for seed in found.iter().step_by(7) {
        for t in TARGETS {
            (t.run)(&seed.data);
        }
    }
}

#[test]
fn the_vectors_seed_the_jose_and_rfc9421_targets() {
    let found = seeds::from_vectors(&repo().join("vectors")).expect("vectors load");
    let targets: BTreeSet<&str> = found.iter().map(|s| s.target).collect();
    for t in [
        "signature_input",
        "signature",
        "content_digest",
        "signature_base",
        "jws",
        "jwt_claims",
        "jwk",
        "jwks",
        "metadata",
        "identifiers",
    ] {
        assert!(targets.contains(t), "no seed for {t} in vectors/");
    }
}

#[test]
fn every_target_has_a_seed_and_every_built_seed_passes() {
    let built = seeds::built();
    for t in TARGETS {
        assert!(
            built.iter().any(|s| s.target == t.name),
            "no built seed for {}",
            t.name
        );
    }
    for seed in &built {
        assert!(fuzzing::run(seed.target, &seed.data), "{}", seed.origin);
    }
}

fn names_in(dir: &Path, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == ext).then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect()
}

#[test]
fn the_fuzz_package_has_exactly_one_target_per_registry_entry() {
    let registry: BTreeSet<String> = TARGETS.iter().map(|t| t.name.to_string()).collect();
    let fuzz = repo().join("fuzz");
    assert_eq!(names_in(&fuzz.join("fuzz_targets"), "rs"), registry);
    assert_eq!(names_in(&fuzz.join("dict"), "dict"), registry);

    // `[[bin]]` tables, read line by line: each has `name = "<target>"` as its first key.
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let mut bins = BTreeSet::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let (true, Some(name)) = (in_bin, line.strip_prefix("name = ")) {
            bins.insert(name.trim_matches('"').to_string());
        }
    }
    assert_eq!(bins, registry);

    for t in TARGETS {
        let source =
            std::fs::read_to_string(fuzz.join("fuzz_targets").join(format!("{}.rs", t.name)))
                .expect("target file");
        assert!(source.lines().count() <= 6, "{} is more than glue", t.name);
        assert!(source.contains("input.run()"), "{}", t.name);
    }
}

#[test]
fn committed_dictionaries_match_the_generator() {
    let dir = repo().join("fuzz").join("dict");
    for t in TARGETS {
        let committed =
            std::fs::read_to_string(dir.join(format!("{}.dict", t.name))).unwrap_or_default();
        assert_eq!(
            committed,
            dictionaries::render(t.name),
            "fuzz/dict/{}.dict is stale: run fuzz/seed.sh",
            t.name
        );
    }
}
