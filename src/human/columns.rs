//! Rows of cells as aligned text columns, for tables on a terminal.

/// `rows` as lines: every column as wide as its widest cell (counted in characters), two spaces
/// between columns, the columns whose index is in `right` aligned right, the others left; no
/// line ends in a space. Cells are shown as given: make data printable first.
pub fn aligned(rows: &[Vec<String>], right: &[usize]) -> Vec<String> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        widths.resize(widths.len().max(row.len()), 0);
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, width))| {
                    let pad = " ".repeat(width - cell.chars().count());
                    match right.contains(&i) {
                        true => format!("{pad}{cell}"),
                        false => format!("{cell}{pad}"),
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::aligned;

    #[test]
    fn columns_take_the_widest_cell_and_align_as_asked() {
        let rows = [
            vec!["name", "cost"],
            vec!["é", "1.00"],
            vec!["longer", "10.50"],
        ]
        .map(|r| r.into_iter().map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(
            aligned(&rows, &[1]),
            ["name     cost", "é        1.00", "longer  10.50"]
        );
        assert_eq!(aligned(&rows[..2], &[]), ["name  cost", "é     1.00"]);
    }
}
