//! JSON Web Keys (RFC 7517) as AAuth conveys them: in `cnf.jwk`, in JWKS documents, and in
//! `hwk` parameters.
//!
//! A [`Jwk`] keeps every member it was given, in order, whatever its type, so that a key the
//! harness received can be shown and re-sent exactly, and a key the harness builds can carry
//! any deviation a negative case wants. Turning it into a usable [`PublicKey`] is a separate,
//! fallible step, [`Jwk::to_public_key`], which applies the Algorithm Determination rules
//! (SK-08 §3.3, AAuth "Signature Algorithms") selected by [`JwkRules`]:
//!
//! 1. the members read here (`kty`, `crv`, `alg`, `x`, `y`, `n`, `e`) must be strings;
//! 2. `kty` must be present; `kty` `oct` (a shared secret) is forbidden;
//! 3. `alg` must be present (legacy rules: may be absent for an Ed25519 or P-256 key) and
//!    must not be `none` or `HS*`, nor polymorphic `EdDSA` (allowed by legacy rules);
//! 4. `kty`, and `crv` where present, must agree with `alg`;
//! 5. the members the key type needs must be present (structural completeness);
//! 6. the key type and algorithm must be ones the harness implements (`Ed25519`, `ES256`);
//! 7. the key material must decode: canonical base64url, right length, a valid point.
//!
//! The algorithm is taken from `alg` only and never inferred from `kty`/`crv`, except under
//! the legacy rules, which model drafts where `alg` was optional.

use crate::jose::alg::Alg;
use crate::jose::b64::{self, B64LengthError};
use crate::jose::key::{PublicKey, SigningKey};
use crate::profile::Profile;
use crate::wire::signature_error::SignatureErrorCode;
use serde_json::{Map, Value};

/// A JWK with every member preserved in its original order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Jwk {
    members: Map<String, Value>,
}

/// The JSON was not a JWK-shaped object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwkShapeError {
    /// Not JSON at all.
    #[error("JWK is not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("JWK is not a JSON object")]
    NotObject,
}

/// Which Algorithm Determination rules apply: fully specified (AAuth -10 and later) or the
/// looser legacy ones (drafts -06 to -09).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JwkRules {
    /// A key without `alg` is unusable.
    pub alg_required: bool,
    /// `alg` `EdDSA` is accepted for an Ed25519 key.
    pub polymorphic_eddsa_allowed: bool,
}

impl Default for JwkRules {
    /// The current drafts' rules.
    fn default() -> Self {
        JwkRules::FULLY_SPECIFIED
    }
}

impl JwkRules {
    /// AAuth -10/-11 with SK-08: `alg` required, `EdDSA` rejected.
    pub const FULLY_SPECIFIED: JwkRules = JwkRules {
        alg_required: true,
        polymorphic_eddsa_allowed: false,
    };
    /// Drafts -06 to -09: `alg` optional, `EdDSA` accepted.
    pub const LEGACY: JwkRules = JwkRules {
        alg_required: false,
        polymorphic_eddsa_allowed: true,
    };

    /// The rules a profile's verifiers apply.
    pub fn for_profile(profile: Profile) -> JwkRules {
        if profile.fully_specified_algs() {
            JwkRules::FULLY_SPECIFIED
        } else {
            JwkRules::LEGACY
        }
    }
}

/// Why a key is forbidden outright, whatever the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForbiddenKey {
    /// `kty` `oct`: a shared secret, not a public key.
    SymmetricKeyType,
    /// `alg` `none` or a MAC (`HS256`, `HS384`, `HS512`).
    Alg(Alg),
}

/// Why key material that is structurally complete still does not form a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyMaterialError {
    /// Not canonical base64url, or the wrong number of bytes.
    #[error(transparent)]
    Encoding(#[from] B64LengthError),
    /// Decodes, but is not a valid point on the curve.
    #[error("not a valid point on the curve")]
    NotAPoint,
}

