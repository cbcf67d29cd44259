//! `offboard due`: resume every open run that has a staged step whose time has come, or a step
//! blocked by a legal hold that has since been lifted (HR and the holds file are read again each
//! time). Safe to run from cron every minute: each employee's run takes the employee lock and
//! re-reads its journal under it, so a concurrent invocation skips runs already in hand, and a
//! later one finds the step confirmed, instead of applying anything twice.

use std::sync::atomic::AtomicBool;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::DueArgs;
use super::run::{print_report, run_one};
use super::status::{all_runs, mark_released_holds};
use super::trusted::require_trusted;
use super::workspace::load_workspace;
use super::{Format, GlobalArgs};
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::exit::Exit;

/// What `offboard due` found and did: with `--format json`, the last line it prints (after the
/// events of the runs it resumed), also when nothing is due.
#[derive(Debug, Serialize)]
struct DueReport {
    /// Always `due.report`.
    event: &'static str,
    /// True with `--dry-run`: the runs were listed, not resumed.
    dry_run: bool,
    /// Each run with a staged step due or a lifted hold, in journal order (empty when nothing is
    /// due).
    runs: Vec<DueRun>,
    /// The exit status the command ends with.
    exit: u8,
}

/// One run with a staged step due, or a step whose legal hold was lifted.
#[derive(Debug, Serialize)]
struct DueRun {
    run: String,
    employee: String,
    playbook: String,
    /// The staged steps whose time has come, and the steps whose legal hold was lifted.
    steps: Vec<String>,
    /// True when a step of the run was blocked by a legal hold that has since been lifted.
    hold_released: bool,
    /// `due` (dry run), `resumed`, `skipped` (another process holds the employee) or `error`.
    outcome: &'static str,
    /// The resumed run's exit status (absent for a dry run or a skipped run).
    #[serde(skip_serializing_if = "Option::is_none")]
    exit: Option<u8>,
    /// Why the run was skipped or could not be resumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Execute the staged steps that are due, and the steps whose legal hold was lifted.
pub fn run(global: &GlobalArgs, args: &DueArgs, interrupted: &AtomicBool) -> Result<Exit> {
    let json = global.format == Format::Json;
    let workspace = load_workspace(global)?;
    let now = clock::now().map_err(Error::Usage)?;
    let is_due = |s: &crate::execute::status::StepStatus| {
        s.confirmed_at.is_none()
            && s.due_at
                .as_deref()
                .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
                .is_some_and(|d| d <= now)
    };
    let mut open: Vec<_> = all_runs(&workspace)?
        .into_iter()
        .filter(|r| !r.finished)
        .collect();
    mark_released_holds(&workspace, &mut open);
    let is_due = |r: &crate::execute::status::RunStatus, s: &crate::execute::status::StepStatus| {
        is_due(s) || (r.hold_released && s.is_blocked())
    };
    let due: Vec<_> = open
        .into_iter()
        .filter(|r| r.steps.iter().any(|s| is_due(r, s)))
        .collect();
    if due.is_empty() && !json {
        if !global.quiet {
            eprintln!("nothing is due");
        }
        return Ok(Exit::Done);
    }
    let mut exit = Exit::Done;
    let mut report = DueReport {
        event: "due.report",
        dry_run: args.dry_run,
        runs: Vec::new(),
        exit: 0,
    };
    for run in &due {
        let mut entry = DueRun {
            run: run.run.clone(),
            employee: run.employee.clone(),
            playbook: run.playbook.clone(),
            steps: run
                .steps
                .iter()
                .filter(|s| is_due(run, s))
                .map(|s| s.step.clone())
                .collect(),
            hold_released: run.hold_released,
            outcome: "due",
            exit: None,
            message: None,
        };
        // A dry run lists only runs that verify; a real one verifies the run it resumes.
        let result = match args.dry_run {
            true => require_trusted(&workspace, std::slice::from_ref(&run.run)).map(|()| None),
            false => run_one(
                global,
                &workspace,
                &run.employee,
                Some(&run.playbook),
                false,
                interrupted,
            )
            .map(Some),
        };
        match result {
            Ok(None) => {
                if !json {
                    println!(
                        "{} {} ({}): {}",
                        run.run,
                        run.employee,
                        run.playbook,
                        if run.hold_released {
                            "legal hold lifted; blocked step(s) can complete"
                        } else {
                            "staged step(s) due"
                        }
                    );
                }
            }
            Ok(Some(resumed)) => {
                print_report(global, &resumed);
                exit = exit.worst(resumed.exit());
                entry.outcome = "resumed";
                entry.exit = Some(resumed.exit().code());
            }
            Err(Error::Busy(message)) => {
                if !json {
                    eprintln!("skipped {}: {message}", run.run);
                }
                entry.outcome = "skipped";
                entry.message = Some(message);
            }
            Err(error) => {
                if !json {
                    eprintln!("error: {}: {error}", run.run);
                }
                exit = exit.worst(error.exit());
                entry.outcome = "error";
                entry.exit = Some(error.exit().code());
                entry.message = Some(error.to_string());
            }
        }
        report.runs.push(entry);
    }
    if json {
        report.exit = exit.code();
        let line = serde_json::to_string(&report).map_err(|e| Error::Usage(e.to_string()))?;
        println!("{line}");
    }
    Ok(exit)
}
