//! The report as Markdown: a summary list and one pipe table per section, for a wiki page or a
//! pull request comment.

use super::super::model::Report;
use super::table::{summary_lines, tables};

/// Escape a cell: pipes and line breaks would break the table, `<` would start HTML.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}

/// The report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# Offboarding report\n\n");
    for (label, value) in summary_lines(report) {
        out.push_str(&format!("- **{label}**: {}\n", cell(&value)));
    }
    for table in tables(report) {
        out.push_str(&format!("\n## {}\n\n", table.title));
        if table.rows.is_empty() {
            out.push_str("None.\n");
            continue;
        }
        out.push_str(&format!("| {} |\n", table.header.join(" | ")));
        out.push_str(&format!(
            "|{}\n",
            table.header.iter().map(|_| "---|").collect::<String>()
        ));
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc<d"), "a\\|b c&lt;d");
    }
}
