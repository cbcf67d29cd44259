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
//! 2. A crash between the two writes (or during the second) leaves a last ledger record
//!    `run.opened` whose run file is missing, empty or holds only a torn line. Verification
//!    accepts the missing or empty file (the run is "interrupted before its first record") and
//!    reports a torn one like any torn line. Every ledger writer, before it appends (opening or
//!    sealing a run), first appends `run.abandoned` for such a run and removes its file
//!    ([`LedgerWriter::open_for_append`]), so a `run.opened` without records anywhere but last
//!    and unabandoned is a deleted run.
//! 3. Finishing a run: after `run.finished` is written to the run file, a `run.sealed` ledger
//!    record names its hash and the number of records, so that cutting records off the end of a
//!    finished run is detected. A crash before the seal leaves a finished, unsealed run; resuming
//!    it writes the seal.
//!
//! [`GENESIS`]: super::record::GENESIS

use std::fs::File;
use std::path::{Path, PathBuf};

use super::durable::{append_line, sync_dir};
use super::error::{JournalError, Result};
use super::ledger_memory::Memory;
use super::reader::{LEDGER_FILE, parse_envelope, run_path};
use super::record::{
    CHECKPOINT_RUN, Envelope, FORMAT_VERSION, GENESIS, LedgerEvent, LedgerPayload, PrunedRun,
    payload_hash,
};
use super::signer::Signer;
use crate::fsio::{self, JOURNAL_LINE, JOURNAL_STATE, Links, RUN_FILE};

/// The ledger's lock file name in the journal directory.
pub const LEDGER_LOCK_FILE: &str = "ledger.lock";

/// The ledger opened for appending, with its lock held until dropped.
///
/// Opening reads only the ledger's last record (what a new record chains to), so that opening
/// stays cheap however many runs the ledger holds; the whole chain is checked by `verify`. A
/// process that opens the same ledger again reads only what was appended since
/// ([`Memory`]).
pub(crate) struct LedgerWriter {
    path: PathBuf,
    file: File,
    /// What is known of the file: its complete length, last record, run index.
    memory: Memory,
    /// False while the file is being read when opened, and after a write that failed: what is
    /// known of it is then not kept for the next opening, which reads the file afresh.
    intact: bool,
    _lock: File,
}

/// Bytes read from the end of the ledger at a time when looking for its last record.
const TAIL_CHUNK: u64 = 64 * 1024;

impl LedgerWriter {
    /// Lock the ledger of `dir` (waiting for other writers) and read its last record. A torn
    /// final line is truncated away.
    pub(crate) fn open_locked(dir: &Path) -> Result<Self> {
        fsio::create_dir_all(dir, fsio::PRIVATE_DIR)
            .map_err(|source| JournalError::io("cannot create", dir, source))?;
        let lock_path = dir.join(LEDGER_LOCK_FILE);
        let (lock, _) = fsio::open_or_create(&lock_path, false)
            .map_err(|source| JournalError::io("cannot open", &lock_path, source))?;
        lock.lock()
            .map_err(|source| JournalError::io("cannot lock", &lock_path, source))?;

        let path = dir.join(LEDGER_FILE);
        let (file, created) = fsio::open_or_create(&path, true)
            .map_err(|source| JournalError::io("cannot open", &path, source))?;
        if created {
            sync_dir(dir)?;
        }
        let read_err = |source| JournalError::io("cannot read", &path, source);
        let mut ledger = LedgerWriter {
            memory: Memory::default(),
            intact: false,
            path: path.clone(),
            file,
            _lock: lock,
        };
        match Memory::recall(&path, &ledger.file).map_err(read_err)? {
            Some(memory) => ledger.catch_up(memory)?,
            None => ledger.read_last()?,
        }
        ledger.intact = true;
        Ok(ledger)
    }

