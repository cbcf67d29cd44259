//! The store's errors: opening the file, loading the seed, running a query. Each variant names
//! the file and, for seed problems, the CSV line and column. This module owns the wording and the
//! mapping to [`ConnectorError`]; it never decides what to retry (the engine does).

use std::fmt;
use std::path::PathBuf;

use rusqlite::ErrorCode;

use crate::connector::ConnectorError;

/// Why the embedded store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A directory or file could not be created or read.
    #[error("{action} {}", crate::human::path(.path))]
    Io {
        /// What was being done, e.g. "cannot create directory".
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// The database answered with an error (other than "busy").
    #[error("sqlite store {}: {source}", crate::human::path(.path))]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },

    /// Another process held the database longer than the busy timeout. Worth retrying.
    #[error("sqlite store {} is busy (locked by another process); try again", crate::human::path(.path))]
    Busy {
        /// The database file.
        path: PathBuf,
    },

    /// The file was written by a newer offboard with a schema this one does not know.
    #[error("sqlite store {} has schema version {found}; this offboard supports up to {supported}", crate::human::path(.path))]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },

    /// The seed CSV files are invalid; nothing was loaded.
    #[error("{}", SeedErrors(.errors))]
    Seed {
        /// Every problem found, in file then line order.
        errors: Vec<SeedError>,
    },

    /// A principal handed to the store names no account in it.
    #[error("sqlite store {} has no account with id {account_id:?}", crate::human::path(.path))]
    UnknownAccount {
        /// The database file.
        path: PathBuf,
        /// The account id asked for.
        account_id: String,
    },

    /// A find key matches several live accounts, so the correlation is ambiguous.
    #[error("{attribute} {key:?} matches {count} accounts in {} ({}); correlation must be unique", crate::human::path(.path), .usernames.join(", "))]
    Ambiguous {
        /// The database file.
        path: PathBuf,
        /// The match attribute, e.g. `email`.
        attribute: &'static str,
        /// The key searched for.
        key: String,
        /// How many live accounts carry it.
        count: usize,
        /// Their usernames (at most a few).
        usernames: Vec<String>,
    },
}

impl StoreError {
    /// Wrap a rusqlite error for `path`, turning "busy" and "locked" into [`StoreError::Busy`].
    pub(crate) fn sqlite(path: impl Into<PathBuf>, source: rusqlite::Error) -> Self {
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Busy { path: path.into() }
            }
            _ => StoreError::Sqlite {
                path: path.into(),
                source,
            },
        }
    }
}

impl From<StoreError> for ConnectorError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Busy { .. } => ConnectorError::Transient {
                message: error.to_string(),
                retry_after: None,
            },
            StoreError::Io { ref source, .. } => ConnectorError::Permanent {
                message: format!("{error}: {source}"),
            },
            _ => ConnectorError::Permanent {
                message: error.to_string(),
            },
        }
    }
}

/// One problem in a seed CSV file, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedError {
    /// The CSV file.
    pub file: PathBuf,
    /// 1-based line where the record starts; `None` for problems with the whole file.
    pub line: Option<usize>,
    /// The column concerned, when there is one.
    pub column: Option<String>,
    /// What is wrong.
    pub kind: SeedErrorKind,
}

/// What is wrong with a seed file or one of its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedErrorKind {
    /// The file does not exist or cannot be read.
    Unreadable {
        /// The operating system's reason.
        reason: String,
    },
    /// The file is not valid UTF-8.
    NotUtf8,
    /// The file has no header row.
    Empty,
    /// A quoted field is never closed.
    UnterminatedQuote,
    /// A character follows a closing quote inside a field.
    TextAfterQuote,
    /// A quote appears inside a field that does not start with one.
    BareQuote,
    /// A required column is missing from the header.
    MissingColumn,
    /// The header names a column this file does not have.
    UnknownColumn,
    /// The header names a column twice.
    DuplicateColumn,
    /// A record has a different number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in this record.
        found: usize,
    },
    /// A required value is empty.
    EmptyValue,
    /// Not `true` or `false`.
    BadBoolean {
        /// The value found.
        value: String,
    },
    /// Not a non-negative whole number in range.
    BadInteger {
        /// The value found.
        value: String,
    },
    /// Not a `YYYY-MM-DD` date.
    BadDate {
        /// The value found.
        value: String,
    },
    /// The value is already used by an earlier record of the file, which must be unique.
    Duplicate {
        /// The value found.
        value: String,
        /// Line of the earlier record.
        first_line: usize,
    },
    /// The value names an account not in `accounts.csv`.
    UnknownAccount {
        /// The username found.
        value: String,
    },
    /// The value names a group not in `groups.csv`.
    UnknownGroup {
        /// The group found.
        value: String,
    },
    /// The value names a product not in `products.csv`.
    UnknownProduct {
        /// The product found.
        value: String,
    },
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::human::path(&self.file))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": column {column:?}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for SeedErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedErrorKind::Unreadable { reason } => write!(f, "cannot read seed file: {reason}"),
            SeedErrorKind::NotUtf8 => f.write_str("not valid UTF-8"),
            SeedErrorKind::Empty => f.write_str("empty file: expected a header row"),
            SeedErrorKind::UnterminatedQuote => f.write_str("quoted field is never closed"),
            SeedErrorKind::TextAfterQuote => {
                f.write_str("text after a closing quote (write a quote inside quotes as \"\")")
            }
            SeedErrorKind::BareQuote => f.write_str(
                "quote inside an unquoted field (quote the whole field and write the quote as \"\")",
            ),
            SeedErrorKind::MissingColumn => f.write_str("missing from the header row"),
            SeedErrorKind::UnknownColumn => f.write_str("unknown column"),
            SeedErrorKind::DuplicateColumn => f.write_str("named twice in the header row"),
            SeedErrorKind::FieldCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            SeedErrorKind::EmptyValue => f.write_str("must not be empty"),
            SeedErrorKind::BadBoolean { value } => {
                write!(f, "expected true or false, found {value:?}")
            }
            SeedErrorKind::BadInteger { value } => {
                write!(f, "expected a non-negative whole number, found {value:?}")
            }
            SeedErrorKind::BadDate { value } => {
                write!(f, "expected a date YYYY-MM-DD, found {value:?}")
            }
            SeedErrorKind::Duplicate { value, first_line } => {
                write!(f, "duplicate {value:?} (first on line {first_line})")
            }
            SeedErrorKind::UnknownAccount { value } => {
                write!(f, "unknown account {value:?} (not in accounts.csv)")
            }
            SeedErrorKind::UnknownGroup { value } => {
                write!(f, "unknown group {value:?} (not in groups.csv)")
            }
            SeedErrorKind::UnknownProduct { value } => {
                write!(f, "unknown product {value:?} (not in products.csv)")
            }
        }
    }
}

/// Display helper: one seed problem per line, with a count first when there are several.
struct SeedErrors<'a>(&'a [SeedError]);

impl fmt::Display for SeedErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "invalid seed: {one}"),
            many => {
                write!(f, "invalid seed ({} problems):", many.len())?;
                for error in many {
                    write!(f, "\n  {error}")?;
                }
                Ok(())
            }
        }
    }
}
