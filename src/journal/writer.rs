//! Writing one run's journal: create it (through the ledger), resume it, append records. Every
//! record is signed and written as one line. [`RunJournal::append`] syncs it (and everything
//! before it) to disk before returning; [`RunJournal::append_unsynced`] leaves the sync to the
//! next synced append, [`RunJournal::sync`], or dropping the journal, so the caller decides
//! which records must be durable before its next side effect. It never reads connectors or
//! playbooks and never decides what to record.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::allowed_signers::AllowedSigners;
use super::check::{check_line, check_lines};
use super::durable::{append_line, append_line_unsynced, sync_dir, sync_file};
use super::error::{JournalError, Result};
use super::ledger::{LedgerLine, LedgerWriter, encode_envelope};
use super::reader::{Record, read_run, run_path};
use super::record::{
    Envelope, Event, FORMAT_VERSION, LedgerEvent, LedgerPayload, Payload, PlaybookRef, Target,
    check_id, payload_hash,
};
use super::signer::Signer;
use crate::fsio::{self, Links, RUN_FILE};

/// What the caller states in a record; the journal adds `v`, `run`, `seq`, `prev`, `time` (unless
/// given) and `signer`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordFields {
    /// What happened.
    pub event: Event,
    /// When it happened; now if `None`. Written in UTC.
    pub time: Option<time::OffsetDateTime>,
    /// The employee id.
    pub employee: Option<String>,
    /// The step id.
    pub step: Option<String>,
    /// The step's action (`kind`).
    pub action: Option<String>,
    /// The step's owner role (required on `step.confirmed` and `step.approved`).
    pub role: Option<String>,
    /// The system and account acted on.
    pub target: Option<Target>,
    /// Evidence, e.g. `{"before": ..., "after": ...}`. Never secrets.
    pub evidence: Option<serde_json::Value>,
    /// On `run.started`: the playbook and its provenance.
    pub playbook: Option<PlaybookRef>,
    /// A human note.
    pub note: Option<String>,
}

impl RecordFields {
    /// Fields for `event`, everything else absent.
    pub fn new(event: Event) -> Self {
        RecordFields {
            event,
            time: None,
            employee: None,
            step: None,
            action: None,
            role: None,
            target: None,
            evidence: None,
            playbook: None,
            note: None,
        }
    }

    /// Set the time.
    pub fn time(mut self, time: time::OffsetDateTime) -> Self {
        self.time = Some(time);
        self
    }

    /// Set the employee id.
    pub fn employee(mut self, employee: impl Into<String>) -> Self {
        self.employee = Some(employee.into());
        self
    }

    /// Set the step id.
    pub fn step(mut self, step: impl Into<String>) -> Self {
        self.step = Some(step.into());
        self
    }

    /// Set the action.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// Set the owner role.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Set the target connector and account.
    pub fn target(mut self, connector: impl Into<String>, account: Option<String>) -> Self {
        self.target = Some(Target {
            connector: connector.into(),
            account,
        });
        self
    }

    /// Set the evidence.
    pub fn evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = Some(evidence);
        self
    }

    /// Set the playbook provenance (on `run.started`).
    pub fn playbook(mut self, playbook: PlaybookRef) -> Self {
        self.playbook = Some(playbook);
        self
    }

    /// Set the note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// What `open` had to repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// A final line without newline (a write cut short by a crash) was truncated away.
    TornLineRemoved {
        /// The run file.
        path: PathBuf,
        /// The 1-based line number the torn line had.
        line: usize,
        /// How many bytes were removed.
        bytes: u64,
    },
    /// The run had finished but the ledger lacked its seal (crash in between); the seal was
    /// written.
    SealWritten,
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::TornLineRemoved { path, line, bytes } => write!(
                f,
                "{}:{line}: removed a torn final line ({bytes} bytes) left by an interrupted write",
                crate::human::path(path)
            ),
            Repair::SealWritten => f.write_str("wrote the missing ledger seal of a finished run"),
        }
    }
}

/// One run's journal, open for appending. Holds an exclusive lock on the run file while alive.
#[derive(Debug)]
pub struct RunJournal {
    dir: PathBuf,
    run: String,
    path: PathBuf,
    file: File,
    signer: Signer,
    records: Vec<Payload>,
    prev: String,
    repairs: Vec<Repair>,
    /// Whether records were written since the file was last synced.
    unsynced: bool,
}

