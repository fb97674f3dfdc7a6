//! Seed inputs for every fuzz target: found in the vector files, and built with the
//! harness's own builders.
//!
//! [`from_json`] walks a vector file and routes what it recognises: `[name, value]` header
//! pairs by field name, compact JWS strings, JSON texts and objects that look like JWKs,
//! JWK Sets, metadata or error bodies, identifiers, `@signature-params` lines, labelled
//! `signature_input` / `signature` members, and RFC 9421 messages with their cases (as the
//! signature base target's text form). [`built`] adds one or more valid values per target
//! from the builders, so targets the vectors do not cover still start from something that
//! parses. `fuzz/seed.sh` writes both into `fuzz/corpus/<target>/`; `tests/fuzz_seeds.rs`
//! runs every fuzzing function over every seed.

use super::message::text_form;
use super::tokens::NOW;
use crate::httpsig::sign::{sign_aauth, AauthSignContext};
use crate::jose::claims::{
    dwk, AgentClaims, AuthClaims, PersonClaims, ResourceClaims, TokenClaims, TokenKind,
};
use crate::jose::jwk::Jwk;
use crate::jose::jwks::Jwks;
use crate::jose::jws::JwsHeader;
use crate::jose::{jws, Alg, SigningKey};
use crate::message::{Fields, Request};
use crate::profile::Profile;
use crate::role::Role;
use crate::wire::aauth_access::SessionToken;
use crate::wire::aauth_capabilities::{AauthCapabilities, Capability};
use crate::wire::aauth_requirement::{AauthMission, AauthRequirement, Requirement};
use crate::wire::accept_signature::{AcceptSignatureAlg, AcceptSignatureScheme};
use crate::wire::content_digest::{ContentDigest, DigestAlgorithm};
use crate::wire::metadata::{
    AccessServerMetadata, AgentProviderMetadata, PersonServerMetadata, ResourceMetadata,
};
use crate::wire::problem::{ErrorCode, Problem};
use crate::wire::signature_error::{SignatureError, SignatureErrorCode};
use crate::wire::signature_input::{SignatureInput, SignatureParams};
use crate::wire::signature_key::{KeyScheme, Scheme, SignatureKey};
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One seed input for one target, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The fuzz target it is for (a name in [`super::TARGETS`]).
    pub target: &'static str,
    /// Where it came from: `file:json-path` for vectors, `built:what` for builders.
    pub origin: String,
    /// The input bytes.
    pub data: Vec<u8>,
}

impl Seed {
    fn new(target: &'static str, origin: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Seed {
            target,
            origin: origin.into(),
            data: data.into(),
        }
    }

    /// The corpus file name: the first 16 hex digits of the SHA-256 of the input, so
    /// rewriting a corpus is idempotent and duplicates collapse.
    pub fn file_name(&self) -> String {
        hex::encode(sha2::Sha256::digest(&self.data))
            .chars()
            .take(16)
            .collect()
    }
}

/// The target a header field feeds, by its (lowercase) name.
fn header_target(name: &str) -> Option<&'static str> {
    Some(match name {
        "signature-input" => "signature_input",
        "signature" => "signature",
        "signature-key" => "signature_key",
        "signature-error" => "signature_error",
        "accept-signature-scheme" => "accept_signature_scheme",
        "accept-signature-alg" => "accept_signature_alg",
        "aauth-requirement" => "aauth_requirement",
        "aauth-mission" => "aauth_mission",
        "aauth-access" | "authorization" => "aauth_access",
        "aauth-capabilities" => "aauth_capabilities",
        "content-digest" => "content_digest",
        _ => return None,
    })
}

/// The claims seeds for the signed-claims target: one per token kind and profile, the
/// selector byte first (see [`super::tokens::jwt_claims`]).
fn claims_seeds(origin: &str, claims: &[u8], out: &mut Vec<Seed>) {
    for selector in 0u8..12 {
        let mut data = vec![selector];
        data.extend_from_slice(claims);
        out.push(Seed::new(
            "jwt_claims",
            format!("{origin}#{selector}"),
            data,
        ));
    }
}

