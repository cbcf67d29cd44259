//! What can go wrong while building a report or writing an evidence pack. It owns the wording of
//! those failures; it never prints them.

use std::path::PathBuf;

/// A failure of `offboard report`.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--since` is not a whole number followed by `h`, `d` or `w`.
    #[error("--since `{value}` is not a period such as 24h, 90d or 12w: {reason}")]
    Period {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The evidence directory exists and already holds files.
    #[error(
        "evidence directory {} is not empty; choose a new directory so no earlier pack is mixed in",
        crate::human::path(.0)
    )]
    EvidenceDirNotEmpty(PathBuf),

    /// The encrypted evidence pack would replace an existing file.
    #[error(
        "evidence archive {} exists already; choose a new file name",
        crate::human::path(.0)
    )]
    EvidenceArchiveExists(PathBuf),

    /// An `--encrypt-to` value is not a recipient the pack can be encrypted to.
    #[error(
        "--encrypt-to `{value}` is not a recipient: {reason}; give an age public key (age1...) \
         or an SSH public key (ssh-ed25519 ...)"
    )]
    Recipient {
        /// The value given, made printable.
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The evidence pack could not be encrypted.
    #[error("cannot encrypt the evidence pack: {0}")]
    Encrypt(String),

    /// The evidence pack to check is not a directory.
    #[error("evidence pack {0} is not a directory")]
    EvidenceNotADirectory(PathBuf),

    /// A file could not be read or written.
    #[error("{action} {}: {source}", crate::human::path(.path))]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// `reconcile.json` exists but is not in the documented shape.
    #[error("{}: not a reconcile result ({reason})", crate::human::path(.path))]
    Reconcile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A value could not be serialized (CSV or JSON).
    #[error("cannot serialize {what}: {reason}")]
    Serialize {
        /// What was being serialized.
        what: &'static str,
        /// The serializer's reason.
        reason: String,
    },
}

impl ReportError {
    /// Build a [`ReportError::Io`] for `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
