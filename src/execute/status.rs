//! Where a run stands, read from its journal: each step's last event, its deadline (HR
//! effective time + the policy's deadline for the step's risk tier) and whether the deadline was
//! breached. Reads only.
//!
//! A step blocked by a legal hold (a `step.blocked` record) is an approved exception: it is
//! *held*, exempt from its deadline, never counted as breached, neither while the hold stands nor
//! once it is completed after the hold was lifted. The journal does not record when a hold was
//! lifted, so no clock is restarted; reports list held steps apart from breaches.

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
    /// When a staged step becomes due, or when a step waiting on a system (a data transfer in
    /// progress) is to be read again (RFC 3339).
    pub due_at: Option<String>,
    /// Its deadline (RFC 3339): HR effective time + the tier's deadline (+ the stage delay).
    pub deadline: Option<String>,
    /// Confirmed after its deadline, or still open past it (never for a held step).
    pub breached: bool,
    /// Blocked by a legal hold, now or before it was completed: exempt from its deadline.
    pub held: bool,
    /// The hold the last `step.blocked` record names (reason and where it is recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<String>,
}

impl StepStatus {
    /// True while the step's last record is `step.blocked`: it waits for a legal hold.
    pub fn is_blocked(&self) -> bool {
        self.confirmed_at.is_none() && self.state == Event::StepBlocked.as_str()
    }
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
    /// True when a step is blocked by a legal hold that has since been lifted (HR and the holds
    /// file no longer hold the employee), so `offboard due` completes the run. The journal
    /// alone cannot tell: [`run_status`] leaves it false and commands that consult HR set it.
    pub hold_released: bool,
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

    /// Steps blocked by a legal hold (now or before they were completed): exempt from deadlines.
    pub fn held(&self) -> impl Iterator<Item = &StepStatus> {
        self.steps.iter().filter(|s| s.held)
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
    // A self-approval does not count (four eyes): status shows the step as the engine sees it.
    let signer = super::approval::run_signer(records);
    let steps = playbook
        .steps
        .iter()
        .map(|step| {
            let events: Vec<&Payload> = records
                .iter()
                .filter(|p| p.step.as_deref() == Some(step.id.as_str()))
                .filter(|p| !super::approval::is_self_approval(p, signer))
                .collect();
            let confirmed = events
                .iter()
                .find(|p| matches!(p.event, Event::StepConfirmed | Event::StepSkipped));
            let confirmed_at = confirmed.map(|p| p.time.clone());
            let due_at = events
                .iter()
                .rev()
                .filter(|p| matches!(p.event, Event::StepScheduled | Event::StepWaiting))
                .find_map(|p| {
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
            let blocked = events.iter().rev().find(|p| p.event == Event::StepBlocked);
            let hold = blocked.and_then(|p| {
                p.evidence
                    .as_ref()?
                    .get("legal_hold")?
                    .as_str()
                    .map(str::to_owned)
            });
            let breached = blocked.is_none()
                && match (deadline, &confirmed_at) {
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
                held: blocked.is_some(),
                hold,
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
        hold_released: false,
    }
}