fn object_seeds(origin: &str, map: &Map<String, Value>, out: &mut Vec<Seed>) {
    let text = Value::Object(map.clone()).to_string();
    let has = |k: &str| map.contains_key(k);
    if map.get("kty").is_some_and(Value::is_string) {
        out.push(Seed::new("jwk", origin, text.clone()));
    }
    if map.get("keys").is_some_and(Value::is_array) {
        out.push(Seed::new("jwks", origin, text.clone()));
    }
    if has("issuer") || has("jwks_uri") {
        out.push(Seed::new("metadata", origin, text.clone()));
    }
    if map.get("error").is_some_and(Value::is_string) {
        out.push(Seed::new("problem_json", origin, text.clone()));
    }
    if has("iss") && has("dwk") {
        claims_seeds(origin, text.as_bytes(), out);
    }
    let label = map.get("label").and_then(Value::as_str);
    if let (Some(label), Some(member)) = (label, map.get("signature_input").and_then(Value::as_str))
    {
        out.push(Seed::new(
            "signature_input",
            format!("{origin}.signature_input"),
            format!("{label}={member}"),
        ));
    }
    if let (Some(label), Some(sig)) = (label, map.get("signature").and_then(Value::as_str)) {
        if base64::engine::general_purpose::STANDARD
            .decode(sig)
            .is_ok()
        {
            out.push(Seed::new(
                "signature",
                format!("{origin}.signature"),
                format!("{label}=:{sig}:"),
            ));
        }
    }
}

fn string_seeds(origin: &str, s: &str, out: &mut Vec<Seed>) {
    if let Ok(decoded) = jws::decode(s) {
        out.push(Seed::new("jws", origin, s));
        if decoded.payload_object().is_ok() {
            claims_seeds(origin, decoded.payload(), out);
        }
    }
    if s.starts_with("https://") || s.starts_with("aauth:") {
        out.push(Seed::new("identifiers", origin, s));
    }
    if let Some(member) = s.strip_prefix("\"@signature-params\": ") {
        out.push(Seed::new(
            "signature_input",
            origin,
            format!("sig={member}"),
        ));
    }
}

/// An RFC 9421 vector message (`method`, `scheme`, `authority`, `target`, `headers`,
/// `body`) as a request.
fn vector_request(m: &Map<String, Value>) -> Option<Request> {
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let mut request = match s("url") {
        Some(url) => {
            let (scheme, rest) = url.split_once("://")?;
            let split = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, target) = rest.split_at(split);
            Request::new(s("method")?, scheme, authority, target)
        }
        None => Request::new(s("method")?, s("scheme")?, s("authority")?, s("target")?),
    };
    for pair in m.get("headers")?.as_array()? {
        if let [Value::String(n), Value::String(v)] = pair.as_array()?.as_slice() {
            request.append_header(n, v.as_str());
        }
    }
    request.body = bytes::Bytes::from(s("body").unwrap_or_default().to_string());
    Some(request)
}

/// A vector request that carries its own signature (`request` objects of the AAuth
/// vectors): the base target's text form, covering what its `Signature-Input` covers, with
/// the signature fields removed so the signer/verifier check runs on it.
fn signed_request_seed(origin: &str, map: &Map<String, Value>) -> Option<Seed> {
    let request = vector_request(map.get("request")?.as_object()?)?;
    let input = SignatureInput::parse(&request.header("signature-input")?).ok()?;
    let (_, params) = input.iter().next()?;
    let mut unsigned = request.clone();
    unsigned.remove_header("signature");
    unsigned.remove_header("signature-input");
    Some(Seed::new(
        "signature_base",
        format!("{origin}.request"),
        text_form(&unsigned, params),
    ))
}

/// The tokens a `Signature-Key` value carries, as JWS and claims seeds.
fn tokens_in_signature_key(origin: &str, value: &str, out: &mut Vec<Seed>) {
    let Ok(sk) = SignatureKey::parse(value) else {
        return;
    };
    let labels: Vec<String> = sk.labels().map(str::to_string).collect();
    for label in labels {
        if let Some(jwt) = sk.select(&label).ok().as_ref().and_then(KeyScheme::jwt) {
            string_seeds(&format!("{origin}({label})"), jwt, out);
        }
    }
}

/// Messages by `id`, anywhere in the document.
fn collect_requests(value: &Value, into: &mut BTreeMap<String, Request>) {
    match value {
        Value::Object(m) => {
            if let (Some(id), Some(request)) =
                (m.get("id").and_then(Value::as_str), vector_request(m))
            {
                into.insert(id.to_string(), request);
            }
            m.values().for_each(|v| collect_requests(v, into));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_requests(v, into)),
        _ => {}
    }
}

