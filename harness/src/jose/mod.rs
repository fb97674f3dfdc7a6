//! JOSE as AAuth uses it: fully-specified algorithms, JWK/JWKS, compact JWS/JWT, RFC 7638
//! thumbprints, and the four AAuth token claim sets with their validators.
//!
//! Hand-rolled because the suite must build invalid tokens as easily as valid ones.

pub mod alg;
pub mod key;

pub use alg::Alg;
pub use key::{PublicKey, SignatureCheckError, SigningKey};
pub mod b64;
pub mod claims;
pub mod jwk;
pub mod jwks;
pub mod jws;
pub mod mutate;
pub mod thumbprint;
pub mod validate;
