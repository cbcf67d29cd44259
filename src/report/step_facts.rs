//! What the debrief reads of a run's step records: the system a record names (or another
//! record of its step does), members of its evidence, and when its step was confirmed. Reads
//! only, and knows nothing of how the debrief groups them.

use time::OffsetDateTime;

use super::metrics::{RunInput, parse_time};
use crate::journal::{Event, Payload};

/// The system given to records whose step names none.
pub const UNKNOWN_SYSTEM: &str = "unknown";

/// The system a step record names, else the one another record of the step in the run names.
pub(super) fn system_of(run: &RunInput, record: &Payload) -> String {
    record
        .target
        .as_ref()
        .or_else(|| {
            run.records
                .iter()
                .filter(|p| p.step == record.step)
                .find_map(|p| p.target.as_ref())
        })
        .map_or_else(|| UNKNOWN_SYSTEM.to_owned(), |t| t.connector.clone())
}

pub(super) fn evidence_str<'a>(record: &'a Payload, key: &str) -> Option<&'a str> {
    record.evidence.as_ref()?.get(key)?.as_str()
}

pub(super) fn evidence_u64(record: &Payload, key: &str) -> u64 {
    record
        .evidence
        .as_ref()
        .and_then(|e| e.get(key))
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

/// When the step of `record` was confirmed (or skipped) in `run`.
pub(super) fn confirmed_at(run: &RunInput, step: &str) -> Option<OffsetDateTime> {
    run.records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step))
        .find(|p| matches!(p.event, Event::StepConfirmed | Event::StepSkipped))
        .and_then(|p| parse_time(&p.time))
}

/// Runs and records for the debrief's unit tests.
#[cfg(test)]
pub(super) mod fixtures {
    use serde_json::{Value, json};
    use time::OffsetDateTime;
    use time::macros::datetime;

    use crate::execute::status::{RunStatus, StepStatus};
    use crate::journal::{Event, Payload, Target};
    use crate::playbook::Risk;
    use crate::report::RunInput;

    /// The debrief's "now".
    pub(crate) const NOW: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);

    /// A record of `step` at `time`, by the `hr` role, naming `system` when given.
    pub(crate) fn record(
        time: &str,
        event: Event,
        step: &str,
        system: Option<&str>,
        ev: Value,
    ) -> Payload {
        Payload {
            v: 1,
            run: String::new(),
            seq: 0,
            prev: String::new(),
            time: time.into(),
            signer: "it@acme".into(),
            event,
            employee: Some("E1".into()),
            step: Some(step.into()),
            action: None,
            role: Some("hr".into()),
            target: system.map(|c| Target {
                connector: c.into(),
                account: None,
            }),
            evidence: (!ev.is_null()).then_some(ev),
            playbook: None,
            note: None,
        }
    }

    /// A high-risk step due at 2026-11-30T04:00Z.
    pub(crate) fn status(
        step: &str,
        confirmed: Option<&str>,
        breached: bool,
        held: bool,
    ) -> StepStatus {
        StepStatus {
            step: step.into(),
            risk: Risk::High,
            state: String::new(),
            confirmed_at: confirmed.map(str::to_owned),
            due_at: None,
            deadline: Some("2026-11-30T04:00:00Z".into()),
            breached,
            held,
            hold: None,
        }
    }

    /// A run of `leaver` for E1, effective 2026-11-30.
    pub(crate) fn run(id: &str, records: Vec<Payload>, steps: Vec<StepStatus>) -> RunInput {
        RunInput {
            records,
            status: RunStatus {
                run: id.into(),
                employee: "E1".into(),
                playbook: "leaver".into(),
                effective_at: Some("2026-11-30T00:00:00Z".into()),
                finished: false,
                steps,
                hold_released: false,
            },
        }
    }

    /// A `step.failed` whose error names its step and time, with `kind` when given.
    pub(crate) fn failed(
        time: &str,
        step: &str,
        system: Option<&str>,
        kind: Option<&str>,
    ) -> Payload {
        let mut evidence = json!({"error": format!("{step} failed at {time}")});
        if let Some(kind) = kind {
            evidence["kind"] = json!(kind);
        }
        record(time, Event::StepFailed, step, system, evidence)
    }

    /// A `step.confirmed` in `system`.
    pub(crate) fn confirmed(time: &str, step: &str, system: &str, evidence: Value) -> Payload {
        record(time, Event::StepConfirmed, step, Some(system), evidence)
    }
}
