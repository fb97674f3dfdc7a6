//! [`check_credential`]: what an endpoint demands of a verified signer.

use crate::jose::claims::TokenKind;
use crate::wire::problem::ErrorCode;

use super::request::{Signer, VerifiedRequest};

/// What one endpoint accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialExpectation<'a> {
    /// The server identifier that person and auth tokens must name in `aud`.
    pub audience: &'a str,
    /// Token kinds this endpoint accepts in `Signature-Key`.
    pub kinds: &'a [TokenKind],
    /// Whether servers signing as themselves (`jwks_uri`) are accepted.
    pub servers: bool,
}

impl<'a> CredentialExpectation<'a> {
    /// Accept `kinds` of token addressed to `audience`, no server signers.
    pub fn tokens(audience: &'a str, kinds: &'a [TokenKind]) -> Self {
        CredentialExpectation {
            audience,
            kinds,
            servers: false,
        }
    }
}

/// Why a verified signer is not acceptable at an endpoint. Not a signature failure: the
/// role answers with its own challenge or error (requirements §6 G1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialFailure {
    /// A token of a kind the endpoint does not take (a person token where an auth token is
    /// required): the role answers with an `AAuth-Requirement` challenge.
    #[error("{} is not accepted here", kind.typ())]
    KindNotAccepted {
        /// The kind presented.
        kind: TokenKind,
    },
    /// A server signer where only agents are accepted.
    #[error("server {id} is not accepted here")]
    ServerNotAccepted {
        /// The server identifier.
        id: String,
    },
    /// `aud` names another server.
    #[error("{} aud is {found:?}, expected {expected:?}", kind.typ())]
    WrongAudience {
        /// The token kind.
        kind: TokenKind,
        /// This server's identifier.
        expected: String,
        /// The token's `aud`.
        found: String,
    },
}

impl CredentialFailure {
    /// The problem `error` an endpoint answers with for this failure, where the error
    /// tables name one (person tokens: `invalid_person_token`).
    pub fn endpoint_error(&self) -> Option<ErrorCode> {
        match self {
            CredentialFailure::WrongAudience {
                kind: TokenKind::Person,
                ..
            } => Some(ErrorCode::INVALID_PERSON_TOKEN),
            _ => None,
        }
    }
}

/// Check the endpoint-dependent rules: the signer's kind is one `expectation` accepts and
/// a person or auth token's `aud` is exactly this server's identifier. A bare key (only a
/// planted flaw admits one) passes, since the flaw's point is that it gets through.
pub fn check_credential(
    verified: &VerifiedRequest,
    expectation: &CredentialExpectation<'_>,
) -> Result<(), CredentialFailure> {
    match &verified.signer {
        Signer::BareKey => Ok(()),
        Signer::Server { id, .. } if !expectation.servers => {
            Err(CredentialFailure::ServerNotAccepted { id: id.clone() })
        }
        Signer::Server { .. } => Ok(()),
        Signer::Token(credential) => {
            let kind = credential.kind;
            if !expectation.kinds.contains(&kind) {
                return Err(CredentialFailure::KindNotAccepted { kind });
            }
            match credential.claims.aud() {
                Some(aud) if aud != expectation.audience => Err(CredentialFailure::WrongAudience {
                    kind,
                    expected: expectation.audience.to_string(),
                    found: aud.to_string(),
                }),
                _ => Ok(()),
            }
        }
    }
}
