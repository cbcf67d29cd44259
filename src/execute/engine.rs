//! The interpreter: executes one employee's playbook in dependency order. For every automatic
//! step it reads the target, applies only what is left, reads the target back, and records a
//! signed confirmation carrying the before/after evidence before it moves on. It never applies a
//! step the journal shows confirmed, and always reads before it applies, so a run interrupted at
//! any instant resumes without doing anything twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::approval;
use super::context::template_context;
use super::outcome::{RunReport, StepOutcome, StepState};
use crate::connector::Principal;
use crate::connector::{AccountState, Change, Connector, ConnectorError, Message, ReadScope};
use crate::hr::HrRecord;
use crate::journal::Event;
use crate::plan::desired::{Move, Release, Review, Scope, desired_changes, released_cost_cents};
use crate::playbook::Status;
use crate::playbook::Template;
use crate::playbook::{Action, ActionGroup};
use crate::playbook::{Confirm, OnError, Playbook, Risk, Step};
use crate::playbook::{Role, RoleMatrix};
use crate::retry::RetryPolicy;

/// A connector as the engine uses it: the system, and how to find the employee in it.
#[derive(Clone)]
pub struct Target {
    /// The connector.
    pub connector: Arc<dyn Connector>,
    /// Renders to the value the connector matches accounts on.
    pub lookup: Template,
}

/// What the engine needs from the run's journal: the history of earlier invocations (for
/// resume) and a durable, signed append. `record` must not return before the record is on disk.
pub trait RunLog {
    /// Events recorded so far for `step`, oldest first.
    fn events_of(&self, step: &str) -> Vec<Recorded>;
    /// Append one signed record; durable when it returns.
    fn record(&mut self, entry: Entry) -> Result<(), String>;
}

/// A record the engine reads back from the journal.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The event, e.g. [`Event::StepConfirmed`].
    pub event: Event,
    /// The evidence it carried.
    pub evidence: Value,
}

/// A record the engine asks the journal to append.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The event.
    pub event: Event,
    /// The step id.
    pub step: String,
    /// The action kind.
    pub action: Action,
    /// The step's owner role.
    pub role: String,
    /// The connector and the account concerned (`None` when it has none there).
    pub target: Option<(String, Option<String>)>,
    /// Before/after state, errors, reasons.
    pub evidence: Value,
    /// A person's note (manual sign-off).
    pub note: Option<String>,
}

/// Receives progress as the engine goes (for bars, lines or JSON events).
pub trait Observer {
    /// A step is about to be looked at (index in execution order, total steps).
    fn step_started(&mut self, index: usize, total: usize, step: &Step);
    /// A step reached an outcome.
    fn step_finished(&mut self, outcome: &StepOutcome);
    /// A connector call is being retried.
    fn retrying(&mut self, step: &str, attempt: u32, error: &str, wait: std::time::Duration);
}

/// Asks a person to sign off a manual step (the step, its task); returns their note.
pub type SignOff<'a> = dyn Fn(&Step, &str) -> Option<String> + 'a;

