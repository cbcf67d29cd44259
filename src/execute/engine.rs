//! The interpreter: executes one employee's playbook in dependency order. For every automatic
//! step it reads the target, applies only what is left, reads the target back, and records a
//! signed confirmation carrying the before/after evidence before it moves on. It never applies a
//! step the journal shows confirmed, and always reads before it applies, so a run interrupted at
//! any instant resumes without doing anything twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::approval;
use super::context::template_context;
use super::outcome::{INTERRUPTION, RunReport, StepOutcome, StepState};
pub use super::run_log::{Entry, Mode, Observer, Recorded, RunLog, SignOff, Target};
use super::simulated::Simulated;
use super::step_record::{Done, Intent, Recorder, record_done};
use super::tally::Tally;
use crate::connector::{Change, ConnectorError};
use crate::hr::HrRecord;
use crate::journal::Event;
use crate::playbook::RoleMatrix;
use crate::playbook::Status;
use crate::playbook::{Action, ActionGroup};
use crate::playbook::{Confirm, OnError, Playbook, Risk, Step};
use crate::retry::RetryPolicy;

/// Everything one run needs.
pub struct Engine<'a> {
    /// The playbook to execute.
    pub playbook: &'a Playbook,
    /// The role matrix (movers keep what their new role carries).
    pub roles: &'a RoleMatrix,
    /// Connectors by configured name.
    pub targets: &'a HashMap<String, Target>,
    /// The employee.
    pub employee: &'a HrRecord,
    /// Their status in the shared vocabulary.
    pub status: Status,
    /// The run id.
    pub run_id: &'a str,
    /// The legal hold on the employee, when there is one: its reason and where it is recorded
    /// (as [`LegalHold`](super::hold::LegalHold) displays it).
    pub hold: Option<&'a str>,
    /// The current time.
    pub now: OffsetDateTime,
    /// How to retry transient connector failures.
    pub retry: RetryPolicy,
    /// Set by Ctrl-C: finish the current step, then stop.
    pub interrupted: &'a AtomicBool,
    /// Writes "IT offboarding complete" back to HR; returns true when HR now shows it.
    pub hr_writeback: &'a dyn Fn(&HrRecord, &str) -> Result<bool, String>,
    /// Reads whether HR already shows IT offboarding complete.
    pub hr_is_complete: &'a dyn Fn(&HrRecord) -> Result<bool, String>,
    /// Apply, or plan only (read every target, change nothing, record nothing; steps report
    /// what they would do, [`StepState::Planned`]).
    pub mode: Mode,
    /// Risk tiers whose automatic steps need an approval before they apply (policy; a listed
    /// tier also gates every more urgent one).
    pub approval_required: &'a [Risk],
    /// On a terminal: asks the operator to sign off a manual step in place (when the run's signer
    /// holds its role); returns the note, or `None` to leave it waiting.
    pub sign_off: Option<&'a SignOff<'a>>,
}

