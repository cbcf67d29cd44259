//! `verify`: check a journal directory offline — every line's envelope and signature (in
//! parallel, see [`check`](super::check)), then, in order, the ledger chain and each run's
//! chain and rules. Problems are data in the [`VerifyReport`]; only the first bad record of the
//! ledger and of each run is reported. It never writes.
//!
//! Rules, in the order they are applied to each record of a run:
//!
//! 1. the line is exactly the canonical envelope; the payload parses; `v` is 1; `time` is RFC 3339
//!    UTC; the signature is canonical armored SSHSIG, namespace `offboard`, SHA-512, by a key
//!    that `allowed_signers` lists for the payload's `signer` (for namespace `offboard`), and it
//!    matches the payload bytes;
//! 2. `run` is the file's run id (a record or a file replayed under another id is caught here);
//! 3. `seq` is the record's 0-based position (dropped, duplicated, reordered records);
//! 4. `prev` is the hash of the previous payload; for the first record, of the ledger record just
//!    before the run's `run.opened`, and its own hash is the one `run.opened` registered;
//! 5. the first record is `run.started`, no other is, and nothing follows `run.finished`;
//! 6. who may sign it ([`role_rule`]; the table is in `docs/journal-format.md`): `run.started`,
//!    `run.finished` and every other non-step record only a holder of an operator role; every
//!    `step.*` record must carry the step's owner `role`; `step.confirmed` and `step.approved`
//!    only a holder of that role; any other step record the run's signer (the principal of its
//!    `run.started`, already checked to be an operator: the engine recording what it did) or a
//!    holder of the role;
//! 7. four eyes: a `step.approved` must not be signed by the run's signer, whose approval of
//!    its own run would add no control (a manual step's `step.confirmed` may be).
//!
//! Every ledger record (`run.opened`, `run.sealed`, `run.abandoned`) must be signed by a holder
//! of an operator role, like the rest of its line checks.
//!
//! Then per run: a run file with records but no `run.opened` in the ledger is bad (added or
//! renamed; or, when the ledger itself fails verification, unmatched: the report then names the
//! failed ledger record rather than suspect the run file); a `run.opened` whose file is missing or empty is a deleted run, except when it is the
//! ledger's last record (a crash between the ledger write and the first run write:
//! "interrupted"; a torn first line there is reported as torn); a sealed run must end exactly at
//! the sealed record.
//!
//! A chain cannot show records cut off its end; the report carries the heads of the ledger and
//! of each run, and [`verify_anchored`] checks heads saved earlier (see [`Anchor`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::allowed_signers::AllowedSigners;
use super::anchor::{Anchor, head_of};
use super::check::{LineResult, check_lines};
use super::reader::{LEDGER_FILE, list_runs, run_path, split_lines};
use super::record::{CHECKPOINT_RUN, Event, GENESIS, LedgerEvent, LedgerPayload, Payload};
use super::report::{
    BadRecord, Checkpoint, LedgerReport, Reason, RunReport, RunStatus, VerifyReport,
};
use super::role_map::RoleMap;
use crate::fsio::{self, JOURNAL_STATE, Links, RUN_FILE};

/// What the ledger says about one run.
#[derive(Debug, Default)]
pub(super) struct LedgerRun {
    /// The last ledger event about the run.
    pub(super) state: Option<LedgerEvent>,
    /// Line of the latest `run.opened`.
    pub(super) opened_line: usize,
    /// First-record hash the latest `run.opened` registered.
    pub(super) first_hash: String,
    /// Hash of the ledger record before the latest `run.opened` (unknown if that line is bad).
    pub(super) chain_to: Option<String>,
    /// `run.sealed`: (hash of the last record, record count).
    pub(super) seal: Option<(String, u64)>,
}

/// Verify the journal in `dir` against `allowed` signers and the `roles` map. With `runs`, only
/// those runs are reported (the ledger is always checked in full).
pub fn verify(
    dir: &Path,
    allowed: &AllowedSigners,
    roles: &RoleMap,
    runs: Option<&[String]>,
) -> VerifyReport {
    verify_anchored(dir, allowed, roles, runs, &[])
}