/// Whether a run changes anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Apply each step, read it back, and record it.
    Apply,
    /// Read every target and the journal, change nothing, record nothing: a plan.
    DryRun,
}

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
                        .map_or_else(|| "interruption".to_owned(), |s| s.step.clone()),
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
                    on: "interruption".to_owned(),
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
    fn dry_run(&self) -> bool {
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
        let result = match step.kind.group() {
            ActionGroup::Hr => self.hr_step(step),
            ActionGroup::Finance | ActionGroup::Notify => {
                self.message_step(step, &params, log, observer)
            }
            ActionGroup::Iam | ActionGroup::Inventory => {
                let mut intent = Intent {
                    recorder: &rec,
                    log: &mut *log,
                    journal_error: None,
                };
                let result =
                    self.account_step(step, context, &params, &mut intent, observer, simulated);
                if let Some(error) = intent.journal_error {
                    return Err(error);
                }
                result
            }
            ActionGroup::Manual => unreachable!("manual steps are confirmed manually"),
        };
        record_done(&rec, log, result)
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
            return Ok(Some(StepState::Scheduled { due_at }));
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
                return Ok(Some(StepState::Confirmed { changed: true }));
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

    fn target(&self, step: &Step) -> Result<&Target, String> {
        let name = step
            .connector
            .as_deref()
            .ok_or_else(|| format!("step `{}` names no connector", step.id))?;
        self.targets
            .get(name)
            .ok_or_else(|| format!("step `{}`: connector `{name}` is not configured", step.id))
    }

    fn call<T>(
        &self,
        step: &Step,
        observer: &mut dyn Observer,
        op: impl FnMut() -> Result<T, ConnectorError>,
    ) -> Result<T, String> {
        self.retry
            .call(op, |attempt, error, wait| {
                observer.retrying(&step.id, attempt, &error.to_string(), wait)
            })
            .map_err(|e| e.to_string())
    }

    /// Read, apply what is left, read back. Before the first change of a step it records
    /// `step.started` with the state it found and the changes it is about to make, so that a run
    /// resumed after a crash between the change and its confirmation still confirms with the
    /// state from before the step (and finance hears of the seats that step released).
    fn account_step(
        &self,
        step: &Step,
        context: &Value,
        params: &BTreeMap<String, String>,
        intent: &mut Intent<'_, '_>,
        observer: &mut dyn Observer,
        simulated: &mut Simulated,
    ) -> Result<Done, String> {
        let (release, mover) = self.scope_of(step, params)?;
        let target = self.target(step)?;
        let connector = &target.connector;
        let key = target
            .lookup
            .render(context)
            .map_err(|e| format!("connector `{}` match: {e}", connector.name()))?;
        let Some(principal) = self.call(step, observer, || connector.find(&key))? else {
            return Ok(Done::NoAccount {
                target: (connector.name().to_owned(), None),
                key,
            });
        };
        let target_json = (connector.name().to_owned(), Some(principal.name.clone()));
        // Only group steps need the memberships, which some systems list at a cost.
        let scope = ReadScope {
            groups: matches!(step.kind, Action::IamRemoveGroups | Action::IamRemoveExcess),
        };
        let mut before = self.call(step, observer, || connector.read_scoped(&principal, scope))?;
        if self.dry_run() {
            simulated.apply_to(&principal, &mut before);
        }
        let changes = desired_changes(step.kind, &before, &Scope { mover, release });
        let review = match step.kind {
            Action::IamRemoveExcess => mover.map(|m| m.outside_both(&before)),
            _ => None,
        }
        .filter(|r| !r.is_empty());
        if self.dry_run() {
            simulated.add(&principal, &changes);
        }
        if self.dry_run() && !changes.is_empty() {
            let account = format!("{}: {}", connector.name(), principal.name);
            return Ok(planned(account, changes, &before, review.as_ref()));
        }
        let started = intent.started();
        if started.is_none() && !changes.is_empty() {
            intent.record(
                Event::StepStarted,
                target_json.clone(),
                json!({ "account": principal, "before": before, "changes": changes }),
            )?;
        }
        for change in &changes {
            self.call(step, observer, || connector.apply(&principal, change))?;
        }
        let after = if changes.is_empty() {
            before.clone()
        } else {
            self.call(step, observer, || connector.read_scoped(&principal, scope))?
        };
        if let Some(unmet) = changes.iter().find(|c| !c.is_satisfied_by(&after)) {
            return Err(format!(
                "read-back of {} in `{}` does not show `{unmet}` in effect",
                principal.name,
                connector.name()
            ));
        }
        let evidence = Confirmation {
            principal: &principal,
            started: started.as_ref(),
            before: &before,
            changes: &changes,
            after: &after,
        }
        .evidence(release, review);
        Ok(Done::Confirmed {
            changed: started.is_some() || !changes.is_empty(),
            target: Some(target_json),
            evidence,
        })
    }

    /// Which seats a step releases (`release:` of `inventory.release_seats`), and the mover's
    /// change of role when what the step removes depends on it.
    fn scope_of(
        &self,
        step: &Step,
        params: &BTreeMap<String, String>,
    ) -> Result<(Release, Option<Move<'_>>), String> {
        let release = match step.kind {
            Action::InventoryReleaseSeats => {
                Release::from_param(params.get(Release::PARAMETER).map(String::as_str))
                    .map_err(|e| format!("step `{}`: {e}", step.id))?
            }
            _ => Release::All,
        };
        let mover = match (step.kind, release) {
            (Action::IamRemoveExcess, _) | (Action::InventoryReleaseSeats, Release::RoleChange) => {
                Some(self.mover()?)
            }
            _ => None,
        };
        Ok((release, mover))
    }

    /// A mover's change of role: the old role (HR `role`) and the new one (`new_role`), both
    /// from the role matrix. Without both, what the mover loses cannot be computed, so the step
    /// fails rather than guess.
    fn mover(&self) -> Result<Move<'_>, String> {
        let id = &self.employee.id;
        let lookup = |field: &str, name: Option<&str>| -> Result<&Role, String> {
            let name = name
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("{id} has no {field} in HR; cannot compute the excess"))?;
            self.roles
                .role(name)
                .ok_or_else(|| format!("{field} `{name}` of {id} is not in the role matrix"))
        };
        Ok(Move {
            from: lookup("role", self.employee.role.as_deref())?,
            to: lookup("new role", self.employee.new_role.as_deref())?,
        })
    }

    fn message_step(
        &self,
        step: &Step,
        params: &BTreeMap<String, String>,
        log: &dyn RunLog,
        observer: &mut dyn Observer,
    ) -> Result<Done, String> {
        let target = self.target(step)?;
        let connector = &target.connector;
        let key = format!("{}/{}", self.run_id, step.id);
        let target_json = (connector.name().to_owned(), None);
        if let Some(receipt) = self.call(step, observer, || connector.receipt(&key))? {
            return Ok(Done::Confirmed {
                changed: false,
                target: Some(target_json),
                evidence: json!({ "receipt": receipt, "already_delivered": true }),
            });
        }
        if self.dry_run() {
            return Ok(Done::Planned(StepState::Planned {
                account: None,
                changes: Vec::new(),
                detail: format!("send {} through `{}`", step.kind, connector.name()),
                released_monthly_cost_cents: 0,
                seats: Vec::new(),
                params: params.clone(),
            }));
        }
        let body = self.message_body(step, params, log);
        let message = Message {
            key: key.clone(),
            topic: step.kind.to_string(),
            body,
        };
        self.call(step, observer, || connector.deliver(&message))?;
        let receipt = self
            .call(step, observer, || connector.receipt(&key))?
            .ok_or_else(|| {
                format!(
                    "`{}` shows no delivery of {key} after sending",
                    connector.name()
                )
            })?;
        Ok(Done::Confirmed {
            changed: true,
            target: Some(target_json),
            evidence: json!({ "receipt": receipt, "message": message.body }),
        })
    }

    /// The message body: the rendered parameters, who it is about, and for finance the seats
    /// this run released (taken from the journal, so a resumed run sends the same numbers).
    fn message_body(
        &self,
        step: &Step,
        params: &BTreeMap<String, String>,
        log: &dyn RunLog,
    ) -> Value {
        let mut body = json!({
            "topic": step.kind.to_string(),
            "run": self.run_id,
            "employee": {
                "id": self.employee.id,
                "display_name": self.employee.display_name,
                "email": self.employee.email,
                "cost_centre": self.employee.cost_centre,
            },
            "params": params,
        });
        if step.kind == Action::FinanceNotifyReclamation {
            let (seats, total) = self.recorded_seats(log, "released_seats");
            body["seats"] = Value::Array(seats);
            body["monthly_cost_cents"] = json!(total);
            // Seats a step recorded as kept (`release: none`): still paid for.
            let (kept, kept_total) = self.recorded_seats(log, "kept_seats");
            if !kept.is_empty() {
                body["kept_seats"] = Value::Array(kept);
                body["kept_monthly_cost_cents"] = json!(kept_total);
            }
        }
        body
    }
    /// The seats the confirmed steps of this run list under `field` of their evidence, and
    /// their monthly cost in cents.
    fn recorded_seats(&self, log: &dyn RunLog, field: &str) -> (Vec<Value>, i64) {
        let mut seats = Vec::new();
        for other in &self.playbook.steps {
            for r in log.events_of(&other.id) {
                if r.event == Event::StepConfirmed
                    && let Some(Value::Array(listed)) = r.evidence.get(field)
                {
                    seats.extend(listed.iter().cloned());
                }
            }
        }
        let total = seats
            .iter()
            .filter_map(|s| s.get("monthly_cost_cents").and_then(Value::as_i64))
            .sum();
        (seats, total)
    }
}

