//! The per-employee run lock: at most one run per employee at a time, across processes. It uses
//! an OS file lock (`flock`) on `<dir>/locks/<employee>.lock`, which the kernel releases when the
//! holder exits or crashes, so a stale lock never needs cleaning up. The holder's pid is written
//! in the file for the refusal message only; it never decides anything. The directory and the
//! file are owner-only and never links (see [`crate::fsio`]).

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::error::{JournalError, Result};
use super::record::check_id;
use crate::fsio;

/// A held employee lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct EmployeeLock {
    path: PathBuf,
    employee: String,
    _file: File,
}

impl EmployeeLock {
    /// Take the lock of `employee_id` under `dir`, or fail with [`JournalError::Locked`] at once
    /// if another live process holds it (a second run is refused, not queued).
    pub fn acquire(dir: &Path, employee_id: &str) -> Result<Self> {
        check_id("employee id", employee_id)?;
        let locks = dir.join("locks");
        fsio::create_dir_all(&locks, fsio::PRIVATE_DIR)
            .and_then(|()| fsio::refuse_link(&locks))
            .map_err(|source| JournalError::io("cannot create", &locks, source))?;
        let path = locks.join(format!("{employee_id}.lock"));
        let (mut file, _) = fsio::open_or_create(&path, false)
            .map_err(|source| JournalError::io("cannot open", &path, source))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // A pid is a few digits; a larger file was not written by offboard.
                let pid = (&mut file)
                    .take(32)
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse().ok());
                return Err(JournalError::Locked {
                    employee: employee_id.to_owned(),
                    pid,
                });
            }
            Err(TryLockError::Error(source)) => {
                return Err(JournalError::io("cannot lock", &path, source));
            }
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .map_err(|source| JournalError::io("cannot write", &path, source))?;
        Ok(EmployeeLock {
            path,
            employee: employee_id.to_owned(),
            _file: file,
        })
    }

    /// The employee whose lock this is.
    pub fn employee(&self) -> &str {
        &self.employee
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_release() {
        let dir = tempfile::tempdir().unwrap();
        let first = EmployeeLock::acquire(dir.path(), "e1").unwrap();
        let err = EmployeeLock::acquire(dir.path(), "e1").unwrap_err();
        match err {
            JournalError::Locked { employee, pid } => {
                assert_eq!(employee, "e1");
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("unexpected {other}"),
        }
        let other = EmployeeLock::acquire(dir.path(), "e2").unwrap();
        assert_eq!(other.employee(), "e2");
        drop(first);
        let again = EmployeeLock::acquire(dir.path(), "e1").unwrap();
        assert!(again.path().ends_with("locks/e1.lock"));
    }

    #[test]
    fn employee_id_must_be_a_safe_file_name() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            EmployeeLock::acquire(dir.path(), "../x"),
            Err(JournalError::InvalidId { .. })
        ));
    }
}
