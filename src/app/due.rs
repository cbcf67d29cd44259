//! `offboard due`: resume every open run that has a staged step whose time has come, or a step
//! blocked by a legal hold that has since been lifted (HR and the holds file are read again each
//! time). Safe to run from cron every minute: each employee's run takes the employee lock and
//! re-reads its journal under it, so a concurrent invocation skips runs already in hand, and a
//! later one finds the step confirmed, instead of applying anything twice.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::run::{RunRequest, run_in};
use super::session::Session;
use super::status::{all_runs, mark_released_holds};
use super::trust::require_trusted;
use super::{Context, Result};
use crate::execute::clock;
use crate::execute::status::{RunStatus, StepStatus};
use crate::exit::Exit;

/// What `due` is asked to do.
#[derive(Clone, Copy, Debug, Default)]
pub struct DueRequest {
    /// List the runs that are due without resuming them.
    pub dry_run: bool,
}

/// What `offboard due` found and did: with `--format json`, the last line it prints (after the
/// events of the runs it resumed), also when nothing is due.
#[derive(Debug, Serialize)]
pub struct DueReport {
    /// Always `due.report`.
    pub event: &'static str,
    /// True with `--dry-run`: the runs were listed, not resumed.
    pub dry_run: bool,
    /// Each run with a staged step due or a lifted hold, in journal order (empty when nothing is
    /// due).
    pub runs: Vec<DueRun>,
    /// The exit status the command ends with.
    pub exit: u8,
}

/// One run with a staged step due, or a step whose legal hold was lifted.
#[derive(Debug, Serialize)]
pub struct DueRun {
    /// The run.
    pub run: String,
    /// Its employee.
    pub employee: String,
    /// Its playbook.
    pub playbook: String,
    /// The staged steps whose time has come, and the steps whose legal hold was lifted.
    pub steps: Vec<String>,
    /// True when a step of the run was blocked by a legal hold that has since been lifted.
    pub hold_released: bool,
    /// `due` (dry run), `resumed`, `skipped` (another process holds the employee) or `error`.
    pub outcome: &'static str,
    /// The resumed run's exit status (absent for a dry run or a skipped run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<u8>,
    /// Why the run was skipped or could not be resumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Execute the staged steps that are due, and the steps whose legal hold was lifted; each run
/// is reported through [`super::Interaction::due_run`] as it is done with.
pub fn due(ctx: Context<'_>, request: &DueRequest) -> Result<DueReport> {
    let workspace = ctx.workspace;
    let now = clock::now().map_err(super::Error::Clock)?;
    let mut open: Vec<_> = all_runs(workspace)?
        .into_iter()
        .filter(|r| !r.finished)
        .collect();
    mark_released_holds(workspace, &mut open);
    let mut report = DueReport {
        event: "due.report",
        dry_run: request.dry_run,
        runs: Vec::new(),
        exit: 0,
    };
    let mut exit = Exit::Done;
    for run in open
        .iter()
        .filter(|r| r.steps.iter().any(|s| is_due(r, s, now)))
    {
        let (entry, resumed) = due_run(ctx, request, run, now);
        if let Some(code) = entry.exit {
            exit = exit.worst(Exit::from_code(code).unwrap_or(Exit::Usage));
        }
        ctx.interaction.due_run(&entry, resumed.as_ref());
        report.runs.push(entry);
    }
    report.exit = exit.code();
    Ok(report)
}

/// Whether step `s` of `run` can go now: a staged step whose time has come, or a step blocked
/// by a hold that was lifted.
fn is_due(run: &RunStatus, s: &StepStatus, now: OffsetDateTime) -> bool {
    let staged = s.confirmed_at.is_none()
        && s.due_at
            .as_deref()
            .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
            .is_some_and(|d| d <= now);
    staged || (run.hold_released && s.is_blocked())
}

/// List or resume one due run.
fn due_run(
    ctx: Context<'_>,
    request: &DueRequest,
    run: &RunStatus,
    now: OffsetDateTime,
) -> (DueRun, Option<crate::execute::outcome::RunReport>) {
    let mut entry = DueRun {
        run: run.run.clone(),
        employee: run.employee.clone(),
        playbook: run.playbook.clone(),
        steps: run
            .steps
            .iter()
            .filter(|s| is_due(run, s, now))
            .map(|s| s.step.clone())
            .collect(),
        hold_released: run.hold_released,
        outcome: "due",
        exit: None,
        message: None,
    };
    // A dry run lists only runs that verify; a real one verifies the run it resumes.
    let result = match request.dry_run {
        true => require_trusted(ctx.workspace, std::slice::from_ref(&run.run)).map(|()| None),
        false => {
            let resume = RunRequest {
                employee: &run.employee,
                playbook: Some(&run.playbook),
                allow_dirty: false,
                interactive: false,
            };
            let session = Session::default().with_hint(ctx.interaction.command_hint());
            run_in(ctx, &session, &resume).map(Some)
        }
    };
    match result {
        Ok(None) => (entry, None),
        Ok(Some(resumed)) => {
            entry.outcome = "resumed";
            entry.exit = Some(resumed.exit().code());
            (entry, Some(resumed))
        }
        Err(error) if error.is_busy() => {
            entry.outcome = "skipped";
            entry.message = Some(error.to_string());
            (entry, None)
        }
        Err(error) => {
            entry.outcome = "error";
            entry.exit = Some(error.exit_code().code());
            entry.message = Some(error.to_string());
            (entry, None)
        }
    }
}
