//! What this process remembers of a ledger between two openings of it, so that a batch of runs
//! does not re-read a ledger that grows with every run: the length of its complete lines, its
//! last record, and (once the runs it names are asked for twice) the latest event of each run.
//!
//! Nothing remembered is trusted blindly. Each opening, under the ledger lock, checks that the
//! file is the same one (device and inode), is no shorter, and still holds the remembered last
//! line where it was; the ledger writer then reads only the lines other processes appended since.
//! Anything else (a file replaced, truncated or rewritten at its end) is forgotten and the
//! ledger read afresh. Only the ledger writer, holding the lock, takes and keeps a memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::record::{LedgerEvent, LedgerPayload};

/// What is remembered of one ledger file (empty by default: nothing known yet).
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// The file's device and inode.
    id: (u64, u64),
    /// The bytes of its complete lines.
    pub(crate) len: u64,
    /// The last record and its hash; `None` while the ledger is empty.
    pub(crate) last: Option<(LedgerPayload, String)>,
    /// The last record's line, without its newline.
    pub(crate) last_line: Option<Vec<u8>>,
    /// The latest event of every run the ledger names, once built.
    pub(crate) runs: Option<BTreeMap<String, LedgerEvent>>,
    /// How many times a run's state was looked up by scanning the file (see
    /// [`Memory::wants_index`]).
    scans: u32,
}

/// The memories of the ledgers this process has written, by ledger path.
static MEMORIES: Mutex<BTreeMap<PathBuf, Memory>> = Mutex::new(BTreeMap::new());

impl Memory {
    /// A memory of `file` (the ledger) holding `len` bytes of complete lines ending with
    /// `last_line` (parsed as `last`); no run index yet.
    pub(crate) fn new(
        file: &File,
        len: u64,
        last: Option<(LedgerPayload, String)>,
        last_line: Option<Vec<u8>>,
    ) -> std::io::Result<Memory> {
        Ok(Memory {
            id: identity(file)?,
            len,
            last,
            last_line,
            runs: None,
            scans: 0,
        })
    }

    /// The memory of the ledger at `path`, if this process has one and `file` (open on that
    /// path, with the ledger lock held) still matches it: the same file, no shorter, with the
    /// remembered last line where it was. A memory that does not match is forgotten.
    pub(crate) fn recall(path: &Path, file: &File) -> std::io::Result<Option<Memory>> {
        let memory = MEMORIES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(path);
        let Some(memory) = memory else {
            return Ok(None);
        };
        let len = file.metadata()?.len();
        if identity(file)? != memory.id || len < memory.len {
            return Ok(None);
        }
        let holds = match &memory.last_line {
            None => memory.len == 0,
            Some(line) => {
                let at = memory.len.checked_sub(line.len() as u64 + 1);
                let mut bytes = vec![0; line.len() + 1];
                match at {
                    Some(at) => {
                        file.read_exact_at(&mut bytes, at)?;
                        bytes[..line.len()] == line[..] && bytes[line.len()] == b'\n'
                    }
                    None => false,
                }
            }
        };
        Ok(holds.then_some(memory))
    }

    /// Remember this memory of the ledger at `path` until its next opening.
    pub(crate) fn keep(self, path: &Path) {
        MEMORIES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_path_buf(), self);
    }

    /// Count one lookup of a run's state; true when the run index is worth building: from the
    /// second lookup on (a batch), while a single run's one lookup scans the file as it is.
    pub(crate) fn wants_index(&mut self) -> bool {
        self.scans += 1;
        self.scans >= 2
    }

    /// Note a complete record appended at the end (by this process or, read back, another).
    pub(crate) fn appended(&mut self, payload: LedgerPayload, hash: String, line: Vec<u8>) {
        self.len += line.len() as u64 + 1;
        if let Some(runs) = &mut self.runs {
            for (run, event) in payload.runs() {
                runs.insert(run.to_owned(), event);
            }
        }
        self.last = Some((payload, hash));
        self.last_line = Some(line);
    }
}

/// The device and inode of `file`.
fn identity(file: &File) -> std::io::Result<(u64, u64)> {
    let meta = file.metadata()?;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use crate::journal::ledger::LedgerWriter;
    use crate::journal::reader::LEDGER_FILE;
    use crate::journal::record::{LedgerEvent, LedgerPayload, payload_hash};
    use crate::journal::signer::Signer;

    fn last_hash(path: &std::path::Path) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        let line = text.lines().last().unwrap();
        let envelope: crate::journal::record::Envelope = serde_json::from_str(line).unwrap();
        let _: LedgerPayload = serde_json::from_str(&envelope.payload).unwrap();
        payload_hash(&envelope.payload)
    }

    #[test]
    fn what_another_writer_appended_or_replaced_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let signer = Signer::from_seed([5; 32], "it@acme");
        let path = dir.path().join(LEDGER_FILE);
        let append = |dir: &std::path::Path, runs: &[&str]| {
            let mut ledger = LedgerWriter::open_locked(dir).unwrap();
            for run in runs {
                ledger
                    .append(&signer, LedgerEvent::Opened, run, None, None)
                    .unwrap();
            }
        };
        append(dir.path(), &["r1", "r2"]);
        // Another process appends two records and starts a third it never finishes.
        append(other.path(), &["x1", "x2"]);
        let foreign = std::fs::read(other.path().join(LEDGER_FILE)).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(&foreign).unwrap();
        file.write_all(b"{\"payload\":\"torn").unwrap();
        drop(file);
        let mut ledger = LedgerWriter::open_locked(dir.path()).unwrap();
        assert_eq!(
            ledger.head(),
            last_hash(&path),
            "the appended records count"
        );
        assert!(
            !std::fs::read(&path).unwrap().ends_with(b"torn"),
            "torn tail cut"
        );
        // Indexed from the second lookup on, with the other writer's runs.
        assert_eq!(ledger.state("x2").unwrap(), Some(LedgerEvent::Opened));
        assert_eq!(ledger.state("r1").unwrap(), Some(LedgerEvent::Opened));
        assert_eq!(ledger.state("nope").unwrap(), None);
        ledger
            .append(&signer, LedgerEvent::Sealed, "r1", None, None)
            .unwrap();
        assert_eq!(ledger.state("r1").unwrap(), Some(LedgerEvent::Sealed));
        assert_eq!(ledger.last_line_number(), 5);
        drop(ledger);
        // The file replaced by another (a restore from backup): read afresh.
        std::fs::copy(other.path().join(LEDGER_FILE), dir.path().join("new")).unwrap();
        std::fs::rename(dir.path().join("new"), &path).unwrap();
        let mut ledger = LedgerWriter::open_locked(dir.path()).unwrap();
        assert_eq!(ledger.head(), last_hash(&path));
        assert_eq!(ledger.state("r1").unwrap(), None);
        assert_eq!(ledger.state("x1").unwrap(), Some(LedgerEvent::Opened));
    }
}