fn walk(origin: &str, value: &Value, requests: &BTreeMap<String, Request>, out: &mut Vec<Seed>) {
    match value {
        Value::Object(map) => {
            object_seeds(origin, map, out);
            let message = map.get("message").and_then(Value::as_str);
            let member = map.get("signature_input").and_then(Value::as_str);
            if let (Some(request), Some(params)) = (
                message.and_then(|m| requests.get(m)),
                member.and_then(|p| SignatureParams::parse(p).ok()),
            ) {
                out.push(Seed::new(
                    "signature_base",
                    format!("{origin}.message"),
                    text_form(request, &params),
                ));
            }
            if let Some(seed) = signed_request_seed(origin, map) {
                out.push(seed);
            }
            for (k, v) in map {
                walk(&format!("{origin}.{k}"), v, requests, out);
            }
        }
        Value::Array(items) => {
            if let [Value::String(name), Value::String(v)] = items.as_slice() {
                if let Some(target) = header_target(&name.to_ascii_lowercase()) {
                    out.push(Seed::new(target, origin, v.as_str()));
                    if target == "signature_key" {
                        tokens_in_signature_key(origin, v, out);
                    }
                }
            }
            for (i, v) in items.iter().enumerate() {
                walk(&format!("{origin}[{i}]"), v, requests, out);
            }
        }
        Value::String(s) => {
            string_seeds(origin, s, out);
            if let Ok(inner @ (Value::Object(_) | Value::Array(_))) =
                serde_json::from_str::<Value>(s)
            {
                walk(&format!("{origin}(json)"), &inner, requests, out);
            }
        }
        _ => {}
    }
}

/// Every seed in one vector document; `file` names it in each seed's origin.
pub fn from_json(file: &str, value: &Value) -> Vec<Seed> {
    let mut requests = BTreeMap::new();
    collect_requests(value, &mut requests);
    let mut out = Vec::new();
    walk(file, value, &requests, &mut out);
    dedup(out)
}

/// Keeps the first seed of every (target, bytes) pair.
fn dedup(seeds: Vec<Seed>) -> Vec<Seed> {
    let mut seen = std::collections::BTreeSet::new();
    seeds
        .into_iter()
        .filter(|s| seen.insert((s.target, s.data.clone())))
        .collect()
}

fn json_files(dir: &Path, into: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            json_files(&path, into)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            into.push(path);
        }
    }
    Ok(())
}

/// Why the vector directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Reading the directory or a file failed.
    #[error("reading {path}: {error}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// A `.json` file is not JSON.
    #[error("{path} is not JSON: {error}")]
    Json {
        /// The path.
        path: PathBuf,
        /// The error.
        error: serde_json::Error,
    },
}

/// Every seed in every `*.json` under `dir` (recursively, files in path order). Origins are
/// paths relative to `dir`.
pub fn from_vectors(dir: &Path) -> Result<Vec<Seed>, SeedError> {
    let mut files = Vec::new();
    json_files(dir, &mut files).map_err(|error| SeedError::Io {
        path: dir.to_path_buf(),
        error,
    })?;
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|error| SeedError::Io {
            path: path.clone(),
            error,
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|error| SeedError::Json {
            path: path.clone(),
            error,
        })?;
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        out.extend(from_json(&name, &value));
    }
    Ok(dedup(out))
}

