//! Turning a [`Report`](super::Report) into text: aligned text for people, Markdown tables, a
//! self-contained HTML page, JSON. Each renderer is a pure function of the report; none reads
//! files or the clock.

mod chart;
mod html;
mod human;
mod markdown;
mod table;

pub use html::html;
pub use human::human;
pub use markdown::markdown;

use super::model::Report;

/// The report as pretty-printed JSON (the [`Report`] struct is the documented format).
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Cents as currency units with two decimals, e.g. `76.64`.
pub(crate) fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}
