//! `offboard prune`: retention. Finished runs that finished before a cut-off date
//! (`--before`, else now minus `policy.retention`) are removed from the journal behind a signed
//! `ledger.checkpoint` that lists each one with the hash of its last record
//! ([`crate::journal::prune_runs`]). The policy decisions are here: only a journal that
//! verifies is pruned, only sealed (finished) runs go, and a run of an employee under legal
//! hold (the holds file or the HR flag) refuses the whole prune, naming every such run, before
//! anything is written. Files left by an interrupted prune (runs the ledger already marks
//! pruned) are removed too.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::employee::{hold_reason, hr_source};
use super::error::{HeldRun, journal_err};
use super::trust::{operator_signer, trust};
use super::{Error, Result};
use crate::analyze::Workspace;
use crate::hr::Roster;
use crate::journal::{Event, PrunedRun, RunStatus, prune_runs, read_run, verify};

/// What to prune.
#[derive(Clone, Debug, Default)]
pub struct PruneRequest {
    /// The cut-off as given (`YYYY-MM-DD`, midnight UTC, or RFC 3339); `None`: now minus
    /// `policy.retention`.
    pub before: Option<String>,
    /// Only say what would go; write and remove nothing.
    pub dry_run: bool,
}

/// What a prune removed (or, with `dry_run`, would remove): the `--format json` document.
#[derive(Debug, Serialize)]
pub struct PruneOutcome {
    /// The cut-off, RFC 3339.
    pub before: String,
    /// Nothing was written or removed.
    pub dry_run: bool,
    /// The runs removed behind the new checkpoint, oldest run id first.
    pub runs: Vec<PrunedView>,
    /// Files of runs an earlier, interrupted prune had already checkpointed, removed now.
    pub leftovers: Vec<String>,
    /// The `seq` of the `ledger.checkpoint` written; `None` when none was needed (or a dry
    /// run).
    pub checkpoint: Option<u64>,
    /// Runs older than the cut-off that are kept because they are not finished and sealed.
    pub unfinished_kept: Vec<String>,
}

/// One run that goes.
#[derive(Debug, Clone, Serialize)]
pub struct PrunedView {
    /// The run id.
    pub run: String,
    /// The employee it was about.
    pub employee: String,
    /// When it finished (`run.finished`), RFC 3339.
    pub finished: String,
    /// Its records.
    pub records: u64,
    /// The hash of its last record, as the checkpoint lists it.
    pub hash: String,
}

/// Prune the journal of `workspace` as `request` asks.
pub fn prune(workspace: &Workspace, request: &PruneRequest) -> Result<PruneOutcome> {
    let cutoff = cutoff(workspace, request.before.as_deref())?;
    let signer = match request.dry_run {
        true => None,
        false => Some(operator_signer(workspace)?),
    };
    let dir = &workspace.config.journal;
    let (allowed, roles) = trust(workspace)?;
    let report = verify(dir, &allowed, &roles, None);
    if let Some(bad) = report.errors().next() {
        return Err(crate::Error::UntrustedJournal(format!(
            "the journal does not verify ({bad}); a checkpoint is written only over a journal \
             that verifies, so nothing was removed. Run `offboard verify`"
        ))
        .into());
    }
    let mut outcome = PruneOutcome {
        before: crate::clock::rfc3339(cutoff),
        dry_run: request.dry_run,
        runs: Vec::new(),
        leftovers: Vec::new(),
        checkpoint: None,
        unfinished_kept: Vec::new(),
    };
    for run in &report.runs {
        match run.status {
            RunStatus::Sealed => {
                if let Some(view) = older_than(dir, &run.run, cutoff)? {
                    outcome.runs.push(view);
                }
            }
            RunStatus::PrunePending => outcome.leftovers.push(run.run.clone()),
            RunStatus::Open | RunStatus::Unsealed if started_before(dir, &run.run, cutoff)? => {
                outcome.unfinished_kept.push(run.run.clone());
            }
            _ => {}
        }
    }
    refuse_held(workspace, &outcome.runs)?;
    let Some(signer) = signer else {
        return Ok(outcome);
    };
    if outcome.runs.is_empty() && outcome.leftovers.is_empty() {
        return Ok(outcome);
    }
    let pruned = outcome
        .runs
        .iter()
        .map(|v| PrunedRun {
            run: v.run.clone(),
            hash: v.hash.clone(),
            records: v.records,
        })
        .collect();
    let done = prune_runs(dir, &signer, &outcome.before, pruned, &outcome.leftovers)
        .map_err(journal_err)?;
    outcome.checkpoint = done.checkpoint;
    Ok(outcome)
}