impl Engine<'_> {
    /// Execute every step that can go now, recording each outcome in `log`.
    pub fn run(
        &self,
        log: &mut dyn RunLog,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, String> {
        let context =
            template_context(self.employee, self.status, self.run_id, &self.playbook.name);
        let order = self.playbook.order();
        let mut done: HashSet<&str> = HashSet::new();
        let mut report = RunReport {
            run: self.run_id.to_owned(),
            employee: self.employee.id.clone(),
            playbook: self.playbook.name.clone(),
            nothing_to_do: false,
            interrupted: false,
            steps: Vec::new(),
        };
        let mut stopped = false;
        let mut simulated = Simulated::default();
        for (index, &i) in order.iter().enumerate() {
            let step = &self.playbook.steps[i];
            observer.step_started(index, order.len(), step);
            let history = log.events_of(&step.id);
            let state = if is_confirmed(&history) {
                StepState::AlreadyConfirmed
            } else if stopped {
                StepState::Pending {
                    on: report
                        .steps
                        .iter()
                        .rev()
                        .find(|s| matches!(s.state, StepState::Failed { .. }))
                        .map_or_else(|| INTERRUPTION.to_owned(), |s| s.step.clone()),
                }
            } else if self.not_yet_due(step) {
                // A staged step is scheduled as soon as the run starts, whatever it waits for.
                self.step(step, &context, &history, log, observer, &mut simulated)?
            } else if let Some(on) = step.after.iter().find(|a| !done.contains(a.as_str())) {
                StepState::Pending { on: on.clone() }
            } else if self.interrupted.load(Ordering::SeqCst) {
                report.interrupted = true;
                stopped = true;
                StepState::Pending {
                    on: INTERRUPTION.to_owned(),
                }
            } else {
                self.step(step, &context, &history, log, observer, &mut simulated)?
            };
            let state = match self.dry_run() {
                true => super::hold::foreseen(step, self.hold, state),
                false => state,
            };
            if matches!(
                state,
                StepState::Confirmed { .. }
                    | StepState::AlreadyConfirmed
                    | StepState::NoAccount
                    | StepState::Planned { .. }
            ) {
                done.insert(step.id.as_str());
            }
            if let StepState::Failed { .. } = state
                && step.on_error == OnError::Stop
            {
                stopped = true;
            }
            let outcome = StepOutcome {
                step: step.id.clone(),
                state,
            };
            observer.step_finished(&outcome);
            report.steps.push(outcome);
        }
        Ok(report)
    }

    /// True in [`Mode::DryRun`].
    pub(super) fn dry_run(&self) -> bool {
        self.mode == Mode::DryRun
    }

    /// The time a staged step becomes due: HR effective time (or now) + its stage delay.
    fn due_at(&self, step: &Step) -> Option<OffsetDateTime> {
        let delay = step.at?;
        let effective = self.employee.effective_at.unwrap_or(self.now);
        Some(effective + delay.duration().to_std())
    }

    fn not_yet_due(&self, step: &Step) -> bool {
        self.due_at(step).is_some_and(|due| self.now < due)
    }

    /// True when the step must be approved by its owner role before it applies (see
    /// [`approval::needs_approval`]).
    pub fn needs_approval(&self, step: &Step) -> bool {
        approval::needs_approval(step, self.approval_required)
    }

    /// Decide and, where it can go now, carry out one step whose dependencies are confirmed.
    fn step(
        &self,
        step: &Step,
        context: &Value,
        history: &[Recorded],
        log: &mut dyn RunLog,
        observer: &mut dyn Observer,
        simulated: &mut Simulated,
    ) -> Result<StepState, String> {
        let rec = Recorder {
            step,
            history,
            dry_run: self.dry_run(),
        };
        if let Some(state) = self.held_back(&rec, log)? {
            return Ok(state);
        }
        let params = self.render_params(step, context)?;
        if let Some(state) = self.waiting(&rec, &params, log)? {
            return Ok(state);
        }
        let mut tally = Tally::new(observer);
        let result = match step.kind.group() {
            ActionGroup::Hr => self.hr_step(step),
            ActionGroup::Finance | ActionGroup::Notify => {
                // A message may carry figures from confirmations not on disk yet; a failed
                // sync is the journal's failure, not the step's.
                log.durable()?;
                self.message_step(step, &params, log, &mut tally)
            }
            ActionGroup::Iam | ActionGroup::Inventory => {
                let mut intent = Intent {
                    recorder: &rec,
                    log: &mut *log,
                    journal_error: None,
                };
                let result =
                    self.account_step(step, context, &params, &mut intent, &mut tally, simulated);
                if let Some(error) = intent.journal_error {
                    return Err(error);
                }
                result
            }
            ActionGroup::Manual => unreachable!("manual steps are confirmed manually"),
        };
        record_done(&rec, log, result, tally.facts())
    }

    /// A staged step not yet due is scheduled; a destructive step under a legal hold is
    /// blocked. Each is recorded once.
    fn held_back(
        &self,
        rec: &Recorder<'_>,
        log: &mut dyn RunLog,
    ) -> Result<Option<StepState>, String> {
        if let Some(due) = self.due_at(rec.step)
            && self.now < due
        {
            let due_at = rfc3339(due);
            rec.once(
                log,
                rec.entry(Event::StepScheduled, None, json!({ "due_at": due_at })),
            )?;
            let note = self.plan_note(rec.step);
            return Ok(Some(StepState::Scheduled { due_at, note }));
        }
        if let (true, Some(reason)) = (rec.step.destructive, self.hold) {
            rec.once(
                log,
                rec.entry(Event::StepBlocked, None, json!({ "legal_hold": reason })),
            )?;
            return Ok(Some(StepState::Blocked {
                reason: reason.to_owned(),
            }));
        }
        Ok(None)
    }

    /// A manual step waits for its sign-off (or is signed off in place); a gated step waits for
    /// its approval. A plan goes on to show what a gated step would change (`plan` marks it).
    fn waiting(
        &self,
        rec: &Recorder<'_>,
        params: &BTreeMap<String, String>,
        log: &mut dyn RunLog,
    ) -> Result<Option<StepState>, String> {
        let step = rec.step;
        if step.confirm == Confirm::Manual {
            let task = params
                .get("task")
                .cloned()
                .unwrap_or_else(|| step.kind.to_string());
            if !self.dry_run()
                && let Some(sign_off) = self.sign_off
                && let Some(note) = sign_off(step, &task)
            {
                log.record(Entry {
                    note: Some(note),
                    ..rec.entry(
                        Event::StepConfirmed,
                        None,
                        json!({ "task": task, "manual": true, "signed_off_in_place": true }),
                    )
                })?;
                return Ok(Some(StepState::Confirmed {
                    changed: true,
                    kept: None,
                }));
            }
            rec.once(
                log,
                rec.entry(Event::StepWaiting, None, json!({ "task": task })),
            )?;
            return Ok(Some(StepState::Waiting { task }));
        }
        if !self.dry_run()
            && self.needs_approval(step)
            && !rec.history.iter().any(|r| r.event == Event::StepApproved)
        {
            let task = format!("approve `{}` ({}) before it applies", step.id, step.kind);
            rec.once(
                log,
                rec.entry(
                    Event::StepWaiting,
                    None,
                    json!({ "task": task, "approval": true }),
                ),
            )?;
            return Ok(Some(StepState::Waiting { task }));
        }
        Ok(None)
    }

    fn render_params(
        &self,
        step: &Step,
        context: &Value,
    ) -> Result<BTreeMap<String, String>, String> {
        step.with
            .iter()
            .map(|(k, t)| {
                t.render(context)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| format!("step `{}`, parameter `{k}`: {e}", step.id))
            })
            .collect()
    }

    fn hr_step(&self, step: &Step) -> Result<Done, String> {
        let record = json!({ "hr_record": self.employee, "status": self.status.as_str() });
        match step.kind {
            Action::HrRequireLeaverStatus => {
                if !self.status.is_leaver() {
                    return Err(format!(
                        "HR shows {} as `{}` ({}), not a leaver",
                        self.employee.id,
                        self.status.as_str(),
                        self.employee.raw_status
                    ));
                }
                if self.employee.effective_at.is_none() {
                    return Err(format!(
                        "HR shows no effective time for {}",
                        self.employee.id
                    ));
                }
                Ok(Done::Confirmed {
                    changed: false,
                    target: Some(("hr".to_owned(), Some(self.employee.id.clone()))),
                    evidence: record,
                })
            }
            _ => {
                if self.dry_run() {
                    if (self.hr_is_complete)(self.employee)? {
                        return Ok(Done::Confirmed {
                            changed: false,
                            target: None,
                            evidence: Value::Null,
                        });
                    }
                    return Ok(Done::Planned(StepState::Planned {
                        account: Some(self.employee.id.clone()),
                        changes: Vec::new(),
                        detail: "write \"IT offboarding complete\" back to HR".to_owned(),
                        released_monthly_cost_cents: 0,
                        seats: Vec::new(),
                        params: BTreeMap::new(),
                    }));
                }
                let shown = (self.hr_writeback)(self.employee, self.run_id)?;
                if !shown {
                    return Err("HR does not show IT offboarding complete after write-back".into());
                }
                Ok(Done::Confirmed {
                    changed: true,
                    target: Some(("hr".to_owned(), Some(self.employee.id.clone()))),
                    evidence: json!({ "it_offboarding_complete": true, "run": self.run_id }),
                })
            }
        }
    }

    /// In a dry run, what the step's connector says about the change the step makes (only
    /// `iam.delete` has one so far): for a staged step, which a plan does not read.
    fn plan_note(&self, step: &Step) -> Option<String> {
        if !self.dry_run() || step.kind != Action::IamDelete {
            return None;
        }
        let connector = self.target(step).ok()?.accounts().ok()?;
        connector.plan_note(&Change::Delete).map(str::to_owned)
    }

    pub(super) fn target(&self, step: &Step) -> Result<&Target, String> {
        let name = step
            .connector
            .as_deref()
            .ok_or_else(|| format!("step `{}` names no connector", step.id))?;
        self.targets
            .get(name)
            .ok_or_else(|| format!("step `{}`: connector `{name}` is not configured", step.id))
    }

    pub(super) fn call<T>(
        &self,
        step: &Step,
        observer: &mut dyn Observer,
        op: impl FnMut() -> Result<T, ConnectorError>,
    ) -> Result<T, String> {
        self.retry
            .call(op, |attempt, error, wait| {
                observer.retrying(&step.id, attempt, &error.to_string(), wait)
            })
            .map_err(|e| {
                observer.gave_up(&step.id, &e);
                e.to_string()
            })
    }
}

fn is_confirmed(history: &[Recorded]) -> bool {
    history
        .iter()
        .any(|r| r.event == Event::StepConfirmed || r.event == Event::StepSkipped)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