/// [`verify`], and check that each of `anchors` (heads saved earlier) is still in its chain:
/// the ledger, or the run it names (which is then checked too).
pub fn verify_anchored(
    dir: &Path,
    allowed: &AllowedSigners,
    roles: &RoleMap,
    runs: Option<&[String]>,
    anchors: &[Anchor],
) -> VerifyReport {
    let ledger_path = dir.join(LEDGER_FILE);
    let mut notes = allowed.notes().to_vec();
    let LedgerFindings {
        report: mut ledger_report,
        runs: ledger_runs,
        last_opened,
        failed_runs,
    } = check_ledger(&ledger_path, allowed, roles);
    let ledger_failed_at = ledger_report.first_error.as_ref().map(|e| e.line);
    let mut records_checked = ledger_report.records;
    let mut anchor_reports = Vec::with_capacity(anchors.len());
    let ledger_bytes = fsio::read(&ledger_path, JOURNAL_STATE, Links::Refuse).unwrap_or_default();
    let ledger_lines = super::anchor::lines_of(&ledger_bytes);
    ledger_report.head = head_of(&ledger_lines);
    for anchor in anchors.iter().filter(|a| a.run.is_none()) {
        anchor_reports.push(anchor.judge(&ledger_lines));
    }

    let mut names: BTreeSet<String> = BTreeSet::new();
    match list_runs(dir) {
        Ok(found) => names.extend(found),
        Err(e) => notes.push(e.to_string()),
    }
    names.extend(ledger_runs.keys().cloned());
    if let Some(wanted) = runs {
        names = wanted.iter().cloned().collect();
    }
    names.extend(anchors.iter().filter_map(|a| a.run.clone()));

    // Read every run file, then check all their lines at once so the work spreads over cores.
    let mut files: Vec<(String, PathBuf, Result<Vec<u8>, String>)> = Vec::new();
    for name in &names {
        let path = run_path(dir, name);
        let bytes = match fsio::read(&path, RUN_FILE, Links::Refuse) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        };
        files.push((name.clone(), path, bytes));
    }
    let mut all_lines: Vec<&[u8]> = Vec::new();
    let mut spans = Vec::with_capacity(files.len());
    for (_, _, bytes) in &files {
        let (lines, tail) = match bytes {
            Ok(bytes) => split_lines(bytes),
            Err(_) => (Vec::new(), None),
        };
        spans.push((all_lines.len(), lines.len(), tail.is_some()));
        all_lines.extend(lines);
    }
    for anchor in anchors {
        let Some(run) = &anchor.run else { continue };
        let lines = files
            .iter()
            .zip(&spans)
            .find(|((name, _, _), _)| name == run)
            .map_or(&[][..], |(_, (start, count, _))| {
                &all_lines[*start..start + count]
            });
        let pruned = ledger_runs
            .get(run)
            .filter(|r| r.state == Some(LedgerEvent::Checkpoint))
            .and_then(|r| r.seal.as_ref());
        anchor_reports.push(match pruned {
            Some(seal) if lines.is_empty() => anchor.judge_pruned(seal),
            _ => anchor.judge(lines),
        });
    }
    let heads: Vec<_> = spans
        .iter()
        .map(|(start, count, _)| head_of(&all_lines[*start..start + count]))
        .collect();
    let mut results = check_lines::<Payload>(&all_lines, allowed).into_iter();
    records_checked += all_lines.len() as u64;

    let mut reports = Vec::with_capacity(files.len());
    for (((name, path, bytes), (_, count, torn)), head) in files.into_iter().zip(spans).zip(heads) {
        let lines: Vec<LineResult<Payload>> = results.by_ref().take(count).collect();
        let ledger = ledger_runs.get(&name);
        let is_last_opened = last_opened.as_deref() == Some(name.as_str());
        let ledger_failure = failed_runs.get(&name).copied().or(ledger_failed_at);
        let report = match bytes {
            Err(detail) => bad_run(name, path, 0, Reason::Unreadable { detail }),
            Ok(_) => check_run(RunInput {
                name,
                path,
                lines,
                torn,
                ledger,
                ledger_path: &ledger_path,
                ledger_failure,
                is_last_opened,
                roles,
            }),
        };
        reports.push(RunReport { head, ..report });
    }
    let ok = ledger_report.first_error.is_none()
        && reports.iter().all(|r| r.status != RunStatus::Bad)
        && anchor_reports.iter().all(|a| a.ok);
    VerifyReport {
        ok,
        records_checked,
        ledger: ledger_report,
        runs: reports,
        anchors: anchor_reports,
        notes,
    }
}