    /// Read the last record from the end of the file, truncating a torn final line away.
    fn read_last(&mut self) -> Result<()> {
        let path = &self.path;
        let tail = read_tail(&self.file)
            .map_err(|source| JournalError::io("cannot read", path, source))?;
        if tail.torn > 0 {
            self.truncate(tail.complete, tail.torn)?;
        }
        let last = match &tail.last_line {
            None => None,
            Some(line) => Some(self.parse(line, tail.complete - line.len() as u64 - 1)?),
        };
        let memory = Memory::new(&self.file, tail.complete, last, tail.last_line)
            .map_err(|source| JournalError::io("cannot read", path, source))?;
        self.memory = memory;
        Ok(())
    }

    /// Read the records appended after what `memory` knows (by other processes), truncating a
    /// torn final line away.
    fn catch_up(&mut self, mut memory: Memory) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let read_err = |source| JournalError::io("cannot read", &self.path, source);
        let len = self.file.metadata().map_err(read_err)?.len();
        let mut bytes = vec![0; (len - memory.len) as usize];
        self.file
            .read_exact_at(&mut bytes, memory.len)
            .map_err(read_err)?;
        let (lines, torn) = super::reader::split_lines(&bytes);
        for line in lines {
            let (payload, hash) = self.parse(line, memory.len)?;
            memory.appended(payload, hash, line.to_vec());
        }
        if let Some(torn) = torn {
            self.truncate(memory.len, torn.len() as u64)?;
        }
        self.memory = memory;
        Ok(())
    }

    /// Cut the file to `complete` bytes, removing a torn final line of `torn` bytes.
    fn truncate(&self, complete: u64, torn: u64) -> Result<()> {
        self.file
            .set_len(complete)
            .and_then(|()| self.file.sync_data())
            .map_err(|source| JournalError::io("cannot repair", &self.path, source))?;
        tracing::warn!(
            "{}: removed a torn final line ({torn} bytes) left by an interrupted write",
            crate::human::path(&self.path),
        );
        Ok(())
    }

    /// Parse the ledger record `line`, found at byte `offset`, and its hash.
    fn parse(&self, line: &[u8], offset: u64) -> Result<(LedgerPayload, String)> {
        let corrupt = |message: String| JournalError::Corrupt {
            path: self.path.clone(),
            line: self.line_at(offset),
            message,
        };
        let envelope = parse_envelope(line).map_err(corrupt)?;
        let payload: LedgerPayload = serde_json::from_str(&envelope.payload)
            .map_err(|e| corrupt(format!("payload: {e}")))?;
        Ok((payload, payload_hash(&envelope.payload)))
    }

    /// The 1-based number of the line starting at byte `offset` (for error messages: reads the
    /// file up to there).
    fn line_at(&self, offset: u64) -> usize {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0; offset as usize];
        match self.file.read_exact_at(&mut bytes, 0) {
            Ok(()) => memchr::memchr_iter(b'\n', &bytes).count() + 1,
            Err(_) => 0,
        }
    }

    /// [`Self::open_locked`], then mark abandoned a run whose creator died before its first
    /// record (see [`Self::abandon_interrupted`]): every writer does this before it appends, so a
    /// `run.opened` without records is always either the ledger's last record or followed by its
    /// `run.abandoned`, whichever process writes next.
    pub(crate) fn open_for_append(dir: &Path, signer: &Signer) -> Result<Self> {
        let mut ledger = Self::open_locked(dir)?;
        ledger.abandon_interrupted(dir, signer)?;
        Ok(ledger)
    }

    /// The ledger file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The last record's bytes (without newline), as read when the ledger was opened.
    pub(crate) fn last_line(&self) -> Option<&[u8]> {
        self.memory.last_line.as_deref()
    }

    /// The 1-based line number of the last record (for error messages: reads the file).
    pub(crate) fn last_line_number(&self) -> usize {
        let memory = &self.memory;
        let length = memory.last_line.as_ref().map_or(0, |l| l.len() as u64 + 1);
        self.line_at(memory.len - length)
    }

    /// What the ledger holds about `run`: its latest record and its latest `run.opened` with the
    /// hash the run's first record must chain to (the record before it, or [`GENESIS`]). Only
    /// the lines that mention `run` (and the one before `run.opened`) are parsed; nothing is
    /// verified here.
    pub(crate) fn entries_of(&self, run: &str) -> Result<Option<RunEntries>> {
        let bytes = fsio::read(&self.path, JOURNAL_STATE, Links::Refuse)
            .map_err(|source| JournalError::io("cannot read", &self.path, source))?;
        entries_in(&bytes, &self.path, run)
    }

    /// The hash a new run's first record chains to.
    pub(crate) fn head(&self) -> String {
        self.memory
            .last
            .as_ref()
            .map_or_else(|| GENESIS.to_owned(), |(_, hash)| hash.clone())
    }

    /// The last ledger event about `run`, if any. The first lookup of a process reads the
    /// ledger, parsing only the records that mention `run`; from the second on (a batch), every
    /// run's latest event is indexed once and kept up to date.
    pub(crate) fn state(&mut self, run: &str) -> Result<Option<LedgerEvent>> {
        if self.memory.runs.is_none() && self.memory.wants_index() {
            self.run_index()?;
        }
        if let Some(runs) = &self.memory.runs {
            return Ok(runs.get(run).copied());
        }
        let bytes = self.complete_bytes()?;
        let mut checked = bytes.len();
        for hit in memchr::memmem::rfind_iter(&bytes, run.as_bytes()) {
            if hit >= checked {
                continue; // another mention in a line already read
            }
            let start = memchr::memrchr(b'\n', &bytes[..hit]).map_or(0, |i| i + 1);
            checked = start;
            let end = memchr::memchr(b'\n', &bytes[hit..]).map_or(bytes.len(), |i| hit + i);
            let (payload, _) = self.parse(&bytes[start..end], start as u64)?;
            if let Some(event) = payload.event_for(run) {
                return Ok(Some(event));
            }
        }
        Ok(None)
    }

    /// The runs the ledger names whose id starts with `prefix`, with their latest event.
    pub(crate) fn runs_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, LedgerEvent)>> {
        Ok(self
            .run_index()?
            .range(prefix.to_owned()..)
            .take_while(|(run, _)| run.starts_with(prefix))
            .map(|(run, event)| (run.clone(), *event))
            .collect())
    }

    /// The ledger's complete lines, as they stand (a torn tail was removed when it was opened).
    fn complete_bytes(&self) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0; self.memory.len as usize];
        self.file
            .read_exact_at(&mut bytes, 0)
            .map_err(|source| JournalError::io("cannot read", &self.path, source))?;
        Ok(bytes)
    }

    /// The latest event of every run the ledger names, indexed at the first call.
    fn run_index(&mut self) -> Result<&std::collections::BTreeMap<String, LedgerEvent>> {
        if self.memory.runs.is_none() {
            self.memory.runs = Some(self.read_index()?);
        }
        Ok(self.memory.runs.get_or_insert_default())
    }

    /// Read the latest event of every run the ledger names.
    fn read_index(&self) -> Result<std::collections::BTreeMap<String, LedgerEvent>> {
        let bytes = self.complete_bytes()?;
        let mut runs = std::collections::BTreeMap::new();
        let mut offset = 0;
        for line in super::reader::split_lines(&bytes).0 {
            let (payload, _) = self.parse(line, offset)?;
            for (run, event) in payload.runs() {
                runs.insert(run.to_owned(), event);
            }
            offset += line.len() as u64 + 1;
        }
        Ok(runs)
    }

    /// If the last record opened a run whose file was never written (a crash between the ledger
    /// write and the first run write), record that the run was abandoned and remove its empty
    /// file. Returns the abandoned run id.
    pub(crate) fn abandon_interrupted(
        &mut self,
        dir: &Path,
        signer: &Signer,
    ) -> Result<Option<String>> {
        let Some((last, _)) = &self.memory.last else {
            return Ok(None);
        };
        if last.event != LedgerEvent::Opened {
            return Ok(None);
        }
        let run = last.run.clone();
        let path = run_path(dir, &run);
        // No complete line: the first write never happened or was cut short.
        let empty = match fsio::read(&path, RUN_FILE, Links::Refuse) {
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

    /// Append one signed ledger record about `run` and sync it.
    pub(crate) fn append(
        &mut self,
        signer: &Signer,
        event: LedgerEvent,
        run: &str,
        hash: Option<String>,
        records: Option<u64>,
    ) -> Result<()> {
        let payload = self.next(signer, event, run, hash, records);
        self.write(signer, payload)
    }

    /// Append a signed `ledger.checkpoint` removing `pruned` (finished before `before`) and
    /// sync it; returns its `seq`.
    pub(crate) fn append_checkpoint(
        &mut self,
        signer: &Signer,
        before: &str,
        pruned: Vec<PrunedRun>,
    ) -> Result<u64> {
        let count = pruned.len() as u64;
        let mut payload = self.next(
            signer,
            LedgerEvent::Checkpoint,
            CHECKPOINT_RUN,
            None,
            Some(count),
        );
        payload.before = Some(before.to_owned());
        payload.pruned = Some(pruned);
        let seq = payload.seq;
        self.write(signer, payload)?;
        Ok(seq)
    }

    /// The payload of the next record, chained to the last one.
    fn next(
        &self,
        signer: &Signer,
        event: LedgerEvent,
        run: &str,
        hash: Option<String>,
        records: Option<u64>,
    ) -> LedgerPayload {
        LedgerPayload {
            v: FORMAT_VERSION,
            seq: self
                .memory
                .last
                .as_ref()
                .map_or(0, |(last, _)| last.seq + 1),
            prev: self.head(),
            time: crate::clock::now_rfc3339(),
            signer: signer.principal().to_owned(),
            event,
            run: run.to_owned(),
            hash,
            records,
            before: None,
            pruned: None,
        }
    }

    /// Sign `payload`, append it and sync it.
    fn write(&mut self, signer: &Signer, payload: LedgerPayload) -> Result<()> {
        let text = serde_json::to_string(&payload)?;
        let line = encode_envelope(&text, signer)?;
        // Until the line is known to be whole on disk, nothing about the file is remembered.
        self.intact = false;
        append_line(&mut self.file, &self.path, &line)?;
        self.intact = true;
        self.memory
            .appended(payload, payload_hash(&text), line.into_bytes());
        Ok(())
    }
}

impl Drop for LedgerWriter {
    /// Remember the ledger as this writer leaves it, for the process's next opening.
    fn drop(&mut self) {
        if self.intact {
            std::mem::take(&mut self.memory).keep(&self.path);
        }
    }
}

/// What the ledger bytes `bytes` (read from `path`) hold about `run` (see
/// [`LedgerWriter::entries_of`]); a torn final line is left out. Nothing is verified here.
pub(crate) fn entries_in(bytes: &[u8], path: &Path, run: &str) -> Result<Option<RunEntries>> {
    let complete = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let bytes = &bytes[..complete];
    let line_number = |start: usize| memchr::memchr_iter(b'\n', &bytes[..start]).count() + 1;
    let line_at = |start: usize| {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        &bytes[start..end]
    };
    let parse = |start: usize| -> Result<(LedgerPayload, String)> {
        let corrupt = |message: String| JournalError::Corrupt {
            path: path.to_owned(),
            line: line_number(start),
            message,
        };
        let envelope = parse_envelope(line_at(start)).map_err(corrupt)?;
        let payload: LedgerPayload = serde_json::from_str(&envelope.payload)
            .map_err(|e| corrupt(format!("payload: {e}")))?;
        Ok((payload, payload_hash(&envelope.payload)))
    };
    let mut latest: Option<LedgerLine> = None;
    let mut checked = bytes.len();
    for hit in memchr::memmem::rfind_iter(bytes, run.as_bytes()) {
        if hit >= checked {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..hit]).map_or(0, |i| i + 1);
        checked = start;
        let (payload, _) = parse(start)?;
        let Some(event) = payload.event_for(run) else {
            continue;
        };
        let here = LedgerLine {
            line: line_number(start),
            bytes: line_at(start).to_vec(),
        };
        if event != LedgerEvent::Opened {
            latest.get_or_insert(here);
            continue;
        }
        let chain_to = match start {
            0 => GENESIS.to_owned(),
            _ => {
                let before = memchr::memrchr(b'\n', &bytes[..start - 1]).map_or(0, |i| i + 1);
                parse(before)?.1
            }
        };
        return Ok(Some(RunEntries {
            latest: latest.unwrap_or_else(|| here.clone()),
            opened: Some((here, chain_to)),
        }));
    }
    Ok(latest.map(|latest| RunEntries {
        latest,
        opened: None,
    }))
}

