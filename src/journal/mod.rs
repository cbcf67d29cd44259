//! The confirmation journal: signed, hash-chained JSON lines, one file per run, and a ledger that
//! chains the runs. It knows nothing of connectors or playbooks beyond the record fields.
//!
//! - [`record`]: the public format (envelope, payload, events, ledger payload);
//! - [`Signer`]: an OpenSSH Ed25519 key and its principal, producing SSHSIG signatures;
//! - [`RunJournal`]: create, resume and append to a run (every record synced before returning);
//! - the ledger protocol (crash-safe run registration and sealing) in `ledger`;
//! - [`read_run`], [`list_runs`]: reading without verifying; [`RunIndex`]: finding runs in a
//!   large journal;
//! - [`AllowedSigners`], [`RoleMap`], [`verify`] and its [`VerifyReport`];
//! - [`check_detached`], [`signer_allowed`]: a detached signature over a whole file;
//! - [`verify_runs`]: the same checks for a few runs, before a command trusts them;
//! - [`Head`] and [`Anchor`]: the outside reference that detects records cut off a chain's end;
//! - [`EmployeeLock`]: one run per employee at a time;
//! - [`Pseudonyms`]: personal values replaced by salted digests before records are signed;
//! - [`prune_runs`]: removing finished runs behind a signed `ledger.checkpoint`;
//! - [`check_copy`]: a copy of a run file (an evidence pack's) checked on its own;
//! - [`CRASH_AFTER_WRITES_ENV`], [`CRASH_TORN_ENV`]: the crash hooks for crash tests.

mod allowed_signers;
mod anchor;
mod check;
mod copy_check;
mod detached;
mod durable;
mod error;
mod ledger;
mod ledger_memory;
mod lock;
mod prune;
mod pseudonyms;
mod reader;
pub mod record;
mod report;
mod role_map;
mod run_check;
mod run_index;
mod signer;
pub mod sshsig;
mod verify;
mod writer;

pub use allowed_signers::{AllowedSigners, Lookup};
pub use anchor::{Anchor, AnchorParseError, AnchorReport, Head};
pub use copy_check::{CopyEnd, check_copy};
pub use detached::{check_detached, check_signature, signer_allowed};
pub use durable::{CRASH_AFTER_WRITES_ENV, CRASH_TORN_ENV, durable_writes};
pub use error::{JournalError, Result};
pub use ledger::LEDGER_LOCK_FILE;
pub use lock::EmployeeLock;
pub use prune::{Pruned, prune_runs};
pub use pseudonyms::{DIGEST_PREFIX, Pseudonyms, SALT_FILE};
pub use reader::{LEDGER_FILE, Record, RunRecords, list_runs, read_run, run_path};
pub use record::{
    CHECKPOINT_RUN, Envelope, Event, FORMAT_VERSION, GENESIS, LedgerEvent, LedgerPayload,
    NAMESPACE, Payload, PlaybookRef, PlaybookSigner, PrunedRun, Target, Vcs, payload_hash,
};
pub use report::{BadRecord, Checkpoint, LedgerReport, Reason, RunReport, RunStatus, VerifyReport};
pub use role_map::RoleMap;
pub use run_check::{trusted, verify_runs};
pub use run_index::RunIndex;
pub use signer::Signer;
pub use verify::{verify, verify_anchored};
pub use writer::{RecordFields, Repair, RunJournal};