fn bad_run(name: String, path: PathBuf, records: u64, reason: Reason) -> RunReport {
    RunReport {
        first_error: Some(BadRecord::new(path.clone(), 0, None, reason)),
        run: name,
        file: path,
        status: RunStatus::Bad,
        records,
        head: None,
    }
}

/// What checking the ledger found.
struct LedgerFindings {
    report: LedgerReport,
    /// What the ledger's verified records say about each run.
    runs: BTreeMap<String, LedgerRun>,
    /// The run opened by the ledger's last record, if its last record is a `run.opened`.
    last_opened: Option<String>,
    /// For each run named by a ledger record that failed its line checks (signature, signer,
    /// envelope), the first such record's line.
    failed_runs: BTreeMap<String, usize>,
}

/// Check the ledger chain and collect what it says about each run.
fn check_ledger(path: &Path, allowed: &AllowedSigners, roles: &RoleMap) -> LedgerFindings {
    let mut report = LedgerReport {
        file: path.to_owned(),
        records: 0,
        head: None,
        first_error: None,
        checkpoints: Vec::new(),
    };
    let mut runs: BTreeMap<String, LedgerRun> = BTreeMap::new();
    let bytes = match fsio::read(path, JOURNAL_STATE, Links::Refuse) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            let reason = Reason::Unreadable {
                detail: e.to_string(),
            };
            report.first_error = Some(BadRecord::new(path.to_owned(), 0, None, reason));
            return LedgerFindings {
                report,
                runs,
                last_opened: None,
                failed_runs: BTreeMap::new(),
            };
        }
    };
    let (lines, tail) = split_lines(&bytes);
    let results = check_lines::<LedgerPayload>(&lines, allowed);
    report.records = lines.len() as u64;
    let mut first_error: Option<BadRecord> = None;
    let mut fail = |line: usize, seq: Option<u64>, reason: Reason| {
        if first_error.is_none() {
            first_error = Some(BadRecord::new(path.to_owned(), line, seq, reason));
        }
    };
    let mut prev: Option<String> = Some(GENESIS.to_owned());
    let mut last_opened = None;
    let mut failed_runs = BTreeMap::new();
    let mut checkpoints = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        let line = index + 1;
        let checked = match result {
            Ok(checked) => checked,
            Err((payload, reason)) => {
                if let Some(p) = &payload {
                    failed_runs.entry(p.run.clone()).or_insert(line);
                }
                fail(line, payload.map(|p| p.seq), reason);
                prev = None;
                last_opened = None;
                continue;
            }
        };
        let p = &checked.payload;
        if p.seq != index as u64 {
            let reason = Reason::Seq {
                expected: index as u64,
                found: p.seq,
            };
            fail(line, Some(p.seq), reason);
        } else if let Some(expected) = &prev
            && &p.prev != expected
        {
            let reason = Reason::Prev {
                expected: expected.clone(),
                found: p.prev.clone(),
            };
            fail(line, Some(p.seq), reason);
        } else if let Some(reason) = ledger_role_rule(p, roles) {
            // Signed by a known key, so the record still says what happened to the run: its
            // state is kept to report the run itself truthfully.
            fail(line, Some(p.seq), reason);
        }
        let state_error = match p.event {
            LedgerEvent::Checkpoint => apply_checkpoint(&mut runs, p),
            _ => apply_event(runs.entry(p.run.clone()).or_default(), p, line, &prev),
        };
        match state_error {
            Some(detail) => fail(line, Some(p.seq), Reason::LedgerState { detail }),
            None if p.event == LedgerEvent::Checkpoint => checkpoints.push(Checkpoint {
                line,
                seq: p.seq,
                time: p.time.clone(),
                signer: p.signer.clone(),
                before: p.before.clone(),
                prev: p.prev.clone(),
                pruned: p.pruned.clone().unwrap_or_default(),
            }),
            None => {}
        }
        last_opened = (p.event == LedgerEvent::Opened).then(|| p.run.clone());
        prev = Some(checked.hash);
    }
    if tail.is_some() {
        fail(lines.len() + 1, None, Reason::TornLine);
    }
    report.first_error = first_error;
    report.checkpoints = checkpoints;
    LedgerFindings {
        report,
        runs,
        last_opened,
        failed_runs,
    }
}

