//! A hand-over of an account's data (files, calendars) to another account, as a system that
//! runs it asynchronously reports it: started, then completed or failed. The engine confirms a
//! transfer step only when a read shows the transfer completed, waits while it runs, and fails
//! the step when it failed, naming each application and what became of it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a data transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Started, not finished.
    InProgress,
    /// Every application's data was handed over.
    Completed,
    /// The system gave up.
    Failed,
}

impl fmt::Display for TransferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransferStatus::InProgress => "in progress",
            TransferStatus::Completed => "completed",
            TransferStatus::Failed => "failed",
        })
    }
}

/// One data transfer from an account, as read back.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DataTransfer {
    /// The system's id of the transfer.
    pub id: String,
    /// Who receives the data (the name the system shows, e.g. an email address).
    pub to: String,
    /// When it was asked for (RFC 3339), as the system says.
    pub requested_at: String,
    /// Where it stands as a whole.
    pub status: TransferStatus,
    /// Each application's data (e.g. `Drive and Docs`, `Calendar`) and what the system says
    /// of it (`completed`, `failed`, ...).
    pub applications: BTreeMap<String, String>,
}

impl DataTransfer {
    /// `Drive and Docs: failed, Calendar: completed`.
    pub fn applications_text(&self) -> String {
        self.applications
            .iter()
            .map(|(app, status)| format!("{app}: {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The latest transfer to `to` among `transfers` (by request time), if any.
pub fn latest_to<'a>(transfers: &'a [DataTransfer], to: &str) -> Option<&'a DataTransfer> {
    transfers
        .iter()
        .filter(|t| t.to.eq_ignore_ascii_case(to))
        .max_by(|a, b| a.requested_at.cmp(&b.requested_at))
}
