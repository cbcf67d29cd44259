//! Text from data (HR fields, system account names, playbook and file contents) made safe to
//! print: every control character is replaced by a visible stand-in, so a value cannot move the
//! cursor, recolour or clear the terminal, set its title, ring its bell or start a line of its
//! own. It never drops a character: what was there stays visible.

/// The visible stand-in for `c` when it is a control character: C0 characters and DEL by their
/// Unicode control pictures (`␛` for ESC, `␇` for BEL, `␊` for a line feed, `␍` for a carriage
/// return), other control characters (C1) by U+FFFD; `None` for any other character.
pub fn stand_in(c: char) -> Option<char> {
    match c {
        '\u{0}'..='\u{1f}' => Some(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
        '\u{7f}' => Some('\u{2421}'),
        c if c.is_control() => Some('\u{fffd}'),
        _ => None,
    }
}

/// `text` as one line: every control character, line breaks and tabs included, replaced by its
/// [`stand_in`]. For a value printed in a line or a table cell.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| stand_in(c).unwrap_or(c)).collect()
}

/// `text` keeping its line feeds and tabs, every other control character (a carriage return
/// included) replaced by its [`stand_in`]. For a message of several lines.
pub fn printable_lines(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c => stand_in(c).unwrap_or(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        let hostile = "Eve\u{1b}[2J\u{7}\r\n✓ step\tdone\u{7f}\u{9b}";
        assert_eq!(
            printable(hostile),
            "Eve\u{241b}[2J\u{2407}\u{240d}\u{240a}✓ step\u{2409}done\u{2421}\u{fffd}"
        );
        assert_eq!(
            printable_lines(hostile),
            "Eve\u{241b}[2J\u{2407}\u{240d}\n✓ step\tdone\u{2421}\u{fffd}"
        );
        for shown in [printable(hostile), printable_lines(hostile)] {
            assert!(
                !shown
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{shown:?}"
            );
        }
    }

    #[test]
    fn other_text_is_left_alone() {
        for plain in ["Grace Achterberg", "Zoë Ångström", "a|b <c>", "", "日本"] {
            assert_eq!(printable(plain), plain);
            assert_eq!(printable_lines(plain), plain);
        }
    }
}
