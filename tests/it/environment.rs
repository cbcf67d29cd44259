//! The environment conventions: colour by `NO_COLOR`, `CLICOLOR` and `CLICOLOR_FORCE`, at a
//! real terminal (`script`) and through a pipe, and the variables listed by `--help` and the
//! man pages.

use std::process::Stdio;

use crate::support::{Test, fork};

/// `validate` of a repository with an error, with `envs` (starting from `NO_COLOR=""`, which
/// leaves colour to the other variables), through a pipe or at a terminal; its stdout.
fn validate_output(envs: &[(&str, &str)], terminal: bool) -> String {
    let test = Test::new()
        .fixture("valid", ".")
        .fixture(
            "invalid/ob021-data-not-preserved.yaml",
            "playbooks/broken.yaml",
        )
        .env("NO_COLOR", "")
        .env("TERM", "xterm-256color")
        .envs(envs)
        .args(["validate"])
        .status(1);
    if !terminal {
        return test.run().stdout;
    }
    let command = format!("{} validate", env!("CARGO_BIN_EXE_offboard"));
    let output = fork::output(
        test.wrapper("script")
            .args(["-qec", &command, "/dev/null"])
            .stdin(Stdio::null()),
    )
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn coloured(text: &str) -> bool {
    text.contains("\u{1b}[")
}

#[test]
fn colour_follows_no_color_clicolor_and_clicolor_force() {
    // At a terminal: coloured, unless CLICOLOR=0 or NO_COLOR says no.
    assert!(coloured(&validate_output(&[], true)));
    assert!(!coloured(&validate_output(&[("CLICOLOR", "0")], true)));
    assert!(!coloured(&validate_output(&[("NO_COLOR", "1")], true)));
    assert!(!coloured(&validate_output(&[("TERM", "dumb")], true)));
    // Through a pipe: plain, unless CLICOLOR_FORCE asks; NO_COLOR still wins.
    assert!(!coloured(&validate_output(&[], false)));
    assert!(coloured(&validate_output(
        &[("CLICOLOR_FORCE", "1")],
        false
    )));
    assert!(!coloured(&validate_output(
        &[("CLICOLOR_FORCE", "")],
        false
    )));
    assert!(!coloured(&validate_output(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        false
    )));
}

/// Every variable the program reads, by name.
const VARIABLES: [&str; 9] = [
    "OFFBOARD_CONFIG",
    "OFFBOARD_SIGNING_KEY",
    "OFFBOARD_NOW",
    "token_env",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "RUST_LOG",
    "GIT_CEILING_DIRECTORIES",
];

#[test]
fn help_and_man_pages_list_the_environment() {
    let help = Test::new().args(["--help"]).run().stdout;
    let section = &help[help.find("Environment:").expect("an Environment section")..];
    for name in VARIABLES {
        assert!(
            section.contains(name),
            "{name} missing from --help:\n{help}"
        );
    }
    for page in ["", "run", "validate"] {
        let mut test = Test::new().args(["man"]);
        if !page.is_empty() {
            test = test.arg(page);
        }
        let roff = test.run().stdout;
        let section = &roff[roff
            .find(".SH ENVIRONMENT")
            .expect("an ENVIRONMENT section")..];
        for name in VARIABLES {
            assert!(section.contains(name), "{name} missing from man {page}");
        }
    }
}
