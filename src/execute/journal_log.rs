//! The engine's view of a run journal: its history per step (for resume) and signed appends,
//! each stamped with the engine's clock (so `OFFBOARD_NOW` rehearsals record the time they
//! pretend it is, not the wall clock).

use crate::journal::{Event, Payload, RecordFields, RunJournal, Target};

use super::approval;
use super::clock;
use super::engine::{Entry, Recorded, RunLog};

/// A [`RunJournal`] as the engine's [`RunLog`], stamping every record with the employee.
pub struct JournalLog<'a> {
    /// The run's journal.
    pub journal: &'a mut RunJournal,
    /// The employee id written on every record.
    pub employee: &'a str,
}

impl RunLog for JournalLog<'_> {
    fn events_of(&self, step: &str) -> Vec<Recorded> {
        events_of(self.journal.records(), step)
    }

    fn record(&mut self, entry: Entry) -> Result<(), String> {
        let mut fields = RecordFields::new(Event::from_name(entry.event))
            .time(clock::now()?)
            .employee(self.employee)
            .step(entry.step)
            .action(entry.action.to_string())
            .role(entry.role)
            .evidence(entry.evidence);
        fields.note = entry.note;
        fields.target = entry
            .target
            .map(|(connector, account)| Target { connector, account });
        self.journal
            .append(fields)
            .map(|_| ())
            .map_err(|e| format!("journal: {e}"))
    }
}

/// The events `records` hold for `step`, oldest first, as the engine reads them. An approval
/// signed by the run's own signer is left out: it does not count (four eyes).
pub fn events_of(records: &[Payload], step: &str) -> Vec<Recorded> {
    let signer = approval::run_signer(records);
    records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step))
        .filter(|p| !approval::is_self_approval(p, signer))
        .map(|p| Recorded {
            event: p.event.as_str().to_owned(),
            evidence: p.evidence.clone().unwrap_or_default(),
        })
        .collect()
}
