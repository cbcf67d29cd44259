//! The "IT offboarding complete" write-back file beside a CSV export (`employee_id,run,
//! completed_at`): rows are appended, each synced before it is reported written, and read back.
//!
//! A crash in the middle of an append leaves a final line without newline; readers ignore it
//! and the next writer cuts it off before appending, so a row is either whole or absent. Writers
//! hold an exclusive lock on the file's directory, so runs of other employees (threads of a
//! batch, or other processes) never lose each other's rows. What a source has read of the file
//! is remembered (the employees it lists and where its complete lines end), and each write reads
//! only what was appended since, after checking under the lock that it is the same file, no
//! shorter, still ending a line there: a batch does not re-read a file that grows with it.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::HrError;
use crate::fsio;

/// The header row of the write-back file.
pub(super) const HEADER: &str = "employee_id,run,completed_at";

/// What a source has read of its write-back file; shared by the source's clones.
#[derive(Clone, Debug, Default)]
pub(super) struct Memory(Arc<Mutex<Option<Read>>>);

/// The file as last read or written.
#[derive(Debug)]
struct Read {
    /// Device and inode.
    id: (u64, u64),
    /// Bytes of complete lines.
    len: u64,
    /// The employees it lists.
    ids: HashSet<String>,
}

/// Append the row `id,run,at` to the write-back file at `path` unless it lists `id` already;
/// true when the file shows `id` afterwards (read back).
pub(super) fn mark(
    path: &Path,
    memory: &Memory,
    id: &str,
    run: &str,
    at: &str,
) -> Result<bool, HrError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| HrError::Write { path, source }
    };
    let _lock = File::open(&dir)
        .and_then(|file| file.lock().map(|()| file))
        .map_err(write_err(&dir))?;
    let (mut file, created) = fsio::open_or_create(path, true).map_err(write_err(path))?;
    let mut remembered = memory.0.lock().unwrap_or_else(PoisonError::into_inner);
    let mut read = catch_up(&file, remembered.take()).map_err(write_err(path))?;
    if read.ids.contains(id) {
        *remembered = Some(read);
        return Ok(true);
    }
    // Ids and run ids are validated identifiers: no commas, quotes or newlines.
    let mut text = match read.len {
        0 => format!("{HEADER}\n"),
        _ => String::new(),
    };
    text.push_str(&format!("{id},{run},{at}\n"));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(write_err(path))?;
    if created {
        fsio::sync_dir(&dir).map_err(write_err(&dir))?;
    }
    let mut back = vec![0; text.len()];
    file.read_exact_at(&mut back, read.len)
        .map_err(|source| HrError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let shown = back == text.as_bytes();
    if shown {
        read.len += text.len() as u64;
        read.ids.insert(id.to_owned());
        *remembered = Some(read);
    }
    Ok(shown)
}

/// The file as it stands: `known` (when it is still the same file, no shorter, ending a line
/// where it ended) and the rows appended since; a torn final line is cut off.
fn catch_up(file: &File, known: Option<Read>) -> std::io::Result<Read> {
    let meta = file.metadata()?;
    let id = (meta.dev(), meta.ino());
    let still = |read: &Read| {
        let mut last = [0];
        read.id == id
            && read.len <= meta.len()
            && (read.len == 0
                || file.read_exact_at(&mut last, read.len - 1).is_ok() && last == *b"\n")
    };
    let mut read = match known {
        Some(read) if still(&read) => read,
        _ => Read {
            id,
            len: 0,
            ids: HashSet::new(),
        },
    };
    let mut bytes = vec![0; (meta.len() - read.len) as usize];
    file.read_exact_at(&mut bytes, read.len)?;
    let complete = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
    for line in bytes[..complete].split(|&b| b == b'\n') {
        if line.is_empty() || line == HEADER.as_bytes() {
            continue;
        }
        let first = line.split(|&b| b == b',').next().unwrap_or_default();
        read.ids.insert(String::from_utf8_lossy(first).into_owned());
    }
    read.len += complete as u64;
    if read.len < meta.len() {
        file.set_len(read.len)?;
    }
    Ok(read)
}
