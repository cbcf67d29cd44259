//! The environment variables offboard reads, in one table: shown at the end of
//! `offboard --help` and as the ENVIRONMENT section of every man page.

/// One variable and what it does.
#[derive(Debug)]
pub struct Variable {
    /// Its name, or for connector secrets the configuration keys that name them.
    pub name: &'static str,
    /// What it does.
    pub meaning: &'static str,
}

/// Every variable offboard reads.
pub const VARIABLES: &[Variable] = &[
    Variable {
        name: "OFFBOARD_CONFIG",
        meaning: "the configuration file, as --config",
    },
    Variable {
        name: "OFFBOARD_SIGNING_KEY",
        meaning: "the signing key (OpenSSH Ed25519 private key), instead of signing.key",
    },
    Variable {
        name: "OFFBOARD_NOW",
        meaning: "the current time (RFC 3339) for the whole process, for rehearsals",
    },
    Variable {
        name: "token_env, password_env, secret_env",
        meaning: "configuration keys naming the variables that hold connectors' secrets \
                  (read only there, never printed)",
    },
    Variable {
        name: "NO_COLOR",
        meaning: "non-empty: no colour",
    },
    Variable {
        name: "CLICOLOR",
        meaning: "0: no colour",
    },
    Variable {
        name: "CLICOLOR_FORCE",
        meaning: "non-empty: colour even when not writing to a terminal (NO_COLOR wins)",
    },
    Variable {
        name: "RUST_LOG",
        meaning: "the log filter, instead of the one -q and -v choose",
    },
    Variable {
        name: "GIT_CEILING_DIRECTORIES",
        meaning: "where the search for a playbook's git repository stops, as for git",
    },
];

/// The table as `--help` ends: a heading, then each variable with its meaning indented on the
/// next line (so that wrapping at the terminal's width keeps the list readable).
pub fn help() -> String {
    let mut text = String::from("Environment:");
    for v in VARIABLES {
        text.push_str(&format!("\n  {}\n      {}", v.name, v.meaning));
    }
    text
}
