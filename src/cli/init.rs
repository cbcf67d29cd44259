//! `offboard init [DIR]`: scaffold a playbook repository ([`crate::app::init`]) and say what
//! was created; never the private key.

use super::args::{Ci, InitArgs};
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::init::{GITHUB_WORKFLOW, InitRequest, Initialised, Scaffolded, init};
use crate::exit::Exit;

/// Scaffold the repository in `args.dir` (or add the CI workflow to the one there).
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<Exit> {
    let request = InitRequest {
        dir: args.dir.clone(),
        principal: args.principal.clone(),
        github_workflow: args.ci == Some(Ci::Github),
    };
    match init(&request)? {
        Initialised::Scaffolded(outcome) => print(global, &outcome)?,
        Initialised::WorkflowAdded(_) if global.format == Format::Json => {
            let dir = args.dir.display().to_string();
            super::print_json(&serde_json::json!({ "dir": dir, "files": [GITHUB_WORKFLOW] }))?;
        }
        Initialised::WorkflowAdded(path) if !global.quiet => println!(
            "wrote {}: every pull request is validated; commit it and push",
            crate::human::path(&path)
        ),
        Initialised::WorkflowAdded(_) => {}
    }
    Ok(Exit::Done)
}

fn print(global: &GlobalArgs, outcome: &Scaffolded) -> Result<()> {
    if global.format == Format::Json {
        super::print_json(&outcome)?;
    } else if !global.quiet {
        println!(
            "scaffolded a playbook repository in {}:\n  signing key {} (principal {}, role {})\n  \
             next: add people to hr.csv and data/*.csv, then `offboard validate` and `offboard plan EMPLOYEE`",
            outcome.dir, outcome.key, outcome.principal, outcome.role
        );
    }
    Ok(())
}