/// Apply ledger record `p` (at `line`, chained to `prev`) to the state of its run; why it may
/// not follow that state, if it may not.
fn apply_event(
    run: &mut LedgerRun,
    p: &LedgerPayload,
    line: usize,
    prev: &Option<String>,
) -> Option<String> {
    let error = match (p.event, run.state) {
        (LedgerEvent::Opened, None | Some(LedgerEvent::Abandoned)) => {
            run.opened_line = line;
            run.first_hash = p.hash.clone().unwrap_or_default();
            run.chain_to = prev.clone();
            run.seal = None;
            None
        }
        (LedgerEvent::Abandoned, Some(LedgerEvent::Opened)) => None,
        (LedgerEvent::Sealed, Some(LedgerEvent::Opened)) => {
            run.seal = Some((p.hash.clone().unwrap_or_default(), p.records.unwrap_or(0)));
            None
        }
        (event, state) => Some(format!(
            "{} for run {} whose state is {}",
            ledger_event_name(event),
            p.run,
            state.map_or("unknown", ledger_event_name)
        )),
    };
    if error.is_none() {
        run.state = Some(p.event);
    }
    error
}

/// Apply a `ledger.checkpoint`: every run it removes must be sealed, with the hash and record
/// count of its seal, and named once; its `records` is their number. Why not, if not (then
/// no run's state changes).
fn apply_checkpoint(runs: &mut BTreeMap<String, LedgerRun>, p: &LedgerPayload) -> Option<String> {
    let pruned = p.pruned.as_deref().unwrap_or_default();
    if p.run != CHECKPOINT_RUN || p.records != Some(pruned.len() as u64) {
        return Some(format!(
            "ledger.checkpoint must name run {CHECKPOINT_RUN:?} and count the {} run(s) it lists",
            pruned.len()
        ));
    }
    let mut seen = BTreeSet::new();
    for entry in pruned {
        let run = runs.get(&entry.run);
        let problem = match run.map(|r| (r.state, &r.seal)) {
            _ if !seen.insert(&entry.run) => Some("listed twice".to_owned()),
            Some((Some(LedgerEvent::Sealed), Some((hash, records))))
                if *hash == entry.hash && *records == entry.records =>
            {
                None
            }
            Some((Some(LedgerEvent::Sealed), Some((hash, records)))) => Some(format!(
                "sealed at {records} records ending in {hash}, but listed with {} records ending \
                 in {}",
                entry.records, entry.hash
            )),
            Some((state, _)) => Some(format!(
                "whose state is {}: only sealed runs can be removed",
                state.map_or("unknown", ledger_event_name)
            )),
            None => Some("which the ledger never opened".to_owned()),
        };
        if let Some(problem) = problem {
            return Some(format!(
                "ledger.checkpoint removes run {} {problem}",
                entry.run
            ));
        }
    }
    for entry in pruned {
        if let Some(run) = runs.get_mut(&entry.run) {
            run.state = Some(LedgerEvent::Checkpoint);
        }
    }
    None
}

pub(super) fn ledger_event_name(event: LedgerEvent) -> &'static str {
    match event {
        LedgerEvent::Opened => "run.opened",
        LedgerEvent::Abandoned => "run.abandoned",
        LedgerEvent::Sealed => "run.sealed",
        LedgerEvent::Checkpoint => "ledger.checkpoint",
    }
}

/// One run to check against what the ledger says about it.
pub(super) struct RunInput<'a> {
    pub(super) name: String,
    pub(super) path: PathBuf,
    pub(super) lines: Vec<LineResult<Payload>>,
    pub(super) torn: bool,
    pub(super) ledger: Option<&'a LedgerRun>,
    pub(super) ledger_path: &'a Path,
    /// When the ledger failed verification: the ledger line to blame if the run is not found in
    /// it (the run's own failed record, else the ledger's first bad one).
    pub(super) ledger_failure: Option<usize>,
    pub(super) is_last_opened: bool,
    pub(super) roles: &'a RoleMap,
}

