//! `offboard status [RUN|EMPLOYEE]`: open runs (or the runs named), their pending steps,
//! deadlines, breaches and steps held by a legal hold. Reads the journal (each run it shows is
//! verified first: a run that does not verify is refused, exit 1), and for runs with a step
//! blocked by a hold, HR and the holds file, to tell whether the hold has been lifted. Writes
//! nothing.

use super::args::StatusArgs;
use super::run::journal_err;
use super::run::{choose_playbook, hold_reason};
use super::session::Session;
use super::trusted::require_trusted;
use super::workspace::load_workspace;
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::execute::status::{RunStatus, run_identity, run_status};
use crate::exit::Exit;
use crate::human::{printable, timestamp};
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
                crate::human::path(&workspace.config.playbooks)
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
fn resume_command(workspace: &Workspace, run: &RunStatus) -> String {
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

/// Print the status of open runs, or of the run or employee named.
pub fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<Exit> {
    if !matches!(global.format, Format::Human | Format::Json) {
        return Err(Error::Usage(format!(
            "`offboard status` prints human or json, not {}",
            global.format
        )));
    }
    let workspace = load_workspace(global)?;
    let all = all_runs(&workspace)?;
    let mut runs: Vec<RunStatus> = match &args.target {
        None => all.into_iter().filter(|r| !r.finished).collect(),
        // A run id, or an employee id the journal holds, is answered from the journal alone.
        Some(t) if all.iter().any(|r| &r.run == t || &r.employee == t) => all
            .into_iter()
            .filter(|r| &r.run == t || &r.employee == t)
            .collect(),
        Some(t) => {
            // Anything else must name one person in HR (a username; two rows sharing it is an
            // error naming both).
            let hr = Session::default().hr(&workspace)?;
            let Some(employee) = hr.find(t)? else {
                return Err(Error::Usage(format!(
                    "no run or employee `{t}` in the journal {}",
                    crate::human::path(&workspace.config.journal)
                )));
            };
            let runs: Vec<RunStatus> = all
                .into_iter()
                .filter(|r| r.employee == employee.id)
                .collect();
            if runs.is_empty() {
                // An employee HR knows who has no run yet is an answer, not a mistake.
                match global.format {
                    Format::Json => println!("[]"),
                    _ => println!(
                        "no run for {} ({}) in the journal {}",
                        employee.username,
                        employee.id,
                        crate::human::path(&workspace.config.journal)
                    ),
                }
                return Ok(Exit::Done);
            }
            runs
        }
    };
    // What a run reports (finished, which steps are confirmed) is shown only once it verifies.
    if !runs.is_empty() {
        let ids: Vec<String> = runs.iter().map(|r| r.run.clone()).collect();
        require_trusted(&workspace, &ids)?;
    }
    mark_released_holds(&workspace, &mut runs);
    match global.format {
        Format::Json => {
            let text =
                serde_json::to_string_pretty(&runs).map_err(|e| Error::Usage(e.to_string()))?;
            println!("{text}");
        }
        _ => print_human(&workspace, &runs),
    }
    Ok(Exit::Done)
}

fn print_human(workspace: &Workspace, runs: &[RunStatus]) {
    if runs.is_empty() {
        println!("no open runs");
        return;
    }
    for run in runs {
        let breaches = run.breaches().count();
        let held = run.steps.iter().filter(|s| s.is_blocked()).count();
        let mut notes = String::new();
        if breaches > 0 {
            notes.push_str(&format!(", {breaches} deadline breach(es)"));
        }
        if held > 0 {
            notes.push_str(&format!(", {held} step(s) held by legal hold"));
        }
        println!(
            "{} {} ({}): {}{notes}",
            run.run,
            run.employee,
            run.playbook,
            if run.finished { "finished" } else { "open" },
        );
        for step in &run.steps {
            if step.confirmed_at.is_some() && !step.breached {
                continue;
            }
            let due = step
                .due_at
                .as_deref()
                .map_or_else(String::new, |d| format!(" due {}", timestamp(d)));
            let flag = if step.breached {
                "  BREACHED"
            } else if step.held {
                "  HELD"
            } else {
                ""
            };
            println!(
                "  {:<24} {:<12} {:<9} deadline {}{due}{flag}",
                step.step,
                state_words(&step.state),
                step.risk.as_str(),
                step.deadline
                    .as_deref()
                    .map_or_else(|| "-".into(), timestamp),
            );
            if let (true, Some(hold)) = (step.is_blocked() && !run.hold_released, &step.hold) {
                println!("  {:<24} legal hold: {}", "", printable(hold));
            }
        }
        if run.hold_released {
            println!(
                "  hold released: `offboard due` or `{}` completes it",
                resume_command(workspace, run)
            );
        }
    }
}

/// A step's state in words: the journal event without its `step.` prefix (`confirmed`,
/// `waiting`, `scheduled`), `not started` before any. JSON keeps the machine names.
fn state_words(state: &str) -> String {
    printable(
        &state
            .strip_prefix("step.")
            .unwrap_or(state)
            .replace('_', " "),
    )
}

#[cfg(test)]
mod tests {
    use super::state_words;

    #[test]
    fn states_read_as_words() {
        for (state, words) in [
            ("step.confirmed", "confirmed"),
            ("step.waiting", "waiting"),
            ("step.scheduled", "scheduled"),
            ("step.blocked", "blocked"),
            ("not_started", "not started"),
        ] {
            assert_eq!(state_words(state), words);
        }
    }
}