impl RunJournal {
    /// Start run `run_id` in `dir`: register it in the ledger and write its first record, built
    /// from `first` (whose event must be [`Event::RunStarted`]). Both writes are synced.
    pub fn create(dir: &Path, run_id: &str, signer: Signer, first: RecordFields) -> Result<Self> {
        check_id("run id", run_id)?;
        if first.event != Event::RunStarted {
            return Err(JournalError::MisplacedRunStarted {
                run: run_id.to_owned(),
            });
        }
        let mut ledger = LedgerWriter::open_for_append(dir, &signer)?;
        let path = run_path(dir, run_id);
        // A file without a complete line is the leftover of an abandoned attempt (a crash while
        // `run.abandoned` was being recorded); the ledger state below decides.
        let file_has_data = match fsio::read(&path, RUN_FILE, Links::Refuse) {
            Ok(bytes) => bytes.contains(&b'\n'),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(source) => return Err(JournalError::io("cannot read", &path, source)),
        };
        if file_has_data || matches!(ledger.state(run_id)?, Some(s) if s != LedgerEvent::Abandoned)
        {
            return Err(JournalError::RunExists {
                run: run_id.to_owned(),
            });
        }

        let payload = build(run_id, 0, ledger.head(), &signer, first);
        let text = serde_json::to_string(&payload)?;
        let hash = payload_hash(&text);
        let line = encode_envelope(&text, &signer)?;
        ledger.append(
            &signer,
            LedgerEvent::Opened,
            run_id,
            Some(hash.clone()),
            None,
        )?;

        let (mut file, _) = fsio::open_or_create(&path, false)
            .map_err(|source| JournalError::io("cannot create", &path, source))?;
        lock_run(&file, run_id)?;
        // A leftover without a complete line (see above) is emptied.
        file.set_len(0)
            .map_err(|source| JournalError::io("cannot create", &path, source))?;
        append_line(&mut file, &path, &line)?;
        sync_dir(dir)?;
        drop(ledger);
        Ok(RunJournal {
            dir: dir.to_owned(),
            run: run_id.to_owned(),
            path,
            file,
            signer,
            records: vec![payload],
            prev: hash,
            repairs: Vec::new(),
            unsynced: false,
        })
    }

    /// Resume run `run_id` in `dir`, trusting nothing it has not verified: every record of the
    /// run must carry a valid signature by a key `allowed` lists for its signer, chain to the
    /// previous one, and the run must be registered in the ledger with exactly that first record
    /// (and, once sealed, end where the seal says); the ledger's last record and the records
    /// about this run must verify too. Anything else is [`JournalError::Untrusted`] naming the
    /// file and line, and nothing is written. Then it continues as [`Self::open`] does.
    pub fn resume(
        dir: &Path,
        run_id: &str,
        signer: Signer,
        allowed: &AllowedSigners,
    ) -> Result<Self> {
        Self::open_checked(dir, run_id, signer, Some(allowed))
    }

    /// Open run `run_id` in `dir` for appending, checking its structure and chain but not its
    /// signatures: for tools and tests that write to a journal they made themselves. Commands
    /// that act on what the journal says use [`Self::resume`]. A torn final line is truncated
    /// away (see [`Self::repairs`]); any other damage is an error. A run whose file holds no
    /// complete record is [`JournalError::RunInterrupted`].
    pub fn open(dir: &Path, run_id: &str, signer: Signer) -> Result<Self> {
        Self::open_checked(dir, run_id, signer, None)
    }