/// Check one run's records in order (rules 2 to 7) and its ledger registration.
pub(super) fn check_run(input: RunInput<'_>) -> RunReport {
    let RunInput {
        name,
        path,
        lines,
        torn,
        ledger,
        ledger_path,
        ledger_failure,
        is_last_opened,
        roles,
    } = input;
    let records = lines.len() as u64;
    let report = |status, first_error| RunReport {
        run: name.clone(),
        file: path.clone(),
        status,
        records,
        head: None,
        first_error,
    };
    let first_seq = || match lines.first() {
        Some(Ok(checked)) => Some(checked.payload.seq),
        Some(Err((payload, _))) => payload.as_ref().map(|p| p.seq),
        None => None,
    };
    let bad = |line, seq, reason| {
        report(
            RunStatus::Bad,
            Some(BadRecord::new(path.clone(), line, seq, reason)),
        )
    };
    // Not in the ledger: added or renamed, unless the ledger is itself unverified.
    let unmatched = || match ledger_failure {
        Some(line) => Reason::LedgerUnverified {
            ledger: ledger_path.to_owned(),
            line,
        },
        None => Reason::NoLedgerEntry,
    };

    let state = ledger.and_then(|l| l.state);
    if lines.is_empty() {
        return match (state, ledger) {
            (None, _) if torn => bad(1, None, unmatched()),
            (None, _) => report(
                RunStatus::Bad,
                Some(BadRecord::new(path.clone(), 0, None, Reason::UnknownRun)),
            ),
            (Some(LedgerEvent::Abandoned), _) => report(RunStatus::Abandoned, None),
            (Some(LedgerEvent::Checkpoint), _) if !torn => report(RunStatus::Pruned, None),
            // A first write cut short is reported like any torn line; resuming removes it.
            (Some(LedgerEvent::Opened), _) if is_last_opened && torn => {
                bad(1, None, Reason::TornLine)
            }
            (Some(LedgerEvent::Opened), _) if is_last_opened => {
                report(RunStatus::Interrupted, None)
            }
            (_, Some(l)) => report(
                RunStatus::Bad,
                Some(BadRecord::new(
                    ledger_path.to_owned(),
                    l.opened_line,
                    None,
                    Reason::DeletedRun { run: name.clone() },
                )),
            ),
            (Some(_), None) => report(RunStatus::Bad, None),
        };
    }
    let ledger = match (state, ledger) {
        (Some(LedgerEvent::Abandoned), _) => {
            return bad(1, first_seq(), Reason::AbandonedRunHasRecords);
        }
        (Some(_), Some(ledger)) => ledger,
        _ => return bad(1, first_seq(), unmatched()),
    };

    let mut prev: Option<String> = ledger.chain_to.clone();
    let mut run_signer: Option<String> = None;
    let mut finished = false;
    let mut last_hash = String::new();
    for (index, result) in lines.into_iter().enumerate() {
        let line = index + 1;
        let position = index as u64;
        let checked = match result {
            Ok(checked) => checked,
            Err((payload, reason)) => return bad(line, payload.map(|p| p.seq), reason),
        };
        let p = &checked.payload;
        let seq = Some(p.seq);
        if p.run != name {
            let reason = Reason::WrongRun {
                expected: name.clone(),
                found: p.run.clone(),
            };
            return bad(line, seq, reason);
        }
        if p.seq != position {
            return bad(
                line,
                seq,
                Reason::Seq {
                    expected: position,
                    found: p.seq,
                },
            );
        }
        if let Some(expected) = &prev
            && &p.prev != expected
        {
            let reason = Reason::Prev {
                expected: expected.clone(),
                found: p.prev.clone(),
            };
            return bad(line, seq, reason);
        }
        if index == 0 && checked.hash != ledger.first_hash {
            let reason = Reason::FirstHashMismatch {
                expected: ledger.first_hash.clone(),
                found: checked.hash.clone(),
            };
            return bad(line, seq, reason);
        }
        if let Some(reason) = event_rule(p, index, finished) {
            return bad(line, seq, reason);
        }
        if index == 0 {
            run_signer = Some(p.signer.clone());
        }
        if let Some(reason) = role_rule(p, run_signer.as_deref(), roles) {
            return bad(line, seq, reason);
        }
        finished = p.event == Event::RunFinished;
        prev = Some(checked.hash.clone());
        last_hash = checked.hash;
    }
    if torn {
        return bad(records as usize + 1, None, Reason::TornLine);
    }
    match (&ledger.seal, finished) {
        (Some((hash, sealed)), _) if *sealed != records || *hash != last_hash => bad(
            records as usize,
            Some(records.saturating_sub(1)),
            Reason::SealMismatch {
                sealed: *sealed,
                found: records,
            },
        ),
        (Some(_), _) if state == Some(LedgerEvent::Checkpoint) => {
            report(RunStatus::PrunePending, None)
        }
        (Some(_), _) => report(RunStatus::Sealed, None),
        (None, true) => report(RunStatus::Unsealed, None),
        (None, false) => report(RunStatus::Open, None),
    }
}

