//! Generated artefacts printed to stdout: the playbook JSON Schema, shell completions and the man
//! page, all derived from the types that define them so they cannot drift.

use std::io::Write;

use clap::CommandFactory;

use super::Cli;
use crate::error::{Error, Result};
use crate::exit::Exit;

/// `offboard schema`: the draft-07 JSON Schema of the playbook format.
pub fn schema() -> Result<Exit> {
    let schema = crate::playbook::schema::json_schema();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{schema}").map_err(|e| Error::io("cannot write", "stdout", e))?;
    Ok(Exit::Done)
}

/// `offboard completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "offboard", &mut std::io::stdout());
    Ok(Exit::Done)
}

/// `offboard man`: the roff man page.
pub fn man() -> Result<Exit> {
    let page = clap_mangen::Man::new(Cli::command());
    page.render(&mut std::io::stdout())
        .map_err(|e| Error::io("cannot write", "stdout", e))?;
    Ok(Exit::Done)
}
