//! The ledger, `<journal dir>/ledger.jsonl`: signed records in the run envelope that chain the
//! runs, so that deleting or renaming a whole run file is detected. This module owns writing it
//! (under an exclusive lock on `<journal dir>/ledger.lock`); [`verify`](super::verify) checks it.
//!
//! Protocol (crash-safe; a crash may stop it between any two durable writes):
//!
//! 1. Opening a run: with the ledger lock held, the run's first record (`run.started`, whose
//!    `prev` is the hash of the current last ledger record, or [`GENESIS`]) is built and signed
//!    in memory; then a `run.opened` ledger record naming the run and that first record's hash is
//!    written and synced; then the run file is created with that record, synced, and the
//!    directory synced; then the lock is released.
//! 2. A crash between the two writes leaves a last ledger record `run.opened` whose run file is
//!    missing or empty. Verification accepts exactly this case (the run is "interrupted before its
//!    first record"); the next run opened in the directory first appends `run.abandoned` for it.
//!    A `run.opened` whose file is missing or empty anywhere else is a deleted run.
//! 3. Finishing a run: after `run.finished` is written to the run file, a `run.sealed` ledger
//!    record names its hash and the number of records, so that cutting records off the end of a
//!    finished run is detected. A crash before the seal leaves a finished, unsealed run; resuming
//!    it writes the seal.
//!
//! [`GENESIS`]: super::record::GENESIS

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::durable::{append_line, sync_dir};
use super::error::{JournalError, Result};
use super::reader::{LEDGER_FILE, parse_envelope, run_path, split_lines};
use super::record::{
    Envelope, FORMAT_VERSION, GENESIS, LedgerEvent, LedgerPayload, now_rfc3339, payload_hash,
};
use super::signer::Signer;

/// The ledger's lock file name in the journal directory.
pub const LEDGER_LOCK_FILE: &str = "ledger.lock";

/// The ledger opened for appending, with its lock held until dropped.
pub(crate) struct LedgerWriter {
    path: PathBuf,
    file: File,
    entries: Vec<(LedgerPayload, String)>,
    _lock: File,
}

impl LedgerWriter {
    /// Lock the ledger of `dir` (waiting for other writers), read it and check its structure. A
    /// torn final line is truncated away.
    pub(crate) fn open_locked(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|source| JournalError::io("cannot create", dir, source))?;
        let lock_path = dir.join(LEDGER_LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| JournalError::io("cannot open", &lock_path, source))?;
        lock.lock()
            .map_err(|source| JournalError::io("cannot lock", &lock_path, source))?;

        let path = dir.join(LEDGER_FILE);
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|source| JournalError::io("cannot open", &path, source))?;
        if !existed {
            sync_dir(dir)?;
        }
        let bytes = std::fs::read(&path)
            .map_err(|source| JournalError::io("cannot read", &path, source))?;
        let (lines, tail) = split_lines(&bytes);
        if let Some(tail) = tail {
            let keep = (bytes.len() - tail.len()) as u64;
            file.set_len(keep)
                .and_then(|()| file.sync_data())
                .map_err(|source| JournalError::io("cannot repair", &path, source))?;
            tracing::warn!(
                "{}: removed a torn final line ({} bytes) left by an interrupted write",
                path.display(),
                tail.len()
            );
        }
        let mut entries: Vec<(LedgerPayload, String)> = Vec::with_capacity(lines.len());
        for (index, line) in lines.iter().enumerate() {
            let corrupt = |message: String| JournalError::Corrupt {
                path: path.clone(),
                line: index + 1,
                message,
            };
            let envelope = parse_envelope(line).map_err(corrupt)?;
            let payload: LedgerPayload = serde_json::from_str(&envelope.payload)
                .map_err(|e| corrupt(format!("payload: {e}")))?;
            let expected_prev = entries.last().map_or(GENESIS, |(_, hash)| hash.as_str());
            if payload.seq != index as u64 || payload.prev != expected_prev {
                return Err(corrupt("ledger chain is broken".to_owned()));
            }
            entries.push((payload, payload_hash(&envelope.payload)));
        }
        Ok(LedgerWriter {
            path,
            file,
            entries,
            _lock: lock,
        })
    }

    /// The hash a new run's first record chains to.
    pub(crate) fn head(&self) -> String {
        self.entries
            .last()
            .map_or_else(|| GENESIS.to_owned(), |(_, hash)| hash.clone())
    }

    /// The last ledger event about `run`, if any.
    pub(crate) fn state(&self, run: &str) -> Option<LedgerEvent> {
        self.entries
            .iter()
            .rev()
            .find(|(payload, _)| payload.run == run)
            .map(|(payload, _)| payload.event)
    }

    /// If the last record opened a run whose file was never written (a crash between the ledger
    /// write and the first run write), record that the run was abandoned and remove its empty
    /// file. Returns the abandoned run id.
    pub(crate) fn abandon_interrupted(
        &mut self,
        dir: &Path,
        signer: &Signer,
    ) -> Result<Option<String>> {
        let Some((last, _)) = self.entries.last() else {
            return Ok(None);
        };
        if last.event != LedgerEvent::Opened {
            return Ok(None);
        }
        let run = last.run.clone();
        let path = run_path(dir, &run);
        // No complete line: the first write never happened or was cut short.
        let empty = match std::fs::read(&path) {
            Ok(bytes) => !bytes.contains(&b'\n'),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(source) => return Err(JournalError::io("cannot read", &path, source)),
        };
        if !empty {
            return Ok(None);
        }
        self.append(signer, LedgerEvent::Abandoned, &run, None, None)?;
        match std::fs::remove_file(&path) {
            Ok(()) => sync_dir(dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(JournalError::io("cannot remove", &path, source)),
        }
        tracing::warn!("run {run} was interrupted before its first record; marked abandoned");
        Ok(Some(run))
    }

    /// Append one signed ledger record and sync it.
    pub(crate) fn append(
        &mut self,
        signer: &Signer,
        event: LedgerEvent,
        run: &str,
        hash: Option<String>,
        records: Option<u64>,
    ) -> Result<()> {
        let payload = LedgerPayload {
            v: FORMAT_VERSION,
            seq: self.entries.len() as u64,
            prev: self.head(),
            time: now_rfc3339(),
            signer: signer.principal().to_owned(),
            event,
            run: run.to_owned(),
            hash,
            records,
        };
        let text = serde_json::to_string(&payload)?;
        let line = encode_envelope(&text, signer)?;
        append_line(&mut self.file, &self.path, &line)?;
        let hash = payload_hash(&text);
        self.entries.push((payload, hash));
        Ok(())
    }
}

/// Sign `payload` and encode the one-line envelope.
pub(crate) fn encode_envelope(payload: &str, signer: &Signer) -> Result<String> {
    let envelope = Envelope {
        payload: payload.to_owned(),
        sig: signer.sign(payload.as_bytes()),
    };
    Ok(serde_json::to_string(&envelope)?)
}