fn event_rule(p: &Payload, index: usize, finished: bool) -> Option<Reason> {
    if finished {
        return Some(Reason::AfterFinish);
    }
    match (index, &p.event) {
        (0, Event::RunStarted) => None,
        (0, other) => Some(Reason::FirstNotRunStarted {
            found: other.to_string(),
        }),
        (_, Event::RunStarted) => Some(Reason::MisplacedRunStarted),
        _ => None,
    }
}

/// Who may sign a run record, by its event (the table in `docs/journal-format.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignerRule {
    /// `run.started`, `run.finished` and any other record not about a step: a holder of an
    /// operator role.
    Operator,
    /// A `step.*` record the engine writes (`step.started`, `step.applied`, `step.skipped`,
    /// `step.failed`, `step.blocked`, `step.scheduled`, `step.waiting`, ...): the run's signer,
    /// or a holder of the step's role.
    Engine,
    /// `step.confirmed`: a holder of the step's role.
    Holder,
    /// `step.approved`: a holder of the step's role other than the run's signer.
    Approver,
}

impl SignerRule {
    fn of(event: &Event) -> SignerRule {
        match event {
            Event::StepConfirmed => SignerRule::Holder,
            Event::StepApproved => SignerRule::Approver,
            Event::RunStarted | Event::RunResumed | Event::RunFinished => SignerRule::Operator,
            // A newer build's step events are still records about a step.
            other if other.as_str().starts_with("step.") => SignerRule::Engine,
            _ => SignerRule::Operator,
        }
    }
}

/// Why `p`'s signer may not sign it, if it may not. `run_signer` is the principal of the run's
/// `run.started` (`p`'s own for the first record).
fn role_rule(p: &Payload, run_signer: Option<&str>, roles: &RoleMap) -> Option<Reason> {
    let rule = SignerRule::of(&p.event);
    let by_run_signer = Some(p.signer.as_str()) == run_signer;
    if rule == SignerRule::Approver && by_run_signer {
        return Some(Reason::SelfApproval {
            principal: p.signer.clone(),
            step: p.step.clone().unwrap_or_default(),
        });
    }
    if rule == SignerRule::Operator {
        return (!roles.is_operator(&p.signer))
            .then(|| not_operator(&p.signer, p.event.as_str(), roles));
    }
    let Some(role) = &p.role else {
        return Some(Reason::MissingRole {
            event: p.event.to_string(),
        });
    };
    if rule == SignerRule::Engine && by_run_signer {
        return None;
    }
    (!roles.holds(&p.signer, role)).then(|| Reason::SignerLacksRole {
        principal: p.signer.clone(),
        role: role.clone(),
    })
}

/// Why a ledger record's signer may not sign it, if it may not: only operators register, seal
/// and abandon runs.
pub(super) fn ledger_role_rule(p: &LedgerPayload, roles: &RoleMap) -> Option<Reason> {
    (!roles.is_operator(&p.signer))
        .then(|| not_operator(&p.signer, ledger_event_name(p.event), roles))
}

