//! The library's error type: everything that makes a command end early, each variant mapped to
//! one exit code. Diagnostics about playbook content are not errors; they are data collected by
//! the analyzer (see [`crate::analyze`]).

use std::path::PathBuf;

use crate::exit::Exit;

/// A failure that ends a command. The binary prints it once, with its causes, and exits with
/// [`Error::exit`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The subcommand is declared in the CLI but not built yet.
    #[error("{0} is not implemented yet")]
    NotImplemented(&'static str),

    /// The command line is well-formed but asks for something impossible.
    #[error("{0}")]
    Usage(String),

    /// The configuration file is missing, unreadable or invalid.
    #[error("configuration {}: {message}", crate::human::path(.path))]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// A file could not be read or written.
    #[error("{action} {}", crate::human::path(.path))]
    Io {
        /// What was being done, e.g. "cannot read".
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// Another process is running the same employee's offboarding (refused, not queued).
    #[error("{0}")]
    Busy(String),

    /// A run the command would act on does not verify (a record's signature, the chain, who
    /// signed it, or its ledger registration): nothing it says is trusted and nothing was done.
    #[error("{0}")]
    UntrustedJournal(String),

    /// A git repository could not be opened or queried.
    #[error("git: {message}")]
    Git {
        /// What was being done and what went wrong.
        message: String,
    },
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::NotImplemented(_) | Error::Usage(_) | Error::Config { .. } => Exit::Usage,
            Error::Io { .. } | Error::Git { .. } | Error::Busy(_) => Exit::Usage,
            Error::UntrustedJournal(_) => Exit::Findings,
        }
    }

    /// Build an [`Error::Io`] for `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
