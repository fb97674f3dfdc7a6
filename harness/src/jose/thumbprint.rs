//! RFC 7638 JWK thumbprints (SHA-256, base64url), as AAuth uses them for `agent_jkt` and
//! `urn:jkt:sha-256:` issuers.
//!
//! The hash input is a JSON object holding only the required members of the key type, names
//! in lexicographic order, no whitespace: OKP `crv`,`kty`,`x`; EC `crv`,`kty`,`x`,`y`; RSA
//! `e`,`kty`,`n`. Everything else, `alg` and `kid` included, is left out, so two JWKs for the
//! same key that differ only in `alg` share a thumbprint. The members are used as the strings
//! they are, without decoding, so thumbprints of keys the harness cannot verify with (RSA)
//! are still computed.

use crate::jose::b64;
use crate::jose::jwk::Jwk;
use crate::jose::key::PublicKey;

/// Why a JWK has no thumbprint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThumbprintError {
    /// `kty` absent or not a string.
    #[error("JWK has no string kty")]
    KtyMissing,
    /// A key type RFC 7638 input rules are not defined for here.
    #[error("no thumbprint rule for kty {0:?}")]
    UnknownKty(String),
    /// A required member is absent or not a string.
    #[error("JWK member {0:?} required for the thumbprint is missing or not a string")]
    MemberMissing(&'static str),
}

/// The required members per key type, already in lexicographic order.
fn members_for(kty: &str) -> Option<&'static [&'static str]> {
    match kty {
        "OKP" => Some(&["crv", "kty", "x"]),
        "EC" => Some(&["crv", "kty", "x", "y"]),
        "RSA" => Some(&["e", "kty", "n"]),
        _ => None,
    }
}

/// The exact JSON text that is hashed.
pub fn thumbprint_input(jwk: &Jwk) -> Result<String, ThumbprintError> {
    let kty = jwk.kty().ok_or(ThumbprintError::KtyMissing)?;
    let names = members_for(kty).ok_or_else(|| ThumbprintError::UnknownKty(kty.to_string()))?;
    let mut out = String::from("{");
    for (i, &name) in names.iter().enumerate() {
        let value = jwk
            .str_member(name)
            .ok_or(ThumbprintError::MemberMissing(name))?;
        if i > 0 {
            out.push(',');
        }
        // serde_json writes a string with the minimal JSON escaping RFC 7638 §3.3 asks for.
        out.push_str(&serde_json::Value::from(name).to_string());
        out.push(':');
        out.push_str(&serde_json::Value::from(value).to_string());
    }
    out.push('}');
    Ok(out)
}

/// The SHA-256 thumbprint of a JWK, base64url without padding.
pub fn jwk_thumbprint(jwk: &Jwk) -> Result<String, ThumbprintError> {
    let input = thumbprint_input(jwk)?;
    Ok(sha256_b64(input.as_bytes()))
}

fn sha256_b64(input: &[u8]) -> String {
    b64::encode(ring::digest::digest(&ring::digest::SHA256, input))
}

impl PublicKey {
    /// RFC 7638 SHA-256 thumbprint of this key (the value `agent_jkt` carries).
    ///
    /// The hash input is written directly rather than through a [`Jwk`]: the member names and
    /// values of a harness key are fixed ASCII and base64url, which JSON never escapes, so the
    /// text is the one [`thumbprint_input`] gives for [`Jwk::from_public`] (a test checks it),
    /// at a fraction of the cost of a verification.
    pub fn thumbprint(&self) -> String {
        let input = match self {
            PublicKey::Ed25519(key) => format!(
                r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
                b64::encode(key.as_bytes())
            ),
            PublicKey::Es256 { x, y } => format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                b64::encode(x),
                b64::encode(y)
            ),
        };
        sha256_b64(input.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{Alg, SigningKey};

    #[test]
    fn input_has_required_members_only_sorted_without_whitespace() {
        let pk = SigningKey::from_seed(&Alg::ES256, [1; 32])
            .unwrap()
            .public_key();
        let mut jwk = Jwk::from_public(&pk, Some("kid-1"));
        jwk.set("use", "sig");
        let input = thumbprint_input(&jwk).unwrap();
        assert!(input.starts_with(r#"{"crv":"P-256","kty":"EC","x":""#));
        assert!(!input.contains("alg") && !input.contains("kid") && !input.contains(' '));
        assert_eq!(jwk_thumbprint(&jwk).unwrap(), pk.thumbprint());
    }

    #[test]
    fn a_key_thumbprint_hashes_the_jwk_input() {
        for alg in [Alg::ED25519, Alg::ES256] {
            for seed in 0..8u8 {
                let pk = SigningKey::from_seed(&alg, [seed; 32])
                    .unwrap()
                    .public_key();
                let jwk = Jwk::from_public(&pk, None);
                assert_eq!(
                    pk.thumbprint(),
                    jwk_thumbprint(&jwk).unwrap(),
                    "{alg} {seed}"
                );
            }
        }
        // RFC 8037 appendix A.3: the thumbprint of the example Ed25519 key.
        let x = b64::decode_exact::<32>("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
        let pk = PublicKey::ed25519_from_bytes(&x).unwrap();
        assert_eq!(
            pk.thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn alg_does_not_change_the_thumbprint() {
        let pk = SigningKey::from_seed(&Alg::ED25519, [1; 32])
            .unwrap()
            .public_key();
        let a = Jwk::from_public_with_alg(&pk, Some(&Alg::ED25519), None);
        let b = Jwk::from_public_with_alg(&pk, Some(&Alg::EDDSA), None);
        let c = Jwk::from_public_with_alg(&pk, None, None);
        let t = jwk_thumbprint(&a).unwrap();
        assert_eq!(jwk_thumbprint(&b).unwrap(), t);
        assert_eq!(jwk_thumbprint(&c).unwrap(), t);
        assert_eq!(t.len(), 43);
    }

    #[test]
    fn missing_members_are_reported() {
        let mut jwk = Jwk::parse(r#"{"kty":"RSA","e":"AQAB"}"#).unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk),
            Err(ThumbprintError::MemberMissing("n"))
        );
        jwk.remove("kty");
        assert_eq!(jwk_thumbprint(&jwk), Err(ThumbprintError::KtyMissing));
        let jwk = Jwk::parse(r#"{"kty":"AKP"}"#).unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk),
            Err(ThumbprintError::UnknownKty("AKP".into()))
        );
    }
}
