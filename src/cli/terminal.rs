//! The terminal as the use cases' [`Interaction`]: progress bars, lines or JSON events for runs,
//! warnings on stderr, and the questions a `--interactive` command may ask on stdin. Reports of
//! runs going in parallel are printed whole, one at a time.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};

use serde_json::json;

use super::progress::{Progress, print_report};
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::app::due::DueRun;
use crate::app::{Context, Error, Interaction, Result, RunView, SignOffPrompt};
use crate::execute::outcome::RunReport;
use crate::playbook::Step;

/// The terminal a command runs at, with the output options it was given.
pub struct Terminal<'a> {
    global: &'a GlobalArgs,
    /// Held while a run's report is printed, so reports of parallel runs do not interleave.
    printing: Mutex<()>,
}

impl<'a> Terminal<'a> {
    /// The terminal, printing as `global` asks.
    pub fn new(global: &'a GlobalArgs) -> Terminal<'a> {
        Terminal {
            global,
            printing: Mutex::new(()),
        }
    }
}

/// Call `use_case` with the context the use cases that run playbooks need: `workspace`, the
/// terminal `global` describes, and the flag Ctrl-C sets.
pub fn with_context<T>(
    global: &GlobalArgs,
    workspace: &Workspace,
    interrupted: &AtomicBool,
    use_case: impl FnOnce(Context) -> T,
) -> T {
    let terminal = Terminal::new(global);
    use_case(Context {
        workspace,
        interaction: &terminal,
        interrupted,
    })
}

impl Interaction for Terminal<'_> {
    fn run_view(&self, parallel: bool) -> Box<dyn RunView + '_> {
        Box::new(Progress::new(
            self.global.format == Format::Json,
            self.global.no_progress || parallel,
            self.global.quiet || parallel,
        ))
    }

    fn warn(&self, message: &str, employees: &[String]) {
        super::print_warning(self.global.format, message, employees);
    }

    /// A human line on stderr, or one JSON object there with `--format json`; nothing with
    /// `-q`.
    fn untracked_playbook(&self, file: &Path, verb: &str) {
        if self.global.quiet {
            return;
        }
        let message = format!(
            "playbook {} is not under version control (no git repository holds it): the journal \
             {verb} `\"vcs\": \"none\"` and no commit, only the blob id of the content that ran; \
             keep playbooks in git so every run names the version it executed",
            crate::human::path(file)
        );
        if self.global.format == Format::Json {
            let line = json!({
                "warning": "playbook_not_under_version_control",
                "playbook": file.display().to_string(),
                "message": message,
            });
            eprintln!("{line}");
        } else {
            eprintln!("warning: {message}");
        }
    }

    fn run_ended(&self, report: &RunReport) {
        let _printing = self.printing.lock().unwrap_or_else(PoisonError::into_inner);
        print_report(self.global, report);
    }

    fn run_failed(&self, employee: &str, error: &Error) {
        let _printing = self.printing.lock().unwrap_or_else(PoisonError::into_inner);
        match self.global.format {
            Format::Json => super::print_warning(
                Format::Json,
                &format!("{employee}: {error}"),
                &[employee.to_owned()],
            ),
            _ => eprintln!("error: {employee}: {error}"),
        }
    }

    fn continue_after_canary(&self, canary: usize, remaining: usize) -> Result<bool> {
        eprint!("canary of {canary} done; continue with the remaining {remaining}? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| crate::Error::io("cannot read", "stdin", e))?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
    }

    fn due_run(&self, run: &DueRun, resumed: Option<&RunReport>) {
        if let Some(report) = resumed {
            print_report(self.global, report);
            return;
        }
        if self.global.format == Format::Json {
            return;
        }
        match run.outcome {
            "skipped" => eprintln!(
                "skipped {}: {}",
                run.run,
                run.message.as_deref().unwrap_or_default()
            ),
            "error" => eprintln!(
                "error: {}: {}",
                run.run,
                run.message.as_deref().unwrap_or_default()
            ),
            _ => println!(
                "{} {} ({}): {}",
                run.run,
                run.employee,
                run.playbook,
                if run.hold_released {
                    "legal hold lifted; blocked step(s) can complete"
                } else {
                    "staged step(s) due"
                }
            ),
        }
    }

    fn command_hint(&self) -> Option<fn(&str) -> Option<String>> {
        Some(super::args::near_subcommand)
    }
}

impl RunView for Progress {
    fn run_started(&mut self, run: &str, employee: &str, playbook: &str, steps: usize) {
        Progress::run_started(self, run, employee, playbook, steps);
    }

    /// Asks on stderr, reads the note from stdin; the bar is suspended while it asks.
    fn sign_off_prompt(&self) -> Box<SignOffPrompt> {
        let bar = self.bar();
        Box::new(move |step: &Step, task: &str, principal: &str| {
            let ask = || {
                eprint!(
                    "step `{}` waits for sign-off by {}: {}\n  type a note to confirm it now as {principal} (empty: leave it waiting): ",
                    step.id,
                    step.owner,
                    crate::human::printable(task)
                );
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).ok()?;
                let note = line.trim().to_owned();
                (!note.is_empty()).then_some(note)
            };
            match &bar {
                Some(bar) => bar.suspend(ask),
                None => ask(),
            }
        })
    }

    fn finish(&mut self) {
        Progress::finish(self);
    }
}
