//! `offboard run` (and `offboard EMPLOYEE`): one employee, a batch, or a saved plan, through
//! the use cases of [`crate::app`]; prints each run's report, and a batch's table.

use std::sync::atomic::AtomicBool;

use serde_json::json;

use super::GlobalArgs;
use super::args::RunArgs;
use super::progress::print_report;
use super::terminal::with_context;
use crate::app::batch::{BatchReport, BatchRequest, employees, run_batch};
use crate::app::plan::{SavedPlanRequest, run_saved};
use crate::app::run::{RunRequest, run as run_one};
use crate::app::workspace::load_workspace;
use crate::app::{Context, Result};
use crate::exit::Exit;

/// Run the playbook for each employee named (or listed in `--from`, or in a saved plan); the
/// exit code is the most severe outcome ([`Exit::worst`]). Each employee must be named once.
pub fn run(global: &GlobalArgs, args: &RunArgs, interrupted: &AtomicBool) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    with_context(global, &workspace, interrupted, |ctx| {
        run_in(ctx, global, args)
    })
}

/// [`run`] once the repository is loaded.
fn run_in(ctx: Context, global: &GlobalArgs, args: &RunArgs) -> Result<Exit> {
    if let Some(plan) = &args.plan {
        let request = SavedPlanRequest {
            plan,
            allow_dirty: args.allow_dirty,
            interactive: args.interactive,
        };
        let report = run_saved(ctx, &request)?;
        print_report(global, &report);
        return Ok(report.exit());
    }
    let employees = employees(&args.employees, args.from.as_deref())?;
    if employees.len() > 1 || args.from.is_some() {
        let request = BatchRequest {
            employees,
            playbook: args.playbook.clone(),
            allow_dirty: args.allow_dirty,
            max: args.max,
            yes: args.yes,
            skip_unknown: args.skip_unknown,
            interactive: args.interactive,
            jobs: args.jobs,
        };
        let report = run_batch(ctx, &request)?;
        print_table(global, &report);
        return Ok(report.exit());
    }
    let mut exit = Exit::Done;
    for employee in &employees {
        let request = RunRequest {
            employee,
            playbook: args.playbook.as_deref(),
            allow_dirty: args.allow_dirty,
            interactive: args.interactive,
        };
        let report = run_one(ctx, &request)?;
        print_report(global, &report);
        exit = exit.worst(report.exit());
    }
    Ok(exit)
}

/// A batch's outcome table: one row per employee, or one `batch.report` object with
/// `--format json`.
pub(super) fn print_table(global: &GlobalArgs, report: &BatchReport) {
    let rows = &report.rows;
    if global.format == super::Format::Json {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "employee": r.employee, "exit": r.exit.code(), "summary": r.summary,
                    "skipped": r.skipped,
                })
            })
            .collect();
        println!("{}", json!({ "event": "batch.report", "employees": rows }));
        return;
    }
    let width = rows
        .iter()
        .map(|r| r.employee.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!("{:<width$}  exit  outcome", "employee");
    for r in rows {
        println!(
            "{:<width$}  {:>4}  {}",
            r.employee,
            r.exit.code(),
            r.summary
        );
    }
}
