//! The debrief's late steps: every step past its deadline (and every held step past the
//! deadline it is exempt from), the reason its records give, and the same grouped by reason.
//! Pure: the report's "now" is given.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::metrics::{RunInput, parse_time};
use super::model::{LateReason, LateStep};
use super::step_facts::{evidence_str, system_of};
use crate::execute::status::StepStatus;
use crate::journal::{Event, Payload};

/// Whether `step` is late at `now`: confirmed after its deadline, or open past it.
fn lateness(step: &StepStatus, now: OffsetDateTime) -> Option<(String, i64)> {
    let deadline = step.deadline.as_deref()?;
    let end = match &step.confirmed_at {
        Some(at) => parse_time(at)?,
        None => now,
    };
    let late = (end - parse_time(deadline)?).whole_seconds();
    (late > 0).then(|| (deadline.to_owned(), late))
}

/// Every breached step, and every held step past the deadline it is exempt from, latest first.
pub fn late_steps(runs: &[RunInput], now: OffsetDateTime) -> Vec<LateStep> {
    let mut out = Vec::new();
    for run in runs {
        for step in run.status.steps.iter().filter(|s| s.breached || s.held) {
            let Some((deadline, late_seconds)) = lateness(step, now) else {
                continue;
            };
            let reason = match started_after(run, &deadline) {
                Some(started) => Reason {
                    waiting_on: "run_started_late",
                    whom: None,
                    system: None,
                    detail: Some(started),
                },
                None => reason(run, &step.step),
            };
            out.push(LateStep {
                run: run.status.run.clone(),
                employee: run.status.employee.clone(),
                playbook: run.status.playbook.clone(),
                step: step.step.clone(),
                risk: step.risk.as_str().to_owned(),
                deadline,
                confirmed_at: step.confirmed_at.clone(),
                late_seconds,
                waiting_on: reason.waiting_on.to_owned(),
                whom: reason.whom,
                system: reason.system,
                detail: reason.detail,
                exempt: step.held,
            });
        }
    }
    out.sort_by_key(|s| Reverse(s.late_seconds));
    out
}

/// When the run started, if that was after `deadline`: then the step waited on the run itself
/// (nobody ran the playbook in time), whatever its own records say.
fn started_after(run: &RunInput, deadline: &str) -> Option<String> {
    let started = run.records.first()?.time.as_str();
    (parse_time(started)? > parse_time(deadline)?).then(|| started.to_owned())
}

/// Why a step waited.
struct Reason {
    waiting_on: &'static str,
    whom: Option<String>,
    system: Option<String>,
    detail: Option<String>,
}

/// The last thing the records of `step` show it waiting on, before its confirmation.
fn reason(run: &RunInput, step: &str) -> Reason {
    let records: Vec<&Payload> = run
        .records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step))
        .take_while(|p| !matches!(p.event, Event::StepConfirmed | Event::StepSkipped))
        .collect();
    let last = records
        .iter()
        .rev()
        .find(|p| p.event != Event::StepApproved);
    let Some(record) = last else {
        return Reason {
            waiting_on: "not_reached",
            whom: None,
            system: None,
            detail: None,
        };
    };
    let text = |key: &str| evidence_str(record, key).map(str::to_owned);
    let system = || Some(system_of(run, record));
    let (waiting_on, whom, system, detail) = match &record.event {
        Event::StepBlocked => ("legal_hold", None, None, text("legal_hold")),
        Event::StepScheduled => ("staged_delay", None, None, text("due_at")),
        Event::StepFailed => ("failure", None, system(), text("error")),
        Event::StepWaiting if text("due_at").is_some() => {
            ("transfer", None, system(), text("task"))
        }
        Event::StepWaiting
            if record
                .evidence
                .as_ref()
                .and_then(|e| e.get("approval"))
                .is_some() =>
        {
            ("approval", record.role.clone(), None, text("task"))
        }
        Event::StepWaiting => (
            "manual_confirmation",
            record.role.clone(),
            None,
            text("task"),
        ),
        _ => ("in_progress", None, system(), None),
    };
    Reason {
        waiting_on,
        whom,
        system,
        detail,
    }
}

