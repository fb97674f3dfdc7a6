//! The RFC 9421 vectors (`vectors/rfc9421/*.json`, format `aauth-conform/rfc9421-vectors/1`,
//! specified in `vectors/rfc9421/README.md`): a strict loader and the checker.
//!
//! Every structure refuses unknown members, ids are unique across keys, messages and cases,
//! and every reference (message, related request, key) must resolve, so a typo in a file is
//! a load error instead of a silently skipped check. [`check_case`] runs the checks a case
//! lists (`base`, `sign-exact`, `verify`, `hmac-exact`) through the harness's own base
//! builder, signer and verifier, and for every request case also confirms that an AAuth
//! verifier would refuse it at the covered-components step (the Appendix B signatures cover
//! no `signature-key`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::report::{Family, FileReport};
use super::VectorError;
use crate::httpsig::base::{signature_base, FieldTypes, Message};
use crate::httpsig::profile::{check_covered, ProfileRequirements};
use crate::httpsig::sign::sign_request;
use crate::httpsig::verify::{verify_message, VerifyError, Violation};
use crate::jose::{b64, Alg, PublicKey, SigningKey};
use crate::message::{Fields, Request, Response};
use crate::wire::signature_error::SignatureErrorCode;
use crate::wire::signature_input::{SignatureInput, SignatureParams};

/// The `format` string of every RFC 9421 vector file.
pub const FORMAT: &str = "aauth-conform/rfc9421-vectors/1";

/// One file: keys, messages, and the cases that sign them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// [`FORMAT`].
    pub format: String,
    /// What the file holds.
    pub description: String,
    /// Where the values come from.
    pub source: String,
    /// The keys cases refer to.
    pub keys: Vec<KeyEntry>,
    /// The messages cases sign.
    pub messages: Vec<MessageEntry>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// A key from RFC 9421 Appendix B.1.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// The RFC's key name (`test-key-ed25519`).
    pub id: String,
    /// Its type.
    pub kind: KeyKind,
    /// Ed25519 private seed, base64url.
    pub private_d: Option<String>,
    /// Public `x` (JWK coordinate), base64url.
    pub public_x: Option<String>,
    /// Public `y` (P-256), base64url.
    pub public_y: Option<String>,
    /// HMAC secret, standard base64.
    pub secret: Option<String>,
    /// Where it comes from.
    pub source: String,
}

/// The key types the vectors use.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// Ed25519.
    Ed25519,
    /// ECDSA P-256.
    P256,
    /// HMAC-SHA256 shared secret (test-only).
    Hmac,
}

/// A request or a response from RFC 9421 Appendix B.2.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEntry {
    /// Unique name.
    pub id: String,
    /// Request method.
    pub method: Option<String>,
    /// Request scheme.
    pub scheme: Option<String>,
    /// Request authority.
    pub authority: Option<String>,
    /// Request target: path with optional `?query`.
    pub target: Option<String>,
    /// Response status.
    pub status: Option<u16>,
    /// For a response: the id of its related request.
    pub request: Option<String>,
    /// Header fields in order, duplicates kept.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
    /// Where it comes from.
    pub source: String,
}

/// One signature over one message.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The RFC section (`B.2.6`).
    pub id: String,
    /// What it signs.
    pub title: String,
    /// The message id.
    pub message: String,
    /// The signature label.
    pub label: String,
    /// RFC 9421 algorithm name (informative).
    pub algorithm: String,
    /// The key id; may name a key not in the file when only the base is checked.
    pub key: String,
    /// The `Signature-Input` member value (without `label=`).
    pub signature_input: String,
    /// The expected base, one entry per line, joined with LF and no trailing LF.
    pub base: Vec<String>,
    /// Standard base64 of the published signature.
    pub signature: Option<String>,
    /// What is asserted.
    pub checks: Vec<Check>,
    /// Where it comes from.
    pub source: String,
}

/// What a case asserts.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Our base equals `base` exactly.
    Base,
    /// Signing `base` with `key` reproduces `signature` byte for byte.
    SignExact,
    /// `signature` verifies over our base with `key`, and a flipped bit does not.
    Verify,
    /// HMAC-SHA256 of `base` under `key` equals `signature` (test-only algorithm).
    HmacExact,
}

/// A message rebuilt from a vector: a request, or a response with its related request.
#[derive(Clone, Debug)]
pub enum Built {
    /// A request.
    Request(Request),
    /// A response and the request it answers, if the file names one.
    Response(Response, Option<Request>),
}

impl Built {
    /// The message as the base builder takes it.
    pub fn as_message(&self) -> Message<'_> {
        match self {
            Built::Request(r) => Message::Request(r),
            Built::Response(r, req) => Message::Response {
                response: r,
                request: req.as_ref(),
            },
        }
    }

    /// The header fields, to attach a signature to.
    pub fn headers_mut(&mut self) -> &mut Vec<(String, String)> {
        match self {
            Built::Request(r) => &mut r.headers,
            Built::Response(r, _) => &mut r.headers,
        }
    }
}

