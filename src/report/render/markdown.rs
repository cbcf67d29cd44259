//! The report as Markdown: a summary list and one pipe table per section, for a wiki page or a
//! pull request comment.

use super::super::model::Report;
use super::table::summary_lines;
use super::tables;
use crate::human::printable;

/// Escape a cell: control characters are made printable (line breaks included, which would end
/// the table row), a pipe would end the cell, `<` would start HTML, and `[`, `]`, `*`, `_` and
/// `` ` `` would turn a name into a link or emphasis.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '\\' | '|' | '[' | ']' | '*' | '_' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
    out
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
        assert_eq!(cell("a|b\nc<d"), "a\\|b\u{240a}c&lt;d");
        assert_eq!(
            cell("[x](y) *b* _i_ `c` \\ \u{1b}[2J\r"),
            "\\[x\\](y) \\*b\\* \\_i\\_ \\`c\\` \\\\ \u{241b}\\[2J\u{240d}"
        );
    }
}