/// Why a JWK cannot be used as a verification key. Each variant is one rule of the module
/// documentation; [`JwkError::signature_error_code`] gives the `Signature-Error` code a
/// verifier answers with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwkError {
    /// A member that must be a string has another JSON type.
    #[error("JWK member {member:?} is not a string")]
    MemberNotString {
        /// Member name.
        member: &'static str,
    },
    /// A member required for the key type (or `kty` itself) is absent.
    #[error("JWK is structurally incomplete: {member:?} missing")]
    Incomplete {
        /// The first missing member.
        member: &'static str,
    },
    /// `alg` is absent and the rules require it.
    #[error("JWK has no alg")]
    AlgMissing,
    /// `alg` is polymorphic (`EdDSA`) and the rules require a fully-specified one.
    #[error("JWK alg {0} is polymorphic, not fully specified")]
    PolymorphicAlg(Alg),
    /// `none`, a MAC algorithm, or a symmetric key type.
    #[error("JWK is forbidden: {0:?}")]
    Forbidden(ForbiddenKey),
    /// `kty` is not the key type `alg` needs.
    #[error("JWK kty {kty:?} disagrees with alg {alg}")]
    KtyMismatch {
        /// The key type sent.
        kty: String,
        /// The algorithm sent.
        alg: Alg,
    },
    /// `crv` is not the curve `alg` needs.
    #[error("JWK crv {crv:?} disagrees with alg {alg}")]
    CrvMismatch {
        /// The curve sent.
        crv: String,
        /// The algorithm sent.
        alg: Alg,
    },
    /// The key type is one the harness does not implement (RSA, AKP, unknown).
    #[error("JWK kty {0:?} is not implemented")]
    UnimplementedKty(String),
    /// The algorithm is one the harness does not implement (ES384, ES512, unknown).
    #[error("JWK alg {0} is not implemented")]
    UnimplementedAlg(Alg),
    /// The members are there but do not form a key.
    #[error("JWK member {member:?} is not valid key material: {problem}")]
    InvalidMaterial {
        /// The member at fault (`x` or `y`).
        member: &'static str,
        /// What is wrong with it.
        problem: KeyMaterialError,
    },
}

impl JwkError {
    /// The `Signature-Error` code for this failure (requirements §2.4): algorithm problems are
    /// `unsupported_algorithm`, key problems are `invalid_key`.
    pub fn signature_error_code(&self) -> SignatureErrorCode {
        match self {
            JwkError::AlgMissing
            | JwkError::PolymorphicAlg(_)
            | JwkError::Forbidden(_)
            | JwkError::UnimplementedKty(_)
            | JwkError::UnimplementedAlg(_) => SignatureErrorCode::UNSUPPORTED_ALGORITHM,
            JwkError::MemberNotString { .. }
            | JwkError::Incomplete { .. }
            | JwkError::KtyMismatch { .. }
            | JwkError::CrvMismatch { .. }
            | JwkError::InvalidMaterial { .. } => SignatureErrorCode::INVALID_KEY,
        }
    }

    /// True when the failure is that the JWK lacks a member its key type needs (checked
    /// before any decoding, as the auth-token recipe orders it).
    pub fn is_structural(&self) -> bool {
        matches!(
            self,
            JwkError::Incomplete { .. } | JwkError::MemberNotString { .. }
        )
    }
}

/// The members whose string type [`Jwk::to_public_key`] relies on.
const STRING_MEMBERS: [&str; 7] = ["kty", "crv", "alg", "x", "y", "n", "e"];

/// Members a key type needs, in the order they are reported missing.
fn required_members(kty: &str) -> &'static [&'static str] {
    match kty {
        "OKP" => &["crv", "x"],
        "EC" => &["crv", "x", "y"],
        "RSA" => &["n", "e"],
        "AKP" => &["pub"],
        _ => &[],
    }
}

impl Jwk {
    /// A JWK from members already parsed.
    pub fn from_map(members: Map<String, Value>) -> Self {
        Jwk { members }
    }

    /// A JWK from a JSON value, which must be an object.
    pub fn from_value(value: Value) -> Result<Self, JwkShapeError> {
        match value {
            Value::Object(members) => Ok(Jwk { members }),
            _ => Err(JwkShapeError::NotObject),
        }
    }

    /// Parse a JWK from JSON text.
    pub fn parse(json: &str) -> Result<Self, JwkShapeError> {
        let v: Value =
            serde_json::from_str(json).map_err(|e| JwkShapeError::NotJson(e.to_string()))?;
        Self::from_value(v)
    }

    /// The JWK for a harness key, with `alg` (fully specified) and optionally `kid`, members
    /// in the order `kty`, `crv`, `x`, (`y`), `alg`, (`kid`).
    pub fn from_public(key: &PublicKey, kid: Option<&str>) -> Self {
        Self::from_public_with_alg(key, Some(&key.alg()), kid)
    }

