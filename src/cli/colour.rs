//! Whether to colour output, by the conventions users set in their environment: `NO_COLOR`
//! (non-empty: never), `CLICOLOR_FORCE` (non-empty: always, as clap and cargo read it),
//! `CLICOLOR=0` (never), and otherwise only on a terminal that is not `TERM=dumb`. The
//! variables are read with `anstyle-query`, as clap reads them for its own help.

/// True when output to a stream that `terminal` says is (or is not) a terminal is coloured.
pub fn wanted(terminal: bool) -> bool {
    decide(
        terminal,
        anstyle_query::no_color(),
        anstyle_query::clicolor_force(),
        anstyle_query::clicolor(),
        anstyle_query::term_supports_color(),
    )
}

/// The rule, apart from the environment.
fn decide(
    terminal: bool,
    no_color: bool,
    force: bool,
    clicolor: Option<bool>,
    term_colour: bool,
) -> bool {
    if no_color {
        false
    } else if force {
        true
    } else if clicolor == Some(false) {
        false
    } else {
        terminal && (term_colour || clicolor == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::decide;

    #[test]
    fn no_color_beats_force_and_force_beats_no_terminal() {
        assert!(!decide(true, true, true, Some(true), true));
        assert!(decide(false, false, true, None, false));
        assert!(decide(false, false, true, Some(false), false));
    }

    #[test]
    fn clicolor_zero_turns_a_terminal_off() {
        assert!(!decide(true, false, false, Some(false), true));
        assert!(decide(true, false, false, None, true));
        assert!(!decide(false, false, false, None, true));
        assert!(!decide(true, false, false, None, false));
    }
}