    fn open_checked(
        dir: &Path,
        run_id: &str,
        signer: Signer,
        allowed: Option<&AllowedSigners>,
    ) -> Result<Self> {
        check_id("run id", run_id)?;
        let path = run_path(dir, run_id);
        let mut file = fsio::open_existing(&path, true).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => JournalError::RunNotFound {
                run: run_id.to_owned(),
                dir: dir.to_owned(),
            },
            _ => JournalError::io("cannot open", &path, source),
        })?;
        lock_run(&file, run_id)?;
        let read = read_run(dir, run_id)?;
        if read.records.is_empty() {
            return Err(JournalError::RunInterrupted {
                run: run_id.to_owned(),
            });
        }
        // The ledger lock is taken up front, as a new run takes it: a damaged ledger stops the
        // resume before any step runs, not when the run is finally sealed.
        let mut ledger = LedgerWriter::open_locked(dir)?;
        if let Some(allowed) = allowed {
            check_records(&read.path, &read.records, allowed)?;
            check_ledger_entries(&ledger, run_id, &read.path, &read.records, allowed)?;
        }
        let mut repairs = Vec::new();
        if read.torn_tail {
            let size = file
                .metadata()
                .map_err(|source| JournalError::io("cannot read", &path, source))?
                .len();
            let keep = fsio::read(&path, RUN_FILE, Links::Refuse)
                .map_err(|source| JournalError::io("cannot read", &path, source))?
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i as u64 + 1);
            file.set_len(keep)
                .and_then(|()| file.sync_data())
                .map_err(|source| JournalError::io("cannot repair", &path, source))?;
            let repair = Repair::TornLineRemoved {
                path: path.clone(),
                line: read.records.len() + 1,
                bytes: size - keep,
            };
            tracing::warn!("{repair}");
            repairs.push(repair);
        }
        let prev = read
            .records
            .last()
            .map(|r| r.hash.clone())
            .unwrap_or_default();
        let records: Vec<Payload> = read.records.into_iter().map(|r| r.payload).collect();
        let finished = records
            .last()
            .is_some_and(|p| p.event == Event::RunFinished);
        if finished {
            ledger.abandon_interrupted(dir, &signer)?;
            if ledger.state(run_id)? == Some(LedgerEvent::Opened) {
                ledger.append(
                    &signer,
                    LedgerEvent::Sealed,
                    run_id,
                    Some(prev.clone()),
                    Some(records.len() as u64),
                )?;
                repairs.push(Repair::SealWritten);
            }
        }
        drop(ledger);
        // Appends go after the repaired end.
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0))
            .map_err(|source| JournalError::io("cannot open", &path, source))?;
        Ok(RunJournal {
            dir: dir.to_owned(),
            run: run_id.to_owned(),
            path,
            file,
            signer,
            records,
            prev,
            repairs,
            // Another process may have left records it had not synced yet (see
            // `append_unsynced`): the first sync covers them before anything new depends on them.
            // `run.finished` is always synced, so a finished run's records are on disk.
            unsynced: !finished,
        })
    }

    /// Sign and append one record; it is on disk when this returns, with every record before
    /// it. Appending `run.finished` also seals the run in the ledger.
    pub fn append(&mut self, fields: RecordFields) -> Result<Payload> {
        self.write(fields, true)
    }

    /// Sign and append one record without waiting for the disk: it becomes durable with the
    /// next [`Self::append`], [`Self::sync`] or when the journal is dropped. For a record whose
    /// loss in a power cut leaves a journal a crash right before writing it would leave too.
    /// `run.finished` is always synced.
    pub fn append_unsynced(&mut self, fields: RecordFields) -> Result<Payload> {
        let sync = fields.event == Event::RunFinished;
        self.write(fields, sync)
    }

    /// Make every record appended so far durable; nothing to do when they are.
    pub fn sync(&mut self) -> Result<()> {
        if self.unsynced {
            sync_file(&self.file, &self.path)?;
            self.unsynced = false;
        }
        Ok(())
    }

    fn write(&mut self, fields: RecordFields, sync: bool) -> Result<Payload> {
        if self.is_finished() {
            return Err(JournalError::RunFinished {
                run: self.run.clone(),
            });
        }
        if fields.event == Event::RunStarted {
            return Err(JournalError::MisplacedRunStarted {
                run: self.run.clone(),
            });
        }
        let seq = self.records.len() as u64;
        let finished = fields.event == Event::RunFinished;
        let payload = build(&self.run, seq, self.prev.clone(), &self.signer, fields);
        let text = serde_json::to_string(&payload)?;
        let line = encode_envelope(&text, &self.signer)?;
        if sync {
            append_line(&mut self.file, &self.path, &line)?;
        } else {
            append_line_unsynced(&mut self.file, &self.path, &line)?;
        }
        self.unsynced = !sync;
        self.prev = payload_hash(&text);
        self.records.push(payload.clone());
        if finished {
            let mut ledger = LedgerWriter::open_for_append(&self.dir, &self.signer)?;
            ledger.append(
                &self.signer,
                LedgerEvent::Sealed,
                &self.run,
                Some(self.prev.clone()),
                Some(seq + 1),
            )?;
        }
        Ok(payload)
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run
    }

    /// The run file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every record of the run so far, in order (for resuming: what was already done).
    pub fn records(&self) -> &[Payload] {
        &self.records
    }

    /// Whether `run.finished` was written.
    pub fn is_finished(&self) -> bool {
        self.records
            .last()
            .is_some_and(|p| p.event == Event::RunFinished)
    }

    /// What `open` repaired (empty after `create`).
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }
}

impl Drop for RunJournal {
    /// Records appended without a sync are synced before the file is closed.
    fn drop(&mut self) {
        if let Err(e) = self.sync() {
            tracing::warn!("{e}");
        }
    }
}

/// Verify every record's envelope, signature and signer against `allowed` (the chain and
/// sequence were checked by the read).
fn check_records(path: &Path, records: &[Record], allowed: &AllowedSigners) -> Result<()> {
    let lines: Vec<Vec<u8>> = records
        .iter()
        .map(|r| {
            serde_json::to_vec(&Envelope {
                payload: r.payload_text.clone(),
                sig: r.sig.clone(),
            })
        })
        .collect::<std::result::Result<_, _>>()?;
    let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    for (record, result) in records.iter().zip(check_lines::<Payload>(&refs, allowed)) {
        if let Err((_, reason)) = result {
            return Err(JournalError::Untrusted {
                path: path.to_owned(),
                line: record.line,
                message: reason.to_string(),
            });
        }
    }
    Ok(())
}

