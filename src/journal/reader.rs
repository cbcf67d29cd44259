//! Reading journal files: splitting a file into lines (and spotting a torn final line), and the
//! structural read of a run (envelope, payload, run id, sequence, hash chain) that resuming and
//! reporting rely on. It checks no signature (that is [`verify`](super::verify)) and never
//! writes. Journal files are read only when they are regular files, not links, within
//! [`RUN_FILE`] and with lines within [`JOURNAL_LINE`].

use std::path::{Path, PathBuf};

use super::error::{JournalError, Result};
use super::record::{Envelope, Payload, check_id, payload_hash};
use crate::fsio::{self, JOURNAL_LINE, Links, RUN_FILE};

/// The extension of run files.
pub const RUN_EXTENSION: &str = "jsonl";

/// The ledger's file name in the journal directory.
pub const LEDGER_FILE: &str = "ledger.jsonl";

/// One record of a run as stored.
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based line number in the run file.
    pub line: usize,
    /// The payload string exactly as stored (what is signed and hashed).
    pub payload_text: String,
    /// The armored signature.
    pub sig: String,
    /// The parsed payload.
    pub payload: Payload,
    /// `sha256:<hex>` of `payload_text`.
    pub hash: String,
}

/// The records of one run, read without checking signatures.
#[derive(Debug, Clone)]
pub struct RunRecords {
    /// The run file.
    pub path: PathBuf,
    /// The records in order.
    pub records: Vec<Record>,
    /// A final line without newline (a write cut short by a crash) was present and left out.
    pub torn_tail: bool,
}

/// The file holding run `run_id` in `dir`.
pub fn run_path(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(format!("{run_id}.{RUN_EXTENSION}"))
}

/// The run ids that have a run file in `dir`, sorted; an absent directory has none.
pub fn list_runs(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(JournalError::io("cannot list", dir, source)),
    };
    let mut runs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| JournalError::io("cannot list", dir, source))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(run) = name.strip_suffix(".jsonl")
            && check_id("run id", run).is_ok()
        {
            runs.push(run.to_owned());
        }
    }
    runs.sort();
    Ok(runs)
}

/// Split file bytes into complete lines (without their newline) and a torn tail: bytes after
/// the last newline, which only a write cut short leaves behind.
pub(crate) fn split_lines(bytes: &[u8]) -> (Vec<&[u8]>, Option<&[u8]>) {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let lines = if complete == 0 {
        Vec::new()
    } else {
        bytes[..complete - 1].split(|&b| b == b'\n').collect()
    };
    let tail = &bytes[complete..];
    (lines, (!tail.is_empty()).then_some(tail))
}

/// Parse one line as the exact two-member envelope, in canonical form.
pub(crate) fn parse_envelope(line: &[u8]) -> std::result::Result<Envelope, String> {
    if line.len() as u64 > JOURNAL_LINE.bytes {
        return Err(format!(
            "the line is {} bytes long, over {JOURNAL_LINE}",
            line.len()
        ));
    }
    let envelope: Envelope =
        serde_json::from_slice(line).map_err(|e| format!("not a journal envelope: {e}"))?;
    let canonical = serde_json::to_vec(&envelope).map_err(|e| e.to_string())?;
    if canonical != line {
        return Err("envelope is not in canonical form".to_owned());
    }
    Ok(envelope)
}

/// Read run `run_id` from `dir`, checking its structure (not its signatures). A missing file is
/// [`JournalError::RunNotFound`]. A file without one complete line (a crash before or during the
/// run's first write) reads as a run with no records: callers skip it, and the next run started
/// in the directory marks it abandoned in the ledger and removes it.
pub fn read_run(dir: &Path, run_id: &str) -> Result<RunRecords> {
    check_id("run id", run_id)?;
    let path = run_path(dir, run_id);
    let bytes = match fsio::read(&path, RUN_FILE, Links::Refuse) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(JournalError::RunNotFound {
                run: run_id.to_owned(),
                dir: dir.to_owned(),
            });
        }
        Err(source) => return Err(JournalError::io("cannot read", &path, source)),
    };
    let (lines, tail) = split_lines(&bytes);
    let mut records: Vec<Record> = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let corrupt = |message: String| JournalError::Corrupt {
            path: path.clone(),
            line: index + 1,
            message,
        };
        let envelope = parse_envelope(line).map_err(corrupt)?;
        let payload: Payload = serde_json::from_str(&envelope.payload)
            .map_err(|e| corrupt(format!("payload: {e}")))?;
        if payload.run != run_id {
            return Err(corrupt(format!("record of run {:?}", payload.run)));
        }
        if payload.seq != index as u64 {
            return Err(corrupt(format!(
                "seq {} where {index} was expected",
                payload.seq
            )));
        }
        if let Some(previous) = records.last()
            && payload.prev != previous.hash
        {
            return Err(corrupt(
                "prev does not match the previous record".to_owned(),
            ));
        }
        records.push(Record {
            line: index + 1,
            hash: payload_hash(&envelope.payload),
            payload_text: envelope.payload,
            sig: envelope.sig,
            payload,
        });
    }
    Ok(RunRecords {
        path,
        records,
        torn_tail: tail.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_torn_tail_apart() {
        let (lines, tail) = split_lines(b"a\nb\nc");
        assert_eq!(lines, [b"a" as &[u8], b"b"]);
        assert_eq!(tail, Some(b"c" as &[u8]));
        let (lines, tail) = split_lines(b"a\n\n");
        assert_eq!(lines, [b"a" as &[u8], b""]);
        assert_eq!(tail, None);
        assert_eq!(split_lines(b""), (Vec::new(), None));
    }

    #[test]
    fn envelope_must_be_exact() {
        assert!(parse_envelope(br#"{"payload":"{}","sig":"s"}"#).is_ok());
        for bad in [
            r#"{"payload":"{}","sig":"s","x":1}"#,
            r#"{"sig":"s","payload":"{}"}"#,
            r#"{ "payload":"{}","sig":"s"}"#,
            r#"{"payload":"{}","payload":"{}","sig":"s"}"#,
            r#"{"payload":"\u007b}","sig":"s"}"#,
            r#"{"payload":"{}"}"#,
        ] {
            assert!(parse_envelope(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
