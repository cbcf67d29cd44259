//! How a run shows its progress: one indicatif bar on a terminal (the current step named), plain
//! lines otherwise, or one JSON event per line with `--format json`. Output only; the engine
//! decides everything.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::execute::engine::Observer;
use crate::execute::outcome::{StepOutcome, StepState};
use crate::playbook::Step;

/// Renders engine progress in the form the user asked for.
pub enum Progress {
    /// A bar on stderr (terminal only).
    Bar(ProgressBar),
    /// A line per step on stderr.
    Lines {
        /// Print nothing but failures.
        quiet: bool,
    },
    /// A JSON event per line on stdout.
    Json,
}

impl Progress {
    /// Pick the renderer: JSON when asked, a bar on a terminal unless `no_progress`, else lines.
    pub fn new(json: bool, no_progress: bool, quiet: bool) -> Progress {
        if json {
            Progress::Json
        } else if !no_progress && !quiet && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            Progress::Bar(bar)
        } else {
            Progress::Lines { quiet }
        }
    }

    /// Start a run for `employee` with `playbook`.
    pub fn run_started(&mut self, run: &str, employee: &str, playbook: &str) {
        match self {
            Progress::Bar(bar) => bar.println(format!("{employee}: {playbook} (run {run})")),
            Progress::Lines { quiet: false } => {
                eprintln!("{employee}: {playbook} (run {run})");
            }
            Progress::Lines { quiet: true } => {}
            Progress::Json => emit(json!({
                "event": "run.started", "run": run, "employee": employee, "playbook": playbook
            })),
        }
    }

    /// The bar, when one is drawn (to suspend it around a prompt).
    pub fn bar(&self) -> Option<ProgressBar> {
        match self {
            Progress::Bar(bar) => Some(bar.clone()),
            _ => None,
        }
    }

    /// Remove the bar, if any.
    pub fn finish(&mut self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn emit(value: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
}

/// A short human description of an outcome.
pub fn describe(state: &StepState) -> String {
    match state {
        StepState::Confirmed { changed: true } => "confirmed".into(),
        StepState::Confirmed { changed: false } => "already in effect, confirmed".into(),
        StepState::AlreadyConfirmed => "already confirmed".into(),
        StepState::NoAccount => "no account: nothing to revoke".into(),
        StepState::Failed { error } => format!("FAILED: {error}"),
        StepState::Blocked { reason } => format!("blocked by legal hold ({reason})"),
        StepState::Scheduled { due_at } => format!("scheduled for {due_at}"),
        StepState::Waiting { task } => format!("waiting for sign-off: {task}"),
        StepState::Pending { on } => format!("pending on {on}"),
        StepState::Planned {
            account, detail, ..
        } => match account {
            Some(account) => format!("would {detail} ({account})"),
            None => format!("would {detail}"),
        },
    }
}

impl Observer for Progress {
    fn step_started(&mut self, index: usize, total: usize, step: &Step) {
        match self {
            Progress::Bar(bar) => {
                bar.set_length(total as u64);
                bar.set_position(index as u64);
                bar.set_message(format!("{} ({})", step.id, step.kind));
            }
            Progress::Lines { .. } => {}
            Progress::Json => emit(json!({
                "event": "step.started", "step": step.id, "action": step.kind.to_string(),
                "index": index, "total": total
            })),
        }
    }

    fn step_finished(&mut self, outcome: &StepOutcome) {
        let failed = matches!(outcome.state, StepState::Failed { .. });
        let line = format!("  {:<24} {}", outcome.step, describe(&outcome.state));
        match self {
            Progress::Bar(bar) => {
                bar.inc(1);
                bar.println(line);
            }
            Progress::Lines { quiet } => {
                if !*quiet || failed {
                    eprintln!("{line}");
                }
            }
            Progress::Json => {
                let mut value = serde_json::to_value(outcome).unwrap_or_default();
                value["event"] = json!("step.finished");
                emit(value);
            }
        }
    }

    fn retrying(&mut self, step: &str, attempt: u32, error: &str, wait: Duration) {
        let line = format!(
            "  {step}: retry {attempt} in {:.1}s after: {error}",
            wait.as_secs_f64()
        );
        match self {
            Progress::Bar(bar) => bar.println(line),
            Progress::Lines { quiet: false } => eprintln!("{line}"),
            Progress::Lines { quiet: true } => {}
            Progress::Json => emit(json!({
                "event": "step.retrying", "step": step, "attempt": attempt, "error": error,
                "wait_ms": wait.as_millis() as u64
            })),
        }
    }
}
