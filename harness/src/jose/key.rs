//! Signing and verification keys for the two algorithms AAuth names (`Ed25519`, `ES256`).
//!
//! Both the JWS layer and the RFC 9421 layer sign through these types, so a benchmark of
//! either measures the same primitive. ES256 signatures are the raw `r || s` form (64 bytes)
//! used by JWS and RFC 9421 §3.3.4; verification of ES256 goes through `ring`.

use crate::jose::alg::Alg;
use ed25519_dalek::Signer as _;

/// A private key the harness signs with.
#[derive(Clone)]
pub enum SigningKey {
    /// Ed25519 (RFC 8032), JOSE `alg` `Ed25519`.
    Ed25519(ed25519_dalek::SigningKey),
    /// ECDSA P-256 with SHA-256, JOSE `alg` `ES256`.
    Es256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print private material, even in a transcript.
        f.debug_tuple("SigningKey")
            .field(&self.alg().as_str())
            .finish()
    }
}

/// A public key, decoded once when it is read so that every verification under it starts
/// from the decoded form.
///
/// An Ed25519 key holds the `ed25519-dalek` key, which keeps both the 32-byte encoding (for
/// rebuilding a JWK byte for byte) and the decompressed point: decompressing costs about as
/// much as a tenth of a verification, and a key read from a token or a JWKS is used at least
/// once. Build one from bytes with [`PublicKey::ed25519_from_bytes`], which refuses bytes
/// that are not a point. A P-256 key keeps its affine coordinates: `ring` parses them again
/// on each verification, which costs a few field multiplications, and checks them there.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum PublicKey {
    /// Ed25519 public key (its bytes: `.as_bytes()`).
    Ed25519(ed25519_dalek::VerifyingKey),
    /// P-256 public point, affine coordinates, 32 bytes each.
    Es256 {
        /// x coordinate
        x: [u8; 32],
        /// y coordinate
        y: [u8; 32],
    },
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The encoding only: the decompressed point is a cache, not part of the key's identity.
        match self {
            PublicKey::Ed25519(key) => f.debug_tuple("Ed25519").field(key.as_bytes()).finish(),
            PublicKey::Es256 { x, y } => {
                f.debug_struct("Es256").field("x", x).field("y", y).finish()
            }
        }
    }
}

/// Why a signature did not verify. Deliberately carries no detail beyond the reason class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureCheckError {
    /// The signature has the wrong length or encoding for the algorithm.
    #[error("signature is malformed for the algorithm")]
    Malformed,
    /// The public key bytes do not form a valid key.
    #[error("public key is not a valid point")]
    BadKey,
    /// Well-formed, but does not verify.
    #[error("signature does not verify")]
    Mismatch,
}

impl SigningKey {
    /// Deterministic key from a 32-byte seed: the Ed25519 secret itself, or the P-256 scalar
    /// (seeds that are not a valid scalar are rehashed until they are).
    pub fn from_seed(alg: &Alg, seed: [u8; 32]) -> Option<Self> {
        if *alg == Alg::ED25519 {
            Some(SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                &seed,
            )))
        } else if *alg == Alg::ES256 {
            use sha2::Digest;
            let mut s = seed;
            loop {
                if let Ok(k) = p256::ecdsa::SigningKey::from_bytes(&s.into()) {
                    return Some(SigningKey::Es256(k));
                }
                s = sha2::Sha256::digest(s).into();
            }
        } else {
            None
        }
    }

    /// A fresh random key.
    pub fn generate(alg: &Alg) -> Option<Self> {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        Self::from_seed(alg, seed)
    }

    /// The JOSE algorithm this key signs with.
    pub fn alg(&self) -> Alg {
        match self {
            SigningKey::Ed25519(_) => Alg::ED25519,
            SigningKey::Es256(_) => Alg::ES256,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            SigningKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            SigningKey::Es256(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                let mut x = [0u8; 32];
                let mut y = [0u8; 32];
                // An uncompressed point always has both coordinates.
                if let (Some(px), Some(py)) = (point.x(), point.y()) {
                    x.copy_from_slice(px);
                    y.copy_from_slice(py);
                }
                PublicKey::Es256 { x, y }
            }
        }
    }

    /// Sign `msg`: 64 bytes for both algorithms (ES256 as raw `r || s`).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            SigningKey::Es256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_bytes().to_vec()
            }
        }
    }

    /// The private scalar / seed bytes (for writing vectors and JWKs with `d`).
    pub fn secret_bytes(&self) -> [u8; 32] {
        match self {
            SigningKey::Ed25519(k) => k.to_bytes(),
            SigningKey::Es256(k) => k.to_bytes().into(),
        }
    }
}

