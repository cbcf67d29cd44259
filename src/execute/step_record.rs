//! How one step's records are made: the entries the engine appends for a step, written unless
//! in a dry run and written once when the step's history already holds the same, and what
//! became of a step that went ahead.

use serde_json::{Value, json};

use super::outcome::StepState;
use super::run_log::{Entry, Recorded, RunLog};
use super::tally::CallFacts;
use crate::connector::{AccountState, Change};
use crate::journal::Event;
use crate::playbook::Step;

/// One step's records: its entries, written unless in a dry run, and written once
/// when the step's history already holds the same event with the same evidence.
pub(super) struct Recorder<'s> {
    pub(super) step: &'s Step,
    pub(super) history: &'s [Recorded],
    pub(super) dry_run: bool,
}

impl Recorder<'_> {
    /// The step's journal entry for `event`.
    pub(super) fn entry(
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
    pub(super) fn write(&self, log: &mut dyn RunLog, entry: Entry) -> Result<(), String> {
        match self.dry_run {
            true => Ok(()),
            false => log.record(entry),
        }
    }

    /// Append `entry` unless the history holds it already.
    pub(super) fn once(&self, log: &mut dyn RunLog, entry: Entry) -> Result<(), String> {
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
pub(super) fn record_done(
    rec: &Recorder<'_>,
    log: &mut dyn RunLog,
    result: Result<Done, String>,
    facts: &CallFacts,
) -> Result<StepState, String> {
    match result {
        Ok(Done::Confirmed {
            changed,
            target,
            evidence,
        }) => {
            let evidence = facts.annotate(evidence);
            rec.write(log, rec.entry(Event::StepConfirmed, target, evidence))?;
            Ok(StepState::Confirmed {
                changed,
                kept: None,
            })
        }
        Ok(Done::Planned(state)) => Ok(state),
        Ok(Done::InProgress {
            target,
            task,
            evidence,
        }) => {
            let evidence = facts.annotate(evidence);
            rec.write(log, rec.entry(Event::StepWaiting, Some(target), evidence))?;
            Ok(StepState::InProgress { task })
        }
        Ok(Done::NoAccount { target, key }) => {
            let evidence = json!({ "reason": "no account: nothing to revoke", "looked_up": key });
            rec.write(log, rec.entry(Event::StepSkipped, Some(target), evidence))?;
            Ok(StepState::NoAccount)
        }
        Err(error) => {
            // The system the step acts on, so failures can be told apart by system.
            let target = rec.step.connector.clone().map(|name| (name, None));
            let evidence = json!({ "error": error, "kind": facts.kind_of(&error) });
            rec.write(
                log,
                rec.entry(Event::StepFailed, target, facts.annotate(evidence)),
            )?;
            Ok(StepState::Failed { error })
        }
    }
}

/// What a step that went ahead came to, before it is recorded.
pub(super) enum Done {
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
    /// Started in the target system, still running there (recorded as `step.waiting`, with a
    /// `due_at` from which `offboard due` reads it again).
    InProgress {
        target: (String, Option<String>),
        task: String,
        evidence: Value,
    },
}

/// The write-ahead record of an account step: what the journal holds of it already, and how to
/// append `step.started`. A failed append is a journal failure (the run stops), not a failure of
/// the step; it is kept in `journal_error` for the caller.
pub(super) struct Intent<'h, 'l> {
    pub(super) recorder: &'h Recorder<'h>,
    pub(super) log: &'l mut dyn RunLog,
    pub(super) journal_error: Option<String>,
}

impl Intent<'_, '_> {
    /// The state and the changes of the step's first `step.started`, if an earlier invocation
    /// recorded one.
    pub(super) fn started(&self) -> Option<(AccountState, Vec<Change>)> {
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

    pub(super) fn record(
        &mut self,
        event: Event,
        target: (String, Option<String>),
        evidence: Value,
    ) -> Result<(), String> {
        self.log
            .record(self.recorder.entry(event, Some(target), evidence))
            .inspect_err(|error| self.journal_error = Some(error.clone()))
    }

    /// Make everything recorded so far durable, before a change to a system.
    pub(super) fn durable(&mut self) -> Result<(), String> {
        self.log
            .durable()
            .inspect_err(|error| self.journal_error = Some(error.clone()))
    }
}