    /// The JWK for a harness key with any `alg` (or none): the builder for negative cases and
    /// for the legacy profile.
    pub fn from_public_with_alg(key: &PublicKey, alg: Option<&Alg>, kid: Option<&str>) -> Self {
        let mut m = Map::new();
        match key {
            PublicKey::Ed25519(x) => {
                m.insert("kty".into(), "OKP".into());
                m.insert("crv".into(), "Ed25519".into());
                m.insert("x".into(), b64::encode(x).into());
            }
            PublicKey::Es256 { x, y } => {
                m.insert("kty".into(), "EC".into());
                m.insert("crv".into(), "P-256".into());
                m.insert("x".into(), b64::encode(x).into());
                m.insert("y".into(), b64::encode(y).into());
            }
        }
        if let Some(alg) = alg {
            m.insert("alg".into(), alg.as_str().into());
        }
        if let Some(kid) = kid {
            m.insert("kid".into(), kid.into());
        }
        Jwk { members: m }
    }

    /// The JWK a party speaking `profile` publishes for its key: fully specified `alg` from
    /// -10 on; under the legacy profile an Ed25519 key says `EdDSA`, as those drafts did.
    pub fn for_profile(key: &PublicKey, profile: Profile, kid: Option<&str>) -> Self {
        let alg = match key {
            PublicKey::Ed25519(_) if !profile.fully_specified_algs() => Alg::EDDSA,
            _ => key.alg(),
        };
        Self::from_public_with_alg(key, Some(&alg), kid)
    }

    /// The private JWK (public members plus `d`), for writing vectors and key files.
    pub fn from_signing_key(key: &SigningKey, kid: Option<&str>) -> Self {
        let mut jwk = Self::from_public(&key.public_key(), kid);
        jwk.members
            .insert("d".into(), b64::encode(key.secret_bytes()).into());
        jwk
    }

    /// Every member, in order.
    pub fn members(&self) -> &Map<String, Value> {
        &self.members
    }

    /// Every member, for deliberate editing.
    pub fn members_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.members
    }

    /// The members, consumed.
    pub fn into_map(self) -> Map<String, Value> {
        self.members
    }

    /// The JSON value of this JWK.
    pub fn to_value(&self) -> Value {
        Value::Object(self.members.clone())
    }

    /// Compact JSON, members in order.
    pub fn to_json(&self) -> String {
        Value::Object(self.members.clone()).to_string()
    }

    /// Any member.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }

    /// A member's value when it is a string (absent or another type: `None`).
    pub fn str_member(&self, name: &str) -> Option<&str> {
        self.members.get(name).and_then(Value::as_str)
    }

    /// Set a member (replacing in place, or appending).
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.members.insert(name.to_string(), value.into());
    }

    /// Remove a member, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.members.shift_remove(name)
    }

    /// `kty` when a string.
    pub fn kty(&self) -> Option<&str> {
        self.str_member("kty")
    }

    /// `crv` when a string.
    pub fn crv(&self) -> Option<&str> {
        self.str_member("crv")
    }

    /// `alg` when a string.
    pub fn alg(&self) -> Option<Alg> {
        self.str_member("alg").map(Alg::new)
    }

    /// `kid` when a string.
    pub fn kid(&self) -> Option<&str> {
        self.str_member("kid")
    }

    /// `x` when a string.
    pub fn x(&self) -> Option<&str> {
        self.str_member("x")
    }

    /// `y` when a string.
    pub fn y(&self) -> Option<&str> {
        self.str_member("y")
    }

    /// `n` when a string.
    pub fn n(&self) -> Option<&str> {
        self.str_member("n")
    }

    /// `e` when a string.
    pub fn e(&self) -> Option<&str> {
        self.str_member("e")
    }

    /// Apply the Algorithm Determination rules and decode the key (see the module docs for
    /// the order of checks).
    pub fn to_public_key(&self, rules: JwkRules) -> Result<PublicKey, JwkError> {
        Jwk::key_from_members(&self.members, rules)
    }

    /// [`Jwk::to_public_key`] on JWK members held elsewhere (a token's `cnf.jwk`, say), read
    /// in place rather than copied into a [`Jwk`] first.
    pub fn key_from_members(
        members: &Map<String, Value>,
        rules: JwkRules,
    ) -> Result<PublicKey, JwkError> {
        Members(members).to_public_key(rules)
    }
}

/// The members of a JWK, borrowed: what [`Jwk::to_public_key`] reads.
#[derive(Clone, Copy)]
struct Members<'a>(&'a Map<String, Value>);

