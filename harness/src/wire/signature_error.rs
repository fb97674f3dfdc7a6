//! `Signature-Error` (HTTP Signature Keys §5): the machine-readable reason a signed request
//! was refused. The code is an open newtype so unknown codes from an implementation are kept.

use std::borrow::Cow;

/// A `Signature-Error` `error` code, e.g. `invalid_signature`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignatureErrorCode(Cow<'static, str>);

impl SignatureErrorCode {
    /// A required header (`Signature`, `Signature-Input`, `Signature-Key`) is missing.
    pub const INVALID_REQUEST: Self = Self(Cow::Borrowed("invalid_request"));
    /// A required component is not covered; carries `required_input`.
    pub const INVALID_INPUT: Self = Self(Cow::Borrowed("invalid_input"));
    /// `created`/`expires` unacceptable or the signature does not verify.
    pub const INVALID_SIGNATURE: Self = Self(Cow::Borrowed("invalid_signature"));
    /// The selected `Signature-Key` scheme is not supported.
    pub const UNSUPPORTED_SCHEME: Self = Self(Cow::Borrowed("unsupported_scheme"));
    /// Key material unparsable, or `kty`/`crv` disagree with `alg`.
    pub const INVALID_KEY: Self = Self(Cow::Borrowed("invalid_key"));
    /// `kid` not found in the issuer's JWKS.
    pub const UNKNOWN_KEY: Self = Self(Cow::Borrowed("unknown_key"));
    /// The JWT in `Signature-Key` is malformed or does not verify.
    pub const INVALID_JWT: Self = Self(Cow::Borrowed("invalid_jwt"));
    /// The JWT in `Signature-Key` has expired.
    pub const EXPIRED_JWT: Self = Self(Cow::Borrowed("expired_jwt"));
    /// Issuer metadata lacks `issuer`.
    pub const ISSUER_MISSING: Self = Self(Cow::Borrowed("issuer_missing"));
    /// Issuer metadata `issuer` differs from the identity it was fetched for.
    pub const ISSUER_MISMATCH: Self = Self(Cow::Borrowed("issuer_mismatch"));
    /// The key's `alg` is absent, polymorphic or not implemented.
    pub const UNSUPPORTED_ALGORITHM: Self = Self(Cow::Borrowed("unsupported_algorithm"));
    /// SK-08 `cached` scheme: the verifier has no such cached key.
    pub const CACHE_MISS: Self = Self(Cow::Borrowed("cache_miss"));
    /// SK-09 editor's copy: the JWT was revoked.
    pub const REVOKED_JWT: Self = Self(Cow::Borrowed("revoked_jwt"));
    /// SK-09 editor's copy: `created` too far from the verifier's clock.
    pub const CLOCK_SKEW: Self = Self(Cow::Borrowed("clock_skew"));

    /// Any code, kept verbatim.
    pub fn new(code: impl Into<String>) -> Self {
        Self(Cow::Owned(code.into()))
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SignatureErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
