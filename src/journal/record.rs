//! The public record format (a contract: auditors read it with jq and OpenSSH, and later versions
//! of offboard must keep reading it). It owns the envelope, the run payload and its event
//! vocabulary, and the hash that chains records. It never signs, writes or verifies anything.
//!
//! Every line of a journal file is exactly
//!
//! ```text
//! {"payload":"<a JSON object serialized as a JSON string>","sig":"<armored SSH signature>"}
//! ```
//!
//! `sig` is an OpenSSH SSHSIG signature (Ed25519, SHA-512, namespace `offboard`) over the exact
//! bytes of the `payload` string, and `prev` of the next record is `sha256:` + the hex SHA-256 of
//! those same bytes. Verification always hashes the original string, never a re-serialization.

use serde::{Deserialize, Serialize};

use super::error::{JournalError, Result};

/// The payload format version written by this build.
pub const FORMAT_VERSION: u32 = 1;

/// The SSHSIG namespace of every journal signature.
pub const NAMESPACE: &str = "offboard";

/// The `prev` of the very first ledger record.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// One line of a journal file: the payload string and its signature, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The payload, a JSON object serialized to a string; signed and hashed as these bytes.
    pub payload: String,
    /// The armored SSHSIG signature of `payload` (`-----BEGIN SSH SIGNATURE-----` ...).
    pub sig: String,
}

/// The payload of one run record. Optional fields are omitted when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// Format version, [`FORMAT_VERSION`].
    pub v: u32,
    /// The run id; equals the run file's name without `.jsonl`.
    pub run: String,
    /// 0-based position in the run.
    pub seq: u64,
    /// `sha256:<hex>` of the previous record's payload bytes; for `seq` 0, of the ledger record
    /// preceding the run's `run.opened` ledger entry ([`GENESIS`] if there is none).
    pub prev: String,
    /// When the record was written, RFC 3339 in UTC.
    pub time: String,
    /// The principal whose key signed the record (as listed in `allowed_signers`).
    pub signer: String,
    /// What happened.
    pub event: Event,
    /// The employee the run is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee: Option<String>,
    /// The playbook step id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The step's action (`kind`), e.g. `iam.deactivate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The step's owner role. On `step.confirmed` and `step.approved` the signer must hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The system and account acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Free JSON evidence, e.g. `{"before": ..., "after": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<serde_json::Value>,
    /// On `run.started`: the playbook and its provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<PlaybookRef>,
    /// A human note (e.g. `offboard confirm --note`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The system and account a step acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The connector name from the configuration.
    pub connector: String,
    /// The account in that system; absent when the employee has none there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// The playbook a run executes, with its git provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookRef {
    /// Path of the playbook file relative to the repository root.
    pub path: String,
    /// The git commit the playbook was read at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The git blob id of the playbook content the run used (for a dirty file, the id
    /// `git hash-object` gives the edited file, not HEAD's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Whether the working tree had uncommitted changes (`--allow-dirty`). Always false
    /// outside version control, where there is nothing to differ from: see `vcs`.
    pub dirty: bool,
    /// The version control the playbook was read from: `git`, or `none` when it is in no
    /// repository (then there is no `commit`, and `blob` alone identifies the content that
    /// ran). Absent from records written before this field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Vcs>,
    /// Who signed the commit that last changed the playbook, checked before the run under
    /// `policy.require_signed_playbooks`. Absent when the policy is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<PlaybookSigner>,
}

/// The signature on the commit that last changed a playbook, as the run checked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybookSigner {
    /// The signed commit (hex): the newest that changed the playbook, which may be older than
    /// the `commit` the run read it at.
    pub commit: String,
    /// The principal that the allowed-signers file of playbook commits lists for the key.
    pub principal: String,
}

/// Whether a playbook is under version control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vcs {
    /// In a git repository: `commit` and `dirty` say which version ran.
    Git,
    /// In no repository: nothing records which version ran but the content's blob id.
    None,
}

macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// The event a run record states. Unknown names read as [`Event::Other`] so that a newer
        /// journal stays verifiable.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Event {
            $( $(#[$doc])* $variant, )*
            /// An event name this build does not know.
            Other(String),
        }

        impl Event {
            /// The event's name in the journal, e.g. `step.confirmed`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Event::$variant => $name, )*
                    Event::Other(name) => name,
                }
            }

            /// The event named `name`.
            pub fn from_name(name: &str) -> Event {
                match name {
                    $( $name => Event::$variant, )*
                    other => Event::Other(other.to_owned()),
                }
            }
        }
    };
}

events! {
    /// The run began; the first record of every run and only the first.
    RunStarted => "run.started",
    /// The run was resumed after an interruption.
    RunResumed => "run.resumed",
    /// A step is about to change a target (written before the side effect).
    StepStarted => "step.started",
    /// A step's change was applied (the system accepted it).
    StepApplied => "step.applied",
    /// A step's post-condition was observed (read-back) or signed off by its owner role.
    StepConfirmed => "step.confirmed",
    /// A step failed.
    StepFailed => "step.failed",
    /// A step was blocked, e.g. by a legal hold.
    StepBlocked => "step.blocked",
    /// A step was skipped (nothing to do, or a dependency was not met).
    StepSkipped => "step.skipped",
    /// A staged step was scheduled for later.
    StepScheduled => "step.scheduled",
    /// A step waits for a manual confirmation or an approval.
    StepWaiting => "step.waiting",
    /// A step was approved by its owner role.
    StepApproved => "step.approved",
    /// The run is complete; final: nothing may follow it.
    RunFinished => "run.finished",
}

impl Event {
    /// Whether this event is an attestation by the step's owner role: the verifier requires a
    /// `role` on it and that the signer holds that role (separation of duties).
    pub fn is_attestation(&self) -> bool {
        matches!(self, Event::StepConfirmed | Event::StepApproved)
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Event::from_name(&name))
    }
}

/// The payload of one ledger record (`<journal dir>/ledger.jsonl`, same envelope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerPayload {
    /// Format version, [`FORMAT_VERSION`].
    pub v: u32,
    /// 0-based position in the ledger.
    pub seq: u64,
    /// `sha256:<hex>` of the previous ledger payload, [`GENESIS`] for the first.
    pub prev: String,
    /// When the record was written, RFC 3339 in UTC.
    pub time: String,
    /// The principal whose key signed the record.
    pub signer: String,
    /// What happened to the run.
    pub event: LedgerEvent,
    /// The run concerned.
    pub run: String,
    /// `run.opened`: hash of the run's first payload. `run.sealed`: hash of its last payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// `run.sealed`: the number of records in the run. `ledger.checkpoint`: the number of runs
    /// it removes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// `ledger.checkpoint`: the cut-off date; runs that finished before it were removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// `ledger.checkpoint`: every run it removes, with the hash of its last record and its
    /// record count (as its `run.sealed` said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned: Option<Vec<PrunedRun>>,
}

/// The `run` of a `ledger.checkpoint` record: a name no run can have (see [`check_id`]), since
/// the record is about the ledger itself.
pub const CHECKPOINT_RUN: &str = "ledger";

impl LedgerPayload {
    /// What this record says happened to `run`: its own event when it names the run, and
    /// [`LedgerEvent::Checkpoint`] when it is a checkpoint that removes the run.
    pub fn event_for(&self, run: &str) -> Option<LedgerEvent> {
        if self.run == run && self.event != LedgerEvent::Checkpoint {
            return Some(self.event);
        }
        self.pruned_entry(run).map(|_| LedgerEvent::Checkpoint)
    }

    /// The entry of a checkpoint for `run`, if it removes that run.
    pub fn pruned_entry(&self, run: &str) -> Option<&PrunedRun> {
        self.pruned.as_ref()?.iter().find(|p| p.run == run)
    }

