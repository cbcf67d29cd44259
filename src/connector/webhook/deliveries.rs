//! The local record of webhook deliveries: a JSON-lines file (`<journal>/webhooks/<name>.jsonl`)
//! with one line per message a receiver accepted, written and fsynced before the receipt is
//! returned. A webhook cannot be read back, so this record, together with the receiver's 2xx
//! and the signed journal record that quotes the receipt, is the evidence of delivery. It owns
//! the file's format; it never sends anything.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::connector::Receipt;
use crate::fsio::{self, JOURNAL_LINE, JOURNAL_STATE, Links};

/// One accepted delivery, one line of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// The message's idempotency key.
    pub key: String,
    /// The message's topic.
    pub topic: String,
    /// The receiver's HTTP status.
    pub status: u16,
    /// `<status> <url path>`.
    pub delivered_to: String,
    /// SHA-256 (hex) of the exact body bytes sent.
    pub body_sha256: String,
    /// When the receiver answered (RFC 3339, UTC).
    pub delivered_at: String,
}

impl DeliveryRecord {
    /// The receipt this record proves.
    pub fn receipt(&self) -> Receipt {
        Receipt {
            key: self.key.clone(),
            delivered_to: self.delivered_to.clone(),
            body_sha256: self.body_sha256.clone(),
        }
    }
}

/// Why the delivery record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryLogError {
    /// The file or its directory could not be created, read or written.
    #[error("{action} {}", crate::human::path(.path))]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A complete line is not a delivery record (the file was edited or damaged).
    #[error("{}:{line}: not a delivery record: {reason}", crate::human::path(.path))]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's reason.
        reason: String,
    },
}

/// The delivery record file of one webhook connector.
#[derive(Debug)]
pub struct DeliveryLog {
    path: PathBuf,
    lock: Mutex<()>,
}

impl DeliveryLog {
    /// The record at `path` (created with its directory on the first delivery).
    pub fn new(path: impl Into<PathBuf>) -> DeliveryLog {
        DeliveryLog {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The record of `key`, if a receiver accepted it. A last line cut short by a crash is not
    /// a record (its message is sent again under the same key).
    pub fn find(&self, key: &str) -> Result<Option<DeliveryRecord>, DeliveryLogError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let file = match fsio::open_regular(&self.path, JOURNAL_STATE, Links::Refuse) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io("cannot open", source)),
        };
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            line.clear();
            let read = (&mut reader)
                .take(JOURNAL_LINE.bytes + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| self.io("cannot read", e))?;
            if read == 0 {
                return Ok(None);
            }
            number += 1;
            if line.len() as u64 > JOURNAL_LINE.bytes {
                return Err(DeliveryLogError::Corrupt {
                    path: self.path.clone(),
                    line: number,
                    reason: format!("the line is longer than {JOURNAL_LINE}"),
                });
            }
            let complete = line.ends_with(b"\n");
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_str::<DeliveryRecord>(text) {
                Ok(record) if record.key == key => return Ok(Some(record)),
                Ok(_) => {}
                Err(_) if !complete => return Ok(None),
                Err(e) => {
                    return Err(DeliveryLogError::Corrupt {
                        path: self.path.clone(),
                        line: number,
                        reason: e.to_string(),
                    });
                }
            }
        }
    }

    /// Append `record` and fsync the file (and, when it was just created, its directory).
    pub fn append(&self, record: &DeliveryRecord) -> Result<(), DeliveryLogError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fsio::create_dir_all(dir, fsio::PRIVATE_DIR)
            .and_then(|()| fsio::refuse_link(dir))
            .map_err(|source| DeliveryLogError::Io {
                action: "cannot create directory",
                path: dir.to_owned(),
                source,
            })?;
        let (mut file, created) =
            fsio::open_or_create(&self.path, true).map_err(|e| self.io("cannot open", e))?;
        let mut line = serde_json::to_string(record).map_err(|e| DeliveryLogError::Corrupt {
            path: self.path.clone(),
            line: 0,
            reason: e.to_string(),
        })?;
        line.push('\n');
        // A crash may have left a torn last line (never a receipt): cut it off.
        if let Some(end) = complete_length(&mut file).map_err(|e| self.io("cannot read", e))? {
            file.set_len(end)
                .map_err(|e| self.io("cannot truncate", e))?;
        }
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| self.io("cannot write", e))?;
        if created {
            let _ = fsio::sync_dir(dir);
        }
        Ok(())
    }

    fn io(&self, action: &'static str, source: std::io::Error) -> DeliveryLogError {
        DeliveryLogError::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }
}

/// When the file ends in a torn line, the length up to its last newline; `None` when it ends
/// with a newline (or is empty).
fn complete_length(file: &mut File) -> std::io::Result<Option<u64>> {
    const CHUNK: u64 = 4096;
    let len = file.seek(SeekFrom::End(0))?;
    let mut end = len;
    let mut buf = vec![0u8; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(at) = chunk.iter().rposition(|&b| b == b'\n') {
            let complete = start + at as u64 + 1;
            return Ok((complete < len).then_some(complete));
        }
        end = start;
    }
    Ok((len > 0).then_some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str) -> DeliveryRecord {
        DeliveryRecord {
            key: key.to_owned(),
            topic: "notify.manager".to_owned(),
            status: 200,
            delivered_to: "200 /hook".to_owned(),
            body_sha256: "ab".repeat(32),
            delivered_at: "2026-01-01T00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn records_are_found_by_key_and_survive_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = DeliveryLog::new(dir.path().join("webhooks/finance.jsonl"));
        assert_eq!(log.find("a").unwrap(), None);
        log.append(&record("a")).unwrap();
        // A crash in the middle of the next append.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap();
        file.write_all(br#"{"key":"b","zz"#).unwrap();
        assert_eq!(log.find("b").unwrap(), None);
        log.append(&record("b")).unwrap();
        assert_eq!(log.find("a").unwrap(), Some(record("a")));
        assert_eq!(log.find("b").unwrap(), Some(record("b")));
        assert_eq!(log.find("c").unwrap(), None);
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.contains("zz"), "the torn line is cut off: {text}");
    }

    #[test]
    fn a_damaged_complete_line_is_reported_with_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.jsonl");
        std::fs::write(&path, "not json\n").unwrap();
        let error = DeliveryLog::new(&path).find("a").unwrap_err().to_string();
        assert!(
            error.ends_with("n.jsonl:1: not a delivery record: expected ident at line 1 column 2"),
            "{error}"
        );
    }
}