/// How one step's records are made: its entries, written unless in a dry run, and written once
/// when the step's history already holds the same event with the same evidence.
struct Recorder<'s> {
    step: &'s Step,
    history: &'s [Recorded],
    dry_run: bool,
}

impl Recorder<'_> {
    /// The step's journal entry for `event`.
    fn entry(
        &self,
        event: Event,
        target: Option<(String, Option<String>)>,
        evidence: Value,
    ) -> Entry {
        Entry {
            event,
            step: self.step.id.clone(),
            action: self.step.kind,
            role: self.step.owner.clone(),
            target,
            evidence,
            note: None,
        }
    }

    /// Append `entry`, except in a dry run.
    fn write(&self, log: &mut dyn RunLog, entry: Entry) -> Result<(), String> {
        match self.dry_run {
            true => Ok(()),
            false => log.record(entry),
        }
    }

    /// Append `entry` unless the history holds it already.
    fn once(&self, log: &mut dyn RunLog, entry: Entry) -> Result<(), String> {
        if self
            .history
            .iter()
            .any(|r| r.event == entry.event && r.evidence == entry.evidence)
        {
            return Ok(());
        }
        self.write(log, entry)
    }
}

/// Record what became of a step that went ahead, and give its state.
fn record_done(
    rec: &Recorder<'_>,
    log: &mut dyn RunLog,
    result: Result<Done, String>,
) -> Result<StepState, String> {
    match result {
        Ok(Done::Confirmed {
            changed,
            target,
            evidence,
        }) => {
            rec.write(log, rec.entry(Event::StepConfirmed, target, evidence))?;
            Ok(StepState::Confirmed { changed })
        }
        Ok(Done::Planned(state)) => Ok(state),
        Ok(Done::NoAccount { target, key }) => {
            let evidence = json!({ "reason": "no account: nothing to revoke", "looked_up": key });
            rec.write(log, rec.entry(Event::StepSkipped, Some(target), evidence))?;
            Ok(StepState::NoAccount)
        }
        Err(error) => {
            rec.write(
                log,
                rec.entry(Event::StepFailed, None, json!({ "error": error })),
            )?;
            Ok(StepState::Failed { error })
        }
    }
}