/// The cut-off: `before` as given, else now minus `policy.retention`.
fn cutoff(workspace: &Workspace, before: Option<&str>) -> Result<OffsetDateTime> {
    if let Some(text) = before {
        return parse_date(text).ok_or_else(|| Error::BadDate {
            value: text.to_owned(),
        });
    }
    let retention = workspace
        .config
        .policy
        .retention
        .ok_or_else(|| Error::NoRetention {
            config: workspace.config.path.clone(),
        })?;
    let now = crate::clock::now().map_err(Error::Clock)?;
    retention.cutoff(now).ok_or_else(|| Error::BadDate {
        value: format!("now minus policy.retention {retention}"),
    })
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
fn parse_date(text: &str) -> Option<OffsetDateTime> {
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(time);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).ok()?;
    Some(date.midnight().assume_utc())
}

/// The run `run` (sealed) as pruned, if it finished before `cutoff`.
fn older_than(
    dir: &std::path::Path,
    run: &str,
    cutoff: OffsetDateTime,
) -> Result<Option<PrunedView>> {
    let read = read_run(dir, run).map_err(journal_err)?;
    let (Some(first), Some(last)) = (read.records.first(), read.records.last()) else {
        return Ok(None);
    };
    let finished = &last.payload;
    let at = OffsetDateTime::parse(&finished.time, &Rfc3339).ok();
    if finished.event != Event::RunFinished || at.is_none_or(|at| at >= cutoff) {
        return Ok(None);
    }
    Ok(Some(PrunedView {
        run: run.to_owned(),
        employee: first.payload.employee.clone().unwrap_or_default(),
        finished: finished.time.clone(),
        records: read.records.len() as u64,
        hash: last.hash.clone(),
    }))
}

/// Whether the unfinished run `run` started before `cutoff`.
fn started_before(dir: &std::path::Path, run: &str, cutoff: OffsetDateTime) -> Result<bool> {
    let read = read_run(dir, run).map_err(journal_err)?;
    Ok(read.records.first().is_some_and(|first| {
        OffsetDateTime::parse(&first.payload.time, &Rfc3339).is_ok_and(|at| at < cutoff)
    }))
}

/// Refuse, naming every one, when any of `runs` is of an employee under legal hold.
fn refuse_held(workspace: &Workspace, runs: &[PrunedView]) -> Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let roster = hr_source(workspace)?.roster().map_err(Error::Hr)?;
    let mut held = Vec::new();
    for view in runs {
        if let Some(hold) = hold_of(workspace, &roster, &view.employee)? {
            held.push(HeldRun {
                run: view.run.clone(),
                employee: view.employee.clone(),
                hold,
            });
        }
    }
    match held.is_empty() {
        true => Ok(()),
        false => Err(Error::HeldRuns { runs: held }),
    }
}

/// The legal hold on `employee`: the holds file, or the HR flag when HR still lists them.
fn hold_of(workspace: &Workspace, roster: &Roster, employee: &str) -> Result<Option<String>> {
    Ok(match roster.find(employee).map_err(Error::Hr)? {
        Some(record) => hold_reason(workspace, record),
        None => workspace
            .holds
            .hold_on(employee)
            .map(|hold| hold.reason.trim_end().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_are_days_at_midnight_utc_or_rfc3339_times() {
        let at = |t: &str| parse_date(t).map(|d| d.unix_timestamp());
        assert_eq!(at("2026-01-02"), Some(1_767_312_000));
        assert_eq!(at("2026-01-02T00:00:00Z"), Some(1_767_312_000));
        assert_eq!(at("2026-01-02T01:00:00+01:00"), Some(1_767_312_000));
        for bad in ["", "2026-13-01", "02/01/2026", "2026-01-02 00:00"] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