/// One ledger line as stored.
#[derive(Debug, Clone)]
pub(crate) struct LedgerLine {
    /// 1-based line number.
    pub(crate) line: usize,
    /// The line without its newline.
    pub(crate) bytes: Vec<u8>,
}

/// What the ledger holds about one run (see [`LedgerWriter::entries_of`]).
#[derive(Debug)]
pub(crate) struct RunEntries {
    /// The latest record about the run.
    pub(crate) latest: LedgerLine,
    /// The latest `run.opened` and the hash the run's first record chains to; `None` when the
    /// ledger never opened the run.
    pub(crate) opened: Option<(LedgerLine, String)>,
}

/// Sign `payload` and encode the one-line envelope.
pub(crate) fn encode_envelope(payload: &str, signer: &Signer) -> Result<String> {
    let envelope = Envelope {
        payload: payload.to_owned(),
        sig: signer.sign(payload.as_bytes()),
    };
    Ok(serde_json::to_string(&envelope)?)
}

/// The end of the ledger file: where its complete lines end, how many bytes follow them (a torn
/// final line), and its last complete line.
struct Tail {
    complete: u64,
    torn: u64,
    last_line: Option<Vec<u8>>,
}

/// Read backwards from the end of `file`, a chunk at a time, until its last complete line is
/// found whole (it may be no longer than [`JOURNAL_LINE`]).
fn read_tail(file: &File) -> std::io::Result<Tail> {
    use std::os::unix::fs::FileExt;
    let len = file.metadata()?.len();
    let mut chunk = TAIL_CHUNK;
    loop {
        if chunk > 2 * JOURNAL_LINE.bytes + TAIL_CHUNK {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("its last line is longer than {JOURNAL_LINE}"),
            ));
        }
        let start = len.saturating_sub(chunk);
        let mut bytes = vec![0; (len - start) as usize];
        file.read_exact_at(&mut bytes, start)?;
        let Some(end) = memchr::memrchr(b'\n', &bytes) else {
            if start == 0 {
                return Ok(Tail {
                    complete: 0,
                    torn: len,
                    last_line: None,
                });
            }
            chunk *= 2;
            continue;
        };
        let begin = match memchr::memrchr(b'\n', &bytes[..end]) {
            Some(i) => i + 1,
            None if start == 0 => 0,
            None => {
                chunk *= 2;
                continue;
            }
        };
        let complete = start + end as u64 + 1;
        return Ok(Tail {
            complete,
            torn: len - complete,
            last_line: Some(bytes[begin..end].to_vec()),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::read_tail;

    fn tail_of(bytes: &[u8]) -> (u64, u64, Option<Vec<u8>>) {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        let tail = read_tail(&file).unwrap();
        (tail.complete, tail.torn, tail.last_line)
    }

    #[test]
    fn the_last_complete_line_and_a_torn_tail_are_found() {
        assert_eq!(tail_of(b""), (0, 0, None));
        assert_eq!(tail_of(b"torn"), (0, 4, None));
        assert_eq!(tail_of(b"one\n"), (4, 0, Some(b"one".to_vec())));
        assert_eq!(tail_of(b"one\ntwo\nto"), (8, 2, Some(b"two".to_vec())));
    }

    #[test]
    fn lines_longer_than_a_chunk_are_read_whole() {
        let long = vec![b'x'; 150 * 1024];
        let mut bytes = b"first\n".to_vec();
        bytes.extend_from_slice(&long);
        bytes.push(b'\n');
        let complete = bytes.len() as u64;
        bytes.extend_from_slice(&vec![b'y'; 100 * 1024]);
        let (end, torn, last) = tail_of(&bytes);
        assert_eq!((end, torn), (complete, 100 * 1024));
        assert_eq!(last, Some(long.clone()));
        // Only one line, longer than a chunk.
        let mut bytes = long.clone();
        bytes.push(b'\n');
        assert_eq!(tail_of(&bytes).2, Some(long));
    }
}
