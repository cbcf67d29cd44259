//! The debrief (`offboard report --debrief`): what went wrong in the runs of the period, from the
//! journal's facts only, so a post-incident review starts from them. It owns the grouping of
//! failures and retries, the time lost to each, and the reason a late step gives; it is pure (no
//! clock, no files). Its output types are part of the report's public format, in [`super::model`].
//!
//! - A *failure* is a `step.failed` record. Failures are grouped by system (`target.connector`),
//!   step and kind (`evidence.kind`), recurring ones first. The time lost to a group is, for each
//!   run it affected, from its first failure there to the step's confirmation, or to the
//!   report's "now" while the step is still open.
//! - A *retry* is counted from `evidence.retries` of any step record, grouped by system and step,
//!   with the time the retries waited (`evidence.retry_wait_ms`).
//! - A *late step* is a step past its deadline (a breach), or a step held by a legal hold past
//!   the deadline it is exempt from. Its reason is the last thing its records show it waiting
//!   on before it was confirmed (or until now).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use super::metrics::{RunInput, format_time, parse_time};
use super::model::{Debrief, FailureGroup, LateReason, LateStep, RetryGroup};
use crate::execute::status::StepStatus;
use crate::journal::{Event, Payload};

/// The kind given to failures recorded before `step.failed` carried one.
pub const UNRECORDED: &str = "unrecorded";

/// The system given to failures whose records name none.
pub const UNKNOWN_SYSTEM: &str = "unknown";

/// The debrief of `runs` (already restricted to the period) as seen at `now`.
pub fn debrief(runs: &[RunInput], now: OffsetDateTime) -> Debrief {
    let late_steps = late_steps(runs, now);
    Debrief {
        failures: failures(runs, now),
        retries: retries(runs),
        late_reasons: late_reasons(&late_steps),
        late_steps,
    }
}

/// The system a step record names, else the one another record of the step in the run names.
fn system_of(run: &RunInput, record: &Payload) -> String {
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

fn evidence_str<'a>(record: &'a Payload, key: &str) -> Option<&'a str> {
    record.evidence.as_ref()?.get(key)?.as_str()
}

fn evidence_u64(record: &Payload, key: &str) -> u64 {
    record
        .evidence
        .as_ref()
        .and_then(|e| e.get(key))
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

/// When the step of `record` was confirmed (or skipped) in `run`.
fn confirmed_at(run: &RunInput, step: &str) -> Option<OffsetDateTime> {
    run.records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step))
        .find(|p| matches!(p.event, Event::StepConfirmed | Event::StepSkipped))
        .and_then(|p| parse_time(&p.time))
}

/// One group of failures as it is being gathered.
#[derive(Default)]
struct Gathered {
    failures: usize,
    retries: u64,
    first: Option<OffsetDateTime>,
    last: Option<(OffsetDateTime, String)>,
    /// Run id -> its first failure in this group.
    runs: BTreeMap<String, OffsetDateTime>,
    open: BTreeSet<String>,
    lost: i64,
}

/// Failures by system, step and kind, recurring first.
pub fn failures(runs: &[RunInput], now: OffsetDateTime) -> Vec<FailureGroup> {
    let mut groups: BTreeMap<(String, String, String), Gathered> = BTreeMap::new();
    for run in runs {
        for record in run.records.iter().filter(|p| p.event == Event::StepFailed) {
            let (Some(step), Some(time)) = (&record.step, parse_time(&record.time)) else {
                continue;
            };
            let kind = evidence_str(record, "kind").unwrap_or(UNRECORDED);
            let key = (system_of(run, record), step.clone(), kind.to_owned());
            let group = groups.entry(key).or_default();
            group.failures += 1;
            group.retries += evidence_u64(record, "retries");
            group.first = Some(group.first.map_or(time, |f| f.min(time)));
            if group.last.as_ref().is_none_or(|(t, _)| time >= *t) {
                let error = evidence_str(record, "error").unwrap_or_default();
                group.last = Some((time, error.to_owned()));
            }
            if group.runs.contains_key(&run.status.run) {
                continue;
            }
            group.runs.insert(run.status.run.clone(), time);
            let end = confirmed_at(run, step);
            if end.is_none() {
                group.open.insert(run.status.run.clone());
            }
            group.lost += (end.unwrap_or(now) - time).whole_seconds().max(0);
        }
    }
    let mut out: Vec<FailureGroup> = groups
        .into_iter()
        .filter_map(|((system, step, kind), g)| {
            let (last, last_error) = g.last?;
            Some(FailureGroup {
                system,
                step,
                kind,
                failures: g.failures,
                runs: g.runs.len(),
                open: g.open.len(),
                retries: g.retries,
                first_seen: format_time(g.first?),
                last_seen: format_time(last),
                time_lost_seconds: g.lost,
                last_error,
            })
        })
        .collect();
    out.sort_by_key(|g| {
        (
            Reverse(g.failures),
            Reverse(g.runs),
            Reverse(g.time_lost_seconds),
        )
    });
    out
}

/// One group of retries as it is being gathered.
struct RetryTally {
    retries: u64,
    runs: BTreeSet<String>,
    waited_ms: u64,
    first: OffsetDateTime,
    last: OffsetDateTime,
}