/// Verify what the ledger says about the run against its records: the ledger's last record and
/// the run's records in it carry valid signatures, the run was opened with exactly its first
/// record (chained to the ledger record before), was not abandoned, and if sealed, ends where
/// the seal says.
fn check_ledger_entries(
    ledger: &LedgerWriter,
    run_id: &str,
    path: &Path,
    records: &[Record],
    allowed: &AllowedSigners,
) -> Result<()> {
    let ledger_path = ledger.path().to_owned();
    let untrusted = |path: &Path, line: usize, message: String| JournalError::Untrusted {
        path: path.to_owned(),
        line,
        message,
    };
    let verified = |line: &LedgerLine| -> Result<LedgerPayload> {
        check_line::<LedgerPayload>(&line.bytes, allowed)
            .map(|checked| checked.payload)
            .map_err(|(_, reason)| untrusted(&ledger_path, line.line, reason.to_string()))
    };
    if let Some(bytes) = ledger.last_line() {
        check_line::<LedgerPayload>(bytes, allowed).map_err(|(_, reason)| {
            untrusted(&ledger_path, ledger.last_line_number(), reason.to_string())
        })?;
    }
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Ok(());
    };
    let not_registered = || {
        untrusted(
            path,
            1,
            format!(
                "run {run_id} is not registered in the ledger {}",
                crate::human::path(&ledger_path)
            ),
        )
    };
    let entries = ledger.entries_of(run_id)?.ok_or_else(not_registered)?;
    let (opened_line, chain_to) = entries.opened.as_ref().ok_or_else(not_registered)?;
    let opened = verified(opened_line)?;
    let latest = verified(&entries.latest)?;
    if opened.hash.as_deref() != Some(first.hash.as_str()) {
        return Err(untrusted(
            path,
            1,
            format!(
                "the first record hashes to {}, but {}:{} registered {}",
                first.hash,
                crate::human::path(&ledger_path),
                opened_line.line,
                opened.hash.as_deref().unwrap_or("nothing")
            ),
        ));
    }
    if &first.payload.prev != chain_to {
        return Err(untrusted(
            path,
            1,
            format!(
                "prev {} does not chain to the ledger record before {}:{} ({chain_to})",
                first.payload.prev,
                crate::human::path(&ledger_path),
                opened_line.line
            ),
        ));
    }
    match latest.event {
        LedgerEvent::Opened => Ok(()),
        LedgerEvent::Abandoned => Err(untrusted(
            &ledger_path,
            entries.latest.line,
            format!("the ledger marks run {run_id} abandoned, but its file has records"),
        )),
        LedgerEvent::Checkpoint => Err(untrusted(
            &ledger_path,
            entries.latest.line,
            format!(
                "a ledger.checkpoint removed run {run_id}, but its file is still there (an \
                 interrupted `offboard prune`: run it again to finish)"
            ),
        )),
        LedgerEvent::Sealed => {
            let sealed = latest.records.unwrap_or(0);
            let count = records.len() as u64;
            if sealed != count || latest.hash.as_deref() != Some(last.hash.as_str()) {
                return Err(untrusted(
                    path,
                    last.line,
                    format!(
                        "{}:{} sealed this run at {sealed} records; the file has {count} ending in another record",
                        crate::human::path(&ledger_path),
                        entries.latest.line
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// How long a run file's lock is waited for before the run counts as open in another process:
/// a lock can outlive its holder by a moment (a process forked while it was held keeps it until
/// the child starts its own program).
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(500);

fn lock_run(file: &File, run_id: &str) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(JournalError::RunBusy {
                    run: run_id.to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(JournalError::io(
                    "cannot lock",
                    format!("run {run_id}"),
                    source,
                ));
            }
        }
    }
}

fn build(run: &str, seq: u64, prev: String, signer: &Signer, fields: RecordFields) -> Payload {
    let time = match fields.time {
        Some(time) => time
            .to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| crate::clock::now_rfc3339()),
        None => crate::clock::now_rfc3339(),
    };
    Payload {
        v: FORMAT_VERSION,
        run: run.to_owned(),
        seq,
        prev,
        time,
        signer: signer.principal().to_owned(),
        event: fields.event,
        employee: fields.employee,
        step: fields.step,
        action: fields.action,
        role: fields.role,
        target: fields.target,
        evidence: fields.evidence,
        playbook: fields.playbook,
        note: fields.note,
    }
}
