//! JOSE algorithm identifiers as an open newtype: values the suite does not implement, and
//! values an implementation sends that nobody registered, are kept verbatim (case-sensitive,
//! RFC 7518 §3.1) so the fuzzer can send them and reports can show them.

use std::borrow::Cow;

/// A JOSE `alg` value, e.g. `Ed25519`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Alg(Cow<'static, str>);

impl Alg {
    /// Ed25519, fully specified (RFC 9864). Required by AAuth -10 and later.
    pub const ED25519: Alg = Alg(Cow::Borrowed("Ed25519"));
    /// ECDSA P-256 SHA-256.
    pub const ES256: Alg = Alg(Cow::Borrowed("ES256"));
    /// ECDSA P-384 SHA-384 (not implemented by the harness; used in negative cases).
    pub const ES384: Alg = Alg(Cow::Borrowed("ES384"));
    /// ECDSA P-521 SHA-512 (not implemented; negative cases).
    pub const ES512: Alg = Alg(Cow::Borrowed("ES512"));
    /// Polymorphic EdDSA: the legacy profile's name, forbidden from -10 on.
    pub const EDDSA: Alg = Alg(Cow::Borrowed("EdDSA"));
    /// Unsecured JWS: never acceptable.
    pub const NONE: Alg = Alg(Cow::Borrowed("none"));
    /// HMAC SHA-256: symmetric, never acceptable in AAuth.
    pub const HS256: Alg = Alg(Cow::Borrowed("HS256"));
    /// HMAC SHA-384.
    pub const HS384: Alg = Alg(Cow::Borrowed("HS384"));
    /// HMAC SHA-512.
    pub const HS512: Alg = Alg(Cow::Borrowed("HS512"));
    /// RSASSA-PSS SHA-256 (not implemented; negative cases).
    pub const PS256: Alg = Alg(Cow::Borrowed("PS256"));
    /// RSASSA-PKCS1-v1_5 SHA-256 (not implemented; negative cases).
    pub const RS256: Alg = Alg(Cow::Borrowed("RS256"));
    /// ML-DSA-65 (RFC 9964), a fully specified alg the harness does not implement.
    pub const ML_DSA_65: Alg = Alg(Cow::Borrowed("ML-DSA-65"));

    /// Any value, kept as given.
    pub fn new(s: impl Into<String>) -> Self {
        Alg(Cow::Owned(s.into()))
    }

    /// The identifier as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the algorithms the harness can sign and verify.
    pub fn is_implemented(&self) -> bool {
        *self == Alg::ED25519 || *self == Alg::ES256
    }

    /// True for values AAuth forbids outright: `none`, symmetric MACs, and polymorphic
    /// `EdDSA` (forbidden from -10; the legacy profile decides separately).
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self.as_str(),
            "none" | "HS256" | "HS384" | "HS512" | "EdDSA"
        )
    }
}

impl Alg {
    /// The JWK `kty` this algorithm needs, when the algorithm pins one. Used to reject a key
    /// whose `kty` disagrees with its `alg` (Algorithm Determination); never used to infer an
    /// algorithm from a key.
    pub fn key_type(&self) -> Option<&'static str> {
        match self.as_str() {
            "Ed25519" | "Ed448" | "EdDSA" => Some("OKP"),
            "ES256" | "ES384" | "ES512" | "ES256K" => Some("EC"),
            "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => Some("RSA"),
            "HS256" | "HS384" | "HS512" => Some("oct"),
            "ML-DSA-44" | "ML-DSA-65" | "ML-DSA-87" => Some("AKP"),
            _ => None,
        }
    }

    /// The JWK `crv` this algorithm needs, when it pins one (`EdDSA` does not: that is what
    /// makes it polymorphic).
    pub fn curve(&self) -> Option<&'static str> {
        match self.as_str() {
            "Ed25519" => Some("Ed25519"),
            "Ed448" => Some("Ed448"),
            "ES256" => Some("P-256"),
            "ES384" => Some("P-384"),
            "ES512" => Some("P-521"),
            "ES256K" => Some("secp256k1"),
            _ => None,
        }
    }

    /// True for the symmetric MAC identifiers (`HS256`, `HS384`, `HS512`).
    pub fn is_symmetric(&self) -> bool {
        matches!(self.as_str(), "HS256" | "HS384" | "HS512")
    }
}

impl std::fmt::Display for Alg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Alg {
    fn from(s: &str) -> Self {
        Alg::new(s)
    }
}

impl serde::Serialize for Alg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Alg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Alg::new)
    }
}
