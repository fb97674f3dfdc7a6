//! The JOSE vectors (`vectors/jose/`, specified in `vectors/jose/README.md`): RFC 7638
//! thumbprints, the RFC 8037 key and Ed25519 JWS with their verdicts under legacy and
//! fully-specified rules, and the derived AAuth agent token. Each file has its own shape;
//! every structure refuses unknown members, and the directory may hold only the files in
//! [`FILES`] (plus documentation), so a new file cannot sit there unchecked.
//!
//! Every value is recomputed by the harness and compared byte for byte.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::report::{Family, FileReport};
use super::VectorError;
use crate::jose::claims::{AgentClaims, TokenIssuer, TokenKind};
use crate::jose::jwk::{Jwk, JwkRules};
use crate::jose::jwks::Jwks;
use crate::jose::jws;
use crate::jose::thumbprint::{jwk_thumbprint, thumbprint_input};
use crate::jose::validate::{validate, Expected, StaticResolver};
use crate::jose::{b64, Alg, SigningKey};
use crate::profile::Profile;

/// The RFC 7638 thumbprint file.
pub const RFC7638: &str = "rfc7638.json";
/// The RFC 8037 key and signature file.
pub const RFC8037: &str = "rfc8037.json";
/// The derived agent token file.
pub const AGENT_TOKEN: &str = "aauth-agent-token.json";
/// Every file the directory holds, in check order.
pub const FILES: [&str; 3] = [RFC7638, RFC8037, AGENT_TOKEN];

/// `rfc7638.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThumbprintFile {
    /// Provenance of the file.
    pub source: String,
    /// One JWK each.
    pub cases: Vec<ThumbprintCase>,
}

/// One JWK and its thumbprint.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThumbprintCase {
    /// Stable name.
    pub name: String,
    /// Provenance of this case.
    pub source: String,
    /// The JWK, with members that must not enter the hash.
    pub jwk: Jwk,
    /// The exact hash input.
    pub input: String,
    /// SHA-256 of `input`, base64url.
    pub thumbprint: String,
}

/// `rfc8037.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rfc8037File {
    /// Provenance of the file.
    pub source: String,
    /// RFC 8037 A.1.
    pub private_jwk: Jwk,
    /// RFC 8037 A.2.
    pub public_jwk: Jwk,
    /// RFC 8037 A.3.
    pub thumbprint: String,
    /// The signed text.
    pub payload: String,
    /// Compact JWS over `payload` with the A.1 key.
    pub signatures: Vec<SignatureCase>,
}

/// Whether a verifier applying some rules accepts a JWS.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleVerdict {
    /// It verifies.
    Accept,
    /// It is refused.
    Reject,
}

/// One JWS and its verdicts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureCase {
    /// Stable name.
    pub name: String,
    /// Provenance.
    pub source: String,
    /// The exact protected header JSON.
    pub header: String,
    /// `header`, base64url.
    pub header_b64: String,
    /// The payload, base64url.
    pub payload_b64: String,
    /// The signature, base64url.
    pub signature_b64: String,
    /// `header_b64.payload_b64.signature_b64`.
    pub compact: String,
    /// The verdict under fully-specified rules (AAuth -10 and -11).
    pub fully_specified: RuleVerdict,
    /// The verdict under legacy rules (drafts -06 to -09).
    pub legacy: RuleVerdict,
}

/// `aauth-agent-token.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentTokenFile {
    /// Provenance.
    pub source: String,
    /// The profile the token is issued under.
    pub profile: String,
    /// The agent provider's private key.
    pub issuer_private_jwk: Jwk,
    /// Its `kid`.
    pub kid: String,
    /// The agent's public key (`cnf.jwk`).
    pub agent_public_jwk: Jwk,
    /// The exact header JSON signed.
    pub header: String,
    /// The exact claims JSON signed.
    pub claims: String,
    /// The compact token.
    pub token: String,
    /// The issuer metadata served.
    pub issuer_metadata: String,
    /// The JWKS served.
    pub jwks: String,
    /// The agent key's thumbprint.
    pub agent_jkt: String,
    /// A time at which the token is valid.
    pub valid_at: i64,
}

/// `vectors/jose` at the repository root.
pub fn default_dir() -> PathBuf {
    super::default_root().join(Family::Jose.as_str())
}

