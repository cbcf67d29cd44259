//! A whole file's text made printable for a source snippet, keeping its lines, with the map
//! from byte offsets in the original to offsets in what is shown.

/// A character of a file's text as the snippet shows it: line breaks and tabs as they are (the
/// snippet keeps the file's lines), other control characters by their visible stand-ins.
fn visible(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c => super::stand_in(c).unwrap_or(c),
    }
}

/// A file's text made printable, and how to move byte offsets into it.
pub struct ShownText {
    /// The printable text.
    pub text: String,
    /// (offset in the original, bytes added by replacements up to and including it).
    shifts: Vec<(usize, usize)>,
}

impl ShownText {
    /// `original` with its control characters (but line breaks and tabs) replaced.
    pub fn new(original: &str) -> ShownText {
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        let mut added = 0usize;
        for (at, c) in original.char_indices() {
            let shown = visible(c);
            text.push(shown);
            if shown != c {
                added += shown.len_utf8() - c.len_utf8();
                shifts.push((at, added));
            }
        }
        ShownText { text, shifts }
    }

    /// The offset in the printable text of byte `offset` of the original.
    pub fn offset(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|(at, _)| *at < offset);
        let added = before.checked_sub(1).map_or(0, |i| self.shifts[i].1);
        offset + added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_keeps_offsets_in_step() {
        let original = "a: \"x\u{1b}[31m\u{7}\"\nb: é\n";
        let shown = ShownText::new(original);
        assert_eq!(shown.text, "a: \"x\u{241b}[31m\u{2407}\"\nb: é\n");
        assert!(!shown.text.chars().any(|c| c.is_control() && c != '\n'));
        let b = original.find("b:").unwrap();
        assert_eq!(&shown.text[shown.offset(b)..shown.offset(b) + 2], "b:");
        assert_eq!(shown.offset(3), 3);
    }
}
