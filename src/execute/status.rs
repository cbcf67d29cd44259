//! Where a run stands, read from its journal: each step's last event, its deadline (HR
//! effective time + the policy's deadline for the step's risk tier) and whether the deadline was
//! breached. Reads only.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::journal::{Event, Payload};
use crate::playbook::{Deadlines, Playbook, Risk};

/// One step of a run, as the journal shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepStatus {
    /// Step id.
    pub step: String,
    /// Risk tier.
    pub risk: Risk,
    /// The last event recorded for the step, or `not_started`.
    pub state: String,
    /// When it was confirmed (RFC 3339), if it was.
    pub confirmed_at: Option<String>,
    /// When a staged step becomes due (RFC 3339).
    pub due_at: Option<String>,
    /// Its deadline (RFC 3339): HR effective time + the tier's deadline (+ the stage delay).
    pub deadline: Option<String>,
    /// Confirmed after its deadline, or still open past it.
    pub breached: bool,
}

/// A run, as the journal shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunStatus {
    /// Run id.
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// Playbook name.
    pub playbook: String,
    /// HR effective time (RFC 3339).
    pub effective_at: Option<String>,
    /// True once `run.finished` is recorded.
    pub finished: bool,
    /// Every step of the playbook.
    pub steps: Vec<StepStatus>,
}

impl RunStatus {
    /// Steps not confirmed yet.
    pub fn pending(&self) -> impl Iterator<Item = &StepStatus> {
        self.steps.iter().filter(|s| s.confirmed_at.is_none())
    }

    /// Steps past their deadline.
    pub fn breaches(&self) -> impl Iterator<Item = &StepStatus> {
        self.steps.iter().filter(|s| s.breached)
    }
}

/// The playbook name and employee id a run's first record names.
pub fn run_identity(records: &[Payload]) -> Option<(String, String)> {
    let first = records.first()?;
    let name = first.evidence.as_ref()?.get("playbook_name")?.as_str()?;
    Some((first.employee.clone()?, name.to_owned()))
}

/// Summarise the run whose records are `records`, executing `playbook`, at time `now`.
pub fn run_status(
    run: &str,
    records: &[Payload],
    playbook: &Playbook,
    deadlines: &Deadlines,
    now: OffsetDateTime,
) -> RunStatus {
    let (employee, name) = run_identity(records).unwrap_or_default();
    let effective = records
        .first()
        .and_then(|p| p.evidence.as_ref())
        .and_then(|e| e.pointer("/hr_record/effective_at"))
        .and_then(|v| v.as_str())
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let steps = playbook
        .steps
        .iter()
        .map(|step| {
            let events: Vec<&Payload> = records
                .iter()
                .filter(|p| p.step.as_deref() == Some(step.id.as_str()))
                .collect();
            let confirmed = events
                .iter()
                .find(|p| matches!(p.event, Event::StepConfirmed | Event::StepSkipped));
            let confirmed_at = confirmed.map(|p| p.time.clone());
            let due_at = events
                .iter()
                .rev()
                .find(|p| p.event == Event::StepScheduled)
                .and_then(|p| {
                    p.evidence
                        .as_ref()?
                        .get("due_at")?
                        .as_str()
                        .map(str::to_owned)
                });
            let deadline = effective.map(|t| {
                let stage = step
                    .at
                    .map_or(std::time::Duration::ZERO, |d| d.duration().to_std());
                t + stage + deadlines.for_risk(step.risk).to_std()
            });
            let breached = match (deadline, &confirmed_at) {
                (Some(deadline), Some(at)) => {
                    OffsetDateTime::parse(at, &Rfc3339).is_ok_and(|at| at > deadline)
                }
                (Some(deadline), None) => now > deadline,
                (None, _) => false,
            };
            StepStatus {
                step: step.id.clone(),
                risk: step.risk,
                state: events
                    .last()
                    .map_or_else(|| "not_started".to_owned(), |p| p.event.as_str().to_owned()),
                confirmed_at,
                due_at,
                deadline: deadline.and_then(|d| d.format(&Rfc3339).ok()),
                breached,
            }
        })
        .collect();
    RunStatus {
        run: run.to_owned(),
        employee,
        playbook: name,
        effective_at: effective.and_then(|t| t.format(&Rfc3339).ok()),
        finished: records
            .last()
            .is_some_and(|p| p.event == Event::RunFinished),
        steps,
    }
}
