//! Removing finished runs from the journal (`offboard prune`), crash-safe: with the ledger
//! lock held, a signed `ledger.checkpoint` listing every run removed (id, hash of its last
//! record, record count) is appended and synced first; only then are the run files removed and
//! the directory synced. A crash between the two leaves files of runs the ledger already marks
//! pruned: `verify` accepts them (they still match the checkpoint) and the next prune removes
//! them. It never decides which runs go: the caller does (retention, legal holds).

use std::path::Path;

use super::durable::sync_dir;
use super::error::{JournalError, Result};
use super::ledger::LedgerWriter;
use super::reader::run_path;
use super::record::{LedgerEvent, PrunedRun};
use super::signer::Signer;
use super::verify::ledger_event_name;

/// What a prune wrote and removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// The `seq` of the checkpoint written; `None` when there was nothing new to record.
    pub checkpoint: Option<u64>,
    /// The run files removed (the runs checkpointed now, then the leftovers).
    pub removed: Vec<String>,
}

/// Record `runs` (each sealed in the ledger) as removed before `before`, in one checkpoint,
/// then remove their files and those of `leftovers` (runs an earlier, interrupted prune
/// already checkpointed). A run whose ledger state is no longer what it must be is refused
/// before anything is written.
pub fn prune_runs(
    dir: &Path,
    signer: &Signer,
    before: &str,
    runs: Vec<PrunedRun>,
    leftovers: &[String],
) -> Result<Pruned> {
    let mut ledger = LedgerWriter::open_for_append(dir, signer)?;
    let expect = |ledger: &mut LedgerWriter, run: &str, wanted: LedgerEvent| -> Result<()> {
        match ledger.state(run)? {
            Some(state) if state == wanted => Ok(()),
            state => Err(JournalError::NotPrunable {
                run: run.to_owned(),
                state: state.map_or("nothing about it", ledger_event_name),
            }),
        }
    };
    for run in &runs {
        expect(&mut ledger, &run.run, LedgerEvent::Sealed)?;
    }
    for run in leftovers {
        expect(&mut ledger, run, LedgerEvent::Checkpoint)?;
    }
    let mut removed: Vec<String> = runs.iter().map(|r| r.run.clone()).collect();
    removed.extend(leftovers.iter().cloned());
    let checkpoint = match runs.is_empty() {
        true => None,
        false => Some(ledger.append_checkpoint(signer, before, runs)?),
    };
    for run in &removed {
        let path = run_path(dir, run);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(JournalError::io("cannot remove", &path, source)),
        }
    }
    if !removed.is_empty() {
        sync_dir(dir)?;
    }
    Ok(Pruned {
        checkpoint,
        removed,
    })
}