/// The write-ahead record of an account step: what the journal holds of it already, and how to
/// append `step.started`. A failed append is a journal failure (the run stops), not a failure of
/// the step; it is kept in `journal_error` for the caller.
struct Intent<'h, 'l> {
    recorder: &'h Recorder<'h>,
    log: &'l mut dyn RunLog,
    journal_error: Option<String>,
}

impl Intent<'_, '_> {
    /// The state and the changes of the step's first `step.started`, if an earlier invocation
    /// recorded one.
    fn started(&self) -> Option<(AccountState, Vec<Change>)> {
        let evidence = &self
            .recorder
            .history
            .iter()
            .find(|r| r.event == Event::StepStarted)?
            .evidence;
        let before = serde_json::from_value(evidence.get("before")?.clone()).ok()?;
        let changes = serde_json::from_value(evidence.get("changes")?.clone()).ok()?;
        Some((before, changes))
    }

    fn record(
        &mut self,
        event: Event,
        target: (String, Option<String>),
        evidence: Value,
    ) -> Result<(), String> {
        self.log
            .record(self.recorder.entry(event, Some(target), evidence))
            .inspect_err(|error| self.journal_error = Some(error.clone()))
    }
}

/// Dry run only: the groups and seats earlier steps of the plan would take from each account
/// (by the system's account id and name), so that a later step on the same account, through
/// another connector of the same store, is not planned to remove them again (a mover's
/// `iam.remove_excess` and `inventory.release_seats` on one embedded store).
#[derive(Default)]
struct Simulated(HashMap<(String, String), (Vec<String>, Vec<String>)>);

