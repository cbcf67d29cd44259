//! `offboard verify`: check the journal (hash chains, signatures, signer roles, the ledger) and
//! name the first bad record of each run.

use super::args::VerifyArgs;
use super::workspace::{load_workspace, trust};
use super::{Format, GlobalArgs};
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::journal::{RunStatus, verify};

/// Verify the runs named (all when none) and print the verdicts.
pub fn run(global: &GlobalArgs, args: &VerifyArgs) -> Result<Exit> {
    let workspace = load_workspace(global)?;
    let (allowed, roles) = trust(&workspace)?;
    let dir = &workspace.config.journal;
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "journal directory {} does not exist: nothing has run yet",
            dir.display()
        )));
    }
    let runs = (!args.runs.is_empty()).then_some(args.runs.as_slice());
    let report = verify(dir, &allowed, &roles, runs);
    match global.format {
        Format::Json => {
            let text =
                serde_json::to_string_pretty(&report).map_err(|e| Error::Usage(e.to_string()))?;
            println!("{text}");
        }
        Format::Human => {
            if let Some(bad) = &report.ledger.first_error {
                println!("ledger: BAD: {bad}");
            }
            for run in &report.runs {
                match (&run.status, &run.first_error) {
                    (RunStatus::Bad, Some(bad)) => println!("{}: BAD: {bad}", run.run),
                    (status, _) => {
                        if !global.quiet {
                            println!("{}: {status}, {} records", run.run, run.records);
                        }
                    }
                }
            }
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            println!(
                "{}: {} records checked in {} run(s)",
                if report.ok {
                    "journal verified"
                } else {
                    "journal FAILED verification"
                },
                report.records_checked,
                report.runs.len()
            );
        }
        other => {
            return Err(Error::Usage(format!(
                "`offboard verify` prints human or json, not {other}"
            )));
        }
    }
    Ok(if report.ok {
        Exit::Done
    } else {
        Exit::Findings
    })
}
