//! Evidence behind a verdict: who is at fault, what differed, and what was exchanged.
//!
//! A maintainer reading a failure must be able to accept it as a bug without rerunning the
//! suite, so a `Fail` carries the party at fault, a typed mismatch and the full transcript.
//! The mismatch is typed (like regex-test's failure kinds) so that renderers, baselines and
//! the JUnit `type` attribute never parse free text.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::transcript::Exchange;

/// Everything observed that supports the outcome. All fields are optional: a pass usually
/// has only a transcript, a skip usually nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The party whose behaviour produced the outcome; set for every fail and error.
    #[serde(default)]
    pub fault: Option<Fault>,
    /// The typed difference between the wanted and the observed behaviour.
    #[serde(default)]
    pub mismatch: Option<Mismatch>,
    /// Descriptions of every answer the case accepts where the spec allows several
    /// (e.g. `401 invalid_jwt`, `400 invalid_agent_token`); empty where the spec pins one.
    #[serde(default)]
    pub accepted_alternatives: Vec<String>,
    /// Which of `accepted_alternatives` was observed, when one was.
    #[serde(default)]
    pub seen_alternative: Option<String>,
    /// Every message exchanged for this case, in order.
    #[serde(default)]
    pub transcript: Vec<Exchange>,
}

/// The party a verdict is attributed to.
///
/// Only `Implementation` may be attached to a `fail`; `Harness` and `Transport` belong to
/// `error`. In multi-party flows `role` and `target` say which implementation under test
/// misbehaved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "party", rename_all = "snake_case")]
pub enum Fault {
    /// The implementation under test, in the role it played.
    Implementation {
        /// The role it played (`resource`, `person-server`, ...).
        role: String,
        /// Its target name, when the run has one.
        #[serde(default)]
        target: Option<String>,
    },
    /// The suite itself: a bug, a panic, a bad vector, an unsupported stimulus.
    Harness,
    /// The path between them: connection refused, timeout, TLS or process launch failure.
    Transport,
}

impl Fault {
    /// Blames the implementation playing `role`.
    pub fn implementation(role: impl Into<String>) -> Self {
        Fault::Implementation {
            role: role.into(),
            target: None,
        }
    }

    /// True when the implementation under test is blamed.
    pub fn is_implementation(&self) -> bool {
        matches!(self, Fault::Implementation { .. })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Implementation { role, target: None } => write!(f, "{role} under test"),
            Fault::Implementation {
                role,
                target: Some(target),
            } => write!(f, "{role} under test ({target})"),
            Fault::Harness => f.write_str("harness"),
            Fault::Transport => f.write_str("transport"),
        }
    }
}

/// The kind of a [`Mismatch`], without its data: what JUnit's `type` attribute and the
/// report's `mismatch.kind` carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MismatchKind {
    /// See [`Mismatch::Status`].
    Status,
    /// See [`Mismatch::SignatureError`].
    SignatureError,
    /// See [`Mismatch::ProblemCode`].
    ProblemCode,
    /// See [`Mismatch::MissingHeader`].
    MissingHeader,
    /// See [`Mismatch::UnexpectedHeader`].
    UnexpectedHeader,
    /// See [`Mismatch::UnexpectedSuccess`].
    UnexpectedSuccess,
    /// See [`Mismatch::Claim`].
    Claim,
    /// See [`Mismatch::Other`].
    Other,
}

impl MismatchKind {
    /// The tag used in every file format.
    pub fn as_str(self) -> &'static str {
        match self {
            MismatchKind::Status => "status",
            MismatchKind::SignatureError => "signature_error",
            MismatchKind::ProblemCode => "problem_code",
            MismatchKind::MissingHeader => "missing_header",
            MismatchKind::UnexpectedHeader => "unexpected_header",
            MismatchKind::UnexpectedSuccess => "unexpected_success",
            MismatchKind::Claim => "claim",
            MismatchKind::Other => "other",
        }
    }
}

impl fmt::Display for MismatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the case wanted and what it got, typed by kind.
///
/// Serialised with a `kind` tag; `want` holds what the requirement asks for and `got` what
/// was observed, wherever those make sense for the kind. The set of kinds is fixed within
/// report version 1; anything that fits none of them is `other`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// The response status was none of the accepted ones.
    Status {
        /// Accepted status codes.
        want: Vec<u16>,
        /// Status received.
        got: u16,
    },
    /// The `Signature-Error` code was wrong or absent.
    SignatureError {
        /// Accepted `error=` codes.
        want: Vec<String>,
        /// Code received, verbatim; `None` when the header was absent.
        #[serde(default)]
        got: Option<String>,
    },
    /// The problem+json (or OAuth-style) error code was wrong or absent.
    ProblemCode {
        /// Accepted codes.
        want: Vec<String>,
        /// Code received, verbatim; `None` when there was none.
        #[serde(default)]
        got: Option<String>,
    },
    /// A header the requirement demands was absent.
    MissingHeader {
        /// Header name, lowercase.
        header: String,
    },
    /// A header the requirement forbids (in this situation) was present.
    UnexpectedHeader {
        /// Header name, lowercase.
        header: String,
        /// Its value, verbatim.
        got: String,
    },
    /// A stimulus that must be rejected was accepted.
    UnexpectedSuccess {
        /// The success status received.
        got: u16,
    },
    /// A token or document claim had the wrong value, was missing, or was present where it
    /// must not be.
    Claim {
        /// Claim name, qualified as the case sees fit (`aa-agent+jwt cnf.jwk`).
        claim: String,
        /// Wanted value; `None` when the claim must be absent.
        #[serde(default)]
        want: Option<String>,
        /// Observed value; `None` when the claim was absent.
        #[serde(default)]
        got: Option<String>,
    },
    /// Anything else, described in words.
    Other {
        /// What the requirement asks for.
        want: String,
        /// What was observed.
        got: String,
    },
}