/// Values built with the harness's own builders: at least one valid input per target.
pub fn built() -> Vec<Seed> {
    let mut out = Vec::new();
    let mut add = |target: &'static str, what: &str, data: Vec<u8>| {
        out.push(Seed::new(target, format!("built:{what}"), data));
    };
    let (Some(agent), Some(es256)) = (
        SigningKey::from_seed(&Alg::ED25519, [1; 32]),
        SigningKey::from_seed(&Alg::ES256, [2; 32]),
    ) else {
        return out;
    };

    // A signed AAuth request to a PS: every signature header and the base's text form.
    let mut request = Request::new("POST", "https", "ps.example", "/token?x=1")
        .with_header("Content-Type", "application/json")
        .with_header("Authorization", "AAuth c2Vzc2lvbg==")
        .with_body(r#"{"resource_token":"eyJ"}"#);
    let ctx = AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer);
    if let Ok(base) = sign_aauth(&mut request, &agent, "sig", "jwt;jwt=\"a.b.c\"", NOW, &ctx) {
        for (name, value) in &request.headers {
            if let Some(target) = header_target(&name.to_ascii_lowercase()) {
                add(
                    target,
                    &format!("signed request {name}"),
                    value.clone().into_bytes(),
                );
            }
        }
        if let Some(member) = base
            .lines()
            .last()
            .and_then(|l| l.strip_prefix("\"@signature-params\": "))
        {
            if let Ok(params) = SignatureParams::parse(member) {
                let mut unsigned = request.clone();
                unsigned.remove_header("signature");
                unsigned.remove_header("signature-input");
                add(
                    "signature_base",
                    "signed request",
                    text_form(&unsigned, &params),
                );
            }
        }
    }

    let codes = SignatureErrorCode::KNOWN;
    for code in codes.iter() {
        if let Ok(v) = SignatureError::new(code.clone()).serialize() {
            add("signature_error", code.as_str(), v.into_bytes());
        }
    }
    if let Ok(v) =
        SignatureError::invalid_input(["@method", "@authority", "@path", "signature-key"])
            .serialize()
    {
        add(
            "signature_error",
            "invalid_input with required_input",
            v.into_bytes(),
        );
    }
    if let Ok(v) = AcceptSignatureScheme::new(&Scheme::REGISTERED) {
        add(
            "accept_signature_scheme",
            "registered",
            v.serialize().into_bytes(),
        );
    }
    if let Ok(v) = AcceptSignatureAlg::new(&[Alg::ED25519, Alg::ES256]) {
        add(
            "accept_signature_alg",
            "fully specified",
            v.serialize().into_bytes(),
        );
    }
    if let Ok(v) = AauthCapabilities::new(&[
        Capability::INTERACTION,
        Capability::CLARIFICATION,
        Capability::PAYMENT,
        Capability::BUDGET,
    ]) {
        add("aauth_capabilities", "all", v.serialize().into_bytes());
    }
    for (what, r) in [
        ("auth-token", AauthRequirement::auth_token("eyJ.eyJ.sig")),
        (
            "interaction",
            AauthRequirement::interaction("https://resource.example/i", "ABCD-EFGH"),
        ),
        ("approval", AauthRequirement::new(Requirement::APPROVAL)),
        (
            "agent-token",
            AauthRequirement::new(Requirement::AGENT_TOKEN),
        ),
    ] {
        if let Ok(v) = r.serialize() {
            add("aauth_requirement", what, v.into_bytes());
        }
    }
    let mission = AauthMission::new(
        "https://ps.example",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
    );
    for v in [mission.serialize(), mission.serialize_parameter_form()]
        .into_iter()
        .flatten()
    {
        add("aauth_mission", "mission", v.into_bytes());
    }
    if let Ok(t) = SessionToken::new("c2Vzc2lvbi10b2tlbg==") {
        add("aauth_access", "AAuth-Access", t.serialize().into_bytes());
        add(
            "aauth_access",
            "Authorization",
            t.authorization_value().into_bytes(),
        );
    }
    let digest =
        ContentDigest::for_body(b"{}", &[DigestAlgorithm::SHA_256, DigestAlgorithm::SHA_512]);
    add(
        "content_digest",
        "sha-256 and sha-512",
        digest.serialize().into_bytes(),
    );

    for code in [ErrorCode::INVALID_REQUEST, ErrorCode::INVALID_SIGNATURE] {
        let p = Problem::new(code.clone()).with_detail("from the builder");
        add("problem_json", code.as_str(), p.to_bytes());
    }
    add(
        "problem_json",
        "mission_terminated",
        Problem::mission_terminated(None).to_bytes(),
    );

    let issuer = |s: &str| s.to_string();
    add(
        "metadata",
        "agent provider",
        AgentProviderMetadata::reference(&issuer("https://agent.example"))
            .to_json()
            .to_string()
            .into_bytes(),
    );
    for profile in Profile::ALL {
        for (what, json) in [
            (
                "person server",
                PersonServerMetadata::reference("https://ps.example", profile).to_json(),
            ),
            (
                "access server",
                AccessServerMetadata::reference("https://as.example", profile).to_json(),
            ),
            (
                "resource",
                ResourceMetadata::reference("https://resource.example", profile).to_json(),
            ),
        ] {
            add(
                "metadata",
                &format!("{what} {profile}"),
                json.to_string().into_bytes(),
            );
        }
    }

    let ed_jwk = Jwk::from_public(&agent.public_key(), Some("ed"));
    let ec_jwk = Jwk::from_public(&es256.public_key(), Some("ec"));
    add("jwk", "Ed25519", ed_jwk.to_json().into_bytes());
    add("jwk", "ES256", ec_jwk.to_json().into_bytes());
    add(
        "jwks",
        "both",
        Jwks::from_keys([ed_jwk, ec_jwk]).to_json().into_bytes(),
    );

    let key = agent.public_key();
    let maps: [(u8, Map<String, Value>); 4] = [
        (
            0,
            AgentClaims::new(
                Profile::Aauth11,
                "https://agent.example",
                "aauth:assistant@agent.example",
                "a1",
                &key,
                NOW,
                NOW + 3600,
            )
            .to_map(),
        ),
        (
            1,
            PersonClaims::new(
                "https://ps.example",
                "https://resource.example",
                "user-1",
                "p1",
                &key,
                NOW,
                NOW + 3600,
            )
            .to_map(),
        ),
        (
            2,
            ResourceClaims::new(
                "https://resource.example",
                "https://ps.example",
                "r1",
                &key,
                "data.read",
                NOW,
                NOW + 3600,
            )
            .for_person("https://ps.example", "user-1", "p1")
            .to_map(),
        ),
        (
            3,
            AuthClaims::new(
                Profile::Aauth11,
                "https://ps.example",
                dwk::PERSON,
                "https://resource.example",
                "t1",
                &key,
                NOW,
                NOW + 3600,
            )
            .for_person("https://ps.example", "user-1")
            .to_map(),
        ),
    ];
    for (kind, map) in maps {
        let payload = Value::Object(map).to_string();
        let mut data = vec![kind];
        data.extend_from_slice(payload.as_bytes());
        add("jwt_claims", &format!("claims kind {kind}"), data);
        if let Some(k) = TokenKind::ALL.get(usize::from(kind)) {
            let header = JwsHeader::new(&Alg::ED25519)
                .with_typ(k.typ())
                .with_kid("k1");
            let token = jws::sign_header(&header, payload.as_bytes(), &agent);
            add("jws", k.typ(), token.into_bytes());
        }
    }

    for v in [
        "https://ps.example",
        "aauth:assistant@agent.example",
        "aauth:assistant+task-1@agent.example\naauth:assistant@agent.example",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
        "ABCD-EFGH",
        "https://resource.example/interaction",
    ] {
        add("identifiers", v, v.as_bytes().to_vec());
    }
    out
}

