//! Compact JWS (RFC 7515 §7.1), hand-rolled so the harness can build wrong tokens as easily
//! as right ones.
//!
//! Invariants:
//! - Decoding keeps the header and payload as the exact bytes that were sent, and the signing
//!   input as the exact text that was signed, so nothing is re-serialised before verification
//!   and reports can show what arrived.
//! - Decoding never panics and says which segment failed and why. A header with a duplicate
//!   member name is refused (RFC 7515 §5.2 lets a parser either refuse or take the last one;
//!   the harness refuses so a smuggled second `alg` is visible).
//! - Verification takes the algorithm from the key, never from the header: the header `alg`
//!   must name the key's algorithm or the JWS is refused before any cryptography. `none` and
//!   the MAC algorithms never verify.
//! - The deliberately-wrong builders ([`unsigned_none`], [`sign_hmac`], [`with_raw_signature`],
//!   [`sign_with_header_alg`]) exist for negative cases and say so in their names.

use crate::jose::alg::Alg;
use crate::jose::b64::{self, B64Error};
use crate::jose::jwk::JwkRules;
use crate::jose::key::{PublicKey, SignatureCheckError, SigningKey};
use serde::de::{MapAccess, Visitor};
use serde_json::{Map, Value};

/// A JOSE header: every member kept in order, with accessors for the ones AAuth reads.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct JwsHeader {
    members: Map<String, Value>,
}

impl JwsHeader {
    /// A header with only `alg`.
    pub fn new(alg: &Alg) -> Self {
        let mut members = Map::new();
        members.insert("alg".into(), alg.as_str().into());
        JwsHeader { members }
    }

    /// A header from members already parsed.
    pub fn from_map(members: Map<String, Value>) -> Self {
        JwsHeader { members }
    }

    /// This header with `typ` set.
    pub fn with_typ(mut self, typ: &str) -> Self {
        self.set("typ", typ);
        self
    }

    /// This header with `kid` set.
    pub fn with_kid(mut self, kid: &str) -> Self {
        self.set("kid", kid);
        self
    }

    /// This header with an embedded `jwk`.
    pub fn with_jwk(mut self, jwk: &crate::jose::jwk::Jwk) -> Self {
        self.set("jwk", jwk.to_value());
        self
    }

    /// Set any member (replacing in place, or appending).
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.members.insert(name.to_string(), value.into());
    }

    /// Remove a member, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.members.shift_remove(name)
    }

    /// Every member, in order.
    pub fn members(&self) -> &Map<String, Value> {
        &self.members
    }

    /// Any member.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }

    /// `alg` when a string.
    pub fn alg(&self) -> Option<Alg> {
        self.members
            .get("alg")
            .and_then(Value::as_str)
            .map(Alg::new)
    }

    /// `typ` when a string.
    pub fn typ(&self) -> Option<&str> {
        self.members.get("typ").and_then(Value::as_str)
    }

    /// `kid` when a string.
    pub fn kid(&self) -> Option<&str> {
        self.members.get("kid").and_then(Value::as_str)
    }

    /// `jwk` as sent (any JSON type).
    pub fn jwk(&self) -> Option<&Value> {
        self.members.get("jwk")
    }

    /// Compact JSON, members in order.
    pub fn to_json(&self) -> String {
        Value::Object(self.members.clone()).to_string()
    }
}

/// One of the three compact segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// The protected header.
    Header,
    /// The payload.
    Payload,
    /// The signature.
    Signature,
}

/// Why a JSON text is not a usable JSON object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonObjectError {
    /// Not JSON (or not UTF-8).
    #[error("not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotObject,
    /// The same member name twice at the top level.
    #[error("duplicate member {0:?}")]
    DuplicateMember(String),
}

/// Why a string is not a compact JWS.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwsDecodeError {
    /// Not exactly three dot-separated segments.
    #[error("expected 3 dot-separated segments, found {found}")]
    SegmentCount {
        /// Segments found.
        found: usize,
    },
    /// A segment is not canonical base64url.
    #[error("{segment:?} segment: {error}")]
    Base64 {
        /// Which segment.
        segment: Segment,
        /// What is wrong with it.
        error: B64Error,
    },
    /// The header is not a JSON object without duplicate members.
    #[error("header: {0}")]
    Header(JsonObjectError),
}