/// Retries by system and step, most first.
pub fn retries(runs: &[RunInput]) -> Vec<RetryGroup> {
    let mut groups: BTreeMap<(String, String), RetryTally> = BTreeMap::new();
    for run in runs {
        for record in &run.records {
            let count = evidence_u64(record, "retries");
            let (Some(step), Some(time)) = (&record.step, parse_time(&record.time)) else {
                continue;
            };
            if count == 0 {
                continue;
            }
            let group = groups
                .entry((system_of(run, record), step.clone()))
                .or_insert_with(|| RetryTally {
                    retries: 0,
                    runs: BTreeSet::new(),
                    waited_ms: 0,
                    first: time,
                    last: time,
                });
            group.retries += count;
            group.runs.insert(run.status.run.clone());
            group.waited_ms += evidence_u64(record, "retry_wait_ms");
            group.first = group.first.min(time);
            group.last = group.last.max(time);
        }
    }
    let mut out: Vec<RetryGroup> = groups
        .into_iter()
        .map(|((system, step), g)| RetryGroup {
            system,
            step,
            retries: g.retries,
            runs: g.runs.len(),
            waited_ms: g.waited_ms,
            first_seen: format_time(g.first),
            last_seen: format_time(g.last),
        })
        .collect();
    out.sort_by_key(|g| (Reverse(g.retries), Reverse(g.runs)));
    out
}

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
            let reason = reason(run, &step.step);
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
    use crate::execute::status::RunStatus;
    use crate::journal::Target;
    use crate::playbook::Risk;
    use serde_json::{Value, json};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);

    fn record(time: &str, event: Event, step: &str, system: Option<&str>, ev: Value) -> Payload {
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

    fn status(step: &str, confirmed: Option<&str>, breached: bool, held: bool) -> StepStatus {
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

    fn run(id: &str, records: Vec<Payload>, steps: Vec<StepStatus>) -> RunInput {
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

    fn failed(time: &str, step: &str, system: Option<&str>, kind: Option<&str>) -> Payload {
        let mut evidence = json!({"error": format!("{step} failed at {time}")});
        if let Some(kind) = kind {
            evidence["kind"] = json!(kind);
        }
        record(time, Event::StepFailed, step, system, evidence)
    }

    fn confirmed(time: &str, step: &str, system: &str, evidence: Value) -> Payload {
        record(time, Event::StepConfirmed, step, Some(system), evidence)
    }

    #[test]
    fn recurring_failures_come_first_with_the_time_they_cost() {
        let runs = vec![
            run(
                "a",
                vec![
                    failed(
                        "2026-11-30T01:00:00Z",
                        "seats",
                        Some("inv"),
                        Some("permanent"),
                    ),
                    failed(
                        "2026-11-30T02:00:00Z",
                        "seats",
                        Some("inv"),
                        Some("permanent"),
                    ),
                    confirmed("2026-11-30T03:00:00Z", "seats", "inv", json!({})),
                    failed("2026-11-30T05:00:00Z", "mail", None, None),
                ],
                vec![],
            ),
            run(
                "b",
                vec![
                    failed(
                        "2026-11-30T22:00:00Z",
                        "seats",
                        Some("inv"),
                        Some("permanent"),
                    ),
                    // An older record without a target: the system comes from its step.
                    record(
                        "2026-11-30T21:00:00Z",
                        Event::StepStarted,
                        "dir",
                        Some("idp"),
                        Value::Null,
                    ),
                    failed("2026-11-30T23:00:00Z", "dir", None, Some("transient")),
                ],
                vec![],
            ),
        ];
        let groups = failures(&runs, NOW);
        let keys: Vec<(&str, &str, &str, usize, usize, usize, i64)> = groups
            .iter()
            .map(|g| {
                (
                    g.system.as_str(),
                    g.step.as_str(),
                    g.kind.as_str(),
                    g.failures,
                    g.runs,
                    g.open,
                    g.time_lost_seconds,
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                // a: 01:00 -> 03:00 (2h); b: 22:00 -> now (2h), still open.
                ("inv", "seats", "permanent", 3, 2, 1, 4 * 3600),
                // 05:00 -> now.
                ("unknown", "mail", "unrecorded", 1, 1, 1, 19 * 3600),
                ("idp", "dir", "transient", 1, 1, 1, 3600),
            ]
        );
        assert_eq!(groups[0].first_seen, "2026-11-30T01:00:00Z");
        assert_eq!(groups[0].last_seen, "2026-11-30T22:00:00Z");
        assert_eq!(groups[0].last_error, "seats failed at 2026-11-30T22:00:00Z");
    }

    #[test]
    fn retries_sum_by_system_and_step() {
        let retried = |n: u64, ms: u64| json!({"retries": n, "retry_wait_ms": ms});
        let runs = vec![
            run(
                "a",
                vec![
                    confirmed("2026-11-30T01:00:00Z", "dir", "idp", retried(2, 300)),
                    confirmed("2026-11-30T01:00:00Z", "seats", "inv", retried(1, 5)),
                ],
                vec![],
            ),
            run(
                "b",
                vec![record(
                    "2026-11-30T02:00:00Z",
                    Event::StepFailed,
                    "dir",
                    Some("idp"),
                    json!({"error": "503", "kind": "transient", "retries": 5, "retry_wait_ms": 6000}),
                )],
                vec![],
            ),
        ];
        let groups = retries(&runs);
        assert_eq!(
            groups,
            [
                RetryGroup {
                    system: "idp".into(),
                    step: "dir".into(),
                    retries: 7,
                    runs: 2,
                    waited_ms: 6300,
                    first_seen: "2026-11-30T01:00:00Z".into(),
                    last_seen: "2026-11-30T02:00:00Z".into(),
                },
                RetryGroup {
                    system: "inv".into(),
                    step: "seats".into(),
                    retries: 1,
                    runs: 1,
                    waited_ms: 5,
                    first_seen: "2026-11-30T01:00:00Z".into(),
                    last_seen: "2026-11-30T01:00:00Z".into(),
                },
            ]
        );
    }

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
