//! The answer to a request that failed verification.

use std::fmt;

use crate::httpsig::verify::VerifyError;
use crate::jose::Alg;
use crate::message::{Fields, Response};
use crate::wire::accept_signature::{self, AcceptSignatureAlg, AcceptSignatureScheme};
use crate::wire::problem::{ErrorCode, Problem};
use crate::wire::signature_error::{self, SignatureError, SignatureErrorCode};
use crate::wire::signature_key::Scheme;

/// The verification step that failed, in the order the spec runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// 1: `Signature`, `Signature-Input`, `Signature-Key` present and parsable.
    Headers,
    /// Choosing the label and reading its `Signature-Input` member.
    Label,
    /// 2: required components covered.
    Covered,
    /// 3: `created` inside the window, `expires` not passed.
    Freshness,
    /// 4: the label's `Signature-Key` member and its scheme.
    Scheme,
    /// 5: the key from the scheme (for `jwt`: the token and its issuer's key).
    Key,
    /// 6: the algorithm from the key's `alg`.
    Algorithm,
    /// 7: `@authority` names this server.
    Authority,
    /// 7: the signature itself.
    Signature,
    /// After 7: a covered `Content-Digest` matches the body.
    Digest,
}

/// Why a signed request was refused: the step, the `Signature-Error` to send, the
/// `Accept-Signature-*` headers that go with it, and a human-readable detail.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    /// The step that failed.
    pub step: Step,
    /// The response status: 401 for every signature failure (only a planted flaw changes it).
    pub status: u16,
    /// The `Signature-Error` header.
    pub signature_error: Box<SignatureError>,
    /// `Accept-Signature-Scheme`, sent with `unsupported_scheme`.
    pub accept_scheme: Option<Vec<Scheme>>,
    /// `Accept-Signature-Alg`, sent with `unsupported_algorithm`.
    pub accept_alg: Option<Vec<Alg>>,
    /// What was wrong, for the problem body and reports.
    pub detail: String,
}

impl Rejection {
    /// A `401` with `code` at `step`.
    pub fn new(step: Step, code: SignatureErrorCode, detail: impl Into<String>) -> Self {
        Rejection {
            step,
            status: 401,
            signature_error: Box::new(SignatureError::new(code)),
            accept_scheme: None,
            accept_alg: None,
            detail: detail.into(),
        }
    }

    /// A rejection for an RFC 9421 profile failure, with `required_input` for
    /// `invalid_input`.
    pub fn from_verify(step: Step, error: &VerifyError) -> Self {
        let code = SignatureErrorCode::from(error);
        let mut rejection = Rejection::new(step, code, error.to_string());
        if let Some(required) = error.required_input() {
            let names: Vec<String> = required
                .iter()
                .map(|c| {
                    if c.params.is_empty() {
                        c.name.as_str().to_string()
                    } else {
                        c.serialize()
                    }
                })
                .collect();
            rejection.signature_error = Box::new(SignatureError::invalid_input(
                names.iter().map(String::as_str),
            ));
        }
        rejection
    }

    /// The `Signature-Error` code.
    pub fn code(&self) -> &SignatureErrorCode {
        &self.signature_error.error
    }

    /// The response a server sends: status, `Signature-Error`, any `Accept-Signature-*`,
    /// and an RFC 9457 body carrying both the SK `type` URN and the AAuth `error` member
    /// (requirements §6 G25).
    pub fn to_response(&self) -> Response {
        let code = self.code();
        let mut problem = Problem::new(ErrorCode::new(code.as_str())).with_detail(&self.detail);
        problem.problem_type = Some(code.problem_type());
        problem.status = Some(self.status);
        let mut response = problem.to_response(self.status);
        let header = self
            .signature_error
            .serialize()
            .unwrap_or_else(|_| format!("error={}", code.as_str()));
        response.set_header(signature_error::FIELD, header);
        if let Some(schemes) = &self.accept_scheme {
            if let Ok(v) = AcceptSignatureScheme::new(schemes) {
                response.set_header(accept_signature::SCHEME_FIELD, v.serialize());
            }
        }
        if let Some(algs) = &self.accept_alg {
            if let Ok(v) = AcceptSignatureAlg::new(algs) {
                response.set_header(accept_signature::ALG_FIELD, v.serialize());
            }
        }
        response
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} at {:?}: {}",
            self.status,
            self.code(),
            self.step,
            self.detail
        )
    }
}

impl std::error::Error for Rejection {}
