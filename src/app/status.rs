//! What the journal says about runs: every run summarised at a time, the open ones, the runs of
//! one employee, which held runs may go on now that their hold was lifted, and the command that
//! resumes a run by hand. Each run shown is verified first: a run that does not verify is
//! refused (exit 1). Writes nothing.

use super::employee::{choose_playbook, hold_reason};
use super::error::journal_err;
use super::session::Session;
use super::trust::require_trusted;
use super::{Error, Result};
use crate::analyze::Workspace;
use crate::execute::clock;
use crate::execute::status::{RunStatus, run_identity, run_status};
use crate::hr::HrRecord;
use crate::journal::{Payload, list_runs, read_run};
use time::OffsetDateTime;

/// Which runs to show.
#[derive(Clone, Debug, Default)]
pub struct StatusRequest {
    /// A run id, an employee id the journal holds, or a username HR knows; `None`: every open
    /// run.
    pub target: Option<String>,
}

/// The runs a status request names.
#[derive(Debug)]
pub enum StatusAnswer {
    /// The runs, verified, with released holds marked.
    Runs(Vec<RunStatus>),
    /// HR knows the employee named, and the journal holds no run of theirs.
    NoRun(Box<HrRecord>),
}

/// The open runs, or the runs of the run or employee named.
pub fn status(workspace: &Workspace, request: &StatusRequest) -> Result<StatusAnswer> {
    let all = all_runs(workspace)?;
    let mut runs: Vec<RunStatus> = match &request.target {
        None => all.into_iter().filter(|r| !r.finished).collect(),
        // A run id, or an employee id the journal holds, is answered from the journal alone.
        Some(t) if all.iter().any(|r| &r.run == t || &r.employee == t) => all
            .into_iter()
            .filter(|r| &r.run == t || &r.employee == t)
            .collect(),
        Some(t) => {
            // Anything else must name one person in HR (a username; two rows sharing it is an
            // error naming both).
            let hr = Session::default().hr(workspace)?;
            let Some(employee) = hr.find(t)? else {
                return Err(Error::NoRunOrEmployee {
                    key: t.clone(),
                    journal: workspace.config.journal.clone(),
                });
            };
            let runs: Vec<RunStatus> = all
                .into_iter()
                .filter(|r| r.employee == employee.id)
                .collect();
            if runs.is_empty() {
                // An employee HR knows who has no run yet is an answer, not a mistake.
                return Ok(StatusAnswer::NoRun(Box::new(employee.clone())));
            }
            runs
        }
    };
    // What a run reports (finished, which steps are confirmed) is shown only once it verifies.
    if !runs.is_empty() {
        let ids: Vec<String> = runs.iter().map(|r| r.run.clone()).collect();
        require_trusted(workspace, &ids)?;
    }
    mark_released_holds(workspace, &mut runs);
    Ok(StatusAnswer::Runs(runs))
}

/// Every run in the journal, summarised at the current time; runs whose playbook is no longer in
/// the repository are reported as errors.
pub fn all_runs(workspace: &Workspace) -> Result<Vec<RunStatus>> {
    let now = clock::now().map_err(Error::Clock)?;
    Ok(journal_runs(workspace, now)?
        .into_iter()
        .map(|(_, status)| status)
        .collect())
}

/// Every run in the journal with its records, summarised at `now`.
pub fn journal_runs(
    workspace: &Workspace,
    now: OffsetDateTime,
) -> Result<Vec<(Vec<Payload>, RunStatus)>> {
    let dir = &workspace.config.journal;
    let mut runs = Vec::new();
    for run in list_runs(dir).map_err(journal_err)? {
        let records: Vec<Payload> = read_run(dir, &run)
            .map_err(journal_err)?
            .records
            .into_iter()
            .map(|r| r.payload)
            .collect();
        let Some((_, name)) = run_identity(&records) else {
            continue;
        };
        let playbook = workspace
            .playbook(&name)
            .ok_or_else(|| Error::RunPlaybookGone {
                run: run.clone(),
                playbook: name.clone(),
                place: crate::human::path(&workspace.config.playbooks),
            })?;
        let status = run_status(
            &run,
            &records,
            &playbook.playbook,
            &workspace.config.policy.deadlines,
            now,
        );
        runs.push((records, status));
    }
    Ok(runs)
}

/// Set [`RunStatus::hold_released`] on every unfinished run with a step blocked by a legal hold
/// when HR and the holds file no longer hold its employee (HR is read once). An employee HR
/// cannot be read for, or no longer lists, is taken as still held: nothing destructive is
/// resumed on a guess.
pub fn mark_released_holds(workspace: &Workspace, runs: &mut [RunStatus]) {
    let session = Session::default();
    for run in runs.iter_mut() {
        run.hold_released = !run.finished
            && run.steps.iter().any(|s| s.is_blocked())
            && session
                .employee(workspace, &run.employee)
                .is_ok_and(|(employee, _)| hold_reason(workspace, &employee).is_none());
    }
}

/// The command that resumes `run` by hand: `offboard EMPLOYEE`, with `--playbook` when HR's
/// status would choose another playbook.
pub fn resume_command(workspace: &Workspace, run: &RunStatus) -> String {
    let session = Session::default();
    let by_hand = session
        .employee(workspace, &run.employee)
        .ok()
        .and_then(|(employee, status)| {
            let chosen = choose_playbook(workspace, None, &employee, status).ok()?;
            (chosen.playbook.name == run.playbook)
                .then(|| format!("offboard {}", employee.username))
        });
    by_hand.unwrap_or_else(|| format!("offboard run {} --playbook {}", run.employee, run.playbook))
}
