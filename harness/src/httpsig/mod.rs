//! RFC 9421 HTTP Message Signatures as AAuth profiles them: the signature base, a signer
//! and a verifier for `Ed25519` and `ES256`, and the AAuth profile checks.

pub mod base;
pub mod component;
pub mod profile;
pub mod sign;
pub mod verify;
