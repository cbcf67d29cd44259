//! `offboard status [RUN|EMPLOYEE]`: open runs (or the runs named), their pending steps,
//! deadlines and breaches. Reads the journal only.

use super::args::StatusArgs;
use super::run::journal_err;
use super::workspace::load_workspace;
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::execute::status::{RunStatus, run_identity, run_status};
use crate::exit::Exit;
use crate::journal::{Payload, list_runs, read_run};
use time::OffsetDateTime;

/// Every run in the journal, summarised at the current time; runs whose playbook is no longer in
/// the repository are reported as errors.
pub fn all_runs(workspace: &Workspace) -> Result<Vec<RunStatus>> {
    let now = clock::now().map_err(Error::Usage)?;
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
        let playbook = workspace.playbook(&name).ok_or_else(|| {
            Error::Usage(format!(
                "run {run} executes playbook `{name}`, which is not in {}",
                workspace.config.playbooks.display()
            ))
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

/// Print the status of open runs, or of the run or employee named.
pub fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<Exit> {
    let workspace = load_workspace(global)?;
    let runs: Vec<RunStatus> = all_runs(&workspace)?
        .into_iter()
        .filter(|r| match &args.target {
            Some(t) => {
                &r.run == t || &r.employee == t || employee_matches(&workspace, t, &r.employee)
            }
            None => !r.finished,
        })
        .collect();
    if let Some(target) = &args.target
        && runs.is_empty()
    {
        return Err(Error::Usage(format!(
            "no run or employee `{target}` in the journal {}",
            workspace.config.journal.display()
        )));
    }
    match global.format {
        Format::Json => {
            let text =
                serde_json::to_string_pretty(&runs).map_err(|e| Error::Usage(e.to_string()))?;
            println!("{text}");
        }
        Format::Human => print_human(&runs),
        other => {
            return Err(Error::Usage(format!(
                "`offboard status` prints human or json, not {other}"
            )));
        }
    }
    Ok(Exit::Done)
}

/// True when `key` is the username of employee `id` in HR.
fn employee_matches(workspace: &Workspace, key: &str, id: &str) -> bool {
    super::run::resolve_employee(workspace, key).is_ok_and(|(e, _)| e.id == id)
}

fn print_human(runs: &[RunStatus]) {
    if runs.is_empty() {
        println!("no open runs");
        return;
    }
    for run in runs {
        let breaches = run.breaches().count();
        println!(
            "{} {} ({}): {}{}",
            run.run,
            run.employee,
            run.playbook,
            if run.finished { "finished" } else { "open" },
            if breaches > 0 {
                format!(", {breaches} deadline breach(es)")
            } else {
                String::new()
            }
        );
        for step in &run.steps {
            if step.confirmed_at.is_some() && !step.breached {
                continue;
            }
            let due = step
                .due_at
                .as_deref()
                .map_or_else(String::new, |d| format!(" due {d}"));
            println!(
                "  {:<24} {:<16} {:<9} deadline {}{due}{}",
                step.step,
                step.state,
                step.risk.as_str(),
                step.deadline.as_deref().unwrap_or("-"),
                if step.breached { "  BREACHED" } else { "" }
            );
        }
    }
}