fn not_operator(principal: &str, event: &str, roles: &RoleMap) -> Reason {
    Reason::NotOperator {
        principal: principal.to_owned(),
        event: event.to_owned(),
        operator_roles: roles.operator_roles().map(str::to_owned).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::PrunedRun;

    const IT: &str = "it-ops@acme";
    const LEAD: &str = "it-lead@acme";
    const FIN: &str = "finance@acme";
    const PROC: &str = "procurement@acme";

    fn roles() -> RoleMap {
        [
            (IT, vec!["iam"]),
            (LEAD, vec!["iam"]),
            (FIN, vec!["finance"]),
            (PROC, vec!["procurement"]),
        ]
        .into_iter()
        .collect::<RoleMap>()
        .with_operator_roles(["iam"])
    }

    fn payload(event: &str, signer: &str, role: Option<&str>) -> Payload {
        Payload {
            v: 1,
            run: "r".into(),
            seq: 1,
            prev: GENESIS.into(),
            time: "2026-01-01T00:00:00Z".into(),
            signer: signer.into(),
            event: Event::from_name(event),
            employee: Some("E1".into()),
            step: Some("s".into()),
            action: None,
            role: role.map(str::to_owned),
            target: None,
            evidence: None,
            playbook: None,
            note: None,
        }
    }

    fn not_operator(principal: &str, event: &str) -> Option<Reason> {
        Some(Reason::NotOperator {
            principal: principal.into(),
            event: event.into(),
            operator_roles: vec!["iam".into()],
        })
    }

    fn lacks(principal: &str, role: &str) -> Option<Reason> {
        Some(Reason::SignerLacksRole {
            principal: principal.into(),
            role: role.into(),
        })
    }

    fn missing(event: &str) -> Option<Reason> {
        Some(Reason::MissingRole {
            event: event.into(),
        })
    }

    /// (event, signer, role, expected); the run's signer is IT.
    #[test]
    fn who_may_sign_each_run_record() {
        let cases: Vec<(&str, &str, Option<&str>, Option<Reason>)> = vec![
            // Run records: an operator, whoever started the run.
            ("run.started", IT, None, None),
            ("run.started", PROC, None, not_operator(PROC, "run.started")),
            (
                "run.started",
                FIN,
                Some("finance"),
                not_operator(FIN, "run.started"),
            ),
            ("run.finished", IT, None, None),
            ("run.finished", LEAD, None, None),
            (
                "run.finished",
                PROC,
                None,
                not_operator(PROC, "run.finished"),
            ),
            ("run.resumed", PROC, None, not_operator(PROC, "run.resumed")),
            ("run.paused", PROC, None, not_operator(PROC, "run.paused")),
            // Engine step records: the step's role on every one; the run's signer or a holder.
            ("step.skipped", IT, None, missing("step.skipped")),
            ("step.skipped", PROC, None, missing("step.skipped")),
            ("step.skipped", IT, Some("iam"), None),
            ("step.skipped", IT, Some("finance"), None),
            ("step.skipped", FIN, Some("finance"), None),
            ("step.skipped", PROC, Some("iam"), lacks(PROC, "iam")),
            (
                "step.skipped",
                LEAD,
                Some("finance"),
                lacks(LEAD, "finance"),
            ),
            ("step.started", PROC, Some("iam"), lacks(PROC, "iam")),
            ("step.applied", FIN, Some("iam"), lacks(FIN, "iam")),
            ("step.failed", PROC, Some("iam"), lacks(PROC, "iam")),
            ("step.blocked", PROC, Some("iam"), lacks(PROC, "iam")),
            ("step.scheduled", PROC, Some("iam"), lacks(PROC, "iam")),
            (
                "step.waiting",
                PROC,
                Some("finance"),
                lacks(PROC, "finance"),
            ),
            ("step.waiting", IT, Some("finance"), None),
            ("step.frobbed", IT, None, missing("step.frobbed")),
            ("step.frobbed", PROC, Some("iam"), lacks(PROC, "iam")),
            ("step.frobbed", IT, Some("finance"), None),
            // Confirmations: a holder of the role, the run's signer included.
            ("step.confirmed", IT, Some("iam"), None),
            ("step.confirmed", FIN, Some("finance"), None),
            ("step.confirmed", IT, Some("finance"), lacks(IT, "finance")),
            ("step.confirmed", FIN, None, missing("step.confirmed")),
            // Approvals: a holder of the role other than the run's signer.
            ("step.approved", LEAD, Some("iam"), None),
            ("step.approved", FIN, Some("iam"), lacks(FIN, "iam")),
            ("step.approved", LEAD, None, missing("step.approved")),
            (
                "step.approved",
                IT,
                Some("iam"),
                Some(Reason::SelfApproval {
                    principal: IT.into(),
                    step: "s".into(),
                }),
            ),
        ];
        let roles = roles();
        for (event, signer, role, expected) in cases {
            let p = payload(event, signer, role);
            assert_eq!(
                role_rule(&p, Some(IT), &roles),
                expected,
                "{event} by {signer} with role {role:?}"
            );
        }
    }

    #[test]
    fn the_first_record_is_judged_with_its_own_signer_as_the_runs() {
        let roles = roles();
        let first = payload("run.started", PROC, None);
        assert_eq!(
            role_rule(&first, Some(PROC), &roles),
            not_operator(PROC, "run.started")
        );
        // Without operator roles configured nobody may start a run.
        let none = [(IT, vec!["iam"])].into_iter().collect::<RoleMap>();
        let first = payload("run.started", IT, None);
        assert_eq!(
            role_rule(&first, Some(IT), &none),
            Some(Reason::NotOperator {
                principal: IT.into(),
                event: "run.started".into(),
                operator_roles: Vec::new(),
            })
        );
    }

    /// A ledger record about `run` (a checkpoint when `pruned` is given).
    fn ledger_record(
        event: LedgerEvent,
        run: &str,
        pruned: Option<Vec<PrunedRun>>,
    ) -> LedgerPayload {
        LedgerPayload {
            v: 1,
            seq: 0,
            prev: GENESIS.into(),
            time: "2026-01-01T00:00:00Z".into(),
            signer: IT.into(),
            event,
            run: run.into(),
            hash: Some("sha256:end".into()),
            records: pruned.as_ref().map_or(Some(5), |p| Some(p.len() as u64)),
            before: None,
            pruned,
        }
    }

    #[test]
    fn a_checkpoint_removes_only_sealed_runs_as_sealed() {
        let entry = |run: &str, hash: &str, records| PrunedRun {
            run: run.into(),
            hash: hash.into(),
            records,
        };
        let checkpoint =
            |entries| ledger_record(LedgerEvent::Checkpoint, CHECKPOINT_RUN, Some(entries));
        let mut runs = BTreeMap::new();
        for (run, events) in [
            ("sealed", &[LedgerEvent::Opened, LedgerEvent::Sealed][..]),
            ("open", &[LedgerEvent::Opened][..]),
        ] {
            let state = runs.entry(run.to_owned()).or_default();
            for event in events {
                assert_eq!(
                    apply_event(state, &ledger_record(*event, run, None), 1, &None),
                    None
                );
            }
        }
        let cases = [
            (
                vec![entry("open", "sha256:end", 5)],
                Some("whose state is run.opened"),
            ),
            (vec![entry("gone", "sha256:end", 5)], Some("never opened")),
            (
                vec![entry("sealed", "sha256:other", 5)],
                Some("listed with 5 records ending in sha256:other"),
            ),
            (
                vec![entry("sealed", "sha256:end", 4)],
                Some("sealed at 5 records"),
            ),
            (
                vec![
                    entry("sealed", "sha256:end", 5),
                    entry("sealed", "sha256:end", 5),
                ],
                Some("listed twice"),
            ),
            (vec![entry("sealed", "sha256:end", 5)], None),
        ];
        for (entries, expected) in cases {
            let found = apply_checkpoint(&mut runs, &checkpoint(entries.clone()));
            match expected {
                Some(text) => assert!(
                    found.as_deref().is_some_and(|f| f.contains(text)),
                    "{entries:?}: {found:?}"
                ),
                None => assert_eq!(found, None, "{entries:?}"),
            }
        }
        assert_eq!(runs["sealed"].state, Some(LedgerEvent::Checkpoint));
        // Pruned once, a run cannot be pruned again, nor sealed or reopened.
        let again = apply_checkpoint(
            &mut runs,
            &checkpoint(vec![entry("sealed", "sha256:end", 5)]),
        );
        assert!(again.is_some_and(|a| a.contains("ledger.checkpoint")));
        let sealed = runs.get_mut("sealed").unwrap();
        let reopened = apply_event(
            sealed,
            &ledger_record(LedgerEvent::Opened, "sealed", None),
            9,
            &None,
        );
        assert!(reopened.is_some());
        // The count must match the list.
        let mut miscounted = checkpoint(vec![]);
        miscounted.records = Some(3);
        assert!(apply_checkpoint(&mut runs, &miscounted).is_some());
    }

    #[test]
    fn only_operators_sign_ledger_records() {
        let roles = roles();
        for event in [
            LedgerEvent::Opened,
            LedgerEvent::Sealed,
            LedgerEvent::Checkpoint,
            LedgerEvent::Abandoned,
        ] {
            let record = |signer: &str| LedgerPayload {
                v: 1,
                seq: 0,
                prev: GENESIS.into(),
                time: "2026-01-01T00:00:00Z".into(),
                signer: signer.into(),
                event,
                run: "r".into(),
                hash: None,
                records: None,
                before: None,
                pruned: None,
            };
            assert_eq!(ledger_role_rule(&record(IT), &roles), None);
            assert_eq!(ledger_role_rule(&record(LEAD), &roles), None);
            let name = ledger_event_name(event);
            assert_eq!(
                ledger_role_rule(&record(PROC), &roles),
                not_operator(PROC, name),
                "{name}"
            );
        }
    }
}
