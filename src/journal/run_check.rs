//! Verifying a few chosen runs without verifying the whole journal: what a command checks before
//! it trusts what a run says (that it is finished, which steps are confirmed). Each run gets the
//! checks [`verify`](super::verify) gives it — every record's signature, the chain, the event
//! order, who may sign each record — and its ledger registration: the run's `run.opened` (the
//! hash of its first record and what that record chains to) and latest ledger record (not
//! `run.abandoned`; if `run.sealed`, where the run ends), each with a valid signature by a holder
//! of an operator role. Of the ledger only those records are read and checked, so the cost
//! follows the runs asked for, not the size of the journal; the rest of the ledger chain is
//! `verify`'s job. It never writes.
//!
//! Two things are left to the resume that repairs them, and are not findings here: a torn final
//! line of the run (a write cut short; resuming removes it) and a run whose file holds no
//! complete record when its `run.opened` is the ledger's last record (a crash before its first
//! record; the next run abandons it).

use crate::fsio;
use std::path::{Path, PathBuf};

use super::allowed_signers::AllowedSigners;
use super::anchor::head_of;
use super::check::{check_line, check_lines};
use super::error::JournalError;
use super::ledger::{LedgerLine, entries_in};
use super::reader::{LEDGER_FILE, run_path, split_lines};
use super::record::{LedgerEvent, LedgerPayload, Payload, check_id};
use super::report::{BadRecord, Reason, RunReport, RunStatus};
use super::role_map::RoleMap;
use super::verify::{LedgerRun, RunInput, check_run, ledger_event_name, ledger_role_rule};

/// Verify `runs` of the journal in `dir` against `allowed` signers and the `roles` map, reading
/// of the ledger only the records about them. One report per run, in the order asked; a run
/// with neither a file nor a ledger entry is [`Reason::UnknownRun`].
pub fn verify_runs(
    dir: &Path,
    allowed: &AllowedSigners,
    roles: &RoleMap,
    runs: &[String],
) -> Vec<RunReport> {
    let path = dir.join(LEDGER_FILE);
    let bytes = match fsio::read(&path, fsio::JOURNAL_STATE, fsio::Links::Refuse) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    };
    let ledger = bytes.map(|bytes| Ledger {
        lines: memchr::memchr_iter(b'\n', &bytes).count(),
        bytes,
        path: &path,
    });
    runs.iter()
        .map(|run| {
            let file = run_path(dir, run);
            match &ledger {
                Ok(ledger) => check_one(run, file, ledger, allowed, roles),
                Err(detail) => {
                    let reason = Reason::Unreadable {
                        detail: detail.clone(),
                    };
                    bad_report(
                        run,
                        file,
                        &[],
                        BadRecord::new(path.clone(), 0, None, reason),
                    )
                }
            }
        })
        .collect()
}

/// The ledger as read once for every run checked.
struct Ledger<'a> {
    path: &'a Path,
    bytes: Vec<u8>,
    /// How many complete lines it has.
    lines: usize,
}

fn check_one(
    run: &str,
    path: PathBuf,
    ledger: &Ledger<'_>,
    allowed: &AllowedSigners,
    roles: &RoleMap,
) -> RunReport {
    if check_id("run id", run).is_err() {
        let bad = BadRecord::new(path.clone(), 0, None, Reason::UnknownRun);
        return bad_report(run, path, &[], bad);
    }
    let bytes = match fsio::read(&path, fsio::RUN_FILE, fsio::Links::Refuse) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            let detail = e.to_string();
            let bad = BadRecord::new(path.clone(), 0, None, Reason::Unreadable { detail });
            return bad_report(run, path, &[], bad);
        }
    };
    // A torn tail is left to the resume that removes it.
    let (lines, _torn) = split_lines(&bytes);
    let found = match registration(run, ledger, allowed, roles) {
        Ok(found) => found,
        Err(bad) => return bad_report(run, path, &lines, *bad),
    };
    let is_last_opened = found
        .as_ref()
        .is_some_and(|r| r.is_last && r.run.state == Some(LedgerEvent::Opened));
    let head = head_of(&lines);
    let report = check_run(RunInput {
        name: run.to_owned(),
        path: path.clone(),
        lines: check_lines::<Payload>(&lines, allowed),
        torn: false,
        ledger: found.as_ref().map(|r| &r.run),
        ledger_path: ledger.path,
        ledger_failure: None,
        is_last_opened,
        roles,
    });
    // The run's own first bad record is named first, as `verify` names it for the run.
    match found.and_then(|r| r.problem) {
        Some(bad) if report.status != RunStatus::Bad => bad_report(run, path, &lines, bad),
        _ => RunReport { head, ..report },
    }
}