fn load<T: DeserializeOwned>(path: &Path) -> Result<T, VectorError> {
    let text = super::read(path)?;
    serde_json::from_str(&text).map_err(|e| VectorError::format(path, e))
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

fn nonempty_source(source: &str) -> Result<(), String> {
    if source.trim().is_empty() {
        Err("no source given".into())
    } else {
        Ok(())
    }
}

fn seed(jwk: &Jwk) -> Result<SigningKey, String> {
    let d = jwk.str_member("d").ok_or("the private JWK has no d")?;
    let d = b64::decode_exact::<32>(d).map_err(|e| format!("d: {e}"))?;
    SigningKey::from_seed(&Alg::ED25519, d).ok_or_else(|| "d is not an Ed25519 seed".into())
}

/// One RFC 7638 case: the hash input and the thumbprint, through the JWK and, where the
/// harness can use the key, through its public key.
pub fn check_thumbprint(case: &ThumbprintCase) -> Result<(), String> {
    nonempty_source(&case.source)?;
    let input = thumbprint_input(&case.jwk).map_err(|e| format!("no hash input: {e}"))?;
    expect_eq("hash input", input.as_str(), case.input.as_str())?;
    let thumbprint = jwk_thumbprint(&case.jwk).map_err(|e| format!("no thumbprint: {e}"))?;
    expect_eq("thumbprint", thumbprint.as_str(), case.thumbprint.as_str())?;
    if let Ok(key) = case.jwk.to_public_key(JwkRules::LEGACY) {
        expect_eq(
            "thumbprint of the public key",
            key.thumbprint().as_str(),
            case.thumbprint.as_str(),
        )?;
    }
    Ok(())
}

/// The RFC 8037 key: `d` derives the published public JWK, and both thumbprints match.
pub fn check_rfc8037_key(file: &Rfc8037File) -> Result<SigningKey, String> {
    nonempty_source(&file.source)?;
    let key = seed(&file.private_jwk)?;
    let public = key.public_key();
    expect_eq(
        "public JWK derived from d",
        &Jwk::from_public_with_alg(&public, None, None),
        &file.public_jwk,
    )?;
    expect_eq(
        "x of the private and public JWK",
        file.private_jwk.str_member("x"),
        file.public_jwk.str_member("x"),
    )?;
    let thumbprint = jwk_thumbprint(&file.public_jwk).map_err(|e| format!("no thumbprint: {e}"))?;
    expect_eq("thumbprint", thumbprint.as_str(), file.thumbprint.as_str())?;
    expect_eq(
        "thumbprint of the public key",
        public.thumbprint().as_str(),
        file.thumbprint.as_str(),
    )?;
    Ok(key)
}

/// One RFC 8037 JWS: rebuilt byte for byte with the A.1 key, decoded back, and judged
/// under fully-specified and legacy rules as the file says.
pub fn check_rfc8037_signature(
    file: &Rfc8037File,
    key: &SigningKey,
    case: &SignatureCase,
) -> Result<(), String> {
    nonempty_source(&case.source)?;
    expect_eq(
        "header_b64",
        b64::encode(&case.header).as_str(),
        case.header_b64.as_str(),
    )?;
    expect_eq(
        "payload_b64",
        b64::encode(&file.payload).as_str(),
        case.payload_b64.as_str(),
    )?;
    expect_eq(
        "signed compact JWS",
        jws::sign(&case.header, &file.payload, key).as_str(),
        case.compact.as_str(),
    )?;
    expect_eq(
        "compact from its parts",
        format!(
            "{}.{}.{}",
            case.header_b64, case.payload_b64, case.signature_b64
        )
        .as_str(),
        case.compact.as_str(),
    )?;
    let decoded = jws::decode(&case.compact).map_err(|e| format!("does not decode: {e}"))?;
    expect_eq("payload", decoded.payload(), file.payload.as_bytes())?;
    let signature = b64::decode(&case.signature_b64).map_err(|e| format!("signature_b64: {e}"))?;
    expect_eq("signature", decoded.signature(), signature.as_slice())?;
    let public = key.public_key();
    let verdict = |rules| match jws::verify_with(&decoded, &public, rules) {
        Ok(()) => RuleVerdict::Accept,
        Err(_) => RuleVerdict::Reject,
    };
    expect_eq(
        "verdict under fully-specified rules",
        verdict(JwkRules::FULLY_SPECIFIED),
        case.fully_specified,
    )?;
    expect_eq(
        "verdict under legacy rules",
        verdict(JwkRules::LEGACY),
        case.legacy,
    )
}

/// The derived agent token, as three vectors: `agent-jkt` (the agent key's thumbprint),
/// `token` (the exact texts signed directly and through the typed builders give the same
/// bytes, header and JWKS) and `validation` (the token validates at `valid_at`, bound to
/// the agent key, and its claims read back unchanged).
pub fn check_agent_token(file: &AgentTokenFile) -> Vec<(&'static str, Result<(), String>)> {
    let agent = file
        .agent_public_jwk
        .to_public_key(JwkRules::FULLY_SPECIFIED)
        .map_err(|e| format!("agent_public_jwk: {e}"));
    let jkt = agent.as_ref().map_err(Clone::clone).and_then(|agent| {
        expect_eq(
            "agent key thumbprint",
            agent.thumbprint().as_str(),
            file.agent_jkt.as_str(),
        )
    });
    let setup = (|| {
        nonempty_source(&file.source)?;
        let profile: Profile = file.profile.parse().map_err(|e| format!("profile: {e}"))?;
        let key = seed(&file.issuer_private_jwk)?;
        let claims: AgentClaims =
            serde_json::from_str(&file.claims).map_err(|e| format!("claims: {e}"))?;
        Ok::<_, String>((profile, key, claims))
    })();
    let (token, validation) = match (&setup, &agent) {
        (Err(e), _) => (Err(e.clone()), Err(e.clone())),
        (Ok(_), Err(e)) => (Err(e.clone()), Err(e.clone())),
        (Ok((profile, key, claims)), Ok(agent)) => (
            check_token_bytes(file, *profile, key, claims),
            check_token_validates(file, *profile, agent, claims),
        ),
    };
    vec![
        ("agent-jkt", jkt),
        ("token", token),
        ("validation", validation),
    ]
}

fn check_token_bytes(
    file: &AgentTokenFile,
    profile: Profile,
    key: &SigningKey,
    claims: &AgentClaims,
) -> Result<(), String> {
    expect_eq(
        "token signed from the exact texts",
        jws::sign(&file.header, &file.claims, key).as_str(),
        file.token.as_str(),
    )?;
    let issuer = TokenIssuer::new(key.clone(), &file.kid, profile);
    expect_eq(
        "header from the typed builder",
        issuer.header(TokenKind::Agent).to_json().as_str(),
        file.header.as_str(),
    )?;
    expect_eq(
        "JWKS from the typed builder",
        issuer.jwks().to_json().as_str(),
        file.jwks.as_str(),
    )?;
    let issued = issuer
        .issue(claims)
        .map_err(|e| format!("the typed builder refuses the claims: {e}"))?;
    expect_eq(
        "token from the typed builder",
        issued.as_str(),
        file.token.as_str(),
    )
}

fn check_token_validates(
    file: &AgentTokenFile,
    profile: Profile,
    agent: &crate::jose::PublicKey,
    claims: &AgentClaims,
) -> Result<(), String> {
    let meta: serde_json::Value =
        serde_json::from_str(&file.issuer_metadata).map_err(|e| format!("issuer_metadata: {e}"))?;
    expect_eq(
        "metadata issuer",
        meta.get("issuer").and_then(|v| v.as_str()),
        Some(claims.iss.as_str()),
    )?;
    let jwks = Jwks::parse(&file.jwks).map_err(|e| format!("jwks: {e}"))?;
    let mut resolver = StaticResolver::new(JwkRules::for_profile(profile));
    resolver.insert(&claims.iss, &claims.dwk, jwks);
    let expected = Expected::new(profile, file.valid_at).bound_to(agent);
    let (_, read) = validate::<AgentClaims>(&file.token, &expected, &resolver)
        .map_err(|e| format!("does not validate at {}: {e}", file.valid_at))?;
    expect_eq("claims read back", &read, claims)
}

fn check_rfc7638_file(path: &Path) -> Result<FileReport, VectorError> {
    let file: ThumbprintFile = load(path)?;
    let mut report = FileReport::new(Family::Jose, path.to_path_buf());
    if let Err(e) = nonempty_source(&file.source) {
        report.file_problem(e);
    }
    for case in &file.cases {
        report.record(&case.name, check_thumbprint(case));
    }
    Ok(report)
}

fn check_rfc8037_file(path: &Path) -> Result<FileReport, VectorError> {
    let file: Rfc8037File = load(path)?;
    let mut report = FileReport::new(Family::Jose, path.to_path_buf());
    let key = check_rfc8037_key(&file);
    report.record("key", key.as_ref().map(|_| ()).map_err(Clone::clone));
    for case in &file.signatures {
        let outcome = match &key {
            Ok(key) => check_rfc8037_signature(&file, key, case),
            Err(_) => Err("the key did not load".to_string()),
        };
        report.record(&case.name, outcome);
    }
    Ok(report)
}

fn check_agent_token_file(path: &Path) -> Result<FileReport, VectorError> {
    let file: AgentTokenFile = load(path)?;
    let mut report = FileReport::new(Family::Jose, path.to_path_buf());
    for (id, outcome) in check_agent_token(&file) {
        report.record(id, outcome);
    }
    Ok(report)
}

/// Check every file in `dir`: each of [`FILES`] must be present and load strictly, and
/// no other `*.json` may be there.
pub fn verify_dir(dir: &Path) -> Result<Vec<FileReport>, VectorError> {
    for path in super::json_files(dir)? {
        let known = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| FILES.contains(&n));
        if !known {
            return Err(VectorError::format(
                &path,
                format!("not a known JOSE vector file (known: {})", FILES.join(", ")),
            ));
        }
    }
    Ok(vec![
        check_rfc7638_file(&dir.join(RFC7638))?,
        check_rfc8037_file(&dir.join(RFC8037))?,
        check_agent_token_file(&dir.join(AGENT_TOKEN))?,
    ])
}
