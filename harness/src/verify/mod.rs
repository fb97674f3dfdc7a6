//! Server-side verification of a signed AAuth request, composed from the layers below it:
//! the RFC 9421 profile checks ([`crate::httpsig::profile`]), the `Signature-Key` parser
//! ([`crate::wire::signature_key`]), token validation ([`crate::jose::validate`]) and issuer
//! key discovery ([`KeySource`]).
//!
//! [`verify_request`] runs the AAuth "Verification (Server)" steps in the spec's order and
//! answers with the first failing step's [`Rejection`] (always `401` with `Signature-Error`,
//! plus `Accept-Signature-Scheme`/`-Alg` where the step calls for them). What depends on
//! the endpoint (which token kinds it takes, whose `aud`) is a second call,
//! [`check_credential`], so each role decides that for itself.
//!
//! The verifier is also the reference roles' verifier, so every SIG/TOK flaw of
//! [`crate::role::flaw`] is planted here, at the one spot a real implementation would get
//! wrong, and switched by [`VerifierConfig::flaws`].

mod config;
mod credential;
mod discovery;
mod keys;
mod rejection;
mod request;

#[cfg(test)]
mod tests;

pub use config::{KeyMemory, VerifierConfig};
pub use credential::{check_credential, CredentialExpectation, CredentialFailure};
pub use discovery::{Discovery, EgressPolicy, EgressRefusal, MAX_CACHE_AGE, REFETCH_FLOOR};
pub use keys::{BoxFuture, KeySource, StaticKeys};
pub use rejection::{Rejection, Step};
pub use request::{verify_request, Signer, TokenCredential, TypedClaims, VerifiedRequest};
