//! Why reconciliation could not finish: an unreadable or malformed input, named with its file
//! and line. Findings are not errors; they are the report.

use std::path::PathBuf;

/// Why reconciliation stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A file could not be opened or read.
    #[error("cannot read {}: {source}", crate::human::path(.path))]
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
    /// A required column is absent from a CSV header row.
    #[error("{}:1: no column `{column}`; columns are: {found}", crate::human::path(.path))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column looked for.
        column: String,
        /// The columns present, comma-separated.
        found: String,
    },
    /// A CSV row is malformed or holds an invalid value.
    #[error("{}:{line}: {message}", crate::human::path(.path))]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The HR roster could not be read, or breaks the rules every command applies to it.
    #[error(transparent)]
    Hr(#[from] crate::hr::HrError),
    /// The service-account allow-list is invalid.
    #[error("{}: {message}", crate::human::path(.path))]
    AllowList {
        /// The allow-list file.
        path: PathBuf,
        /// What is wrong, with its position when known.
        message: String,
    },
    /// The embedded store could not be listed.
    #[error("connector `{connector}`: {source}")]
    Store {
        /// The connector name.
        connector: String,
        /// The store's error.
        #[source]
        source: crate::connector::sqlite::StoreError,
    },
    /// Another source failed.
    #[error("{source_name}: {message}")]
    Source {
        /// The source, as it describes itself.
        source_name: String,
        /// What went wrong. Never contains a secret.
        message: String,
    },
}

impl ReconcileError {
    /// A failure of the source behind connector `name`.
    pub fn connector(name: &str, message: impl std::fmt::Display) -> ReconcileError {
        ReconcileError::Source {
            source_name: format!("connector `{name}`"),
            message: message.to_string(),
        }
    }
}
