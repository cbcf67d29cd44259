//! HR sources: where offboard learns who is leaving, when, and in which role. A source yields
//! [`HrRecord`]s with the raw HRIS status code; mapping it to the shared vocabulary is the
//! glossary's job, not the source's. Sources only read; writing back "IT offboarding complete"
//! is an explicit, separate call.

mod csv_source;
mod record;

pub use csv_source::{ColumnMap, CsvSource};
pub use record::{Employment, HrRecord};

use std::path::PathBuf;

/// Why an HR source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HrError {
    /// The export could not be opened or read.
    #[error("cannot read HR export {path}: {source}")]
    Read {
        /// The export file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
    /// A required column is absent from the header row.
    #[error("{path}:1: HR export has no column `{column}` (for `{field}`); columns are: {found}")]
    MissingColumn {
        /// The export file.
        path: PathBuf,
        /// The record field that needs it.
        field: &'static str,
        /// The column name looked for.
        column: String,
        /// The columns present, comma-separated.
        found: String,
    },
    /// A row is malformed.
    #[error("{path}:{line}: {message}")]
    Row {
        /// The export file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// Two rows share an employee id.
    #[error("{path}:{line}: duplicate employee id `{id}` (first on line {first_line})")]
    DuplicateId {
        /// The export file.
        path: PathBuf,
        /// Line of the second occurrence.
        line: u64,
        /// Line of the first occurrence.
        first_line: u64,
        /// The employee id.
        id: String,
    },
    /// The write-back file could not be written.
    #[error("cannot write HR write-back {path}: {source}")]
    Write {
        /// The write-back file (or its lock).
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
}

/// Check that an employee id or username is safe to use as a key and in file names: 1 to 64
/// characters of ASCII letters, digits, `.`, `_`, `-` and `@`, not starting with `.` or `-`.
pub fn validate_identifier(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 {
        return Err(format!(
            "`{}` must be 1 to 64 characters long",
            value.escape_debug()
        ));
    }
    if value.starts_with(['.', '-']) {
        return Err(format!(
            "`{}` must not start with `.` or `-`",
            value.escape_debug()
        ));
    }
    match value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
    {
        Some(c) => Err(format!(
            "`{}` contains `{}`; only letters, digits, `.`, `_`, `-` and `@` are allowed",
            value.escape_debug(),
            c.escape_debug()
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::validate_identifier;

    #[test]
    fn identifiers() {
        for ok in ["E1001", "alice", "a.b-c_d", "x@y.z"] {
            assert_eq!(validate_identifier(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "1 to 64"),
            ("-rf", "must not start"),
            ("../etc", "must not start"),
            ("a/b", "contains `/`"),
            ("a*)(uid=*", "contains `*`"),
            ("a\nb", "contains `\\n`"),
        ] {
            let err = validate_identifier(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert!(validate_identifier(&"a".repeat(65)).is_err());
    }
}
