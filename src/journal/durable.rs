//! Durable writes: append one line and `fsync` it before returning (or leave the sync to the
//! file's next synced write), sync directories after creating files, and the crash hook the
//! engine's crash tests use. Nothing else in the journal writes to disk.
//!
//! Crash hooks (for crash tests only; never set them in production): when the environment
//! variable [`CRASH_AFTER_WRITES_ENV`] holds a number N, the process aborts
//! (`std::process::abort`, no unwinding, no destructors) right after its Nth durable journal
//! write, counting run and ledger writes alike. When [`CRASH_TORN_ENV`] is also set to `1`, the
//! Nth write is cut short instead: only the first half of its line (no newline) reaches the file,
//! is synced, and the process aborts, as a power cut in the middle of a `write` would leave it.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{JournalError, Result};

/// The environment variable of the crash hook.
pub const CRASH_AFTER_WRITES_ENV: &str = "OFFBOARD_CRASH_AFTER_WRITES";

/// With `1`, the crash hook tears the Nth write (half a line, no newline) instead of aborting
/// after it.
pub const CRASH_TORN_ENV: &str = "OFFBOARD_CRASH_TORN";

static WRITES: AtomicU64 = AtomicU64::new(0);
static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
static TORN: OnceLock<bool> = OnceLock::new();

/// Append `line` and a newline to `file` in one write, then sync it to disk.
pub(crate) fn append_line(file: &mut File, path: &Path, line: &str) -> Result<()> {
    write_line(file, path, line, true)
}

/// Append `line` and a newline to `file` in one write without syncing it: the file's next
/// [`sync_file`] (or synced append) makes it durable, together with everything before it.
pub(crate) fn append_line_unsynced(file: &mut File, path: &Path, line: &str) -> Result<()> {
    write_line(file, path, line, false)
}

/// Sync everything written to `file` so far to disk.
pub(crate) fn sync_file(file: &File, path: &Path) -> Result<()> {
    file.sync_data()
        .map_err(|source| JournalError::io("cannot sync", path, source))
}

fn write_line(file: &mut File, path: &Path, line: &str, sync: bool) -> Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    if tear_this_write() {
        let cut = (line.len() / 2).max(1).min(line.len());
        let _ = file
            .write_all(&bytes[..cut])
            .and_then(|()| file.sync_data());
        std::process::abort();
    }
    file.write_all(&bytes)
        .map_err(|source| JournalError::io("cannot write", path, source))?;
    if sync {
        sync_file(file, path)?;
    }
    after_durable_write();
    Ok(())
}

/// Sync a directory so that a file created in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    crate::fsio::sync_dir(dir)
        .map_err(|source| JournalError::io("cannot sync directory", dir, source))
}

/// The crash hook's N, if set.
fn limit() -> Option<u64> {
    *LIMIT.get_or_init(|| {
        std::env::var(CRASH_AFTER_WRITES_ENV)
            .ok()
            .and_then(|value| value.trim().parse().ok())
    })
}

/// Whether the write about to be made is the one the torn-write hook cuts short.
fn tear_this_write() -> bool {
    let torn =
        *TORN.get_or_init(|| std::env::var(CRASH_TORN_ENV).is_ok_and(|value| value.trim() == "1"));
    torn && limit() == Some(WRITES.load(Ordering::SeqCst) + 1)
}

/// Count one durable write and abort if the crash hook asks for it.
fn after_durable_write() {
    let count = WRITES.fetch_add(1, Ordering::SeqCst) + 1;
    if limit() == Some(count) {
        std::process::abort();
    }
}

/// How many durable journal writes this process has made.
pub fn durable_writes() -> u64 {
    WRITES.load(Ordering::SeqCst)
}