/// Writes every seed to `<out>/<target>/<file_name>`; returns how many files were new.
pub fn write_corpus(seeds: &[Seed], out: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for seed in seeds {
        let dir = out.join(seed.target);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(seed.file_name());
        if !path.exists() {
            std::fs::write(&path, &seed.data)?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_tokens_keys_and_messages_are_routed() {
        let doc = json!({
            "messages": [{
                "id": "m", "method": "GET", "scheme": "https", "authority": "a.example",
                "target": "/p", "headers": [["Content-Digest", "sha-256=:AA==:"], ["X", "y"]],
                "body": ""
            }],
            "cases": [{"message": "m", "label": "s", "signature_input": "(\"@method\");created=1",
                       "signature": "AQID", "base": ["\"@signature-params\": (\"@method\");created=1"]}],
            "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA"},
            "jwks": "{\"keys\":[]}",
            "token": "e30.e30.",
            "issuer": "https://x.example"
        });
        let seeds = from_json("t.json", &doc);
        let targets = |t: &str| seeds.iter().filter(|s| s.target == t).count();
        assert_eq!(targets("content_digest"), 1);
        assert_eq!(targets("signature_input"), 2);
        assert_eq!(targets("signature"), 1);
        assert_eq!(targets("signature_base"), 1);
        assert_eq!(targets("jwk"), 1);
        assert_eq!(targets("jwks"), 1);
        assert_eq!(targets("jws"), 1);
        assert_eq!(targets("jwt_claims"), 12, "one per token kind and profile");
        assert_eq!(targets("identifiers"), 1);
        assert_eq!(targets("metadata"), 1);
        let sig = seeds
            .iter()
            .find(|s| s.target == "signature")
            .map(|s| s.data.clone());
        assert_eq!(sig.as_deref(), Some(&b"s=:AQID:"[..]));
        let base = seeds
            .iter()
            .find(|s| s.target == "signature_base")
            .map(|s| s.data.clone());
        assert!(
            base.is_some_and(
                |b| b.starts_with(b"T(\"@method\");created=1\nGET https://a.example/p\n")
            )
        );
    }

    #[test]
    fn built_seeds_cover_the_header_and_document_targets() {
        let seeds = built();
        for t in [
            "signature_input",
            "signature",
            "signature_key",
            "content_digest",
            "signature_base",
            "jwt_claims",
            "metadata",
        ] {
            assert!(seeds.iter().any(|s| s.target == t), "{t}");
        }
    }

    #[test]
    fn file_names_are_content_hashes() {
        let a = Seed::new("x", "a", "same");
        let b = Seed::new("x", "b", "same");
        assert_eq!(a.file_name(), b.file_name());
        assert_eq!(a.file_name().len(), 16);
    }
}
