//! How a use case talks to the person or program that started it, without knowing whether that
//! is a terminal, a JSON stream, a test or a scheduler.

use std::path::Path;

use super::due::DueRun;
use crate::execute::engine::Observer;
use crate::execute::outcome::RunReport;
use crate::playbook::Step;

/// Asks the operator to sign off a manual step (the step, its task, the signer's principal);
/// returns their note, or `None` to leave it waiting.
pub type SignOffPrompt = dyn Fn(&Step, &str, &str) -> Option<String> + Send + Sync;

/// The front end of the use cases. Implementations only show and ask; they decide nothing.
/// Runs of a batch may call it from several threads at once.
pub trait Interaction: Sync {
    /// A view of one run's progress. `parallel` when other runs go at the same time (the view
    /// then shows failures only, and never prompts).
    fn run_view(&self, parallel: bool) -> Box<dyn RunView + '_>;

    /// A warning about the command as a whole; `employees` names those it concerns.
    fn warn(&self, message: &str, employees: &[String]);

    /// The playbook `file` is in no git repository, so the journal `verb` (e.g. `records`) only
    /// the blob id of its content. Called once per command and file.
    fn untracked_playbook(&self, file: &Path, verb: &str);

    /// One run of several (a batch, `due`) ended with `report`.
    fn run_ended(&self, report: &RunReport);

    /// One run of a batch could not start, or stopped with `error`.
    fn run_failed(&self, employee: &str, error: &super::Error);

    /// Whether a batch goes on after its canary of `canary` employees with the `remaining`
    /// ones; asked only of an interactive batch without `--yes`.
    fn continue_after_canary(&self, canary: usize, remaining: usize) -> super::Result<bool>;

    /// `due` is done with one run (listed, resumed, skipped or failed); `resumed` is its report
    /// when it was resumed.
    fn due_run(&self, run: &DueRun, resumed: Option<&RunReport>);

    /// The subcommand a word most likely mistypes, for the front end whose commands these are
    /// (`offboard run statsu`); `None` when the front end has no such names.
    fn command_hint(&self) -> Option<fn(&str) -> Option<String>> {
        None
    }
}

/// One run's progress as it goes: an [`Observer`] of the engine, plus the run's start and end
/// and the prompt for signing off a manual step in place.
pub trait RunView: Observer + Send {
    /// The run `run` of `playbook` for `employee` begins, with `steps` steps.
    fn run_started(&mut self, run: &str, employee: &str, playbook: &str, steps: usize);

    /// The prompt for a manual step the run's signer may sign off in place (used only when the
    /// run is interactive). It must leave the view usable while it asks.
    fn sign_off_prompt(&self) -> Box<SignOffPrompt>;

    /// The run ended: remove anything drawn.
    fn finish(&mut self);
}

/// A front end that shows nothing and answers every question "no": for benchmarks, tests and
/// schedulers that read the reports the use cases return.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Interaction for Silent {
    fn run_view(&self, _parallel: bool) -> Box<dyn RunView + '_> {
        Box::new(Silent)
    }
    fn warn(&self, _message: &str, _employees: &[String]) {}
    fn untracked_playbook(&self, _file: &Path, _verb: &str) {}
    fn run_ended(&self, _report: &RunReport) {}
    fn run_failed(&self, _employee: &str, _error: &super::Error) {}
    fn continue_after_canary(&self, _canary: usize, _remaining: usize) -> super::Result<bool> {
        Ok(false)
    }
    fn due_run(&self, _run: &DueRun, _resumed: Option<&RunReport>) {}
}

impl Observer for Silent {
    fn step_started(&mut self, _index: usize, _total: usize, _step: &Step) {}
    fn step_finished(&mut self, _outcome: &crate::execute::outcome::StepOutcome) {}
    fn retrying(&mut self, _step: &str, _attempt: u32, _error: &str, _wait: std::time::Duration) {}
}

impl RunView for Silent {
    fn run_started(&mut self, _run: &str, _employee: &str, _playbook: &str, _steps: usize) {}
    fn sign_off_prompt(&self) -> Box<SignOffPrompt> {
        Box::new(|_, _, _| None)
    }
    fn finish(&mut self) {}
}
