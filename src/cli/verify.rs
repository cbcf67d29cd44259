//! `offboard verify`: check the journal (hash chains, signatures, signer roles, the ledger) and
//! name the first bad record of each run; print the heads an auditor saves, and check heads
//! saved earlier (`--head`). `--evidence DIR` checks an evidence pack instead
//! ([`super::verify_evidence`]).

use super::args::VerifyArgs;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::verify::{VerifyRequest, verify};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::human::printable;
use crate::journal::{Anchor, RunStatus};

/// Verify the runs named (all when none) and print the verdicts.
pub fn run(global: &GlobalArgs, args: &VerifyArgs) -> Result<Exit> {
    if let Some(pack) = &args.evidence {
        return super::verify_evidence::run(global, pack);
    }
    let workspace = load_workspace(global.config.as_deref())?;
    let request = VerifyRequest {
        runs: args.runs.clone(),
        heads: args.heads.clone(),
    };
    let report = verify(&workspace, &request)?;
    match global.format {
        Format::Json => {
            super::print_json(&report)?;
        }
        _ => {
            if let Some(bad) = &report.ledger.first_error {
                println!("ledger: BAD: {}", printable(&bad.to_string()));
            }
            for run in &report.runs {
                match (&run.status, &run.first_error) {
                    (RunStatus::Bad, Some(bad)) => {
                        println!("{}: BAD: {}", run.run, printable(&bad.to_string()))
                    }
                    (status, _) => {
                        if !global.quiet {
                            println!("{}: {status}, {} records", run.run, run.records);
                        }
                    }
                }
            }
            for anchor in &report.anchors {
                let verdict = if anchor.ok { "ok" } else { "BAD" };
                println!(
                    "head {}: {verdict}: {}",
                    printable(&anchor.anchor),
                    printable(&anchor.message)
                );
            }
            for note in &report.notes {
                eprintln!("note: {}", printable(note));
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
            if !global.quiet {
                print_heads(&report);
            }
        }
    }
    Ok(if report.ok {
        Exit::Done
    } else {
        Exit::Findings
    })
}

/// The heads to save elsewhere: the ledger's, and each open run's (records of an open run are
/// not in the ledger until it is sealed).
fn print_heads(report: &crate::journal::VerifyReport) {
    if let Some(head) = &report.ledger.head {
        println!(
            "ledger head: {} (keep it elsewhere; `offboard verify --head` with it detects records cut off later)",
            Anchor::of(None, head)
        );
    }
    for run in &report.runs {
        if let (RunStatus::Open | RunStatus::Unsealed, Some(head)) = (run.status, &run.head) {
            println!("run head: {}", Anchor::of(Some(&run.run), head));
        }
    }
}
