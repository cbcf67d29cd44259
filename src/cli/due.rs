//! `offboard due`: resume every open run that has a staged step whose time has come. Safe to run
//! from cron every minute: each employee's run takes the employee lock, so a concurrent
//! invocation skips runs already in hand instead of applying anything twice.

use std::sync::atomic::AtomicBool;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::GlobalArgs;
use super::args::DueArgs;
use super::run::{print_report, run_one};
use super::status::all_runs;
use super::workspace::load_workspace;
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::exit::Exit;

/// Execute the staged steps that are due.
pub fn run(global: &GlobalArgs, args: &DueArgs, interrupted: &AtomicBool) -> Result<Exit> {
    let workspace = load_workspace(global)?;
    let now = clock::now().map_err(Error::Usage)?;
    let due: Vec<_> = all_runs(&workspace)?
        .into_iter()
        .filter(|r| !r.finished)
        .filter(|r| {
            r.steps.iter().any(|s| {
                s.confirmed_at.is_none()
                    && s.due_at
                        .as_deref()
                        .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
                        .is_some_and(|d| d <= now)
            })
        })
        .collect();
    if due.is_empty() {
        if !global.quiet {
            eprintln!("nothing is due");
        }
        return Ok(Exit::Done);
    }
    let mut exit = Exit::Done;
    for run in &due {
        if args.dry_run {
            println!(
                "{} {} ({}): staged step(s) due",
                run.run, run.employee, run.playbook
            );
            continue;
        }
        match run_one(
            global,
            &workspace,
            &run.employee,
            Some(&run.playbook),
            false,
            interrupted,
        ) {
            Ok(report) => {
                print_report(global, &report);
                exit = exit.worst(report.exit());
            }
            Err(Error::Busy(message)) => {
                eprintln!("skipped {}: {message}", run.run);
            }
            Err(error) => {
                eprintln!("error: {}: {error}", run.run);
                exit = exit.worst(error.exit());
            }
        }
    }
    Ok(exit)
}
