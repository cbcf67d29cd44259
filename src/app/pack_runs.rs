//! The runs an evidence pack copies (`journal/RUN.jsonl`), tied to the journal they came from:
//! each copy must hold together on its own (signatures, sequence, chain), then either be the
//! start of the run's file in the journal, or, for a run `offboard prune` removed since, end
//! in the hash and record count the `ledger.checkpoint` that removed it lists. So a pack made
//! before a prune still proves its runs afterwards. Only a pack that verified is looked at.

use std::path::Path;

use serde::Serialize;

use crate::journal::{
    AllowedSigners, Checkpoint, CopyEnd, LEDGER_FILE, VerifyReport, check_copy, run_path,
};

/// What was found about one run copied in the pack.
#[derive(Debug, Clone, Serialize)]
pub struct PackRun {
    /// The run id.
    pub run: String,
    /// The verdict.
    #[serde(flatten)]
    pub tie: Tie,
    /// The verdict in words.
    pub message: String,
}

/// How a copied run is tied to the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "tie", rename_all = "snake_case")]
pub enum Tie {
    /// The copy is the start (or the whole) of the run's file in the journal.
    InJournal,
    /// The run was pruned; the checkpoint lists exactly the copy's last hash and length.
    Pruned {
        /// The checkpoint's `seq` in the ledger.
        checkpoint: u64,
    },
    /// The run was pruned, but the copy was taken before it finished: the checkpoint lists
    /// only the final hash, which a shorter copy cannot be matched with.
    Unproven {
        /// The checkpoint's `seq` in the ledger.
        checkpoint: u64,
    },
    /// The copy differs from the journal or the checkpoint.
    Mismatch,
    /// The journal has no such run and no checkpoint lists it.
    Unknown,
    /// The copy does not hold together on its own.
    BadCopy,
}

impl Tie {
    /// Whether this verdict fails the pack.
    pub fn fails(&self) -> bool {
        matches!(self, Tie::Mismatch | Tie::Unknown | Tie::BadCopy)
    }
}

/// Tie every run copied in the pack `pack` to the journal in `journal`, whose verification
/// is `report`.
pub fn tie_runs(
    pack: &Path,
    journal: &Path,
    report: &VerifyReport,
    allowed: &AllowedSigners,
) -> std::io::Result<Vec<PackRun>> {
    let mut names = Vec::new();
    let copies = pack.join("journal");
    if copies.is_dir() {
        for entry in std::fs::read_dir(&copies)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if let Some(run) = name.strip_suffix(".jsonl")
                && name != LEDGER_FILE
            {
                names.push(run.to_owned());
            }
        }
    }
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for run in names {
        let bytes = std::fs::read(copies.join(format!("{run}.jsonl")))?;
        let (tie, message) = match check_copy(&run, &bytes, allowed) {
            Err(why) => (
                Tie::BadCopy,
                format!("the copy does not hold together: {why}"),
            ),
            Ok(end) => tie(&run, &bytes, &end, journal, &report.ledger.checkpoints),
        };
        out.push(PackRun { run, tie, message });
    }
    Ok(out)
}

/// The tie of the copy `bytes` of `run`, ending at `end`.
fn tie(
    run: &str,
    bytes: &[u8],
    end: &CopyEnd,
    journal: &Path,
    checkpoints: &[Checkpoint],
) -> (Tie, String) {
    let pruned = checkpoints
        .iter()
        .find_map(|c| Some((c, c.pruned.iter().find(|p| p.run == run)?)));
    if let Some((checkpoint, entry)) = pruned {
        let at = format!(
            "ledger checkpoint {} ({}, signed by {})",
            checkpoint.seq, checkpoint.time, checkpoint.signer
        );
        let checkpoint = checkpoint.seq;
        return match (entry.hash == end.hash, entry.records == end.records) {
            (true, true) => (
                Tie::Pruned { checkpoint },
                format!(
                    "pruned from the journal at {at}, which lists its final hash {}: the copy's \
                     {} records end in it",
                    entry.hash, end.records
                ),
            ),
            (_, false) if end.records < entry.records => (
                Tie::Unproven { checkpoint },
                format!(
                    "pruned at {at} with {} records; the copy holds the first {} (taken while the \
                     run was open), which the final hash cannot prove",
                    entry.records, end.records
                ),
            ),
            _ => (
                Tie::Mismatch,
                format!(
                    "{at} lists {} records ending in {}; the copy has {} ending in {}",
                    entry.records, entry.hash, end.records, end.hash
                ),
            ),
        };
    }
    match std::fs::read(run_path(journal, run)) {
        Ok(live) if live.starts_with(bytes) => (
            Tie::InJournal,
            format!("matches the journal's first {} records", end.records),
        ),
        Ok(_) => (
            Tie::Mismatch,
            "differs from the run's file in the journal".to_owned(),
        ),
        Err(_) => (
            Tie::Unknown,
            "not in the journal, and no ledger checkpoint lists it as pruned".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::PrunedRun;

    fn checkpoint(records: u64, hash: &str) -> Checkpoint {
        Checkpoint {
            line: 9,
            seq: 8,
            time: "2026-12-05T00:00:00Z".into(),
            signer: "it-ops@acme".into(),
            before: None,
            prev: "sha256:prev".into(),
            pruned: vec![PrunedRun {
                run: "r".into(),
                hash: hash.into(),
                records,
            }],
        }
    }

    #[test]
    fn a_copy_is_tied_by_its_end_to_a_checkpoint_or_by_its_bytes_to_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let end = CopyEnd {
            records: 3,
            hash: "sha256:end".into(),
        };
        let tie_with =
            |checkpoints: &[Checkpoint]| tie("r", b"abc\n", &end, dir.path(), checkpoints).0;
        assert_eq!(
            tie_with(&[checkpoint(3, "sha256:end")]),
            Tie::Pruned { checkpoint: 8 }
        );
        assert_eq!(
            tie_with(&[checkpoint(5, "sha256:later")]),
            Tie::Unproven { checkpoint: 8 }
        );
        assert_eq!(tie_with(&[checkpoint(3, "sha256:other")]), Tie::Mismatch);
        assert_eq!(tie_with(&[checkpoint(2, "sha256:end")]), Tie::Mismatch);
        assert_eq!(tie_with(&[]), Tie::Unknown);
        std::fs::write(run_path(dir.path(), "r"), b"abc\ndef\n").unwrap();
        assert_eq!(tie_with(&[]), Tie::InJournal);
        std::fs::write(run_path(dir.path(), "r"), b"abd\n").unwrap();
        assert_eq!(tie_with(&[]), Tie::Mismatch);
    }
}
