//! `offboard verify`: check the journal (hash chains, signatures, signer roles, the ledger) and
//! name the first bad record of each run; print the heads an auditor saves, and check heads
//! saved earlier (`--head`). `--evidence DIR` checks an auditor evidence pack instead, against
//! the repository's `allowed_signers` (never anything the pack carries), and prints every
//! problem found or what was proven.

use std::path::Path;

use super::args::VerifyArgs;
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::app::Result;
use crate::app::verify::{VerifyRequest, verify, verify_evidence};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::human::{path, printable, timestamp};
use crate::journal::{Anchor, RunStatus};

/// Verify the runs named (all when none) and print the verdicts.
pub fn run(global: &GlobalArgs, args: &VerifyArgs) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    if let Some(pack) = &args.evidence {
        return evidence(global, &workspace, pack);
    }
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

/// Check the pack in `dir` and print the verdict.
fn evidence(global: &GlobalArgs, workspace: &Workspace, dir: &Path) -> Result<Exit> {
    let verdict = verify_evidence(workspace, dir)?;
    let (check, shown_dir) = (&verdict.check, path(dir));
    match global.format {
        Format::Json => super::print_json(&verdict)?,
        _ => {
            // The pack is untrusted: its names and texts are made printable.
            for problem in &check.problems {
                println!("BAD: {}", printable(&problem.message));
            }
            for run in verdict.journal_runs.iter().filter(|r| r.tie.fails()) {
                println!("BAD: {}", tie_line(run));
            }
            if let Some(error) = &verdict.journal_error {
                println!("BAD: {}", printable(error));
            }
            if let Some(note) = &verdict.journal_note {
                eprintln!("note: {}", printable(note));
            }
            let signer = printable(check.signer.as_deref().unwrap_or("?"));
            let allowed_path = path(Path::new(&verdict.allowed_signers));
            if check.ok {
                println!(
                    "evidence pack verified: {} signed by {signer} ({}), listed in {allowed_path}; \
                     all {} listed file(s) present and intact, no other file",
                    shown_dir,
                    check
                        .generated_at
                        .as_deref()
                        .map_or_else(|| "?".into(), timestamp),
                    check.files_verified
                );
            } else if check.manifest_verified && check.problems.is_empty() {
                println!(
                    "evidence pack FAILED verification: {} is intact, but its runs cannot be \
                     tied to the journal (above)",
                    shown_dir
                );
            } else if check.manifest_verified {
                println!(
                    "evidence pack FAILED verification: {} problem(s) in {}; {} of {} listed file(s) intact",
                    check.problems.len(),
                    shown_dir,
                    check.files_verified,
                    check.files_listed
                );
            } else {
                println!(
                    "evidence pack FAILED verification: the manifest of {} cannot be trusted \
                     (signers checked against {allowed_path}), so no file was checked",
                    shown_dir
                );
            }
        }
    }
    for run in verdict.journal_runs.iter().filter(|r| !r.tie.fails()) {
        if global.format != Format::Json && !global.quiet {
            println!("{}", tie_line(run));
        }
    }
    Ok(if check.ok { Exit::Done } else { Exit::Findings })
}

/// How a run copied in the pack is tied to the journal, printable.
fn tie_line(run: &crate::app::pack_runs::PackRun) -> String {
    format!(
        "journal/{}.jsonl: {}",
        printable(&run.run),
        printable(&run.message)
    )
}