impl Mismatch {
    /// A status mismatch against a single wanted status.
    pub fn status(want: u16, got: u16) -> Self {
        Mismatch::Status {
            want: vec![want],
            got,
        }
    }

    /// A `Signature-Error` mismatch against a single wanted code.
    pub fn signature_error(want: impl Into<String>, got: Option<String>) -> Self {
        Mismatch::SignatureError {
            want: vec![want.into()],
            got,
        }
    }

    /// The data-free kind, for `type` attributes and grouping.
    pub fn kind(&self) -> MismatchKind {
        match self {
            Mismatch::Status { .. } => MismatchKind::Status,
            Mismatch::SignatureError { .. } => MismatchKind::SignatureError,
            Mismatch::ProblemCode { .. } => MismatchKind::ProblemCode,
            Mismatch::MissingHeader { .. } => MismatchKind::MissingHeader,
            Mismatch::UnexpectedHeader { .. } => MismatchKind::UnexpectedHeader,
            Mismatch::UnexpectedSuccess { .. } => MismatchKind::UnexpectedSuccess,
            Mismatch::Claim { .. } => MismatchKind::Claim,
            Mismatch::Other { .. } => MismatchKind::Other,
        }
    }

    /// What was wanted, in words, for human-facing renderers.
    pub fn want_text(&self) -> String {
        match self {
            Mismatch::Status { want, .. } => one_of(want.iter().map(u16::to_string)),
            Mismatch::SignatureError { want, .. } | Mismatch::ProblemCode { want, .. } => {
                one_of(want.iter().cloned())
            }
            Mismatch::MissingHeader { header } => format!("header {header}"),
            Mismatch::UnexpectedHeader { header, .. } => format!("no header {header}"),
            Mismatch::UnexpectedSuccess { .. } => "a rejection".to_owned(),
            Mismatch::Claim { claim, want, .. } => match want {
                Some(value) => format!("{claim} = {value}"),
                None => format!("no {claim}"),
            },
            Mismatch::Other { want, .. } => want.clone(),
        }
    }

    /// What was observed, in words, for human-facing renderers.
    pub fn got_text(&self) -> String {
        match self {
            Mismatch::Status { got, .. } => got.to_string(),
            Mismatch::SignatureError { got, .. } | Mismatch::ProblemCode { got, .. } => {
                got.clone().unwrap_or_else(|| "none".to_owned())
            }
            Mismatch::MissingHeader { header } => format!("no header {header}"),
            Mismatch::UnexpectedHeader { header, got } => format!("{header}: {got}"),
            Mismatch::UnexpectedSuccess { got } => format!("success ({got})"),
            Mismatch::Claim { claim, got, .. } => match got {
                Some(value) => format!("{claim} = {value}"),
                None => format!("no {claim}"),
            },
            Mismatch::Other { got, .. } => got.clone(),
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: want {}, got {}",
            self.kind(),
            self.want_text(),
            self.got_text()
        )
    }
}

fn one_of(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        0 => "nothing in particular".to_owned(),
        1 => items.concat(),
        _ => format!("one of {}", items.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_serialises_with_a_kind_tag_and_want_got() {
        let text = serde_json::to_string(&Mismatch::status(401, 200)).unwrap();
        assert_eq!(text, r#"{"kind":"status","want":[401],"got":200}"#);
        let text =
            serde_json::to_string(&Mismatch::signature_error("invalid_signature", None)).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"signature_error","want":["invalid_signature"],"got":null}"#
        );
    }

    #[test]
    fn mismatch_reads_as_want_and_got() {
        let mismatch = Mismatch::Status {
            want: vec![400, 401],
            got: 500,
        };
        assert_eq!(
            mismatch.to_string(),
            "status: want one of 400, 401, got 500"
        );
    }

    #[test]
    fn fault_names_the_role_and_target() {
        let fault = Fault::Implementation {
            role: "person-server".into(),
            target: Some("ps one".into()),
        };
        assert_eq!(fault.to_string(), "person-server under test (ps one)");
        let text = serde_json::to_string(&Fault::Harness).unwrap();
        assert_eq!(text, r#"{"party":"harness"}"#);
    }
}
