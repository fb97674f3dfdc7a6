//! The JSON form: the report model as written, and the only form read back.
//!
//! Writing is pretty-printed with a trailing newline so reports diff well. Reading first
//! checks the `schema` and `version` members on their own, so a report from a newer suite
//! fails with "unsupported version" rather than with whatever field it happened to change.

use serde::Deserialize;

use crate::error::{ReadError, RenderError};
use crate::model::{Report, SCHEMA_ID, SCHEMA_VERSION};

/// Renders `report` as pretty-printed JSON.
pub fn render(report: &Report) -> Result<String, RenderError> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// Reads a report written by [`render`] (or by any writer following `SCHEMA.md`).
pub fn parse(text: &str) -> Result<Report, ReadError> {
    let header: Header = serde_json::from_str(text).map_err(malformed)?;
    if header.schema != SCHEMA_ID {
        return Err(ReadError::UnknownSchema {
            found: header.schema,
            expected: SCHEMA_ID,
        });
    }
    if header.version != u64::from(SCHEMA_VERSION) {
        return Err(ReadError::UnsupportedVersion {
            found: header.version,
            supported: SCHEMA_VERSION,
        });
    }
    serde_json::from_str(text).map_err(malformed)
}

/// The two members that say what a file is; everything else is ignored at this stage.
#[derive(Deserialize)]
struct Header {
    schema: String,
    version: u64,
}

fn malformed(error: serde_json::Error) -> ReadError {
    ReadError::Malformed {
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    }
}

impl Report {
    /// Renders the report as pretty-printed JSON; see [`render`].
    pub fn to_json(&self) -> Result<String, RenderError> {
        render(self)
    }

    /// Reads a report from JSON; see [`parse`].
    pub fn from_json(text: &str) -> Result<Report, ReadError> {
        parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_schemas_and_versions_are_refused_by_name() {
        let error = parse(r#"{"schema":"https://example/other","version":1}"#).unwrap_err();
        assert!(matches!(error, ReadError::UnknownSchema { .. }));
        let text = format!(r#"{{"schema":"{SCHEMA_ID}","version":2,"whatever":[]}}"#);
        let error = parse(&text).unwrap_err();
        assert!(matches!(
            error,
            ReadError::UnsupportedVersion { found: 2, .. }
        ));
    }

    #[test]
    fn malformed_input_says_where() {
        let error = parse("{\n  \"schema\": ").unwrap_err();
        assert!(
            matches!(error, ReadError::Malformed { line: 2, .. }),
            "{error}"
        );
    }
}
