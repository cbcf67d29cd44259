//! The report as aligned plain text for a terminal. Every cell is made printable before it is
//! measured: a name from HR cannot drive the terminal, start a line or break the alignment.

use super::super::model::Report;
use super::table::{summary_lines, tables};
use crate::human::printable;

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
        let rows: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|row| row.iter().map(|c| printable(c)).collect())
            .collect();
        let mut widths: Vec<usize> = table.header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            format!("  {}\n", padded.join("  ").trim_end())
        };
        out.push_str(&line(table.header.clone()));
        for row in &rows {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
        }
    }
    out
}
