//! Partial failure is data: the executor returns what happened to each step, and this report
//! alone decides the exit code.

use serde::{Deserialize, Serialize};

use crate::exit::Exit;

/// What happened to one step in this invocation (or before it, for a resumed run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    /// Confirmed by read-back (or sign-off) in this invocation.
    Confirmed {
        /// True when a change was made; false when the target already showed the post-condition.
        changed: bool,
        /// In a plan, for a step with nothing left to change: what the system keeps that the
        /// step cannot take away, with why (`kept: group All staff (dynamic group: ...)`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kept: Option<String>,
    },
    /// Confirmed by an earlier invocation of the same run; not touched again.
    AlreadyConfirmed,
    /// The system has no account for the employee: nothing to revoke.
    NoAccount,
    /// Failed; the run stops here (or goes on, with `on_error: continue`).
    Failed {
        /// What went wrong. Never contains a secret.
        error: String,
    },
    /// Not applied: the employee is under legal hold and the step is destructive.
    Blocked {
        /// The hold's reason.
        reason: String,
    },
    /// Staged: due later, executed by `offboard due`.
    Scheduled {
        /// When it becomes due (RFC 3339).
        due_at: String,
        /// In a plan: what the system says about the change once it is made (for example how
        /// long a deleted account can be restored).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Waits for a person of the owner role to sign it off.
    Waiting {
        /// What the person has to do.
        task: String,
    },
    /// Started in the target system and still running there (a data transfer): `offboard
    /// due` or a rerun reads it again, and confirms the step once it completed.
    InProgress {
        /// What is running.
        task: String,
    },
    /// Dry run (`offboard plan`): what the step would change now.
    Planned {
        /// The system and account it would act on.
        account: Option<String>,
        /// The exact changes, computed from the live state.
        changes: Vec<crate::connector::Change>,
        /// The changes (or message) in words.
        detail: String,
        /// Monthly cost of the seats it would release, in cents.
        released_monthly_cost_cents: i64,
        /// Each seat it would release, with its monthly cost (steps that release seats).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        seats: Vec<crate::connector::Seat>,
        /// The message's rendered parameters, e.g. `subject` and `text` (message steps).
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        params: std::collections::BTreeMap<String, String>,
    },
    /// Not started because a step it waits for is not confirmed.
    Pending {
        /// The step it waits for.
        on: String,
    },
}

/// What a step not looked at because the run was interrupted is pending on.
pub const INTERRUPTION: &str = "interruption";

impl StepState {
    /// True when the step needs nothing more: confirmed now or before, or no account to revoke.
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            StepState::Confirmed { .. } | StepState::AlreadyConfirmed | StepState::NoAccount
        )
    }

    /// True for a step the engine did not look at because the run was interrupted (Ctrl-C).
    pub fn is_pending_on_interruption(&self) -> bool {
        matches!(self, StepState::Pending { on } if on == INTERRUPTION)
    }
}

/// The outcome of one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// Step id.
    pub step: String,
    /// What happened.
    #[serde(flatten)]
    pub state: StepState,
}

/// The outcome of running one employee's playbook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// The run id (journal file name).
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// Playbook name.
    pub playbook: String,
    /// True when the run had already finished: nothing was touched.
    pub nothing_to_do: bool,
    /// True when the run was stopped by Ctrl-C.
    pub interrupted: bool,
    /// Each step, in execution order.
    pub steps: Vec<StepOutcome>,
}

impl RunReport {
    /// The exit code: failed > interrupted-aside > waiting > done.
    pub fn exit(&self) -> Exit {
        if self.interrupted {
            return Exit::Interrupted;
        }
        let mut exit = Exit::Done;
        for step in &self.steps {
            let this = match step.state {
                StepState::Failed { .. } => Exit::StepFailed,
                StepState::Blocked { .. }
                | StepState::Scheduled { .. }
                | StepState::Waiting { .. }
                | StepState::InProgress { .. }
                | StepState::Pending { .. } => Exit::Waiting,
                StepState::Confirmed { .. }
                | StepState::AlreadyConfirmed
                | StepState::NoAccount
                | StepState::Planned { .. } => Exit::Done,
            };
            exit = exit.worst(this);
        }
        exit
    }

    /// True when every step is confirmed (or had no account): the run is finished.
    pub fn is_complete(&self) -> bool {
        self.steps.iter().all(|s| s.state.is_done())
    }
}

/// A short human description of an outcome, on one line and printable: the task text,
/// account names and errors it quotes come from data.
pub fn describe(state: &StepState) -> String {
    crate::human::printable(&match state {
        StepState::Confirmed { changed: true, .. } => "confirmed".into(),
        StepState::Confirmed { changed: false, .. } => "already in effect, confirmed".into(),
        StepState::AlreadyConfirmed => "already confirmed".into(),
        StepState::NoAccount => "no account: nothing to revoke".into(),
        StepState::Failed { error } => format!("FAILED: {error}"),
        StepState::Blocked { reason } => format!("blocked by legal hold ({reason})"),
        StepState::Scheduled { due_at, note } => {
            let due = format!("scheduled for {}", crate::human::timestamp(due_at));
            match note {
                Some(note) => format!("{due}; {note}"),
                None => due,
            }
        }
        StepState::Waiting { task } => format!("waiting for sign-off: {task}"),
        StepState::InProgress { task } => format!("in progress: {task}"),
        StepState::Pending { on } => format!("pending on {on}"),
        StepState::Planned {
            account, detail, ..
        } => match account {
            Some(account) => format!("would {detail} ({account})"),
            None => format!("would {detail}"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(states: Vec<StepState>) -> RunReport {
        RunReport {
            run: "r".into(),
            employee: "E1".into(),
            playbook: "p".into(),
            nothing_to_do: false,
            interrupted: false,
            steps: states
                .into_iter()
                .enumerate()
                .map(|(i, state)| StepOutcome {
                    step: format!("s{i}"),
                    state,
                })
                .collect(),
        }
    }

    #[test]
    fn exit_code_reflects_the_worst_step() {
        let done = StepState::Confirmed {
            changed: true,
            kept: None,
        };
        let wait = StepState::Scheduled {
            due_at: "2026-12-30T00:00:00Z".into(),
            note: None,
        };
        let fail = StepState::Failed {
            error: "403".into(),
        };
        assert_eq!(
            report(vec![done.clone(), StepState::NoAccount]).exit(),
            Exit::Done
        );
        assert_eq!(
            report(vec![done.clone(), wait.clone()]).exit(),
            Exit::Waiting
        );
        assert_eq!(report(vec![wait, fail, done]).exit(), Exit::StepFailed);
        let mut r = report(vec![StepState::AlreadyConfirmed]);
        assert!(r.is_complete());
        r.interrupted = true;
        assert_eq!(r.exit(), Exit::Interrupted);
    }

    #[test]
    fn only_steps_skipped_by_the_interruption_count_as_such() {
        let table = [
            (
                StepState::Pending {
                    on: "interruption".into(),
                },
                true,
            ),
            (
                StepState::Pending {
                    on: "disable-account".into(),
                },
                false,
            ),
            (
                StepState::Confirmed {
                    changed: false,
                    kept: None,
                },
                false,
            ),
            (
                StepState::Failed {
                    error: "interruption".into(),
                },
                false,
            ),
        ];
        for (state, expected) in table {
            assert_eq!(state.is_pending_on_interruption(), expected, "{state:?}");
        }
    }
}
