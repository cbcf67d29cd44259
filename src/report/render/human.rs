//! The report as aligned plain text for a terminal. Every cell is made printable before it is
//! measured: a name from HR cannot drive the terminal, start a line or break the alignment.

use super::super::model::Report;
use super::table::summary_lines;
use super::tables;
use crate::human::{aligned, printable};

/// The report as aligned text.
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for (label, value) in summary_lines(report) {
        out.push_str(&format!(
            "{:<16} {}\n",
            format!("{label}:"),
            printable(&value)
        ));
    }
    for table in tables(report) {
        out.push_str(&format!("\n{}\n", table.title));
        if table.rows.is_empty() {
            out.push_str("  none\n");
            continue;
        }
        let header = table.header.iter().map(|h| (*h).to_owned()).collect();
        let rows: Vec<Vec<String>> = std::iter::once(header)
            .chain(
                table
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|c| printable(c)).collect()),
            )
            .collect();
        for line in aligned(&rows, &[]) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}
