//! CSV cells that spreadsheets will not run as formulas.

/// `text`, made inert for spreadsheets and terminals: a cell starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return would be read as a formula by the spreadsheet applications CSV
/// files (`evidence.csv`, `reconcile --format csv`) are opened with, so it gets a leading `'`
/// (shown by none of them); and its control characters are made printable, since the file is read with `cat` as often as it is opened.
pub fn spreadsheet_safe(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = crate::human::printable(text);
    if formula { format!("'{text}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_made_inert() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)"] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        assert_eq!(spreadsheet_safe("\tx"), "'\u{2409}x");
        assert_eq!(
            spreadsheet_safe("\r=1+1\n\u{1b}[2J"),
            "'\u{240d}=1+1\u{240a}\u{241b}[2J"
        );
        for plain in ["Grace Achterberg", "E1008", "", "a=b"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }
}