impl<'a> Members<'a> {
    fn str_member(self, name: &str) -> Option<&'a str> {
        self.0.get(name).and_then(Value::as_str)
    }

    fn to_public_key(self, rules: JwkRules) -> Result<PublicKey, JwkError> {
        for member in STRING_MEMBERS {
            if matches!(self.0.get(member), Some(v) if !v.is_string()) {
                return Err(JwkError::MemberNotString { member });
            }
        }
        let kty = self
            .str_member("kty")
            .ok_or(JwkError::Incomplete { member: "kty" })?;
        if kty == "oct" {
            return Err(JwkError::Forbidden(ForbiddenKey::SymmetricKeyType));
        }
        let alg = self.effective_alg(kty, rules)?;
        if let Some(want) = alg.key_type() {
            if want != kty {
                return Err(JwkError::KtyMismatch {
                    kty: kty.to_string(),
                    alg,
                });
            }
        }
        if let (Some(crv), Some(want)) = (self.str_member("crv"), alg.curve()) {
            if crv != want {
                return Err(JwkError::CrvMismatch {
                    crv: crv.to_string(),
                    alg,
                });
            }
        }
        for &member in required_members(kty) {
            if !self.0.contains_key(member) {
                return Err(JwkError::Incomplete { member });
            }
        }
        match kty {
            "OKP" | "EC" => {}
            other => return Err(JwkError::UnimplementedKty(other.to_string())),
        }
        if !alg.is_implemented() {
            return Err(JwkError::UnimplementedAlg(alg));
        }
        self.decode_material(&alg)
    }

    /// The algorithm the key is for, after the `alg` rules (steps 3 of the module docs).
    fn effective_alg(self, kty: &str, rules: JwkRules) -> Result<Alg, JwkError> {
        let crv = self.str_member("crv");
        let alg = match self.str_member("alg").map(Alg::new) {
            Some(alg) => alg,
            None if rules.alg_required => return Err(JwkError::AlgMissing),
            // Legacy drafts let `kty`/`crv` stand in for `alg` for the two key types that
            // pin an algorithm.
            None => match (kty, crv) {
                ("OKP", Some("Ed25519")) => Alg::ED25519,
                ("EC", Some("P-256")) => Alg::ES256,
                _ => return Err(JwkError::AlgMissing),
            },
        };
        if alg == Alg::NONE || alg.is_symmetric() {
            return Err(JwkError::Forbidden(ForbiddenKey::Alg(alg)));
        }
        if alg == Alg::EDDSA {
            if !rules.polymorphic_eddsa_allowed {
                return Err(JwkError::PolymorphicAlg(alg));
            }
            // Legacy: EdDSA on an Ed25519 key means Ed25519; on Ed448 it is unimplemented.
            return Ok(match crv {
                Some("Ed448") => Alg::new("Ed448"),
                _ => Alg::ED25519,
            });
        }
        Ok(alg)
    }

    fn decode_material(self, alg: &Alg) -> Result<PublicKey, JwkError> {
        let coord = |member: &'static str| -> Result<[u8; 32], JwkError> {
            let s = self.str_member(member).unwrap_or_default();
            b64::decode_exact::<32>(s).map_err(|e| JwkError::InvalidMaterial {
                member,
                problem: e.into(),
            })
        };
        if *alg == Alg::ED25519 {
            let x = coord("x")?;
            // Decompressed once, here; the key keeps the point for every verification.
            PublicKey::ed25519_from_bytes(&x).map_err(|_| JwkError::InvalidMaterial {
                member: "x",
                problem: KeyMaterialError::NotAPoint,
            })
        } else {
            let x = coord("x")?;
            let y = coord("y")?;
            let mut sec1 = [0u8; 65];
            sec1[0] = 0x04;
            sec1[1..33].copy_from_slice(&x);
            sec1[33..].copy_from_slice(&y);
            p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| JwkError::InvalidMaterial {
                member: "y",
                problem: KeyMaterialError::NotAPoint,
            })?;
            Ok(PublicKey::Es256 { x, y })
        }
    }
}

