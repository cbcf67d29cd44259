//! `offboard status [RUN|EMPLOYEE]`: open runs (or the runs named), their pending steps,
//! deadlines, breaches and steps held by a legal hold, as `app::status` finds them. Prints only.

use super::args::StatusArgs;
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::app::status::{StatusAnswer, StatusRequest, resume_command, status};
use crate::app::workspace::load_workspace;
use crate::execute::status::RunStatus;
use crate::exit::Exit;
use crate::human::{printable, timestamp};

/// Print the status of open runs, or of the run or employee named.
pub fn run(global: &GlobalArgs, args: &StatusArgs) -> crate::app::Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let request = StatusRequest {
        target: args.target.clone(),
    };
    let runs = match status(&workspace, &request)? {
        StatusAnswer::Runs(runs) => runs,
        StatusAnswer::NoRun(employee) => {
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
    };
    match global.format {
        Format::Json => {
            super::print_json(&runs)?;
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
