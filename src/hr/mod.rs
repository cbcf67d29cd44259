//! HR sources: where offboard learns who is leaving, when, and in which role. A source yields
//! [`HrRecord`]s with the raw HRIS status code; mapping it to the shared vocabulary is the
//! glossary's job, not the source's. Sources only read; writing back "IT offboarding complete"
//! is an explicit, separate call. [`EmployeeSource`] is the one face the commands see, whatever
//! the configured source.

mod csv_rows;
mod csv_source;
mod fields;
mod http_page;
mod http_source;
mod record;
mod roster;
mod row_store;
mod source;
mod writeback;

pub use csv_rows::{CsvRows, Visit};
pub use csv_source::CsvSource;
pub(crate) use fields::parse_time;
pub use fields::{ColumnMap, FieldProblem, HrRow, Problem};
pub use http_source::{DEFAULT_TIMEOUT, HttpOptions, HttpSource, MAX_PAGES};
pub use record::{Employment, HrRecord};
pub use roster::{Located, Roster};
pub use source::EmployeeSource;

use std::path::PathBuf;

/// Why an HR source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HrError {
    /// The export could not be opened or read.
    #[error("cannot read HR export {}: {source}", crate::human::path(.path))]
    Read {
        /// The export file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
    /// A required column is absent from the header row.
    #[error("{}:1: HR export has no column `{column}` (for `{field}`); columns are: {found}", crate::human::path(.path))]
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
    /// A value of a row breaks a rule of its field (the same rules for every source).
    #[error("{}:{line}: {}", crate::human::path(.path), .problem.worded(&fields::place("column", column, .problem.field)))]
    Value {
        /// The export file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column as the export names it.
        column: String,
        /// The field and what is wrong with its value.
        problem: FieldProblem,
    },
    /// A row is malformed CSV.
    #[error("{}:{line}: {message}", crate::human::path(.path))]
    Row {
        /// The export file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// Two rows share an employee id.
    #[error("{}:{line}: duplicate employee id `{id}` (first on line {first_line})", crate::human::path(.path))]
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
    /// A key names two rows, or the person it names shares a username or email with another
    /// row: which person is meant cannot be told, so nothing is done for either.
    #[error(
        "`{value}` is the {field} of two HR rows: {first} and {second}; each person must have \
         their own, so nothing is done until HR is corrected"
    )]
    Ambiguous {
        /// What the rows share: `username`, `email`, or `employee id or username`.
        field: &'static str,
        /// The shared value.
        value: String,
        /// The first row, where it is and whose: `hr.csv:8 (employee E1007)`, or
        /// `URL#/json/pointer (employee E1007)`.
        first: String,
        /// The second row, likewise.
        second: String,
    },
    /// The write-back file could not be written.
    #[error("cannot write HR write-back {}: {source}", crate::human::path(.path))]
    Write {
        /// The write-back file (or its lock).
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP source's settings are unusable.
    #[error("HR source{}: {message}", url.as_deref().map(|u| format!(" {u}")).unwrap_or_default())]
    Setup {
        /// The configured URL without credentials; `None` when it does not parse.
        url: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An HTTP request got no answer, or an answer other than 2xx (after retries).
    #[error("{message}")]
    Http {
        /// The method, the URL, and what went wrong. Never contains the token.
        message: String,
    },
    /// An HTTP answer is not the documented JSON.
    #[error("{url}: {message}")]
    Body {
        /// The URL that answered.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// An employee item of an HTTP answer is malformed.
    #[error("{location}{}: {message}", employee_note(.employee.as_deref()))]
    Item {
        /// `URL#/json/pointer` of the item.
        location: String,
        /// Its employee id, when it has a usable one.
        employee: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Two items of an HTTP listing share an employee id.
    #[error("{location}: duplicate employee id `{id}` (first at {first})")]
    DuplicateItem {
        /// `URL#/json/pointer` of the second occurrence.
        location: String,
        /// `URL#/json/pointer` of the first occurrence.
        first: String,
        /// The employee id.
        id: String,
    },
}

fn employee_note(employee: Option<&str>) -> String {
    employee.map_or_else(String::new, |id| format!(" (employee `{id}`)"))
}

/// The bytes an identifier may hold, by value: ASCII letters and digits, `.`, `_`, `-`, `@`.
static IDENTIFIER: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'@');
        b += 1;
    }
    table
};

/// Check that an employee id or username is safe to use as a key and in file names: 1 to 64
/// characters of ASCII letters, digits, `.`, `_`, `-` and `@`, not starting with `.` or `-`.
pub fn validate_identifier(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 {
        return Err(format!(
            "`{}` must be 1 to 64 characters long",
            value.escape_debug()
        ));
    }
    if matches!(value.as_bytes().first(), Some(b'.' | b'-')) {
        return Err(format!(
            "`{}` must not start with `.` or `-`",
            value.escape_debug()
        ));
    }
    // Every allowed character is ASCII, so bytes are enough to accept (a roster checks
    // millions); the offending character is decoded only for the message.
    match value.bytes().position(|b| !IDENTIFIER[usize::from(b)]) {
        Some(at) => {
            let c = value
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or('?');
            Err(format!(
                "`{}` contains `{}`; only letters, digits, `.`, `_`, `-` and `@` are allowed",
                value.escape_debug(),
                c.escape_debug()
            ))
        }
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
