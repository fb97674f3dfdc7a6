//! Errors, split by whose fault they are.
//!
//! Reading a report can fail because the file is not a report this crate understands: that
//! is the file's fault and says where. Rendering can only fail on a bug or an I/O-free
//! serialiser refusing its input, which is ours.

/// A report file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or JSON that does not fit the report model.
    #[error("not a valid report at line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde found wrong.
        message: String,
    },
    /// A report of another format (its `schema` is not ours).
    #[error("unknown report schema {found:?}, expected {expected:?}")]
    UnknownSchema {
        /// The schema id found.
        found: String,
        /// The one this crate reads.
        expected: &'static str,
    },
    /// A report of a version this crate does not read.
    #[error("unsupported report version {found}, this reader understands version {supported}")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
        /// The one this crate reads.
        supported: u32,
    },
}

/// A renderer could not produce its output. Always a bug in this crate or a dependency.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON serialisation failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JUnit XML serialisation failed.
    #[error("cannot write JUnit XML: {0}")]
    Junit(#[from] quick_junit::SerializeError),
}