/// A decoded compact JWS.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedJws {
    header: JwsHeader,
    header_bytes: Vec<u8>,
    payload: Vec<u8>,
    signing_input: String,
    signature: Vec<u8>,
}

impl DecodedJws {
    /// The parsed header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The header exactly as sent (decoded from base64url).
    pub fn header_bytes(&self) -> &[u8] {
        &self.header_bytes
    }

    /// The payload exactly as sent.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload parsed as a JSON object (JWT claims), refusing duplicate members.
    pub fn payload_object(&self) -> Result<Map<String, Value>, JsonObjectError> {
        parse_json_object(&self.payload)
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, as sent.
    pub fn signing_input(&self) -> &str {
        &self.signing_input
    }

    /// The signature bytes (empty for an unsecured JWS).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

/// Parse a JSON object, refusing duplicate top-level member names (nested objects follow
/// serde_json: the last one wins). One pass: the visitor notices duplicates while building
/// the members, which `Value` would silently merge.
pub fn parse_json_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonObjectError> {
    let parsed: StrictObject =
        serde_json::from_slice(bytes).map_err(|e| JsonObjectError::NotJson(e.to_string()))?;
    match parsed {
        StrictObject::NotObject => Err(JsonObjectError::NotObject),
        StrictObject::Object {
            duplicate: Some(name),
            ..
        } => Err(JsonObjectError::DuplicateMember(name)),
        StrictObject::Object { members, .. } => Ok(members),
    }
}

/// A top-level JSON value: an object with its first duplicate member name, or anything else.
enum StrictObject {
    Object {
        members: Map<String, Value>,
        duplicate: Option<String>,
    },
    NotObject,
}

impl<'de> serde::Deserialize<'de> for StrictObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictObject;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrictObject, A::Error> {
        let mut members = Map::new();
        let mut duplicate = None;
        while let Some(name) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if duplicate.is_none() && members.contains_key(&name) {
                duplicate = Some(name.clone());
            }
            members.insert(name, value);
        }
        Ok(StrictObject::Object { members, duplicate })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrictObject, A::Error> {
        // Consume the array so the text is still checked to be JSON.
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(StrictObject::NotObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<StrictObject, E> {
        Ok(StrictObject::NotObject)
    }

    fn visit_i64<E>(self, _: i64) -> Result<StrictObject, E> {
        Ok(StrictObject::NotObject)
    }

    fn visit_u64<E>(self, _: u64) -> Result<StrictObject, E> {
        Ok(StrictObject::NotObject)
    }

    fn visit_f64<E>(self, _: f64) -> Result<StrictObject, E> {
        Ok(StrictObject::NotObject)
    }

    fn visit_str<E>(self, _: &str) -> Result<StrictObject, E> {
        Ok(StrictObject::NotObject)
    }

    fn visit_unit<E>(self) -> Result<StrictObject, E> {
        Ok(StrictObject::NotObject)
    }
}

/// Decode a compact JWS. Never panics; every failure names its segment.
pub fn decode(compact: &str) -> Result<DecodedJws, JwsDecodeError> {
    let mut parts = compact.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsDecodeError::SegmentCount {
            found: compact.split('.').count(),
        });
    };
    let seg = |segment, text: &str| {
        b64::decode(text).map_err(|error| JwsDecodeError::Base64 { segment, error })
    };
    let header_bytes = seg(Segment::Header, h)?;
    let payload = seg(Segment::Payload, p)?;
    let signature = seg(Segment::Signature, s)?;
    let members = parse_json_object(&header_bytes).map_err(JwsDecodeError::Header)?;
    Ok(DecodedJws {
        header: JwsHeader { members },
        header_bytes,
        payload,
        // The exact prefix of the input: header, `.`, payload.
        signing_input: compact
            .get(..h.len() + 1 + p.len())
            .unwrap_or_default()
            .to_string(),
        signature,
    })
}

/// Why a decoded JWS does not verify under a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwsVerifyError {
    /// The header has no string `alg`.
    #[error("header has no alg")]
    AlgMissing,
    /// `none` or a MAC algorithm: never acceptable.
    #[error("header alg {0} is forbidden")]
    AlgForbidden(Alg),
    /// `EdDSA` where fully-specified algorithms are required.
    #[error("header alg {0} is polymorphic")]
    AlgPolymorphic(Alg),
    /// The header names another algorithm than the key's.
    #[error("header alg {header} does not match the key's {key}")]
    AlgMismatch {
        /// What the header says.
        header: Alg,
        /// What the key is for.
        key: Alg,
    },
    /// The signature itself fails.
    #[error("signature: {0}")]
    Signature(SignatureCheckError),
}