/// Late steps grouped by what they waited on, whom and which system: most steps first, then
/// most time late.
pub fn late_reasons(late: &[LateStep]) -> Vec<LateReason> {
    type Key = (String, Option<String>, Option<String>);
    let mut groups: BTreeMap<Key, (usize, i64)> = BTreeMap::new();
    for step in late {
        let key = (
            step.waiting_on.clone(),
            step.whom.clone(),
            step.system.clone(),
        );
        let group = groups.entry(key).or_default();
        group.0 += 1;
        group.1 += step.late_seconds;
    }
    let mut out: Vec<LateReason> = groups
        .into_iter()
        .map(
            |((waiting_on, whom, system), (steps, late_seconds))| LateReason {
                waiting_on,
                whom,
                system,
                steps,
                late_seconds,
            },
        )
        .collect();
    out.sort_by_key(|r| (Reverse(r.steps), Reverse(r.late_seconds)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::step_facts::fixtures::{NOW, confirmed, failed, record, run, status};
    use serde_json::{Value, json};

    #[test]
    fn late_steps_say_what_they_waited_on() {
        let waiting = |step: &str, ev: Value| {
            record("2026-11-30T00:00:00Z", Event::StepWaiting, step, None, ev)
        };
        let runs = vec![run(
            "a",
            vec![
                waiting("laptop", json!({"task": "collect the laptop"})),
                waiting("approve", json!({"task": "approve it", "approval": true})),
                record(
                    "2026-11-30T00:00:00Z",
                    Event::StepApproved,
                    "approve",
                    None,
                    Value::Null,
                ),
                waiting(
                    "drive",
                    json!({"task": "transfer", "due_at": "2026-11-30T06:00:00Z"}),
                ),
                record(
                    "2026-11-30T00:00:00Z",
                    Event::StepScheduled,
                    "delete",
                    None,
                    json!({"due_at": "2026-11-30T05:00:00Z"}),
                ),
                record(
                    "2026-11-30T00:00:00Z",
                    Event::StepBlocked,
                    "wipe",
                    None,
                    json!({"legal_hold": "Case 7"}),
                ),
                failed(
                    "2026-11-30T00:00:00Z",
                    "seats",
                    Some("inv"),
                    Some("permanent"),
                ),
                confirmed("2026-11-30T10:00:00Z", "drive", "gws", json!({})),
            ],
            vec![
                status("laptop", None, true, false),
                status("approve", Some("2026-11-30T05:00:00Z"), true, false),
                status("drive", Some("2026-11-30T10:00:00Z"), true, false),
                status("delete", Some("2026-11-30T06:00:00Z"), true, false),
                status("wipe", None, false, true),
                status("seats", None, true, false),
                status("ok", Some("2026-11-30T03:00:00Z"), false, false),
                status("never", None, true, false),
            ],
        )];
        let late = late_steps(&runs, NOW);
        type Row<'a> = (
            &'a str,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            i64,
            bool,
        );
        let got: Vec<Row<'_>> = late
            .iter()
            .map(|s| {
                (
                    s.step.as_str(),
                    s.waiting_on.as_str(),
                    s.whom.as_deref(),
                    s.system.as_deref(),
                    s.late_seconds,
                    s.exempt,
                )
            })
            .collect();
        let open = 20 * 3600;
        assert_eq!(
            got,
            [
                (
                    "laptop",
                    "manual_confirmation",
                    Some("hr"),
                    None,
                    open,
                    false
                ),
                ("wipe", "legal_hold", None, None, open, true),
                ("seats", "failure", None, Some("inv"), open, false),
                ("never", "not_reached", None, None, open, false),
                ("drive", "transfer", None, Some("gws"), 6 * 3600, false),
                ("delete", "staged_delay", None, None, 2 * 3600, false),
                ("approve", "approval", Some("hr"), None, 3600, false),
            ]
        );
        assert_eq!(late[1].detail.as_deref(), Some("Case 7"));
        let reasons = late_reasons(&late);
        assert_eq!(reasons.len(), 7);
        assert_eq!(reasons[0].steps, 1);
        assert_eq!(reasons[0].late_seconds, open);
    }

    #[test]
    fn a_run_started_after_the_deadline_is_what_its_steps_waited_on() {
        let runs = vec![run(
            "late",
            vec![
                record(
                    "2026-11-30T06:00:00Z",
                    Event::StepStarted,
                    "disable",
                    None,
                    json!({}),
                ),
                confirmed("2026-11-30T06:00:01Z", "disable", "idp", json!({})),
            ],
            vec![status("disable", Some("2026-11-30T06:00:01Z"), true, false)],
        )];
        let late = late_steps(&runs, NOW);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].waiting_on, "run_started_late");
        assert_eq!(late[0].detail.as_deref(), Some("2026-11-30T06:00:00Z"));
        assert_eq!(late[0].late_seconds, 2 * 3600 + 1);
    }

    #[test]
    fn late_reasons_group_the_same_wait() {
        let step = |waiting_on: &str, whom: Option<&str>, late: i64| LateStep {
            run: "r".into(),
            employee: "E1".into(),
            playbook: "p".into(),
            step: "s".into(),
            risk: "high".into(),
            deadline: "2026-11-30T04:00:00Z".into(),
            confirmed_at: None,
            late_seconds: late,
            waiting_on: waiting_on.into(),
            whom: whom.map(str::to_owned),
            system: None,
            detail: None,
            exempt: false,
        };
        let reasons = late_reasons(&[
            step("manual_confirmation", Some("facilities"), 10),
            step("staged_delay", None, 500),
            step("manual_confirmation", Some("facilities"), 20),
            step("manual_confirmation", Some("hr"), 5),
        ]);
        let got: Vec<(&str, Option<&str>, usize, i64)> = reasons
            .iter()
            .map(|r| {
                (
                    r.waiting_on.as_str(),
                    r.whom.as_deref(),
                    r.steps,
                    r.late_seconds,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("manual_confirmation", Some("facilities"), 2, 30),
                ("staged_delay", None, 1, 500),
                ("manual_confirmation", Some("hr"), 1, 5),
            ]
        );
    }
}