impl Case {
    /// The expected base as one string.
    pub fn expected_base(&self) -> String {
        self.base.join("\n")
    }

    /// The published signature's bytes, if any (`Err` when it is not base64).
    pub fn signature_bytes(&self) -> Result<Option<Vec<u8>>, String> {
        self.signature
            .as_deref()
            .map(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| format!("signature is not base64: {e}"))
            })
            .transpose()
    }

    /// The whole `Signature-Input` field value: `label=<member>`.
    pub fn signature_input_field(&self) -> String {
        format!("{}={}", self.label, self.signature_input)
    }

    /// The parsed signature parameters.
    pub fn params(&self) -> Result<SignatureParams, String> {
        SignatureParams::parse(&self.signature_input)
            .map_err(|e| format!("signature_input does not parse: {e}"))
    }

    fn published_signature(&self) -> Result<Vec<u8>, String> {
        self.signature_bytes()?
            .ok_or_else(|| "the case has no signature".to_string())
    }
}

fn coordinate(value: Option<&str>, what: &str, id: &str) -> Result<[u8; 32], String> {
    let text = value.ok_or_else(|| format!("key {id} has no {what}"))?;
    b64::decode_exact::<32>(text).map_err(|e| format!("key {id}: {what} is not 32 bytes: {e}"))
}

