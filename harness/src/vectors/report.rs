//! What checking a vector file found, in one shape for every family, so the command line
//! prints one line per file and a total whatever the file holds.
//!
//! A report counts vectors (an AAuth request, an RFC 9421 case, a JOSE key or token), not
//! individual assertions: a vector passes only when every check it asks for passes, and a
//! failure carries the vector's id and the first reason it failed. A file-level problem
//! (a generated file that differs from the generator's output) is listed as a failure too,
//! under the file's name, without being counted as a vector.

use std::path::PathBuf;

/// The three vector families under `vectors/`, by subdirectory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// `vectors/aauth/`: our generated AAuth request vectors.
    Aauth,
    /// `vectors/rfc9421/`: RFC 9421 Appendix B, transcribed.
    Rfc9421,
    /// `vectors/jose/`: RFC 7638 and RFC 8037 examples and the derived agent token.
    Jose,
}

impl Family {
    /// Every family, in the order they are checked and printed.
    pub const ALL: [Family; 3] = [Family::Aauth, Family::Rfc9421, Family::Jose];

    /// The subdirectory of `vectors/` holding the family, also its printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Aauth => "aauth",
            Family::Rfc9421 => "rfc9421",
            Family::Jose => "jose",
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many vectors of a file expect each verdict; only families whose vectors carry a
/// verdict (AAuth) have one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    /// A conforming verifier accepts.
    pub valid: usize,
    /// A conforming verifier refuses.
    pub invalid: usize,
    /// The spec permits both.
    pub acceptable: usize,
}

impl std::ops::AddAssign for VerdictCounts {
    fn add_assign(&mut self, other: VerdictCounts) {
        self.valid += other.valid;
        self.invalid += other.invalid;
        self.acceptable += other.acceptable;
    }
}

/// One vector the harness did not reproduce, or one file-level problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorFailure {
    /// The vector's id (`aauth-11/agent-ed25519-get/valid`, `B.2.6`, `rfc8037-a.4-eddsa`),
    /// or the file name for a file-level problem.
    pub id: String,
    /// What went wrong, naming the check.
    pub reason: String,
}

impl std::fmt::Display for VectorFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.id, self.reason)
    }
}

/// What checking one vector file found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    /// The family the file belongs to.
    pub family: Family,
    /// The file checked.
    pub path: PathBuf,
    /// For a generated file: whether the committed bytes equal the generator's output.
    /// `None` for transcribed files, which nothing regenerates.
    pub identical: Option<bool>,
    /// Vectors in the file.
    pub total: usize,
    /// Expected verdicts, where vectors carry one.
    pub verdicts: Option<VerdictCounts>,
    /// Vectors the harness reproduced.
    pub passed: usize,
    /// Vectors it did not.
    pub failed: usize,
    /// Each failing vector (and each file-level problem) with its reason.
    pub failures: Vec<VectorFailure>,
}

impl FileReport {
    /// An empty report for `path`, to [`record`](Self::record) vectors into.
    pub fn new(family: Family, path: PathBuf) -> Self {
        FileReport {
            family,
            path,
            identical: None,
            total: 0,
            verdicts: None,
            passed: 0,
            failed: 0,
            failures: Vec::new(),
        }
    }

    /// Count one vector and its outcome.
    pub fn record(&mut self, id: &str, outcome: Result<(), String>) {
        self.total += 1;
        match outcome {
            Ok(()) => self.passed += 1,
            Err(reason) => {
                self.failed += 1;
                self.failures.push(VectorFailure {
                    id: id.to_string(),
                    reason,
                });
            }
        }
    }

    /// Note a problem with the file as a whole (not counted as a vector).
    pub fn file_problem(&mut self, reason: String) {
        let id = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string());
        self.failures.push(VectorFailure { id, reason });
    }

    /// True when the file is as generated (if generated) and every vector passed.
    pub fn ok(&self) -> bool {
        self.identical != Some(false) && self.failed == 0 && self.failures.is_empty()
    }
}
