//! Turning a [`Report`](super::Report) into text: aligned text for people, Markdown tables, a
//! self-contained HTML page, JSON. Each renderer is a pure function of the report; none reads
//! files or the clock.

mod chart;
mod debrief;
mod html;
mod human;
mod markdown;
mod table;

pub use html::html;
pub use human::human;
pub use markdown::markdown;

use super::model::Report;
use table::Table;

/// The report's tables, in print order; the debrief's last, when it was asked for.
pub(crate) fn tables(report: &Report) -> Vec<Table> {
    let mut tables = table::metric_tables(report);
    if let Some(debrief) = &report.debrief {
        tables.extend(debrief::tables(debrief));
    }
    tables
}

/// The report as pretty-printed JSON (the [`Report`] struct is the documented format).
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

pub(crate) use crate::human::money;