impl VectorFile {
    /// The key named `id`.
    pub fn key(&self, id: &str) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.id == id)
    }

    fn known_key(&self, id: &str) -> Result<&KeyEntry, String> {
        self.key(id).ok_or_else(|| format!("unknown key {id}"))
    }

    /// The public key named `id` (Ed25519 or P-256).
    pub fn public_key(&self, id: &str) -> Result<PublicKey, String> {
        let k = self.known_key(id)?;
        let x = coordinate(k.public_x.as_deref(), "public_x", id)?;
        match k.kind {
            KeyKind::Ed25519 => {
                PublicKey::ed25519_from_bytes(&x).map_err(|e| format!("key {id}: public_x: {e}"))
            }
            KeyKind::P256 => Ok(PublicKey::Es256 {
                x,
                y: coordinate(k.public_y.as_deref(), "public_y", id)?,
            }),
            KeyKind::Hmac => Err(format!("key {id} is a shared secret")),
        }
    }

    /// The private key named `id` (only Ed25519 private keys are published).
    pub fn signing_key(&self, id: &str) -> Result<SigningKey, String> {
        let k = self.known_key(id)?;
        if k.kind != KeyKind::Ed25519 {
            return Err(format!(
                "key {id}: only Ed25519 private keys are in the vectors"
            ));
        }
        let d = coordinate(k.private_d.as_deref(), "private_d", id)?;
        SigningKey::from_seed(&Alg::ED25519, d).ok_or_else(|| format!("key {id}: unusable seed"))
    }

    /// The HMAC secret named `id`.
    pub fn hmac_secret(&self, id: &str) -> Result<Vec<u8>, String> {
        let k = self.known_key(id)?;
        let secret = k
            .secret
            .as_deref()
            .ok_or_else(|| format!("key {id} has no secret"))?;
        base64::engine::general_purpose::STANDARD
            .decode(secret)
            .map_err(|e| format!("key {id}: secret is not base64: {e}"))
    }

    /// Rebuild the message named `id`.
    pub fn message(&self, id: &str) -> Result<Built, String> {
        let m = self
            .messages
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| format!("unknown message {id}"))?;
        match m.status {
            Some(status) => {
                let mut response = Response::new(status).with_body(m.body.clone());
                response.headers = m.headers.clone();
                let related = match m.request.as_deref() {
                    None => None,
                    Some(rid) => Some(self.request(rid)?),
                };
                Ok(Built::Response(response, related))
            }
            None => self.request(id).map(Built::Request),
        }
    }

    /// Rebuild the request named `id` (a response id is an error).
    fn request(&self, id: &str) -> Result<Request, String> {
        let m = self
            .messages
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| format!("unknown message {id}"))?;
        let part = |v: &Option<String>, what: &str| {
            v.clone()
                .ok_or_else(|| format!("message {id} is not a request: no {what}"))
        };
        let mut request = Request::new(
            &part(&m.method, "method")?,
            &part(&m.scheme, "scheme")?,
            &part(&m.authority, "authority")?,
            &part(&m.target, "target")?,
        )
        .with_body(m.body.clone());
        request.headers = m.headers.clone();
        Ok(request)
    }

    /// The structural rules the types cannot express: the format string, unique ids,
    /// each message a request or a response, references that resolve, every case checking
    /// its base, and a key and a signature for every signature check.
    pub fn validate(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("format is {:?}, expected {FORMAT:?}", self.format));
        }
        let mut ids = HashSet::new();
        let mut unique = |kind: &str, id: &str| {
            if ids.insert(format!("{kind}:{id}")) {
                Ok(())
            } else {
                Err(format!("duplicate {kind} {id}"))
            }
        };
        for k in &self.keys {
            unique("key", &k.id)?;
        }
        for m in &self.messages {
            unique("message", &m.id)?;
            if m.status.is_some() == m.method.is_some() {
                return Err(format!(
                    "message {}: give either a status (response) or a method (request)",
                    m.id
                ));
            }
            if let Some(rid) = &m.request {
                self.request(rid)
                    .map_err(|e| format!("message {}: related request: {e}", m.id))?;
            }
        }
        for c in &self.cases {
            unique("case", &c.id)?;
            self.message(&c.message)
                .map_err(|e| format!("case {}: {e}", c.id))?;
            if !c.checks.contains(&Check::Base) {
                return Err(format!("case {}: every case checks its base", c.id));
            }
            if c.checks.iter().any(|k| *k != Check::Base) {
                self.known_key(&c.key)
                    .map_err(|e| format!("case {}: {e}", c.id))?;
                if c.signature.is_none() {
                    return Err(format!(
                        "case {}: a signature check needs a signature",
                        c.id
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Parse a file's text strictly (no structural validation; see [`VectorFile::validate`]).
pub fn parse(text: &str) -> Result<VectorFile, serde_json::Error> {
    serde_json::from_str(text)
}

/// Read, parse and validate one file.
pub fn load(path: &Path) -> Result<VectorFile, VectorError> {
    let text = super::read(path)?;
    let file = parse(&text).map_err(|e| VectorError::format(path, e))?;
    file.validate().map_err(|e| VectorError::format(path, e))?;
    Ok(file)
}

/// Every `*.json` in `dir`, sorted, each loaded strictly. An empty directory is an error:
/// the family would otherwise pass by checking nothing.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, VectorFile)>, VectorError> {
    let paths = super::json_files(dir)?;
    if paths.is_empty() {
        return Err(VectorError::format(dir, "no RFC 9421 vector files"));
    }
    paths
        .into_iter()
        .map(|p| load(&p).map(|f| (p, f)))
        .collect()
}

/// `vectors/rfc9421` at the repository root.
pub fn default_dir() -> PathBuf {
    super::default_root().join(Family::Rfc9421.as_str())
}

/// The message of `case` with its `Signature-Input` and a `Signature` of
/// `signature_b64` (standard base64) attached.
pub fn signed(file: &VectorFile, case: &Case, signature_b64: &str) -> Result<Built, String> {
    let mut built = file.message(&case.message)?;
    let headers = built.headers_mut();
    headers.push(("Signature-Input".into(), case.signature_input_field()));
    headers.push((
        "Signature".into(),
        format!("{}=:{signature_b64}:", case.label),
    ));
    Ok(built)
}

/// Run every check `case` lists, plus the AAuth refusal for requests. `Ok` lists the
/// explicit checks that ran; `Err` names the first that failed.
pub fn check_case(file: &VectorFile, case: &Case) -> Result<Vec<Check>, String> {
    let params = case.params()?;
    check_signature_input(case)?;
    let built = file.message(&case.message)?;
    for check in &case.checks {
        match check {
            Check::Base => check_base(&built, case, &params),
            Check::SignExact => check_sign_exact(file, case, &params),
            Check::Verify => check_verify(file, case),
            Check::HmacExact => check_hmac(file, case, &built, &params),
        }
        .map_err(|e| format!("{}: {e}", check_name(*check)))?;
    }
    if let Built::Request(request) = &built {
        check_aauth_refuses(request, &params).map_err(|e| format!("aauth-profile: {e}"))?;
    }
    Ok(case.checks.clone())
}

fn check_name(check: Check) -> &'static str {
    match check {
        Check::Base => "base",
        Check::SignExact => "sign-exact",
        Check::Verify => "verify",
        Check::HmacExact => "hmac-exact",
    }
}

/// The `Signature-Input` member parses and serializes back byte for byte.
fn check_signature_input(case: &Case) -> Result<(), String> {
    let field = case.signature_input_field();
    let parsed = SignatureInput::parse(&field)
        .map_err(|e| format!("Signature-Input does not parse: {e}"))?;
    if parsed.serialize() != field {
        return Err(format!(
            "Signature-Input serializes as {:?}, not {field:?}",
            parsed.serialize()
        ));
    }
    let member = parsed.get(&case.label).map(SignatureParams::serialize);
    if member.as_deref() != Some(case.signature_input.as_str()) {
        return Err(format!(
            "member {} serializes as {member:?}, not {:?}",
            case.label, case.signature_input
        ));
    }
    Ok(())
}

fn check_base(built: &Built, case: &Case, params: &SignatureParams) -> Result<(), String> {
    let base = signature_base(built.as_message(), params, &FieldTypes::aauth())
        .map_err(|e| format!("no base: {e}"))?;
    same_base(base.as_str(), case)
}

fn same_base(ours: &str, case: &Case) -> Result<(), String> {
    let want = case.expected_base();
    if ours == want {
        return Ok(());
    }
    let line = ours
        .lines()
        .zip(want.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| ours.lines().count().min(want.lines().count()));
    Err(format!(
        "base differs from line {}: ours {:?}, expected {:?}",
        line + 1,
        ours.lines().nth(line).unwrap_or(""),
        want.lines().nth(line).unwrap_or("")
    ))
}

fn check_sign_exact(
    file: &VectorFile,
    case: &Case,
    params: &SignatureParams,
) -> Result<(), String> {
    let key = file.signing_key(&case.key)?;
    let want = case
        .signature
        .as_deref()
        .ok_or("the case has no signature")?;
    let Built::Request(mut request) = file.message(&case.message)? else {
        return Err("only requests are signed exactly".into());
    };
    let base = sign_request(&mut request, &key, &case.label, params)
        .map_err(|e| format!("signing failed: {e}"))?;
    same_base(base.as_str(), case)?;
    if request.header("signature-input") != Some(case.signature_input_field()) {
        return Err(format!(
            "attached Signature-Input is {:?}",
            request.header("signature-input")
        ));
    }
    let expected = format!("{}=:{want}:", case.label);
    match request.header("signature") {
        Some(got) if got == expected => Ok(()),
        got => Err(format!(
            "signature differs: got {got:?}, expected {expected:?}"
        )),
    }
}

fn check_verify(file: &VectorFile, case: &Case) -> Result<(), String> {
    let key = file.public_key(&case.key)?;
    let signature = case
        .signature
        .as_deref()
        .ok_or("the case has no signature")?;
    let built = signed(file, case, signature)?;
    let verified = verify_message(built.as_message(), &case.label, &key, &FieldTypes::aauth())
        .map_err(|e| format!("the published signature does not verify: {e}"))?;
    same_base(verified.base.as_str(), case)?;

    let mut bytes = case.published_signature()?;
    let Some(byte) = bytes.get_mut(10) else {
        return Err("the signature is shorter than 11 bytes".into());
    };
    *byte ^= 0x01;
    let flipped = base64::engine::general_purpose::STANDARD.encode(bytes);
    let built = signed(file, case, &flipped)?;
    match verify_message(built.as_message(), &case.label, &key, &FieldTypes::aauth()) {
        Err(VerifyError::Violation(Violation::SignatureMismatch)) => Ok(()),
        Ok(_) => Err("a signature with one bit flipped verifies".into()),
        Err(e) => Err(format!(
            "a flipped bit was refused for the wrong reason: {e}"
        )),
    }
}

fn check_hmac(
    file: &VectorFile,
    case: &Case,
    built: &Built,
    params: &SignatureParams,
) -> Result<(), String> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &file.hmac_secret(&case.key)?);
    let base = signature_base(built.as_message(), params, &FieldTypes::aauth())
        .map_err(|e| format!("no base: {e}"))?;
    let tag = ring::hmac::sign(&key, base.as_bytes());
    if tag.as_ref() == case.published_signature()?.as_slice() {
        Ok(())
    } else {
        Err("HMAC-SHA256 of our base differs from the published signature".into())
    }
}

/// The Appendix B signatures cover no `signature-key`: an AAuth verifier refuses them at
/// the covered-components step with `invalid_input`, whatever the signature.
fn check_aauth_refuses(request: &Request, params: &SignatureParams) -> Result<(), String> {
    match check_covered(request, params, &ProfileRequirements::resource()) {
        Ok(()) => Err("an AAuth resource would accept these covered components".into()),
        Err(e) if SignatureErrorCode::from(&e) == SignatureErrorCode::INVALID_INPUT => Ok(()),
        Err(e) => Err(format!(
            "an AAuth resource refuses with {}, not invalid_input",
            SignatureErrorCode::from(&e).as_str()
        )),
    }
}

/// Check one loaded file: one vector per case.
pub fn check_file(path: &Path, file: &VectorFile) -> FileReport {
    let mut report = FileReport::new(Family::Rfc9421, path.to_path_buf());
    for case in &file.cases {
        report.record(&case.id, check_case(file, case).map(|_| ()));
    }
    report
}

/// Load and check every file in `dir`.
pub fn verify_dir(dir: &Path) -> Result<Vec<FileReport>, VectorError> {
    Ok(load_dir(dir)?
        .iter()
        .map(|(path, file)| check_file(path, file))
        .collect())
}
