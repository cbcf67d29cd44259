//! How a run shows its progress: one indicatif bar on a terminal (the current step named), plain
//! lines otherwise, or one JSON event per line with `--format json`. Output only; the engine
//! decides everything.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::execute::engine::Observer;
use crate::execute::outcome::{RunReport, StepOutcome, StepState};
use crate::exit::Exit;
use crate::playbook::Step;

/// Renders engine progress in the form the user asked for.
///
/// Once the run is interrupted (the engine reports the remaining steps pending on the
/// interruption), the bar stays where the run stopped and the pending steps are not printed:
/// the run's report lists them, once.
pub struct Progress {
    mode: Mode,
    /// The run was interrupted: steps still reported are the ones it will not look at.
    interrupted: bool,
}

enum Mode {
    /// A bar on stderr (terminal only).
    Bar(ProgressBar),
    /// A line per step on stderr.
    Lines {
        /// Print nothing but failures.
        quiet: bool,
    },
    /// A JSON event per line on stdout (every step, interrupted or not: events are data).
    Json,
}

impl Progress {
    /// Pick the renderer: JSON when asked, a bar on a terminal unless `no_progress`, else lines.
    pub fn new(json: bool, no_progress: bool, quiet: bool) -> Progress {
        let mode = if json {
            Mode::Json
        } else if !no_progress && !quiet && std::io::stderr().is_terminal() {
            // Drawn from `run_started` on, once the number of steps is known.
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            Mode::Bar(bar)
        } else {
            Mode::Lines { quiet }
        };
        Progress {
            mode,
            interrupted: false,
        }
    }

    /// Start a run for `employee` with `playbook`, of `steps` steps: the bar shows `0/steps`
    /// from its first frame.
    pub fn run_started(&mut self, run: &str, employee: &str, playbook: &str, steps: usize) {
        self.interrupted = false;
        match &self.mode {
            Mode::Bar(bar) => {
                bar.set_length(steps as u64);
                bar.set_position(0);
                bar.println(format!("{employee}: {playbook} (run {run})"));
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            Mode::Lines { quiet: false } => {
                eprintln!("{employee}: {playbook} (run {run})");
            }
            Mode::Lines { quiet: true } => {}
            Mode::Json => emit(json!({
                "event": "run.started", "run": run, "employee": employee, "playbook": playbook
            })),
        }
    }

    /// The bar, when one is drawn (to suspend it around a prompt).
    pub fn bar(&self) -> Option<ProgressBar> {
        match &self.mode {
            Mode::Bar(bar) => Some(bar.clone()),
            _ => None,
        }
    }

    /// Remove the bar, if any.
    pub fn finish(&mut self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

fn emit(value: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
}

pub use crate::execute::outcome::describe;

impl Observer for Progress {
    fn step_started(&mut self, index: usize, total: usize, step: &Step) {
        match &self.mode {
            Mode::Bar(bar) if !self.interrupted => {
                bar.set_length(total as u64);
                bar.set_position(index as u64);
                bar.set_message(format!("{} ({})", step.id, step.kind));
            }
            Mode::Bar(_) | Mode::Lines { .. } => {}
            Mode::Json => emit(json!({
                "event": "step.started", "step": step.id, "action": step.kind.to_string(),
                "index": index, "total": total
            })),
        }
    }

    fn step_finished(&mut self, outcome: &StepOutcome) {
        if let Mode::Json = self.mode {
            let mut value = serde_json::to_value(outcome).unwrap_or_default();
            value["event"] = json!("step.finished");
            emit(value);
            return;
        }
        if outcome.state.is_pending_on_interruption() {
            if !self.interrupted
                && let Mode::Bar(bar) = &self.mode
            {
                bar.set_message(format!("interrupted before {}", outcome.step));
            }
            self.interrupted = true;
            return;
        }
        let failed = matches!(outcome.state, StepState::Failed { .. });
        let line = format!("  {:<24} {}", outcome.step, describe(&outcome.state));
        match &self.mode {
            Mode::Bar(bar) => {
                bar.inc(1);
                bar.println(line);
            }
            Mode::Lines { quiet } => {
                if !*quiet || failed {
                    eprintln!("{line}");
                }
            }
            Mode::Json => {}
        }
    }

    fn retrying(&mut self, step: &str, attempt: u32, error: &str, wait: Duration) {
        let line = format!(
            "  {step}: retry {attempt} in {:.1}s after: {error}",
            wait.as_secs_f64()
        );
        match &self.mode {
            Mode::Bar(bar) => bar.println(line),
            Mode::Lines { quiet: false } => eprintln!("{line}"),
            Mode::Lines { quiet: true } => {}
            Mode::Json => emit(json!({
                "event": "step.retrying", "step": step, "attempt": attempt, "error": error,
                "wait_ms": wait.as_millis() as u64
            })),
        }
    }
}

/// A run's report: one line with its verdict and the steps not done, or one `run.report`
/// object with `--format json`.
pub(super) fn print_report(global: &super::GlobalArgs, report: &RunReport) {
    if global.format == super::Format::Json {
        let mut value = serde_json::to_value(report).unwrap_or_default();
        value["event"] = json!("run.report");
        value["exit"] = json!(report.exit().code());
        println!("{value}");
        return;
    }
    if report.nothing_to_do {
        println!(
            "{}: {} already finished (run {}): nothing left to do",
            report.employee, report.playbook, report.run
        );
        return;
    }
    let confirmed = report.steps.iter().filter(|s| s.state.is_done()).count();
    let verdict = match report.exit() {
        Exit::Done => "complete".to_owned(),
        Exit::Waiting => "waiting".to_owned(),
        Exit::StepFailed => {
            "stopped at a failed step; run the same command again to resume".to_owned()
        }
        Exit::Interrupted => "interrupted; run the same command again to resume".to_owned(),
        other => format!("exit {other}"),
    };
    println!(
        "{}: {} {verdict} ({confirmed}/{} steps confirmed, run {})",
        report.employee,
        report.playbook,
        report.steps.len(),
        report.run
    );
    if global.quiet {
        return;
    }
    for step in report.steps.iter().filter(|s| !s.state.is_done()) {
        println!("  {:<24} {}", step.step, describe(&step.state));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed a ten-step run interrupted after `done` steps to a bar that draws nowhere.
    fn interrupted_bar(done: usize) -> ProgressBar {
        let bar = ProgressBar::hidden();
        let mut progress = Progress {
            mode: Mode::Bar(bar.clone()),
            interrupted: false,
        };
        progress.run_started("r", "E1", "p", 10);
        for index in 0..10 {
            let step = Step::manual(&format!("s{index}"));
            progress.step_started(index, 10, &step);
            let state = if index < done {
                StepState::Confirmed {
                    changed: true,
                    kept: None,
                }
            } else {
                StepState::Pending {
                    on: crate::execute::outcome::INTERRUPTION.into(),
                }
            };
            progress.step_finished(&StepOutcome {
                step: step.id.clone(),
                state,
            });
        }
        bar
    }

    #[test]
    fn an_interrupted_bar_stops_at_the_step_interrupted() {
        for done in [0, 3, 9] {
            let bar = interrupted_bar(done);
            assert_eq!(bar.position(), done as u64, "after {done} steps");
            assert_eq!(bar.length(), Some(10));
            assert_eq!(bar.message(), format!("interrupted before s{done}"));
        }
        let bar = interrupted_bar(10);
        assert_eq!(bar.position(), 10);
        assert_eq!(bar.message(), "s9 (manual)");
    }
}
