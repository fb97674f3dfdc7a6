//! What a case concludes, typed by whose fault it is.
//!
//! [`Outcome::Fail`] means the implementation under test broke the requirement, and says how
//! ([`Mismatch`]), which party ([`Failure::at_fault`]), which answers were acceptable and which
//! one came back. [`Outcome::Error`] means the harness, the transport or the configuration broke
//! before a verdict: it is never blamed on the implementation (rustls' `PeerMisbehaved` versus
//! `ApiMisuse`; h2spec's habit of exiting on a dial error is what this avoids). Nothing here is
//! a string that renderers have to re-parse.

use std::fmt;
use std::time::Duration;

use aauth_harness::role::Role;
use aauth_harness::wire::signature_error::SignatureErrorCode;

/// The conclusion of one expanded case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The implementation did what the requirement asks (or one accepted alternative).
    Pass,
    /// The implementation broke the requirement.
    Fail(Failure),
    /// The case did not apply (capability not declared, adapter declined); the reason says why.
    Skip(String),
    /// The harness could not reach a verdict.
    Error(HarnessError),
}

impl Outcome {
    /// A failure blamed on `at_fault` with no alternatives recorded.
    pub fn fail(at_fault: Role, mismatch: Mismatch) -> Outcome {
        Outcome::Fail(Failure::new(at_fault, mismatch))
    }

    /// The lowercase name used in listings: `pass`, `fail`, `skip`, `error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip(_) => "skip",
            Outcome::Error(_) => "error",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pass => f.write_str("pass"),
            Outcome::Fail(failure) => write!(f, "fail: {failure}"),
            Outcome::Skip(reason) => write!(f, "skip: {reason}"),
            Outcome::Error(error) => write!(f, "error: {error}"),
        }
    }
}

/// How the implementation broke the requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What differed from the requirement.
    pub mismatch: Mismatch,
    /// The party that broke it; in a multi-party flow not necessarily the one first contacted.
    pub at_fault: Role,
    /// Every answer the case would have accepted, where the spec allows several
    /// (for example `401 invalid_jwt` and `400 invalid_agent_token`).
    pub accepted: Vec<String>,
    /// The answer actually seen, in the same vocabulary as `accepted`.
    pub seen: Option<String>,
    /// Anything else a maintainer needs to accept this as a bug.
    pub detail: Option<String>,
}

impl Failure {
    /// A failure with no alternatives or detail yet.
    pub fn new(at_fault: Role, mismatch: Mismatch) -> Failure {
        Failure {
            mismatch,
            at_fault,
            accepted: Vec::new(),
            seen: None,
            detail: None,
        }
    }

    /// Records the set of acceptable answers.
    pub fn accepting<I, S>(mut self, accepted: I) -> Failure
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.accepted = accepted.into_iter().map(Into::into).collect();
        self
    }

    /// Records the answer seen.
    pub fn saw(mut self, seen: impl Into<String>) -> Failure {
        self.seen = Some(seen.into());
        self
    }

    /// Adds free-form context.
    pub fn detail(mut self, detail: impl Into<String>) -> Failure {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at fault: {})", self.mismatch, self.at_fault)?;
        if !self.accepted.is_empty() {
            write!(f, "; accepted: {}", self.accepted.join(" | "))?;
        }
        if let Some(seen) = &self.seen {
            write!(f, "; seen: {seen}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "; {detail}")?;
        }
        Ok(())
    }
}

/// The typed difference between what the requirement asks and what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The HTTP status was none of the accepted ones.
    Status {
        /// Accepted statuses.
        want: Vec<u16>,
        /// Status received.
        got: u16,
    },
    /// The `Signature-Error` code was none of the accepted ones (or absent).
    SignatureError {
        /// Accepted codes.
        want: Vec<SignatureErrorCode>,
        /// Code received, kept verbatim even when unknown.
        got: Option<SignatureErrorCode>,
    },
    /// The problem+json `error` member was none of the accepted ones (or absent).
    ProblemCode {
        /// Accepted codes.
        want: Vec<String>,
        /// Code received.
        got: Option<String>,
    },
    /// A header the requirement demands was absent.
    MissingHeader(String),
    /// A header the requirement forbids was present.
    UnexpectedHeader(String),
    /// The implementation accepted what it had to refuse.
    UnexpectedSuccess {
        /// The success status received.
        got: u16,
    },
    /// A token or document claim had the wrong value (or was missing).
    Claim {
        /// Claim or member name.
        name: String,
        /// What the requirement asks, described.
        want: String,
        /// What was there, if anything.
        got: Option<String>,
    },
    /// Anything the variants above cannot say; prefer adding a variant over using this.
    Other(String),
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

fn or_none<T: fmt::Display>(item: &Option<T>) -> String {
    item.as_ref()
        .map_or_else(|| "none".to_string(), ToString::to_string)
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Status { want, got } => write!(f, "status {got}, wanted {}", join(want)),
            Mismatch::SignatureError { want, got } => {
                write!(f, "Signature-Error {}, wanted {}", or_none(got), join(want))
            }
            Mismatch::ProblemCode { want, got } => {
                write!(f, "error code {}, wanted {}", or_none(got), join(want))
            }
            Mismatch::MissingHeader(name) => write!(f, "missing header {name}"),
            Mismatch::UnexpectedHeader(name) => write!(f, "unexpected header {name}"),
            Mismatch::UnexpectedSuccess { got } => {
                write!(f, "accepted with {got} where a rejection was required")
            }
            Mismatch::Claim { name, want, got } => {
                write!(f, "claim {name} is {}, wanted {want}", or_none(got))
            }
            Mismatch::Other(text) => f.write_str(text),
        }
    }
}

/// The suite's own failure to reach a verdict. Never the implementation's fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HarnessError {
    /// Connecting, sending or receiving failed below HTTP semantics.
    #[error("transport: {0}")]
    Transport(String),
    /// The target file, environment or case setup is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The case body panicked (a suite bug); the run carried on.
    #[error("panic: {0}")]
    Panic(String),
    /// The harness or adapter cannot perform this case; the runner reports it as a skip.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The case did not finish within its time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_render_alternatives_and_the_answer_seen() {
        let failure = Failure::new(
            Role::Resource,
            Mismatch::SignatureError {
                want: vec![SignatureErrorCode::INVALID_JWT],
                got: Some(SignatureErrorCode::new("zz_custom")),
            },
        )
        .accepting(["401 invalid_jwt", "400 invalid_agent_token"])
        .saw("401 zz_custom");
        assert_eq!(
            failure.to_string(),
            "Signature-Error zz_custom, wanted invalid_jwt (at fault: resource); \
             accepted: 401 invalid_jwt | 400 invalid_agent_token; seen: 401 zz_custom"
        );
        let status = Mismatch::Status {
            want: vec![401, 400],
            got: 200,
        };
        assert_eq!(status.to_string(), "status 200, wanted 401 or 400");
    }
}
