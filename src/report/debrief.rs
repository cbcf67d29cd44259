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
//! - A *late step* ([`super::late`]) is a step past its deadline (a breach), or a step held by a
//!   legal hold past the deadline it is exempt from. Its reason is the last thing its records
//!   show it waiting on before it was confirmed (or until now).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use super::late::{late_reasons, late_steps};
use super::metrics::{RunInput, format_time, parse_time};
use super::model::{Debrief, FailureGroup, RetryGroup};
use super::step_facts::{confirmed_at, evidence_str, evidence_u64, system_of};
use crate::journal::Event;

/// The kind given to failures recorded before `step.failed` carried one.
pub const UNRECORDED: &str = "unrecorded";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::step_facts::fixtures::{NOW, confirmed, failed, record, run};
    use serde_json::{Value, json};

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
}
