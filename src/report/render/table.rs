//! The tables every text format shares: each section of the report as a header and rows of
//! cells. It owns which columns a section has and how a value reads (times to the second); it
//! never decides layout or escaping.

use super::super::model::{OrphanRate, Report};
use super::super::stats::human_duration;
use super::money;
use crate::human::timestamp;

/// A titled table: header cells and rows of cells.
pub(crate) struct Table {
    /// Section title.
    pub title: &'static str,
    /// Column names.
    pub header: Vec<&'static str>,
    /// Rows, as many cells as the header.
    pub rows: Vec<Vec<String>>,
}

/// The tables of the report's figures, in print order.
pub(crate) fn metric_tables(report: &Report) -> Vec<Table> {
    vec![
        Table {
            title: "Offboardings by playbook",
            header: vec!["playbook", "runs", "finished", "open"],
            rows: report
                .playbooks
                .iter()
                .map(|p| {
                    vec![
                        p.playbook.clone(),
                        p.count.to_string(),
                        p.finished.to_string(),
                        p.open.to_string(),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Time to deprovision (HR effective time to last confirmation)",
            header: vec!["tier", "deadline", "runs", "median", "p90", "max"],
            rows: report
                .time_to_deprovision
                .iter()
                .map(|t| {
                    let deadline = t.deadline_seconds.map_or("-".to_owned(), human_duration);
                    match t.summary {
                        Some(s) => vec![
                            t.tier.clone(),
                            deadline,
                            s.count.to_string(),
                            human_duration(s.median_seconds),
                            human_duration(s.p90_seconds),
                            human_duration(s.max_seconds),
                        ],
                        None => vec![
                            t.tier.clone(),
                            deadline,
                            "0".into(),
                            "-".into(),
                            "-".into(),
                            "-".into(),
                        ],
                    }
                })
                .collect(),
        },
        Table {
            title: "SLO breaches",
            header: vec!["employee", "name", "step", "tier", "deadline", "confirmed"],
            rows: report
                .breaches
                .iter()
                .map(|b| {
                    vec![
                        b.employee.clone(),
                        b.name.clone().unwrap_or_default(),
                        b.step.clone(),
                        b.risk.clone(),
                        timestamp(&b.deadline),
                        b.confirmed_at
                            .as_deref()
                            .map_or_else(|| "still open".into(), timestamp),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Held by legal hold (exempt from SLO)",
            header: vec!["employee", "name", "step", "tier", "hold", "confirmed"],
            rows: report
                .held
                .iter()
                .map(|h| {
                    vec![
                        h.employee.clone(),
                        h.name.clone().unwrap_or_default(),
                        h.step.clone(),
                        h.risk.clone(),
                        h.hold.clone().unwrap_or_default(),
                        h.confirmed_at
                            .as_deref()
                            .map_or_else(|| "still held".into(), timestamp),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Seats reclaimed",
            header: vec!["product", "seats", "monthly cost"],
            rows: report
                .seats
                .by_product
                .iter()
                .map(|p| {
                    vec![
                        p.product.clone(),
                        p.seats.to_string(),
                        money(p.monthly_cost_cents),
                    ]
                })
                .chain(std::iter::once(vec![
                    "total".to_owned(),
                    report.seats.seats.to_string(),
                    money(report.seats.monthly_cost_cents),
                ]))
                .collect(),
        },
    ]
}

/// The summary lines above the tables: window, runs, seats, orphan rate, dormant seats.
pub(crate) fn summary_lines(report: &Report) -> Vec<(&'static str, String)> {
    vec![
        (
            "window",
            format!(
                "runs started since {} ({}), as of {}",
                timestamp(&report.window_start),
                report.since,
                timestamp(&report.generated_at)
            ),
        ),
        ("offboardings", report.runs.to_string()),
        ("SLO breaches", report.breaches.len().to_string()),
        ("held (exempt)", report.held.len().to_string()),
        (
            "seats reclaimed",
            format!(
                "{} ({} a month)",
                report.seats.seats,
                money(report.seats.monthly_cost_cents)
            ),
        ),
        ("orphan rate", orphan_text(&report.orphans)),
        ("cost held by dormant seats", dormant_text(&report.orphans)),
    ]
}

/// The dormant seats of the last reconcile, in words.
pub(crate) fn dormant_text(orphans: &OrphanRate) -> String {
    match orphans {
        OrphanRate::Available {
            dormant_seats,
            dormant_monthly_cost_cents,
            ..
        } => format!(
            "{} a month ({dormant_seats} seat(s))",
            money(*dormant_monthly_cost_cents)
        ),
        OrphanRate::NotAvailable { reason } => format!("not available ({reason})"),
    }
}

/// The orphan rate in words.
pub(crate) fn orphan_text(orphans: &OrphanRate) -> String {
    match orphans {
        OrphanRate::Available {
            findings,
            orphaned_accounts,
            accounts,
            rate,
            ..
        } => format!(
            "{:.1}% ({orphaned_accounts} orphaned account(s) of {accounts}; {findings} finding(s))",
            rate * 100.0
        ),
        OrphanRate::NotAvailable { reason } => format!("not available ({reason})"),
    }
}
