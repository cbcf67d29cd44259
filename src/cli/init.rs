//! `offboard init [DIR]`: scaffold a playbook repository ([`crate::app::init`]) and say what
//! was created; never the private key.

use super::args::{Ci, InitArgs};
use super::{Format, GlobalArgs};
use crate::app::init::{GITHUB_WORKFLOW, InitRequest, Scaffolded, add_workflow, init};
use crate::error::{Error, Result};
use crate::exit::Exit;

/// Scaffold the repository in `args.dir`.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<Exit> {
    if args.ci.is_some() && args.dir.join("offboard.yaml").exists() {
        let path = add_workflow(&args.dir)?;
        if global.format == Format::Json {
            let text = serde_json::json!({ "dir": args.dir.display().to_string(), "files": [GITHUB_WORKFLOW] });
            println!("{text:#}");
        } else if !global.quiet {
            println!(
                "wrote {}: every pull request is validated; commit it and push",
                crate::human::path(&path)
            );
        }
        return Ok(Exit::Done);
    }
    let request = InitRequest {
        dir: args.dir.clone(),
        principal: args.principal.clone(),
        github_workflow: args.ci == Some(Ci::Github),
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
