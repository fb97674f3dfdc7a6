//! The JOSE vectors in `vectors/jose/` (format in its README), checked byte for byte against
//! the harness: thumbprints, RFC 8037 signatures and their verdicts per profile, and the
//! derived AAuth agent token.

use aauth_harness::jose::claims::{AgentClaims, TokenIssuer};
use aauth_harness::jose::jwk::{Jwk, JwkRules};
use aauth_harness::jose::jws;
use aauth_harness::jose::thumbprint::{jwk_thumbprint, thumbprint_input};
use aauth_harness::jose::validate::{validate, Expected, StaticResolver};
use aauth_harness::jose::{b64, Alg, SigningKey};
use aauth_harness::profile::Profile;
use serde::Deserialize;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors/jose")
}

fn load<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = std::fs::read_to_string(dir().join(name)).expect("vector file readable");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThumbprintFile {
    source: String,
    cases: Vec<ThumbprintCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThumbprintCase {
    name: String,
    source: String,
    jwk: Jwk,
    input: String,
    thumbprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rfc8037File {
    source: String,
    private_jwk: Jwk,
    public_jwk: Jwk,
    thumbprint: String,
    payload: String,
    signatures: Vec<SignatureCase>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Accept,
    Reject,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureCase {
    name: String,
    source: String,
    header: String,
    header_b64: String,
    payload_b64: String,
    signature_b64: String,
    compact: String,
    fully_specified: Verdict,
    legacy: Verdict,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentTokenFile {
    source: String,
    profile: String,
    issuer_private_jwk: Jwk,
    kid: String,
    agent_public_jwk: Jwk,
    header: String,
    claims: String,
    token: String,
    issuer_metadata: String,
    jwks: String,
    agent_jkt: String,
    valid_at: i64,
}

fn seed(jwk: &Jwk) -> [u8; 32] {
    b64::decode_exact::<32>(jwk.str_member("d").expect("d")).expect("32-byte d")
}

#[test]
fn directory_holds_exactly_the_known_files() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.md",
            "aauth-agent-token.json",
            "rfc7638.json",
            "rfc8037.json"
        ]
    );
}

#[test]
fn rfc7638_thumbprints() {
    let file: ThumbprintFile = load("rfc7638.json");
    assert!(!file.source.is_empty());
    assert!(file
        .cases
        .iter()
        .any(|c| c.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    for case in &file.cases {
        assert!(!case.source.is_empty(), "{}", case.name);
        assert_eq!(
            thumbprint_input(&case.jwk).unwrap(),
            case.input,
            "{}",
            case.name
        );
        assert_eq!(
            jwk_thumbprint(&case.jwk).unwrap(),
            case.thumbprint,
            "{}",
            case.name
        );
        // Keys the harness can use give the same thumbprint through PublicKey.
        if let Ok(key) = case.jwk.to_public_key(JwkRules::LEGACY) {
            assert_eq!(key.thumbprint(), case.thumbprint, "{}", case.name);
        }
    }
}

#[test]
fn rfc8037_key_thumbprint_and_signatures() {
    let file: Rfc8037File = load("rfc8037.json");
    assert!(!file.source.is_empty());
    let key = SigningKey::from_seed(&Alg::ED25519, seed(&file.private_jwk)).unwrap();
    let public = key.public_key();
    // d derives the published x.
    assert_eq!(
        Jwk::from_public_with_alg(&public, None, None),
        file.public_jwk
    );
    assert_eq!(
        file.private_jwk.str_member("x"),
        file.public_jwk.str_member("x")
    );
    assert_eq!(jwk_thumbprint(&file.public_jwk).unwrap(), file.thumbprint);
    assert_eq!(public.thumbprint(), file.thumbprint);

    assert_eq!(file.signatures.len(), 2);
    for case in &file.signatures {
        assert!(!case.source.is_empty(), "{}", case.name);
        assert_eq!(b64::encode(&case.header), case.header_b64, "{}", case.name);
        assert_eq!(
            b64::encode(&file.payload),
            case.payload_b64,
            "{}",
            case.name
        );
        let built = jws::sign(&case.header, &file.payload, &key);
        assert_eq!(built, case.compact, "{}", case.name);
        assert_eq!(
            format!(
                "{}.{}.{}",
                case.header_b64, case.payload_b64, case.signature_b64
            ),
            case.compact
        );

        let decoded = jws::decode(&case.compact).unwrap();
        assert_eq!(decoded.payload(), file.payload.as_bytes());
        assert_eq!(
            decoded.signature(),
            b64::decode(&case.signature_b64).unwrap()
        );
        let verdict = |rules| match jws::verify_with(&decoded, &public, rules) {
            Ok(()) => Verdict::Accept,
            Err(_) => Verdict::Reject,
        };
        assert_eq!(
            verdict(JwkRules::FULLY_SPECIFIED),
            case.fully_specified,
            "{}",
            case.name
        );
        assert_eq!(verdict(JwkRules::LEGACY), case.legacy, "{}", case.name);
    }
    // The two spellings named in requirements §5.2.
    assert_eq!(file.signatures[0].header_b64, "eyJhbGciOiJFZERTQSJ9");
    assert_eq!(file.signatures[1].header_b64, "eyJhbGciOiJFZDI1NTE5In0");
}

#[test]
fn derived_agent_token_is_reproduced_and_validates() {
    let file: AgentTokenFile = load("aauth-agent-token.json");
    assert!(!file.source.is_empty());
    let profile: Profile = file.profile.parse().unwrap();
    let key = SigningKey::from_seed(&Alg::ED25519, seed(&file.issuer_private_jwk)).unwrap();
    let agent = file
        .agent_public_jwk
        .to_public_key(JwkRules::FULLY_SPECIFIED)
        .unwrap();
    assert_eq!(agent.thumbprint(), file.agent_jkt);

    // Exact texts signed directly...
    assert_eq!(jws::sign(&file.header, &file.claims, &key), file.token);
    // ...and the same bytes from the typed builders.
    let issuer = TokenIssuer::new(key, &file.kid, profile);
    assert_eq!(
        issuer
            .header(aauth_harness::jose::claims::TokenKind::Agent)
            .to_json(),
        file.header
    );
    assert_eq!(issuer.jwks().to_json(), file.jwks);
    let claims: AgentClaims = serde_json::from_str(&file.claims).unwrap();
    assert_eq!(issuer.issue(&claims).unwrap(), file.token);

    let meta: serde_json::Value = serde_json::from_str(&file.issuer_metadata).unwrap();
    assert_eq!(meta["issuer"], claims.iss.as_str());
    let mut resolver = StaticResolver::new(JwkRules::for_profile(profile));
    resolver.insert(
        &claims.iss,
        &claims.dwk,
        aauth_harness::jose::jwks::Jwks::parse(&file.jwks).unwrap(),
    );
    let expected = Expected::new(profile, file.valid_at).bound_to(&agent);
    let (_, read) = validate::<AgentClaims>(&file.token, &expected, &resolver).unwrap();
    assert_eq!(read, claims);
}
