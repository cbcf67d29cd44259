//! A run's life in the journal, behind one type: it is created (`run.started`) or resumed, the
//! engine appends its steps through it ([`RunLog`]), a person's sign-off or approval is appended
//! through it, and it is finished (`run.finished`) once every step is done. Nothing else in the
//! application writes to a run's journal. Every record is stamped with the engine's clock (so
//! `OFFBOARD_NOW` rehearsals record the time they pretend it is) and the employee, and under
//! `policy.minimise_personal_data` rewritten by the employee's [`Pseudonyms`] before it is signed.

use std::path::Path;

use serde_json::{Value, json};

use super::error::journal_err;
use super::{Error, Result};
use crate::execute::clock;
use crate::execute::engine::{Entry, Recorded, RunLog};
use crate::execute::journal_log::events_of;
use crate::execute::outcome::RunReport;
use crate::hr::HrRecord;
use crate::journal::{
    AllowedSigners, Event, PlaybookRef, Pseudonyms, RecordFields, RunJournal, Signer, Target,
};
use crate::playbook::{Status, Step};

/// One run's journal, open for appending.
pub struct RunLifecycle {
    journal: RunJournal,
    employee: String,
    pseudonyms: Option<Pseudonyms>,
}

/// What opening an employee's run found.
pub enum Opened {
    /// The run had finished already (its ledger seal is written if a crash came between
    /// `run.finished` and the seal): nothing is left to do.
    Finished(String),
    /// The run is open: new, or resumed where it stopped.
    Open(Box<RunLifecycle>),
}

/// What the first record of a new run says: who, with which playbook version, and why.
pub struct RunStart<'a> {
    /// The new run's id.
    pub run_id: String,
    /// The employee as HR shows them now.
    pub employee: &'a HrRecord,
    /// Their status through the glossary.
    pub status: Status,
    /// The playbook's name.
    pub playbook_name: &'a str,
    /// The playbook file and the version of it that runs.
    pub playbook: PlaybookRef,
    /// True when the playbook had uncommitted changes and the operator allowed it.
    pub allow_dirty: bool,
}

impl RunLifecycle {
    /// Resume `existing` (a run id, and whether it has finished), or create the run `start`
    /// describes when there is none. A resumed run's records must verify against `allowed`.
    /// `pseudonyms` rewrite every record appended.
    pub fn open<'s>(
        dir: &Path,
        existing: Option<(String, bool)>,
        (signer, allowed): (Signer, &AllowedSigners),
        pseudonyms: Option<Pseudonyms>,
        start: impl FnOnce() -> Result<RunStart<'s>>,
    ) -> Result<Opened> {
        match existing {
            Some((run_id, true)) => {
                let resumed =
                    RunJournal::resume(dir, &run_id, signer, allowed).map_err(journal_err)?;
                for repair in resumed.repairs() {
                    tracing::warn!("run {run_id}: {repair}");
                }
                Ok(Opened::Finished(run_id))
            }
            Some((run_id, false)) => {
                let journal =
                    RunJournal::resume(dir, &run_id, signer, allowed).map_err(journal_err)?;
                Ok(Opened::Open(Box::new(Self::of(journal, pseudonyms))))
            }
            None => {
                let start = start()?;
                let mut first = RecordFields::new(Event::RunStarted)
                    .time(now()?)
                    .employee(&start.employee.id)
                    .playbook(start.playbook)
                    .evidence(json!({
                        "playbook_name": start.playbook_name,
                        "status": start.status.as_str(),
                        "hr_record": start.employee,
                        "allow_dirty": start.allow_dirty,
                    }));
                if let Some(pseudonyms) = &pseudonyms {
                    pseudonyms.apply(&mut first);
                }
                let journal =
                    RunJournal::create(dir, &start.run_id, signer, first).map_err(journal_err)?;
                Ok(Opened::Open(Box::new(Self::of(journal, pseudonyms))))
            }
        }
    }

    /// Resume run `run_id` to append a person's sign-off to it, rewritten by `pseudonyms`.
    pub fn resume(
        dir: &Path,
        run_id: &str,
        (signer, allowed): (Signer, &AllowedSigners),
        pseudonyms: Option<Pseudonyms>,
    ) -> Result<RunLifecycle> {
        let journal = RunJournal::resume(dir, run_id, signer, allowed).map_err(journal_err)?;
        Ok(Self::of(journal, pseudonyms))
    }

    fn of(journal: RunJournal, pseudonyms: Option<Pseudonyms>) -> RunLifecycle {
        let employee = journal
            .records()
            .first()
            .and_then(|p| p.employee.clone())
            .unwrap_or_default();
        RunLifecycle {
            journal,
            employee,
            pseudonyms,
        }
    }

    /// Append `fields`, rewritten by the pseudonyms first, and sync it (with `synced: false`,
    /// the next synced record or `durable` does; see `RunLog`).
    fn append(&mut self, mut fields: RecordFields, synced: bool) -> crate::journal::Result<()> {
        if let Some(pseudonyms) = &self.pseudonyms {
            pseudonyms.apply(&mut fields);
        }
        let appended = if synced {
            self.journal.append(fields)
        } else {
            self.journal.append_unsynced(fields)
        };
        appended.map(|_| ())
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        self.journal.run_id()
    }

    /// Record `run.finished` when `report` shows every step done and the run is not finished
    /// yet; nothing otherwise.
    pub fn finish(&mut self, report: &RunReport) -> Result<()> {
        if !report.is_complete() || self.journal.is_finished() {
            return Ok(());
        }
        let fields = RecordFields::new(Event::RunFinished)
            .time(now()?)
            .employee(&self.employee)
            .evidence(json!({ "steps": report.steps.len() }));
        self.append(fields, true).map_err(journal_err)?;
        Ok(())
    }

    /// Record a person's `event` (a manual step's `step.confirmed`, or `step.approved`) on
    /// `step`, with their `note` and the `evidence` of what they did.
    pub fn sign_off(
        &mut self,
        event: Event,
        step: &Step,
        note: &str,
        evidence: Value,
    ) -> Result<()> {
        let fields = RecordFields::new(event)
            .time(now()?)
            .employee(&self.employee)
            .step(&step.id)
            .action(step.kind.to_string())
            .role(&step.owner)
            .note(note)
            .evidence(evidence);
        self.append(fields, true).map_err(journal_err)?;
        Ok(())
    }
}

impl RunLog for RunLifecycle {
    fn events_of(&self, step: &str) -> Vec<Recorded> {
        events_of(self.journal.records(), step)
    }

    fn record(&mut self, entry: Entry) -> Result<(), String> {
        let mut fields = RecordFields::new(entry.event)
            .time(clock::now()?)
            .employee(&self.employee)
            .step(entry.step)
            .action(entry.action.to_string())
            .role(entry.role)
            .evidence(entry.evidence);
        fields.note = entry.note;
        fields.target = entry
            .target
            .map(|(connector, account)| Target { connector, account });
        // The engine's confirmation of a step is synced by the next record or `durable`.
        let synced = fields.event != Event::StepConfirmed;
        self.append(fields, synced)
            .map_err(|e| format!("journal: {e}"))
    }

    fn durable(&mut self) -> Result<(), String> {
        self.journal.sync().map_err(|e| format!("journal: {e}"))
    }
}

/// The engine's clock, as the command's error when it cannot be read.
fn now() -> Result<time::OffsetDateTime> {
    clock::now().map_err(Error::Clock)
}
