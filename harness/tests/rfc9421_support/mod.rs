//! Strict loader for `vectors/rfc9421/*.json` (format `aauth-conform/rfc9421-vectors/1`,
//! described in `vectors/rfc9421/README.md`), shared by the vector test and the
//! `httpsig-hyper` differential test.
//!
//! Every struct denies unknown fields, ids must be unique, and every reference (message,
//! key) must resolve, so a typo in a vector file fails loudly instead of skipping a check.
#![allow(dead_code)]

use aauth_harness::jose::{Alg, PublicKey, SigningKey};
use aauth_harness::message::{Request, Response};
use base64::Engine as _;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "aauth-conform/rfc9421-vectors/1";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    pub format: String,
    pub description: String,
    pub source: String,
    pub keys: Vec<KeyEntry>,
    pub messages: Vec<MessageEntry>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    pub id: String,
    pub kind: KeyKind,
    pub private_d: Option<String>,
    pub public_x: Option<String>,
    pub public_y: Option<String>,
    pub secret: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    Ed25519,
    P256,
    Hmac,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEntry {
    pub id: String,
    pub method: Option<String>,
    pub scheme: Option<String>,
    pub authority: Option<String>,
    pub target: Option<String>,
    pub status: Option<u16>,
    /// For a response: the id of its related request.
    pub request: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub message: String,
    pub label: String,
    pub algorithm: String,
    pub key: String,
    /// The `Signature-Input` member value (without `label=`).
    pub signature_input: String,
    /// The expected base, one entry per line, joined with LF and no trailing LF.
    pub base: Vec<String>,
    /// Standard base64 of the published signature.
    pub signature: Option<String>,
    pub checks: Vec<Check>,
    pub source: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Our base equals `base` exactly.
    Base,
    /// Signing `base` with `key` reproduces `signature` byte for byte.
    SignExact,
    /// `signature` verifies over our base with `key`.
    Verify,
    /// HMAC-SHA256 of `base` under `key` equals `signature` (test-only algorithm).
    HmacExact,
}

/// A message rebuilt from a vector.
#[derive(Debug, Clone)]
pub enum Built {
    Request(Request),
    Response(Response, Option<Request>),
}

impl Case {
    pub fn expected_base(&self) -> String {
        self.base.join("\n")
    }

    pub fn signature_bytes(&self) -> Option<Vec<u8>> {
        let s = self.signature.as_ref()?;
        Some(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .expect("signature is base64"),
        )
    }

    pub fn signature_input_field(&self) -> String {
        format!("{}={}", self.label, self.signature_input)
    }
}

fn b64url(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("base64url")
}

fn arr32(v: Vec<u8>) -> [u8; 32] {
    v.try_into().expect("32 bytes")
}

impl VectorFile {
    pub fn key(&self, id: &str) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn public_key(&self, id: &str) -> PublicKey {
        let k = self.key(id).expect("known key");
        let x = arr32(b64url(k.public_x.as_deref().expect("x")));
        match k.kind {
            KeyKind::Ed25519 => PublicKey::Ed25519(x),
            KeyKind::P256 => PublicKey::Es256 {
                x,
                y: arr32(b64url(k.public_y.as_deref().expect("y"))),
            },
            KeyKind::Hmac => panic!("{id} is a shared secret"),
        }
    }

    pub fn signing_key(&self, id: &str) -> SigningKey {
        let k = self.key(id).expect("known key");
        assert_eq!(
            k.kind,
            KeyKind::Ed25519,
            "only Ed25519 private keys are in the vectors"
        );
        SigningKey::from_seed(
            &Alg::ED25519,
            arr32(b64url(k.private_d.as_deref().expect("d"))),
        )
        .expect("ed25519")
    }

    pub fn hmac_secret(&self, id: &str) -> Vec<u8> {
        let k = self.key(id).expect("known key");
        base64::engine::general_purpose::STANDARD
            .decode(k.secret.as_deref().expect("secret"))
            .expect("base64")
    }

    pub fn message(&self, id: &str) -> Built {
        let m = self
            .messages
            .iter()
            .find(|m| m.id == id)
            .expect("known message");
        if let Some(status) = m.status {
            let mut r = Response::new(status).with_body(m.body.clone());
            r.headers = m.headers.clone();
            let related = m.request.as_deref().map(|rid| match self.message(rid) {
                Built::Request(r) => r,
                Built::Response(..) => panic!("{rid} must be a request"),
            });
            Built::Response(r, related)
        } else {
            let mut r = Request::new(
                m.method.as_deref().expect("method"),
                m.scheme.as_deref().expect("scheme"),
                m.authority.as_deref().expect("authority"),
                m.target.as_deref().expect("target"),
            )
            .with_body(m.body.clone());
            r.headers = m.headers.clone();
            Built::Request(r)
        }
    }

    /// Structural checks the serde types cannot express.
    fn validate(&self, path: &Path) {
        assert_eq!(self.format, FORMAT, "{}: unknown format", path.display());
        let mut ids = HashSet::new();
        for k in &self.keys {
            assert!(
                ids.insert(format!("key:{}", k.id)),
                "duplicate key {}",
                k.id
            );
        }
        for m in &self.messages {
            assert!(
                ids.insert(format!("message:{}", m.id)),
                "duplicate message {}",
                m.id
            );
            assert_eq!(
                m.status.is_some(),
                m.method.is_none(),
                "{}: a message is a request or a response",
                m.id
            );
        }
        for c in &self.cases {
            assert!(
                ids.insert(format!("case:{}", c.id)),
                "duplicate case {}",
                c.id
            );
            assert!(
                self.messages.iter().any(|m| m.id == c.message),
                "{}: unknown message",
                c.id
            );
            assert!(
                !c.checks.is_empty() && c.checks.contains(&Check::Base),
                "{}: every case checks its base",
                c.id
            );
            let needs_key = c.checks.iter().any(|k| *k != Check::Base);
            if needs_key {
                assert!(
                    self.key(&c.key).is_some(),
                    "{}: unknown key {}",
                    c.id,
                    c.key
                );
                assert!(
                    c.signature.is_some(),
                    "{}: a signature check needs a signature",
                    c.id
                );
            }
        }
    }
}

pub fn vector_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/rfc9421")
}

pub fn parse(text: &str) -> Result<VectorFile, serde_json::Error> {
    serde_json::from_str(text)
}

/// Every vector file in `vectors/rfc9421`, parsed strictly and validated.
pub fn load_all() -> Vec<(PathBuf, VectorFile)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vector_dir())
        .expect("vectors/rfc9421 exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files found");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let file = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            file.validate(&p);
            (p, file)
        })
        .collect()
}
