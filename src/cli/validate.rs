//! `offboard validate`: run the analyzer over playbook files and print its diagnostics.

use super::GlobalArgs;
use super::args::ValidateArgs;
use crate::error::{Error, Result};
use crate::exit::Exit;

/// Validate the files `args` names and print every diagnostic in the chosen format.
pub fn run(_global: &GlobalArgs, _args: &ValidateArgs) -> Result<Exit> {
    Err(Error::NotImplemented("validate"))
}
