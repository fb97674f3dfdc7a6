//! The JOSE vectors in `vectors/jose/` (format in its README), checked byte for byte by
//! `aauth_harness::vectors::jose` (also run by `aauth-conform vectors verify`):
//! thumbprints, RFC 8037 signatures and their verdicts per profile, and the derived AAuth
//! agent token. This file pins which values must be there and proves the checks bite.
#![allow(clippy::unwrap_used)]

use aauth_harness::vectors::jose::{
    self, check_agent_token, check_rfc8037_key, check_rfc8037_signature, check_thumbprint,
    AgentTokenFile, Rfc8037File, RuleVerdict, ThumbprintFile,
};
use std::path::PathBuf;

fn dir() -> PathBuf {
    jose::default_dir()
}

fn load<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = std::fs::read_to_string(dir().join(name)).expect("vector file readable");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn directory_holds_exactly_the_known_files() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<&str> = jose::FILES.to_vec();
    want.push("README.md");
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn every_file_passes() {
    let reports = jose::verify_dir(&dir()).expect("files load");
    assert_eq!(reports.len(), 3);
    for r in &reports {
        assert!(r.ok(), "{}: {:?}", r.path.display(), r.failures);
    }
    let totals: Vec<usize> = reports.iter().map(|r| r.total).collect();
    assert_eq!(
        totals,
        [4, 3, 3],
        "thumbprints; key + 2 JWS; jkt, token, validation"
    );
}

#[test]
fn rfc7638_thumbprints() {
    let file: ThumbprintFile = load(jose::RFC7638);
    assert!(file
        .cases
        .iter()
        .any(|c| c.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    for case in &file.cases {
        check_thumbprint(case).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let mut wrong = case.clone();
        wrong.thumbprint.replace_range(0..1, "_");
        assert!(check_thumbprint(&wrong).is_err(), "{}", case.name);
    }
}

#[test]
fn rfc8037_signatures_under_legacy_and_fully_specified_rules() {
    let file: Rfc8037File = load(jose::RFC8037);
    let key = check_rfc8037_key(&file).unwrap();
    // The two spellings named in requirements §5.2: `EdDSA` is legacy-only, `Ed25519` is
    // accepted by both.
    assert_eq!(file.signatures.len(), 2);
    let eddsa = &file.signatures[0];
    let ed25519 = &file.signatures[1];
    assert_eq!(eddsa.header_b64, "eyJhbGciOiJFZERTQSJ9");
    assert_eq!(
        (eddsa.fully_specified, eddsa.legacy),
        (RuleVerdict::Reject, RuleVerdict::Accept)
    );
    assert_eq!(ed25519.header_b64, "eyJhbGciOiJFZDI1NTE5In0");
    assert_eq!(
        (ed25519.fully_specified, ed25519.legacy),
        (RuleVerdict::Accept, RuleVerdict::Accept)
    );
    for case in &file.signatures {
        check_rfc8037_signature(&file, &key, case).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let mut flipped = case.clone();
        flipped.fully_specified = match case.fully_specified {
            RuleVerdict::Accept => RuleVerdict::Reject,
            RuleVerdict::Reject => RuleVerdict::Accept,
        };
        assert!(check_rfc8037_signature(&file, &key, &flipped).is_err());
    }
    let mut wrong = file.clone();
    wrong.thumbprint.replace_range(0..1, "_");
    assert!(check_rfc8037_key(&wrong).is_err());
}

#[test]
fn derived_agent_token_is_reproduced_and_validates() {
    let file: AgentTokenFile = load(jose::AGENT_TOKEN);
    let results = check_agent_token(&file);
    let ids: Vec<&str> = results.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["agent-jkt", "token", "validation"]);
    for (id, r) in &results {
        assert!(r.is_ok(), "{id}: {r:?}");
    }
    // Validation happens at valid_at: far later, the token has expired.
    let late = AgentTokenFile {
        valid_at: file.valid_at + 10 * 86_400,
        ..file.clone()
    };
    let results = check_agent_token(&late);
    assert!(results
        .iter()
        .any(|(id, r)| *id == "validation" && r.is_err()));
    let mut tampered = file;
    tampered.claims = tampered.claims.replacen("agt-", "agX-", 1);
    let results = check_agent_token(&tampered);
    assert!(results.iter().any(|(id, r)| *id == "token" && r.is_err()));
}