/// Verify under AAuth -10/-11 rules (fully-specified header `alg` only).
pub fn verify(decoded: &DecodedJws, key: &PublicKey) -> Result<(), JwsVerifyError> {
    verify_with(decoded, key, JwkRules::FULLY_SPECIFIED)
}

/// Verify with explicit rules: legacy rules also accept header `alg` `EdDSA` for an Ed25519
/// key.
pub fn verify_with(
    decoded: &DecodedJws,
    key: &PublicKey,
    rules: JwkRules,
) -> Result<(), JwsVerifyError> {
    check_header_alg(decoded.header(), key, rules)?;
    key.verify(decoded.signing_input().as_bytes(), decoded.signature())
        .map_err(JwsVerifyError::Signature)
}

/// The header `alg`, unless it is absent or of a class no key could make acceptable (`none`,
/// MACs, and `EdDSA` unless `rules` allow it). Usable before any key is fetched.
pub fn acceptable_header_alg(header: &JwsHeader, rules: JwkRules) -> Result<Alg, JwsVerifyError> {
    let alg = header.alg().ok_or(JwsVerifyError::AlgMissing)?;
    if alg == Alg::NONE || alg.is_symmetric() {
        return Err(JwsVerifyError::AlgForbidden(alg));
    }
    if alg == Alg::EDDSA && !rules.polymorphic_eddsa_allowed {
        return Err(JwsVerifyError::AlgPolymorphic(alg));
    }
    Ok(alg)
}

/// The header-`alg` half of verification: acceptable, and the key's algorithm.
pub fn check_header_alg(
    header: &JwsHeader,
    key: &PublicKey,
    rules: JwkRules,
) -> Result<(), JwsVerifyError> {
    let alg = acceptable_header_alg(header, rules)?;
    if alg == Alg::EDDSA && matches!(key, PublicKey::Ed25519(_)) {
        return Ok(());
    }
    if alg != key.alg() {
        return Err(JwsVerifyError::AlgMismatch {
            header: alg,
            key: key.alg(),
        });
    }
    Ok(())
}

fn assemble(header: &[u8], payload: &[u8], signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64::encode(header),
        b64::encode(payload),
        b64::encode(signature)
    )
}

/// Sign exactly these header and payload texts with `key` (no check that the header `alg`
/// matches the key: callers wanting a mismatch pass one).
pub fn sign(header_json: &str, payload_json: &str, key: &SigningKey) -> String {
    sign_bytes(header_json.as_bytes(), payload_json.as_bytes(), key)
}

/// Sign exactly these header and payload bytes with `key`.
pub fn sign_bytes(header: &[u8], payload: &[u8], key: &SigningKey) -> String {
    let input = format!("{}.{}", b64::encode(header), b64::encode(payload));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64::encode(sig))
}

/// Sign a header (serialised compactly, in member order) and payload bytes.
pub fn sign_header(header: &JwsHeader, payload: &[u8], key: &SigningKey) -> String {
    sign_bytes(header.to_json().as_bytes(), payload, key)
}

/// Negative: sign with `key` but set the header `alg` to `alg` first.
pub fn sign_with_header_alg(
    header: &JwsHeader,
    payload: &[u8],
    key: &SigningKey,
    alg: &Alg,
) -> String {
    let mut h = header.clone();
    h.set("alg", alg.as_str());
    sign_header(&h, payload, key)
}

/// Negative: an unsecured JWS (`alg` `none`, empty signature segment), other header members
/// kept.
pub fn unsigned_none(header: &JwsHeader, payload: &[u8]) -> String {
    let mut h = header.clone();
    h.set("alg", Alg::NONE.as_str());
    assemble(h.to_json().as_bytes(), payload, &[])
}

/// Negative: header and payload with arbitrary signature bytes.
pub fn with_raw_signature(header: &[u8], payload: &[u8], signature: &[u8]) -> String {
    assemble(header, payload, signature)
}

/// The three JOSE MAC algorithms, used only to build tokens that must be refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HmacAlg {
    /// HMAC SHA-256.
    Hs256,
    /// HMAC SHA-384.
    Hs384,
    /// HMAC SHA-512.
    Hs512,
}