impl PublicKey {
    /// An Ed25519 key from its 32-byte encoding; [`SignatureCheckError::BadKey`] when the
    /// bytes are not a point on the curve.
    pub fn ed25519_from_bytes(bytes: &[u8; 32]) -> Result<Self, SignatureCheckError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(PublicKey::Ed25519)
            .map_err(|_| SignatureCheckError::BadKey)
    }

    /// The key as bytes: the 32-byte Ed25519 encoding, or the 65-byte uncompressed SEC1
    /// point of a P-256 key.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            PublicKey::Ed25519(key) => key.as_bytes().to_vec(),
            PublicKey::Es256 { x, y } => sec1_uncompressed(x, y).to_vec(),
        }
    }

    /// The algorithm this key type verifies.
    pub fn alg(&self) -> Alg {
        match self {
            PublicKey::Ed25519(_) => Alg::ED25519,
            PublicKey::Es256 { .. } => Alg::ES256,
        }
    }

    /// Verify `sig` over `msg`. Ed25519 uses strict verification (RFC 8032 §5.1.7 with
    /// canonical `S` and no small-order keys), ES256 uses `ring` on raw `r || s`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignatureCheckError> {
        match self {
            PublicKey::Ed25519(key) => {
                let sig: [u8; 64] = sig.try_into().map_err(|_| SignatureCheckError::Malformed)?;
                let sig = ed25519_dalek::Signature::from_bytes(&sig);
                key.verify_strict(msg, &sig)
                    .map_err(|_| SignatureCheckError::Mismatch)
            }
            PublicKey::Es256 { x, y } => {
                if sig.len() != 64 {
                    return Err(SignatureCheckError::Malformed);
                }
                let key = ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_FIXED,
                    sec1_uncompressed(x, y),
                );
                key.verify(msg, sig)
                    .map_err(|_| SignatureCheckError::Mismatch)
            }
        }
    }
}

/// `0x04 || x || y`.
fn sec1_uncompressed(x: &[u8; 32], y: &[u8; 32]) -> [u8; 65] {
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..33].copy_from_slice(x);
    point[33..].copy_from_slice(y);
    point
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_algorithms_round_trip_and_reject_a_flipped_bit() {
        for alg in [Alg::ED25519, Alg::ES256] {
            let key = SigningKey::from_seed(&alg, [7u8; 32]).expect("supported alg");
            let mut sig = key.sign(b"hello");
            assert_eq!(sig.len(), 64);
            assert!(key.public_key().verify(b"hello", &sig).is_ok());
            sig[10] ^= 1;
            assert_eq!(
                key.public_key().verify(b"hello", &sig),
                Err(SignatureCheckError::Mismatch)
            );
        }
    }

    #[test]
    fn ed25519_bytes_must_be_a_point_and_round_trip() {
        let key = SigningKey::from_seed(&Alg::ED25519, [7u8; 32])
            .expect("supported alg")
            .public_key();
        let bytes: [u8; 32] = key.to_bytes().try_into().expect("32 bytes");
        assert_eq!(PublicKey::ed25519_from_bytes(&bytes), Ok(key.clone()));
        assert_eq!(
            format!("{key:?}"),
            format!("Ed25519({bytes:?})"),
            "Debug shows the encoding only"
        );
        // y = 2 is not on the curve (x^2 would have to be a non-square).
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = 2;
        assert_eq!(
            PublicKey::ed25519_from_bytes(&not_a_point),
            Err(SignatureCheckError::BadKey)
        );
    }
}
