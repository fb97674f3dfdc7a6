//! Parse and serialize every AAuth and HTTP Signature Keys header, the problem+json error
//! body and the metadata documents. Parsers are strict (RFC 9651), keep unknown members and
//! parameters as received, and say what failed and where.

pub mod aauth_access;
pub mod aauth_capabilities;
pub mod aauth_requirement;
pub mod accept_signature;
pub mod content_digest;
pub mod error;
pub mod identifier;
pub mod metadata;
pub mod problem;
pub mod sf;
pub mod signature;
pub mod signature_error;
pub mod signature_input;
pub mod signature_key;
