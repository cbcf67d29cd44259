//! The runs of a journal directory, for a command that looks up many employees' runs (a batch):
//! the directory is listed once, and runs opened since, by this process or another, are found
//! in the ledger, where every writer registers a run (under the ledger lock) before it creates
//! the run's file. So a run another process started after the listing is still found, and a
//! lookup costs the same however many runs the directory holds. It reads only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::Result;
use super::ledger::LedgerWriter;
use super::reader::{LEDGER_FILE, list_runs, run_path};

/// The run ids of one journal directory.
#[derive(Debug)]
pub struct RunIndex {
    dir: PathBuf,
    listed: BTreeSet<String>,
}

impl RunIndex {
    /// List the runs of `dir` (none when it does not exist).
    pub fn new(dir: &Path) -> Result<RunIndex> {
        Ok(RunIndex {
            dir: dir.to_owned(),
            listed: list_runs(dir)?.into_iter().collect(),
        })
    }

    /// The ids, sorted, of the runs whose id starts with `prefix` and whose file exists now:
    /// those listed, and those the ledger names (read up to its end, under its lock).
    pub fn with_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        let mut runs: BTreeSet<String> = self
            .listed
            .range(prefix.to_owned()..)
            .take_while(|run| run.starts_with(prefix))
            .cloned()
            .collect();
        if self.dir.join(LEDGER_FILE).exists() {
            let mut ledger = LedgerWriter::open_locked(&self.dir)?;
            for (run, _) in ledger.runs_with_prefix(prefix)? {
                runs.insert(run);
            }
        }
        // A run abandoned (or deleted) since has no file: as in a fresh listing, it is not there.
        runs.retain(|run| std::fs::symlink_metadata(run_path(&self.dir, run)).is_ok());
        Ok(runs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::ledger::LedgerWriter;
    use crate::journal::record::LedgerEvent;
    use crate::journal::signer::Signer;

    #[test]
    fn a_run_opened_after_the_listing_is_found_and_an_abandoned_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::from_seed([3; 32], "it@acme");
        std::fs::write(run_path(dir.path(), "E1-leaver-1"), "x\n").unwrap();
        let index = RunIndex::new(dir.path()).unwrap();
        assert_eq!(index.with_prefix("E1-").unwrap(), ["E1-leaver-1"]);
        {
            let mut ledger = LedgerWriter::open_locked(dir.path()).unwrap();
            for run in ["E1-leaver-2", "E2-leaver-1", "E1-leaver-3"] {
                ledger
                    .append(&signer, LedgerEvent::Opened, run, None, None)
                    .unwrap();
            }
        }
        // Registered in the ledger after the listing, with files: found. E1-leaver-3 has no
        // file (abandoned or never written): not there, as in a fresh listing.
        std::fs::write(run_path(dir.path(), "E1-leaver-2"), "x\n").unwrap();
        std::fs::write(run_path(dir.path(), "E2-leaver-1"), "x\n").unwrap();
        assert_eq!(
            index.with_prefix("E1-").unwrap(),
            ["E1-leaver-1", "E1-leaver-2"]
        );
        assert_eq!(index.with_prefix("E2-").unwrap(), ["E2-leaver-1"]);
        assert!(index.with_prefix("E3-").unwrap().is_empty());
    }
}
