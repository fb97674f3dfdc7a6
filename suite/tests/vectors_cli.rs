//! `aauth-conform vectors verify|generate` and `aauth-conform bench`, through the binary:
//! exit codes, the per-file lines, failures named by vector id, and the fallback to the
//! repository's `vectors/` from any directory.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn conform_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aauth-conform"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// A fresh copy of the committed `vectors/` under the target's scratch directory.
fn copy_of_vectors(name: &str) -> PathBuf {
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("vectors-cli")
        .join(name);
    if dest.exists() {
        std::fs::remove_dir_all(&dest).unwrap();
    }
    copy_dir(&repo_root().join("vectors"), &dest);
    dest
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let edited = text.replacen(from, to, 1);
    assert_ne!(text, edited, "{from:?} not found in {}", path.display());
    std::fs::write(path, edited).unwrap();
}

const FILES: [&str; 6] = [
    "aauth/aauth-11.json",
    "aauth/aauth-10.json",
    "rfc9421/appendix-b.json",
    "jose/rfc7638.json",
    "jose/rfc8037.json",
    "jose/aauth-agent-token.json",
];

#[test]
fn verify_checks_every_family_from_the_repository_root() {
    let out = conform_in(&repo_root(), &["vectors", "verify"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    for file in FILES {
        let line = stdout
            .lines()
            .find(|l| l.contains(&format!("vectors/{file}")))
            .unwrap_or_else(|| panic!("no line for {file}:\n{stdout}"));
        assert!(line.ends_with("0  yes") || line.ends_with("0  -"), "{line}");
    }
    assert!(
        stdout.lines().any(|l| l.starts_with("total    6 files")),
        "{stdout}"
    );
    assert!(stdout.contains("every vector passed"), "{stdout}");
}

#[test]
fn verify_finds_the_repository_vectors_from_elsewhere() {
    let elsewhere = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = conform_in(&elsewhere, &["vectors", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let root = repo_root().join("vectors").display().to_string();
    assert!(text(&out.stdout).contains(&root), "{}", text(&out.stdout));
}

#[test]
fn a_failing_vector_exits_1_naming_its_id_and_reason() {
    let dir = copy_of_vectors("failing");
    // An AAuth vector that now claims the wrong verdict: it fails, and the file no longer
    // matches the generator.
    edit(
        &dir.join("aauth/aauth-11.json"),
        "\"result\": \"valid\"",
        "\"result\": \"invalid\"",
    );
    // B.2.6's published signature, one character changed.
    let rfc = dir.join("rfc9421/appendix-b.json");
    let text_before = std::fs::read_to_string(&rfc).unwrap();
    let at = text_before.find("\"signature\": \"").unwrap() + "\"signature\": \"".len();
    let first = &text_before[at..=at];
    let swapped = if first == "A" { "B" } else { "A" };
    let mut edited = text_before.clone();
    edited.replace_range(at..=at, swapped);
    std::fs::write(&rfc, edited).unwrap();

    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("FAIL ./aauth/aauth-11.json aauth-11/")
            && stdout.contains("expected invalid"),
        "{stdout}"
    );
    assert!(
        stdout.contains("aauth-11.json: differs from the generator's output"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL ./rfc9421/appendix-b.json B.2."),
        "{stdout}"
    );
    assert!(stdout.contains("failure(s)"), "{stdout}");

    // Regenerating repairs the AAuth family (and only that).
    let out = conform_in(&dir, &["vectors", "generate", "--dir", "."]);
    let generated = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        generated.contains("wrote ./aauth/aauth-11.json: "),
        "{generated}"
    );
    assert!(generated.contains("total: 2 files"), "{generated}");
    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stdout.contains("FAIL ./aauth/"), "{stdout}");
    std::fs::write(&rfc, text_before).unwrap();
    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn a_missing_or_unparsable_file_exits_2_naming_the_path() {
    let dir = copy_of_vectors("missing");
    std::fs::remove_file(dir.join("jose/rfc8037.json")).unwrap();
    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("jose/rfc8037.json"),
        "{}",
        text(&out.stderr)
    );

    let dir = copy_of_vectors("unparsable");
    std::fs::write(dir.join("rfc9421/appendix-b.json"), "{").unwrap();
    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("rfc9421/appendix-b.json"),
        "{}",
        text(&out.stderr)
    );

    let dir = copy_of_vectors("unknown-member");
    edit(
        &dir.join("jose/rfc7638.json"),
        "\"source\":",
        "\"sauce\": 1, \"source\":",
    );
    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown field"),
        "{}",
        text(&out.stderr)
    );

    let dir = copy_of_vectors("stray");
    std::fs::write(dir.join("jose/extra.json"), "{}").unwrap();
    let out = conform_in(&dir, &["vectors", "verify", "--dir", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("jose/extra.json"),
        "{}",
        text(&out.stderr)
    );

    let out = conform_in(
        &repo_root(),
        &["vectors", "verify", "--dir", "/nonexistent/vectors"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--dir"), "{}", text(&out.stderr));
    assert_eq!(
        conform_in(&repo_root(), &["vectors"]).status.code(),
        Some(2)
    );
}

#[test]
fn bench_prints_times_and_ratios() {
    let out = conform_in(&repo_root(), &["bench", "--iterations", "2"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    for alg in ["Ed25519", "ES256"] {
        for op in [
            "full verify (verify_request, StaticKeys)",
            "raw verify: HTTP signature",
            "raw verify: agent token JWT",
            "full sign (sign_aauth)",
            "raw sign",
            "full verify / (raw HTTP + raw JWT verify)",
            "full sign / raw sign",
        ] {
            assert!(
                stdout.lines().any(|l| l.starts_with(alg) && l.contains(op)),
                "{alg} {op}:\n{stdout}"
            );
        }
    }
    for alg in ["Ed25519", "ES256"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(alg)
                && l.contains("full verify / (raw HTTP + raw JWT verify)")
                && l.contains("(goal <= 1.15x: ")),
            "{alg} goal verdict:\n{stdout}"
        );
    }
    assert!(stdout.contains(r#""@method" "@authority" "@path" "content-digest" "signature-key""#));
    assert!(stdout.contains("cargo bench -p aauth-harness"), "{stdout}");

    let one = conform_in(
        &repo_root(),
        &["bench", "--iterations", "1", "--alg", "es256"],
    );
    assert_eq!(one.status.code(), Some(0));
    assert!(
        !text(&one.stdout).lines().any(|l| l.starts_with("Ed25519")),
        "{}",
        text(&one.stdout)
    );
    for (args, flag) in [
        (&["bench", "--iterations", "0"][..], "--iterations"),
        (&["bench", "--alg", "rs256"][..], "--alg"),
    ] {
        let out = conform_in(&repo_root(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(flag), "{}", text(&out.stderr));
    }
}