/// A bad run whose first bad record is `bad` (in the run file or the ledger).
fn bad_report(run: &str, path: PathBuf, lines: &[&[u8]], bad: BadRecord) -> RunReport {
    RunReport {
        run: run.to_owned(),
        file: path,
        status: RunStatus::Bad,
        records: lines.len() as u64,
        head: head_of(lines),
        first_error: Some(bad),
    }
}

/// What the ledger says about one run.
struct Registration {
    /// Its state, registered first record and seal.
    run: LedgerRun,
    /// Whether its latest record is the ledger's last.
    is_last: bool,
    /// The first of its records that is readable but signed outside the rules (a bad signature,
    /// a signer without an operator role).
    problem: Option<BadRecord>,
}

/// What the ledger says about `run`, from its `run.opened` and latest record, both checked
/// (signature, operator role); `None` when the ledger never mentions the run. A record that
/// cannot be read at all is the error.
fn registration(
    run: &str,
    ledger: &Ledger<'_>,
    allowed: &AllowedSigners,
    roles: &RoleMap,
) -> Result<Option<Registration>, Box<BadRecord>> {
    let bad = |line: usize, seq: Option<u64>, reason: Reason| {
        BadRecord::new(ledger.path.to_owned(), line, seq, reason)
    };
    let entries = match entries_in(&ledger.bytes, ledger.path, run) {
        Ok(Some(entries)) => entries,
        Ok(None) => return Ok(None),
        Err(JournalError::Corrupt { line, message, .. }) => {
            return Err(Box::new(bad(
                line,
                None,
                Reason::Envelope { detail: message },
            )));
        }
        Err(other) => {
            let detail = other.to_string();
            return Err(Box::new(bad(0, None, Reason::Unreadable { detail })));
        }
    };
    let mut problem = None;
    let mut checked = |line: &LedgerLine| -> Result<LedgerPayload, Box<BadRecord>> {
        let (payload, reason) = match check_line::<LedgerPayload>(&line.bytes, allowed) {
            Ok(checked) => {
                let reason = ledger_role_rule(&checked.payload, roles);
                (checked.payload, reason)
            }
            Err((Some(payload), reason)) => (payload, Some(reason)),
            Err((None, reason)) => return Err(Box::new(bad(line.line, None, reason))),
        };
        if let Some(reason) = reason {
            problem.get_or_insert_with(|| bad(line.line, Some(payload.seq), reason));
        }
        Ok(payload)
    };
    let Some((opened_line, chain_to)) = &entries.opened else {
        let latest = checked(&entries.latest)?;
        let detail = format!(
            "{} for run {run}, which the ledger never opened",
            ledger_event_name(latest.event)
        );
        return Err(Box::new(bad(
            entries.latest.line,
            Some(latest.seq),
            Reason::LedgerState { detail },
        )));
    };
    let opened = checked(opened_line)?;
    let latest = match opened_line.line == entries.latest.line {
        true => opened.clone(),
        false => checked(&entries.latest)?,
    };
    let seal = match latest.event {
        LedgerEvent::Sealed => Some((
            latest.hash.clone().unwrap_or_default(),
            latest.records.unwrap_or(0),
        )),
        LedgerEvent::Checkpoint => latest
            .pruned_entry(run)
            .map(|p| (p.hash.clone(), p.records)),
        LedgerEvent::Opened | LedgerEvent::Abandoned => None,
    };
    Ok(Some(Registration {
        run: LedgerRun {
            state: Some(latest.event),
            opened_line: opened_line.line,
            first_hash: opened.hash.unwrap_or_default(),
            chain_to: Some(chain_to.clone()),
            seal,
        },
        is_last: entries.latest.line == ledger.lines,
        problem,
    }))
}

/// Whether a report from [`verify_runs`] lets a command trust the run: not bad, or bad only
/// because the run does not exist at all (the caller says so in its own words).
pub fn trusted(report: &RunReport) -> bool {
    report.status != RunStatus::Bad
        || report
            .first_error
            .as_ref()
            .is_some_and(|bad| bad.reason == Reason::UnknownRun)
}
