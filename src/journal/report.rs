//! The verification report (a public format: `offboard verify --format json` prints it): per
//! run, its status, how many records were checked and the first bad record with its reason. It
//! owns the wording of every reason (one `Display`); it never reads files.

use std::path::PathBuf;

use serde::Serialize;

use super::anchor::{AnchorReport, Head};

/// The outcome of [`verify`](super::verify).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// True when the ledger and every run checked are sound (no run is [`RunStatus::Bad`]) and
    /// every head given is still in its chain.
    pub ok: bool,
    /// Lines checked, ledger included.
    pub records_checked: u64,
    /// The ledger's result.
    pub ledger: LedgerReport,
    /// One entry per run checked, sorted by run id.
    pub runs: Vec<RunReport>,
    /// The verdict on each head given to check (`verify --head`).
    pub anchors: Vec<AnchorReport>,
    /// Remarks that do not fail verification (ignored `allowed_signers` lines, crash leftovers).
    pub notes: Vec<String>,
}

impl VerifyReport {
    /// The first bad record of the ledger and of each run, in report order.
    pub fn errors(&self) -> impl Iterator<Item = &BadRecord> {
        self.ledger
            .first_error
            .iter()
            .chain(self.runs.iter().filter_map(|r| r.first_error.as_ref()))
    }
}

/// The ledger's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerReport {
    /// The ledger file.
    pub file: PathBuf,
    /// Records read.
    pub records: u64,
    /// The ledger's last record (save it elsewhere to detect later cuts; see
    /// [`Anchor`](super::Anchor)); `None` while the ledger is empty.
    pub head: Option<Head>,
    /// The first bad ledger record, if any.
    pub first_error: Option<BadRecord>,
    /// The `ledger.checkpoint` records that verified, in ledger order: what `offboard prune`
    /// removed.
    pub checkpoints: Vec<Checkpoint>,
}

/// A `ledger.checkpoint` record: runs removed from the journal, each with the hash of its last
/// record, so that a copy of one (an evidence pack) can still be tied to the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    /// 1-based line in the ledger.
    pub line: usize,
    /// The record's `seq`.
    pub seq: u64,
    /// When it was written.
    pub time: String,
    /// Who signed it.
    pub signer: String,
    /// The cut-off date it applied.
    pub before: Option<String>,
    /// The ledger hash it continues from (its `prev`).
    pub prev: String,
    /// The runs it removed.
    pub pruned: Vec<super::record::PrunedRun>,
}

/// One run's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// The run id.
    pub run: String,
    /// The run file.
    pub file: PathBuf,
    /// The verdict.
    pub status: RunStatus,
    /// Records read from the run file.
    pub records: u64,
    /// The run's last complete record; `None` when it has none.
    pub head: Option<Head>,
    /// The first bad record, when [`RunStatus::Bad`].
    pub first_error: Option<BadRecord>,
}

/// A run's verdict. Only [`RunStatus::Bad`] fails verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Finished and sealed in the ledger; every record checked.
    Sealed,
    /// Not finished yet (in progress, waiting or stopped); every record checked.
    Open,
    /// Finished, but the ledger seal is missing: a crash right after `run.finished`.
    Unsealed,
    /// The ledger's last record opened this run and its file was never written: a crash before
    /// the first record.
    Interrupted,
    /// The ledger records that the run never got its first record.
    Abandoned,
    /// Removed by a `ledger.checkpoint` (`offboard prune`); its file is gone as it should be.
    Pruned,
    /// Removed by a `ledger.checkpoint`, but its file is still there and matches the
    /// checkpoint: a prune interrupted before it removed the file (run it again).
    PrunePending,
    /// A record is bad; see `first_error`.
    Bad,
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunStatus::Sealed => "ok (finished, sealed)",
            RunStatus::Open => "ok (open)",
            RunStatus::Unsealed => "ok (finished, seal missing after a crash)",
            RunStatus::Interrupted => "ok (interrupted before its first record)",
            RunStatus::Abandoned => "ok (abandoned before its first record)",
            RunStatus::Pruned => "ok (pruned at a ledger checkpoint)",
            RunStatus::PrunePending => {
                "ok (pruned at a ledger checkpoint; its file is still there: run `offboard prune` again to remove it)"
            }
            RunStatus::Bad => "BAD",
        })
    }
}

/// The first bad record of a run or of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRecord {
    /// The file holding it (the ledger for a deleted run).
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// The record's `seq`, when its payload could be read.
    pub seq: Option<u64>,
    /// Why it is bad.
    pub reason: Reason,
    /// `reason` in words.
    pub message: String,
}

impl BadRecord {
    pub(crate) fn new(file: PathBuf, line: usize, seq: Option<u64>, reason: Reason) -> Self {
        let message = reason.to_string();
        BadRecord {
            file,
            line,
            seq,
            reason,
            message,
        }
    }
}

