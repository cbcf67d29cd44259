//! `offboard due`: resume every open run that has a staged step whose time has come, or a step
//! blocked by a legal hold since lifted ([`crate::app::due`]). Prints each run as it is done
//! with, and with `--format json` a last `due.report` line.

use std::sync::atomic::AtomicBool;

use super::args::DueArgs;
use super::terminal::with_context;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::due::{DueRequest, due};
use crate::app::workspace::load_workspace;
use crate::error::Error;
use crate::exit::Exit;

/// Execute the staged steps that are due, and the steps whose legal hold was lifted.
pub fn run(global: &GlobalArgs, args: &DueArgs, interrupted: &AtomicBool) -> Result<Exit> {
    let json = global.format == Format::Json;
    let workspace = load_workspace(global.config.as_deref())?;
    let request = DueRequest {
        dry_run: args.dry_run,
    };
    let report = with_context(global, &workspace, interrupted, |ctx| due(ctx, &request))?;
    if json {
        let line = serde_json::to_string(&report).map_err(|e| Error::Usage(e.to_string()))?;
        println!("{line}");
    } else if report.runs.is_empty() && !global.quiet {
        eprintln!("nothing is due");
    }
    Ok(Exit::from_code(report.exit).unwrap_or(Exit::Usage))
}
