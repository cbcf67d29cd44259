//! The journal's error type: everything that stops a journal operation (writing, resuming,
//! loading keys or signers, taking a lock). Problems found while *verifying* a journal are not
//! errors; they are data in the [`VerifyReport`](super::VerifyReport).
//!
//! Messages name the file and line concerned and never contain key material.

use std::path::PathBuf;

/// A failure of a journal operation.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file or directory could not be read, written, synced or locked.
    #[error("{action} {}", crate::human::path(.path))]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// The signing key could not be used (missing, encrypted, not Ed25519, malformed).
    #[error("signing key {}: {message}", crate::human::path(.path))]
    Key {
        /// The private key file.
        path: PathBuf,
        /// What is wrong with it (never the key itself).
        message: String,
    },

    /// A line of an `allowed_signers` file is malformed.
    #[error("{}:{line}: {message}", crate::human::path(.path))]
    AllowedSigners {
        /// The allowed-signers file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },

    /// An existing journal file is damaged in a way that must not be repaired automatically.
    #[error("{}:{line}: {message}; run `offboard verify` for details", crate::human::path(.path))]
    Corrupt {
        /// The run file or ledger.
        path: PathBuf,
        /// 1-based line number of the first bad line.
        line: usize,
        /// What is wrong.
        message: String,
    },

    /// A record a resume would rely on does not verify (bad signature, unknown signer, broken
    /// chain, or a ledger that disagrees with the run file): the run is not resumed.
    #[error("{}:{line}: {message}; refusing to resume from a journal record that does not verify (run `offboard verify`)", crate::human::path(.path))]
    Untrusted {
        /// The run file or ledger.
        path: PathBuf,
        /// 1-based line number of the record.
        line: usize,
        /// Why it does not verify.
        message: String,
    },

    /// The run was interrupted before its first record was complete; it has nothing to resume.
    #[error(
        "run {run} was interrupted before its first record; run the command again to start it afresh"
    )]
    RunInterrupted {
        /// The run id.
        run: String,
    },

    /// A run id or employee id cannot be used as a file name.
    #[error(
        "invalid {what} {value:?}: use 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'"
    )]
    InvalidId {
        /// "run id" or "employee id".
        what: &'static str,
        /// The rejected value.
        value: String,
    },

    /// `create` was asked for a run that already has records.
    #[error("run {run} already exists; resume it instead of creating it")]
    RunExists {
        /// The run id.
        run: String,
    },

    /// `open` was asked for a run that has no records.
    #[error("run {run} has no journal in {}", crate::human::path(.dir))]
    RunNotFound {
        /// The run id.
        run: String,
        /// The journal directory.
        dir: PathBuf,
    },

    /// A record was appended after `run.finished`, which is final.
    #[error("run {run} is finished; no record may follow `run.finished`")]
    RunFinished {
        /// The run id.
        run: String,
    },

    /// A run to be pruned is no longer in the state the prune found it in (another process
    /// pruned it, or the ledger changed under it).
    #[error(
        "run {run} cannot be pruned: the ledger now says {state} (another prune ran?); nothing was removed"
    )]
    NotPrunable {
        /// The run id.
        run: String,
        /// Its latest ledger event.
        state: &'static str,
    },

    /// The first record of a run must be `run.started`, and only the first.
    #[error("run {run}: `run.started` must be the first record of a run and only the first")]
    MisplacedRunStarted {
        /// The run id.
        run: String,
    },

    /// A record could not be serialized (cannot happen with the record types as defined).
    #[error("cannot encode a journal record: {0}")]
    Encode(#[from] serde_json::Error),

    /// Another process has the run open for writing.
    #[error("run {run} is open in another process")]
    RunBusy {
        /// The run id.
        run: String,
    },

    /// Another live process holds the employee's run lock.
    #[error("employee {employee} already has a run in progress{}", pid.map(|p| format!(" (process {p})")).unwrap_or_default())]
    Locked {
        /// The employee id.
        employee: String,
        /// The process id written by the holder, when readable.
        pid: Option<u32>,
    },
}

impl JournalError {
    /// Build an [`JournalError::Io`] for `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        JournalError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result with the journal's [`JournalError`].
pub type Result<T, E = JournalError> = std::result::Result<T, E>;