impl std::fmt::Display for BadRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", crate::human::path(&self.file), self.line)?;
        if let Some(seq) = self.seq {
            write!(f, " (seq {seq})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a record is bad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The file could not be read.
    Unreadable {
        /// The operating system's reason.
        detail: String,
    },
    /// The line is not exactly `{"payload":"...","sig":"..."}`.
    Envelope {
        /// What is wrong.
        detail: String,
    },
    /// The last line has no newline: the file was cut short.
    TornLine,
    /// The payload is not a valid record.
    Payload {
        /// What is wrong.
        detail: String,
    },
    /// The payload's format version is not 1.
    Version {
        /// The version found.
        found: u32,
    },
    /// `time` is not an RFC 3339 UTC time.
    Time {
        /// The value found.
        found: String,
    },
    /// The signature is not a well-formed armored Ed25519 SSHSIG signature.
    SignatureFormat {
        /// What is wrong.
        detail: String,
    },
    /// The signature was made for another namespace.
    WrongNamespace {
        /// The namespace found.
        found: String,
    },
    /// `signer` is not a principal of `allowed_signers`.
    UnknownSigner {
        /// The claimed principal.
        principal: String,
    },
    /// The signing key is not one of the claimed principal's keys.
    KeyNotAllowed {
        /// The claimed principal.
        principal: String,
    },
    /// `allowed_signers` restricts the principal's key to other namespaces.
    NamespaceNotAllowed {
        /// The claimed principal.
        principal: String,
    },
    /// The principal's key was not yet valid (`valid-after` in `allowed_signers`) at the
    /// record's `time`.
    KeyNotYetValid {
        /// The signer.
        principal: String,
        /// The record's `time`.
        time: String,
        /// The `valid-after` value, as written.
        valid_after: String,
    },
    /// The principal's key had expired (`valid-before` in `allowed_signers`) at the record's
    /// `time`.
    KeyExpired {
        /// The signer.
        principal: String,
        /// The record's `time`.
        time: String,
        /// The `valid-before` value, as written.
        valid_before: String,
    },
    /// The signature does not match the payload bytes.
    BadSignature,
    /// The record belongs to another run (copied or renamed).
    WrongRun {
        /// The run id of the file.
        expected: String,
        /// The run id in the record.
        found: String,
    },
    /// `seq` is not the record's position: a record was dropped, duplicated or reordered.
    Seq {
        /// The position.
        expected: u64,
        /// The value found.
        found: u64,
    },
    /// `prev` does not match the hash of what precedes the record.
    Prev {
        /// The hash of the previous record (or the ledger record preceding the run).
        expected: String,
        /// The value found.
        found: String,
    },
    /// The first record is not `run.started`.
    FirstNotRunStarted {
        /// The event found.
        found: String,
    },
    /// `run.started` appears after the first record.
    MisplacedRunStarted,
    /// A record follows `run.finished`.
    AfterFinish,
    /// A confirmation or approval has no `role`.
    MissingRole {
        /// The event.
        event: String,
    },
    /// The signer does not hold the step's owner role (separation of duties).
    SignerLacksRole {
        /// The signer.
        principal: String,
        /// The role required.
        role: String,
    },
    /// A record only an operator may sign (`run.started`, `run.finished`, a ledger record) signed
    /// by a principal that holds no operator role.
    NotOperator {
        /// The signer.
        principal: String,
        /// The record's event, e.g. `run.started` or `run.sealed`.
        event: String,
        /// The operator roles (`policy.operator_roles`).
        operator_roles: Vec<String>,
    },
    /// A `step.approved` signed by the run's own signer (the principal of its `run.started`):
    /// an approval must come from a second person (four eyes).
    SelfApproval {
        /// The run's signer, who also signed the approval.
        principal: String,
        /// The step approved.
        step: String,
    },
    /// A run file that the ledger never opened (added, or renamed from another run).
    NoLedgerEntry,
    /// A run file that could not be matched with the ledger because the ledger itself failed
    /// verification.
    LedgerUnverified {
        /// The ledger file.
        ledger: PathBuf,
        /// 1-based line of the ledger record that failed (the run's own, when it could be read).
        line: usize,
    },
    /// The ledger opened this run but its file is missing or empty.
    DeletedRun {
        /// The run id.
        run: String,
    },
    /// The run's first record is not the one the ledger registered.
    FirstHashMismatch {
        /// The hash in the ledger.
        expected: String,
        /// The hash of the first record.
        found: String,
    },
    /// The ledger says the run was abandoned, but its file has records.
    AbandonedRunHasRecords,
    /// The run does not end where the ledger's seal says (records cut off or changed).
    SealMismatch {
        /// Records the seal counts.
        sealed: u64,
        /// Records in the file.
        found: u64,
    },
    /// A ledger record contradicts the earlier ones (e.g. opens a run twice).
    LedgerState {
        /// What is wrong.
        detail: String,
    },
    /// A run asked for has neither a file nor a ledger entry.
    UnknownRun,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Unreadable { detail } => write!(f, "cannot read the file: {detail}"),
            Reason::Envelope { detail } => write!(f, "bad envelope: {detail}"),
            Reason::TornLine => f.write_str(
                "truncated: the last line is incomplete (a write cut short; resuming the run removes it)",
            ),
            Reason::Payload { detail } => write!(f, "bad payload: {detail}"),
            Reason::Version { found } => write!(f, "unsupported format version {found}"),
            Reason::Time { found } => write!(f, "time {found:?} is not RFC 3339 UTC"),
            Reason::SignatureFormat { detail } => write!(f, "malformed signature: {detail}"),
            Reason::WrongNamespace { found } => {
                write!(f, "signature namespace is {found:?}, not \"offboard\"")
            }
            Reason::UnknownSigner { principal } => {
                write!(f, "signer {principal} is not in allowed_signers")
            }
            Reason::KeyNotAllowed { principal } => {
                write!(
                    f,
                    "signed with a key that allowed_signers does not list for {principal}"
                )
            }
            Reason::NamespaceNotAllowed { principal } => write!(
                f,
                "allowed_signers does not allow {principal} to sign in namespace \"offboard\""
            ),
            Reason::KeyNotYetValid {
                principal,
                time,
                valid_after,
            } => write!(
                f,
                "signed at {}, before the key of {principal} becomes valid (valid-after {valid_after} in allowed_signers)",
                crate::human::timestamp(time)
            ),
            Reason::KeyExpired {
                principal,
                time,
                valid_before,
            } => write!(
                f,
                "signed at {}, after the key of {principal} expired (valid-before {valid_before} in allowed_signers)",
                crate::human::timestamp(time)
            ),
            Reason::BadSignature => f.write_str("signature does not match the payload (edited)"),
            Reason::WrongRun { expected, found } => {
                write!(
                    f,
                    "record of run {found} in the file of run {expected} (replayed)"
                )
            }
            Reason::Seq { expected, found } => write!(
                f,
                "seq {found} where {expected} was expected (record dropped, duplicated or reordered)"
            ),
            Reason::Prev { expected, found } => {
                write!(f, "prev {found} does not chain to {expected}")
            }
            Reason::FirstNotRunStarted { found } => {
                write!(f, "first record is {found}, not run.started")
            }
            Reason::MisplacedRunStarted => f.write_str("run.started after the first record"),
            Reason::AfterFinish => f.write_str("record after run.finished"),
            Reason::MissingRole { event } => write!(f, "{event} without the step's owner role"),
            Reason::SignerLacksRole { principal, role } => write!(
                f,
                "signer {principal} does not hold role {role} (separation of duties)"
            ),
            Reason::NotOperator {
                principal,
                event,
                operator_roles,
            } => write!(
                f,
                "{event} is signed by {principal}, who holds no operator role ({}); only a holder \
                 of an operator role (policy.operator_roles) may sign it",
                if operator_roles.is_empty() {
                    "none is configured".to_owned()
                } else {
                    format!("operator roles: {}", operator_roles.join(", "))
                }
            ),
            Reason::SelfApproval { principal, step } => write!(
                f,
                "step.approved of step {step} is signed by {principal}, the run's own signer; \
                 an approval must come from another principal (four eyes)"
            ),
            Reason::NoLedgerEntry => {
                f.write_str("run file not registered in the ledger (added or renamed)")
            }
            Reason::LedgerUnverified { ledger, line } => write!(
                f,
                "the run could not be matched with the ledger: the ledger failed verification at {}:{line}",
                crate::human::path(ledger)
            ),
            Reason::DeletedRun { run } => {
                write!(
                    f,
                    "run {run} is in the ledger but its file is missing or empty (deleted)"
                )
            }
            Reason::FirstHashMismatch { expected, found } => write!(
                f,
                "first record hashes to {found}, the ledger registered {expected}"
            ),
            Reason::AbandonedRunHasRecords => {
                f.write_str("the ledger marks this run abandoned but its file has records")
            }
            Reason::SealMismatch { sealed, found } => write!(
                f,
                "the ledger sealed this run at {sealed} records ending in run.finished; the file has {found} (truncated or altered)"
            ),
            Reason::LedgerState { detail } => write!(f, "ledger: {detail}"),
            Reason::UnknownRun => f.write_str("no such run in the journal"),
        }
    }
}