impl Simulated {
    /// Take from `state` what earlier planned steps remove from the account.
    fn apply_to(&self, principal: &Principal, state: &mut AccountState) {
        if let Some((groups, products)) =
            self.0.get(&(principal.id.clone(), principal.name.clone()))
        {
            state.groups.retain(|g| !groups.contains(g));
            state.seats.retain(|s| !products.contains(&s.product));
        }
    }

    /// Remember what `changes` would remove from the account.
    fn add(&mut self, principal: &Principal, changes: &[Change]) {
        let (groups, products) = self
            .0
            .entry((principal.id.clone(), principal.name.clone()))
            .or_default();
        for change in changes {
            match change {
                Change::RemoveGroups { groups: g } => groups.extend(g.iter().cloned()),
                Change::ReleaseSeats { products: p } => products.extend(p.iter().cloned()),
                _ => {}
            }
        }
    }
}

/// Dry run: what an account step would change on `account`, seen in the state `before`.
fn planned(
    account: String,
    changes: Vec<Change>,
    before: &AccountState,
    review: Option<&Review>,
) -> Done {
    let mut detail = changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(review) = review {
        detail = format!("{detail}; {review}");
    }
    let seats = before
        .seats
        .iter()
        .filter(|s| {
            changes.iter().any(
                |c| matches!(c, Change::ReleaseSeats { products } if products.contains(&s.product)),
            )
        })
        .cloned()
        .collect();
    Done::Planned(StepState::Planned {
        account: Some(account),
        released_monthly_cost_cents: released_cost_cents(&changes, before),
        changes,
        detail,
        seats,
        params: BTreeMap::new(),
    })
}

/// What an account step's confirmation shows: the account, the state found and the state read
/// back, what was changed, and for a step an earlier invocation started, the state it started
/// from (the step is judged from it).
struct Confirmation<'a> {
    principal: &'a Principal,
    started: Option<&'a (AccountState, Vec<Change>)>,
    before: &'a AccountState,
    changes: &'a [Change],
    after: &'a AccountState,
}

impl Confirmation<'_> {
    fn evidence(&self, release: Release, review: Option<Review>) -> Value {
        let (first, planned) = match self.started {
            Some((first, planned)) => (first, planned.as_slice()),
            None => (self.before, self.changes),
        };
        let released: Vec<&crate::connector::Seat> = first
            .seats
            .iter()
            .filter(|s| !self.after.seats.contains(s))
            .collect();
        let mut evidence = json!({
            "account": self.principal,
            "changes": planned,
            "before": first,
            "after": self.after,
            "released_seats": released,
            "released_monthly_cost_cents": released_cost_cents(planned, first),
        });
        if self.started.is_some() {
            evidence["resumed"] = json!({ "found": self.before, "applied": self.changes });
        }
        if release == Release::None {
            let kept: i64 = self.after.seats.iter().map(|s| s.monthly_cost_cents).sum();
            evidence["kept_seats"] = json!(self.after.seats);
            evidence["kept_monthly_cost_cents"] = json!(kept);
        }
        if let Some(review) = review {
            evidence["kept_for_review"] = json!({
                "note": Review::NOTE,
                "groups": review.groups,
                "licenses": review.licenses,
            });
        }
        evidence
    }
}

enum Done {
    Confirmed {
        changed: bool,
        target: Option<(String, Option<String>)>,
        evidence: Value,
    },
    NoAccount {
        target: (String, Option<String>),
        key: String,
    },
    /// Dry run: what the step would do.
    Planned(StepState),
}

fn is_confirmed(history: &[Recorded]) -> bool {
    history
        .iter()
        .any(|r| r.event == Event::StepConfirmed || r.event == Event::StepSkipped)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
