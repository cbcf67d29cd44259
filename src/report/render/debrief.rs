//! The debrief's tables: failures, retries, late steps by reason and each late step, as rows
//! of cells every text format shares. It owns the columns and how a value reads; it never
//! decides layout or escaping.

use super::super::model::{Debrief, LateStep};
use super::super::stats::human_duration;
use super::table::Table;
use crate::human::timestamp;

/// The debrief's tables, in print order.
pub(crate) fn tables(debrief: &Debrief) -> Vec<Table> {
    vec![
        Table {
            title: "Debrief: failures by system, step and kind (recurring first)",
            header: vec![
                "system",
                "step",
                "kind",
                "failures",
                "runs",
                "open",
                "retries",
                "first seen",
                "last seen",
                "time lost",
                "last error",
            ],
            rows: debrief
                .failures
                .iter()
                .map(|g| {
                    vec![
                        g.system.clone(),
                        g.step.clone(),
                        g.kind.clone(),
                        g.failures.to_string(),
                        g.runs.to_string(),
                        g.open.to_string(),
                        g.retries.to_string(),
                        timestamp(&g.first_seen),
                        timestamp(&g.last_seen),
                        human_duration(g.time_lost_seconds),
                        g.last_error.clone(),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Debrief: retries by system and step",
            header: vec![
                "system",
                "step",
                "retries",
                "runs",
                "waited",
                "first seen",
                "last seen",
            ],
            rows: debrief
                .retries
                .iter()
                .map(|g| {
                    vec![
                        g.system.clone(),
                        g.step.clone(),
                        g.retries.to_string(),
                        g.runs.to_string(),
                        waited(g.waited_ms),
                        timestamp(&g.first_seen),
                        timestamp(&g.last_seen),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Debrief: late steps by what they waited on",
            header: vec!["waiting on", "whom", "system", "steps", "time late"],
            rows: debrief
                .late_reasons
                .iter()
                .map(|r| {
                    vec![
                        words(&r.waiting_on),
                        r.whom.clone().unwrap_or_default(),
                        r.system.clone().unwrap_or_default(),
                        r.steps.to_string(),
                        human_duration(r.late_seconds),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Debrief: late steps (latest past their deadline first)",
            header: vec![
                "employee",
                "step",
                "tier",
                "deadline",
                "confirmed",
                "late by",
                "waiting on",
                "detail",
            ],
            rows: debrief.late_steps.iter().map(late_row).collect(),
        },
    ]
}

fn late_row(s: &LateStep) -> Vec<String> {
    let mut waiting_on = words(&s.waiting_on);
    if let Some(who) = s.whom.as_deref().or(s.system.as_deref()) {
        waiting_on.push_str(&format!(" ({who})"));
    }
    if s.exempt {
        waiting_on.push_str(", exempt");
    }
    vec![
        s.employee.clone(),
        s.step.clone(),
        s.risk.clone(),
        timestamp(&s.deadline),
        s.confirmed_at
            .as_deref()
            .map_or_else(|| "still open".into(), timestamp),
        human_duration(s.late_seconds),
        waiting_on,
        s.detail.clone().unwrap_or_default(),
    ]
}

/// `manual_confirmation` as `manual confirmation`.
fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// Milliseconds waited, for people: `350ms`, `6.2s`, or minutes and more as a duration.
fn waited(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms}ms"),
        1000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => human_duration(i64::try_from(ms / 1000).unwrap_or(i64::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        for (ms, text) in [(0, "0ms"), (350, "350ms"), (6200, "6.2s"), (600_000, "10m")] {
            assert_eq!(waited(ms), text);
        }
    }
}