    /// Every run this record is about, with what happened to it.
    pub fn runs(&self) -> Vec<(&str, LedgerEvent)> {
        match &self.pruned {
            Some(pruned) if self.event == LedgerEvent::Checkpoint => pruned
                .iter()
                .map(|p| (p.run.as_str(), LedgerEvent::Checkpoint))
                .collect(),
            _ => vec![(self.run.as_str(), self.event)],
        }
    }
}

/// One run a `ledger.checkpoint` removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrunedRun {
    /// The run id.
    pub run: String,
    /// The hash of the run's last record (`run.finished`), as sealed.
    pub hash: String,
    /// The number of records the run held.
    pub records: u64,
}

/// The events of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LedgerEvent {
    /// A run was opened; written and synced before the run's first record.
    #[serde(rename = "run.opened")]
    Opened,
    /// The run's last `run.opened` never got its first record (crash); the run file is absent.
    #[serde(rename = "run.abandoned")]
    Abandoned,
    /// The run finished; its file must end with the named record.
    #[serde(rename = "run.sealed")]
    Sealed,
    /// Finished runs were removed (`offboard prune`); the record lists each one with the hash
    /// of its last record. Written and synced before any run file is removed.
    #[serde(rename = "ledger.checkpoint")]
    Checkpoint,
}

/// `sha256:` + the hex SHA-256 of `payload`: the value the next record's `prev` holds.
pub fn payload_hash(payload: &str) -> String {
    format!("sha256:{}", crate::hex::sha256_hex(payload.as_bytes()))
}

/// Check that `value` is usable as a file name: 1 to 128 of `[A-Za-z0-9._-]`, not starting with
/// `.`, and not the ledger's name.
pub fn check_id(what: &'static str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && !value.starts_with('.')
        && value != "ledger"
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(JournalError::InvalidId {
            what,
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_omits_absent_fields() {
        let text = r#"{"v":1,"run":"r1","seq":0,"prev":"sha256:00","time":"2025-01-01T00:00:00Z","signer":"a@b","event":"run.started","employee":"e1","playbook":{"path":"playbooks/leaver.yaml","commit":"abc","dirty":false}}"#;
        let payload: Payload = serde_json::from_str(text).unwrap();
        assert_eq!(payload.event, Event::RunStarted);
        assert_eq!(serde_json::to_string(&payload).unwrap(), text);
    }

    #[test]
    fn unknown_events_are_kept_and_unknown_fields_rejected() {
        let text = r#"{"v":1,"run":"r","seq":3,"prev":"p","time":"t","signer":"s","event":"step.frobbed"}"#;
        let payload: Payload = serde_json::from_str(text).unwrap();
        assert_eq!(payload.event, Event::Other("step.frobbed".into()));
        assert_eq!(serde_json::to_string(&payload).unwrap(), text);
        let extra = text.replace("}", r#","extra":1}"#);
        assert!(serde_json::from_str::<Payload>(&extra).is_err());
    }

    #[test]
    fn every_known_event_name_maps_back() {
        for name in [
            "run.started",
            "run.resumed",
            "step.started",
            "step.applied",
            "step.confirmed",
            "step.failed",
            "step.blocked",
            "step.skipped",
            "step.scheduled",
            "step.waiting",
            "step.approved",
            "run.finished",
        ] {
            let event = Event::from_name(name);
            assert!(!matches!(event, Event::Other(_)), "{name}");
            assert_eq!(event.as_str(), name);
        }
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            payload_hash(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn ids_are_file_name_safe() {
        for good in ["r-20250101-e1", "a", "x.y_z"] {
            assert!(check_id("run id", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".hidden",
            "a/b",
            "ledger",
            "a b",
            "..",
            &"x".repeat(129),
        ] {
            assert!(check_id("run id", bad).is_err(), "{bad}");
        }
    }
}