impl HmacAlg {
    /// The JOSE identifier.
    pub fn alg(self) -> Alg {
        match self {
            HmacAlg::Hs256 => Alg::HS256,
            HmacAlg::Hs384 => Alg::HS384,
            HmacAlg::Hs512 => Alg::HS512,
        }
    }

    fn ring(self) -> ring::hmac::Algorithm {
        match self {
            HmacAlg::Hs256 => ring::hmac::HMAC_SHA256,
            HmacAlg::Hs384 => ring::hmac::HMAC_SHA384,
            HmacAlg::Hs512 => ring::hmac::HMAC_SHA512,
        }
    }
}

/// Negative: a MAC-"signed" JWS keyed with arbitrary bytes (classically the issuer's public
/// key, for the key-confusion attack). The header `alg` is set to the MAC's identifier.
pub fn sign_hmac(alg: HmacAlg, header: &JwsHeader, payload: &[u8], secret: &[u8]) -> String {
    let mut h = header.clone();
    h.set("alg", alg.alg().as_str());
    let input = format!(
        "{}.{}",
        b64::encode(h.to_json().as_bytes()),
        b64::encode(payload)
    );
    let key = ring::hmac::Key::new(alg.ring(), secret);
    let tag = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64::encode(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ed() -> SigningKey {
        SigningKey::from_seed(&Alg::ED25519, [4; 32]).unwrap()
    }

    fn es() -> SigningKey {
        SigningKey::from_seed(&Alg::ES256, [5; 32]).unwrap()
    }

    #[test]
    fn signed_tokens_verify_and_keep_exact_bytes() {
        for key in [ed(), es()] {
            let header = format!(r#"{{"alg":"{}", "typ":"x","zz":[1]}}"#, key.alg());
            let payload = r#"{"b":1,  "a":2}"#;
            let t = sign(&header, payload, &key);
            let d = decode(&t).unwrap();
            assert_eq!(d.header_bytes(), header.as_bytes());
            assert_eq!(d.payload(), payload.as_bytes());
            assert_eq!(d.header().typ(), Some("x"));
            assert_eq!(d.header().get("zz"), Some(&serde_json::json!([1])));
            assert_eq!(
                d.signing_input(),
                t.rsplit_once('.').unwrap().0,
                "signing input is the exact prefix"
            );
            assert_eq!(verify(&d, &key.public_key()), Ok(()));
        }
    }

    #[test]
    fn eddsa_header_is_rejected_unless_legacy() {
        let key = ed();
        let t = sign(r#"{"alg":"EdDSA"}"#, "{}", &key);
        let d = decode(&t).unwrap();
        assert_eq!(
            verify(&d, &key.public_key()),
            Err(JwsVerifyError::AlgPolymorphic(Alg::EDDSA))
        );
        assert_eq!(verify_with(&d, &key.public_key(), JwkRules::LEGACY), Ok(()));
        // Even legacy rules never take EdDSA for a P-256 key.
        let t = sign(r#"{"alg":"EdDSA"}"#, "{}", &es());
        assert!(matches!(
            verify_with(&decode(&t).unwrap(), &es().public_key(), JwkRules::LEGACY),
            Err(JwsVerifyError::AlgMismatch { .. })
        ));
    }

    #[test]
    fn hmac_tokens_never_verify_even_keyed_with_the_public_key() {
        let key = ed();
        let pk = key.public_key().to_bytes();
        let header = JwsHeader::new(&Alg::ED25519).with_typ("aa-agent+jwt");
        for mac in [HmacAlg::Hs256, HmacAlg::Hs384, HmacAlg::Hs512] {
            let t = sign_hmac(mac, &header, b"{}", &pk);
            let d = decode(&t).unwrap();
            assert_eq!(d.header().alg(), Some(mac.alg()));
            assert_eq!(d.header().typ(), Some("aa-agent+jwt"));
            for rules in [JwkRules::FULLY_SPECIFIED, JwkRules::LEGACY] {
                assert_eq!(
                    verify_with(&d, &key.public_key(), rules),
                    Err(JwsVerifyError::AlgForbidden(mac.alg()))
                );
            }
            // And the MAC itself is right, so the refusal is about the algorithm.
            let k = ring::hmac::Key::new(mac.ring(), &pk);
            assert!(ring::hmac::verify(&k, d.signing_input().as_bytes(), d.signature()).is_ok());
        }
    }

    #[test]
    fn unsigned_none_never_verifies() {
        let t = unsigned_none(&JwsHeader::new(&Alg::ED25519).with_kid("k"), b"{}");
        assert!(t.ends_with('.'));
        let d = decode(&t).unwrap();
        assert_eq!(d.header().alg(), Some(Alg::NONE));
        assert_eq!(d.header().kid(), Some("k"));
        assert!(d.signature().is_empty());
        assert_eq!(
            verify(&d, &ed().public_key()),
            Err(JwsVerifyError::AlgForbidden(Alg::NONE))
        );
    }

    #[test]
    fn header_alg_other_than_the_key_is_refused() {
        let t = sign_with_header_alg(&JwsHeader::new(&Alg::ED25519), b"{}", &ed(), &Alg::ES256);
        let d = decode(&t).unwrap();
        assert_eq!(
            verify(&d, &ed().public_key()),
            Err(JwsVerifyError::AlgMismatch {
                header: Alg::ES256,
                key: Alg::ED25519
            })
        );
        let t = sign(r#"{"typ":"x"}"#, "{}", &ed());
        assert_eq!(
            verify(&decode(&t).unwrap(), &ed().public_key()),
            Err(JwsVerifyError::AlgMissing)
        );
    }

    #[test]
    fn raw_signatures_are_carried_and_fail_verification() {
        let t = with_raw_signature(br#"{"alg":"Ed25519"}"#, b"{}", &[0u8; 64]);
        let d = decode(&t).unwrap();
        assert_eq!(d.signature(), &[0u8; 64]);
        assert_eq!(
            verify(&d, &ed().public_key()),
            Err(JwsVerifyError::Signature(SignatureCheckError::Mismatch))
        );
        let t = with_raw_signature(br#"{"alg":"Ed25519"}"#, b"{}", &[0u8; 10]);
        assert_eq!(
            verify(&decode(&t).unwrap(), &ed().public_key()),
            Err(JwsVerifyError::Signature(SignatureCheckError::Malformed))
        );
    }

    #[test]
    fn decode_errors_are_typed() {
        assert_eq!(
            decode("a.b"),
            Err(JwsDecodeError::SegmentCount { found: 2 })
        );
        assert_eq!(
            decode("a.b.c.d"),
            Err(JwsDecodeError::SegmentCount { found: 4 })
        );
        assert_eq!(decode(""), Err(JwsDecodeError::SegmentCount { found: 1 }));
        assert!(matches!(
            decode("e30=.e30.AA"),
            Err(JwsDecodeError::Base64 {
                segment: Segment::Header,
                error: B64Error::Padding { .. }
            })
        ));
        assert!(matches!(
            decode("e30.e3+.AA"),
            Err(JwsDecodeError::Base64 {
                segment: Segment::Payload,
                ..
            })
        ));
        assert!(matches!(
            decode("e30.e30.A"),
            Err(JwsDecodeError::Base64 {
                segment: Segment::Signature,
                ..
            })
        ));
        let h = |json: &str| format!("{}.e30.", b64::encode(json));
        assert!(matches!(
            decode(&h("{")),
            Err(JwsDecodeError::Header(JsonObjectError::NotJson(_)))
        ));
        assert_eq!(
            decode(&h("[]")),
            Err(JwsDecodeError::Header(JsonObjectError::NotObject))
        );
        assert_eq!(
            decode(&h(r#"{"alg":"Ed25519","alg":"none"}"#)),
            Err(JwsDecodeError::Header(JsonObjectError::DuplicateMember(
                "alg".into()
            )))
        );
        assert!(matches!(
            decode(&format!("{}.e30.", b64::encode([0xff, 0xfe]))),
            Err(JwsDecodeError::Header(JsonObjectError::NotJson(_)))
        ));
    }

    #[test]
    fn payload_object_refuses_duplicates_and_non_objects() {
        let t = with_raw_signature(b"{}", br#"{"a":1,"a":2}"#, b"");
        assert_eq!(
            decode(&t).unwrap().payload_object(),
            Err(JsonObjectError::DuplicateMember("a".into()))
        );
        let t = with_raw_signature(b"{}", b"Example", b"");
        assert!(matches!(
            decode(&t).unwrap().payload_object(),
            Err(JsonObjectError::NotJson(_))
        ));
    }
}