impl serde::Serialize for Jwk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.members.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Jwk {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Map::deserialize(d).map(Jwk::from_map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STRICT: JwkRules = JwkRules::FULLY_SPECIFIED;

    fn ed_key() -> PublicKey {
        SigningKey::from_seed(&Alg::ED25519, [1; 32])
            .unwrap()
            .public_key()
    }

    fn ec_key() -> PublicKey {
        SigningKey::from_seed(&Alg::ES256, [2; 32])
            .unwrap()
            .public_key()
    }

    fn jwk(v: Value) -> Jwk {
        Jwk::from_value(v).unwrap()
    }

    #[test]
    fn harness_keys_round_trip_through_their_jwk() {
        for key in [ed_key(), ec_key()] {
            let j = Jwk::from_public(&key, Some("k1"));
            assert_eq!(j.alg(), Some(key.alg()));
            assert_eq!(j.kid(), Some("k1"));
            assert_eq!(j.to_public_key(STRICT), Ok(key.clone()));
            let reparsed = Jwk::parse(&j.to_json()).unwrap();
            assert_eq!(reparsed, j);
        }
    }

    #[test]
    fn member_order_matches_the_published_aauth_examples() {
        let j = Jwk::from_public(&ed_key(), Some("ap-key-1"));
        let names: Vec<&str> = j.members().keys().map(String::as_str).collect();
        assert_eq!(names, ["kty", "crv", "x", "alg", "kid"]);
        let j = Jwk::from_public(&ec_key(), None);
        let names: Vec<&str> = j.members().keys().map(String::as_str).collect();
        assert_eq!(names, ["kty", "crv", "x", "y", "alg"]);
    }

    #[test]
    fn unknown_members_are_kept_in_order() {
        let j = Jwk::parse(r#"{"zz":1,"kty":"OKP","use":"sig","crv":"Ed25519"}"#).unwrap();
        assert_eq!(
            j.to_json(),
            r#"{"zz":1,"kty":"OKP","use":"sig","crv":"Ed25519"}"#
        );
    }

    #[test]
    fn jwk_without_alg_is_unsupported_algorithm() {
        let mut j = Jwk::from_public(&ed_key(), None);
        j.remove("alg");
        let err = j.to_public_key(STRICT).unwrap_err();
        assert_eq!(err, JwkError::AlgMissing);
        assert_eq!(
            err.signature_error_code(),
            SignatureErrorCode::UNSUPPORTED_ALGORITHM
        );
        // Legacy drafts allowed it.
        assert_eq!(j.to_public_key(JwkRules::LEGACY), Ok(ed_key()));
    }

    #[test]
    fn polymorphic_eddsa_is_rejected_unless_legacy() {
        let j = Jwk::from_public_with_alg(&ed_key(), Some(&Alg::EDDSA), None);
        let err = j.to_public_key(STRICT).unwrap_err();
        assert_eq!(err, JwkError::PolymorphicAlg(Alg::EDDSA));
        assert_eq!(
            err.signature_error_code(),
            SignatureErrorCode::UNSUPPORTED_ALGORITHM
        );
        assert_eq!(j.to_public_key(JwkRules::LEGACY), Ok(ed_key()));
        assert_eq!(
            Jwk::for_profile(&ed_key(), Profile::Legacy, None).alg(),
            Some(Alg::EDDSA)
        );
    }

    #[test]
    fn okp_key_labelled_es256_is_invalid_key() {
        let j = Jwk::from_public_with_alg(&ed_key(), Some(&Alg::ES256), None);
        let err = j.to_public_key(STRICT).unwrap_err();
        assert!(matches!(err, JwkError::KtyMismatch { ref kty, .. } if kty == "OKP"));
        assert_eq!(err.signature_error_code(), SignatureErrorCode::INVALID_KEY);
    }

    #[test]
    fn curve_disagreeing_with_alg_is_invalid_key() {
        let mut j = Jwk::from_public(&ec_key(), None);
        j.set("crv", "P-384");
        let err = j.to_public_key(STRICT).unwrap_err();
        assert!(matches!(err, JwkError::CrvMismatch { .. }));
        assert_eq!(err.signature_error_code(), SignatureErrorCode::INVALID_KEY);
        let mut j = Jwk::from_public(&ed_key(), None);
        j.set("crv", "X25519");
        assert!(matches!(
            j.to_public_key(STRICT),
            Err(JwkError::CrvMismatch { .. })
        ));
    }

    #[test]
    fn none_hmac_and_oct_are_forbidden() {
        for alg in ["none", "HS256", "HS384", "HS512"] {
            let j = Jwk::from_public_with_alg(&ed_key(), Some(&Alg::new(alg)), None);
            for rules in [STRICT, JwkRules::LEGACY] {
                assert_eq!(
                    j.to_public_key(rules),
                    Err(JwkError::Forbidden(ForbiddenKey::Alg(Alg::new(alg))))
                );
            }
        }
        let j = jwk(json!({"kty":"oct","k":"c2VjcmV0","alg":"HS256"}));
        assert_eq!(
            j.to_public_key(STRICT),
            Err(JwkError::Forbidden(ForbiddenKey::SymmetricKeyType))
        );
    }

    #[test]
    fn unimplemented_key_types_and_algorithms_are_unsupported_algorithm() {
        let akp = jwk(json!({"kty":"AKP","alg":"ML-DSA-65","pub":"AAAA"}));
        let err = akp.to_public_key(STRICT).unwrap_err();
        assert_eq!(err, JwkError::UnimplementedKty("AKP".into()));
        assert_eq!(
            err.signature_error_code(),
            SignatureErrorCode::UNSUPPORTED_ALGORITHM
        );
        let rsa = jwk(json!({"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}));
        assert_eq!(
            rsa.to_public_key(STRICT),
            Err(JwkError::UnimplementedKty("RSA".into()))
        );
        let es512 = jwk(json!({"kty":"EC","crv":"P-521","alg":"ES512","x":"AA","y":"AA"}));
        assert_eq!(
            es512.to_public_key(STRICT),
            Err(JwkError::UnimplementedAlg(Alg::ES512))
        );
        let mut unknown = Jwk::from_public(&ed_key(), None);
        unknown.set("alg", "zz-new");
        assert_eq!(
            unknown.to_public_key(STRICT),
            Err(JwkError::UnimplementedAlg(Alg::new("zz-new")))
        );
    }

    #[test]
    fn structurally_incomplete_keys_name_the_missing_member() {
        for (drop, member) in [("kty", "kty"), ("crv", "crv"), ("x", "x")] {
            let mut j = Jwk::from_public(&ed_key(), None);
            j.remove(drop);
            let err = j.to_public_key(STRICT).unwrap_err();
            assert_eq!(err, JwkError::Incomplete { member }, "dropping {drop}");
            assert_eq!(err.signature_error_code(), SignatureErrorCode::INVALID_KEY);
            assert!(err.is_structural());
        }
        let mut j = Jwk::from_public(&ec_key(), None);
        j.remove("y");
        assert_eq!(
            j.to_public_key(STRICT),
            Err(JwkError::Incomplete { member: "y" })
        );
        let rsa = jwk(json!({"kty":"RSA","alg":"PS256","e":"AQAB"}));
        assert_eq!(
            rsa.to_public_key(STRICT),
            Err(JwkError::Incomplete { member: "n" })
        );
    }

    #[test]
    fn bad_key_material_is_invalid_key() {
        let mut j = Jwk::from_public(&ed_key(), None);
        j.set("x", b64::encode([7u8; 31]));
        let err = j.to_public_key(STRICT).unwrap_err();
        assert!(matches!(
            err,
            JwkError::InvalidMaterial {
                member: "x",
                problem: KeyMaterialError::Encoding(B64LengthError::WrongLength {
                    want: 32,
                    got: 31
                })
            }
        ));
        assert_eq!(err.signature_error_code(), SignatureErrorCode::INVALID_KEY);

        let mut j = Jwk::from_public(&ed_key(), None);
        j.set("x", "not base64!");
        assert!(matches!(
            j.to_public_key(STRICT),
            Err(JwkError::InvalidMaterial { member: "x", .. })
        ));

        // A P-256 point with y changed is no longer on the curve.
        let mut j = Jwk::from_public(&ec_key(), None);
        let PublicKey::Es256 { mut y, .. } = ec_key() else {
            unreachable!()
        };
        y[31] ^= 1;
        j.set("y", b64::encode(y));
        assert_eq!(
            j.to_public_key(STRICT),
            Err(JwkError::InvalidMaterial {
                member: "y",
                problem: KeyMaterialError::NotAPoint
            })
        );
    }

    #[test]
    fn non_string_members_are_invalid_key() {
        let mut j = Jwk::from_public(&ed_key(), None);
        j.set("alg", 5);
        assert_eq!(
            j.to_public_key(STRICT),
            Err(JwkError::MemberNotString { member: "alg" })
        );
    }

    #[test]
    fn shape_errors_are_typed() {
        assert_eq!(Jwk::parse("[1]"), Err(JwkShapeError::NotObject));
        assert!(matches!(Jwk::parse("{"), Err(JwkShapeError::NotJson(_))));
    }

    #[test]
    fn private_jwk_carries_d() {
        let sk = SigningKey::from_seed(&Alg::ED25519, [9; 32]).unwrap();
        let j = Jwk::from_signing_key(&sk, None);
        assert_eq!(j.str_member("d"), Some(b64::encode([9u8; 32]).as_str()));
    }
}
