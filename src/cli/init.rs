//! `offboard init [DIR]`: scaffold a playbook repository ([`crate::app::init`]) and say what
//! was created; never the private key.

use super::args::InitArgs;
use super::{Format, GlobalArgs};
use crate::app::init::{InitRequest, Scaffolded, init};
use crate::error::{Error, Result};
use crate::exit::Exit;

/// Scaffold the repository in `args.dir`.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<Exit> {
    let request = InitRequest {
        dir: args.dir.clone(),
        principal: args.principal.clone(),
    };
    print(global, &init(&request)?)?;
    Ok(Exit::Done)
}

fn print(global: &GlobalArgs, outcome: &Scaffolded) -> Result<()> {
    if global.format == Format::Json {
        let text =
            serde_json::to_string_pretty(outcome).map_err(|e| Error::Usage(e.to_string()))?;
        println!("{text}");
    } else if !global.quiet {
        println!(
            "scaffolded a playbook repository in {}:\n  signing key {} (principal {}, role {})\n  \
             next: add people to hr.csv and data/*.csv, then `offboard validate` and `offboard plan EMPLOYEE`",
            outcome.dir, outcome.key, outcome.principal, outcome.role
        );
    }
    Ok(())
}
