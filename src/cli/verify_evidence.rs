//! `offboard verify --evidence DIR`: check an auditor evidence pack against the playbook
//! repository's `allowed_signers` (never against anything the pack carries) and print the
//! verdict: every problem found, or what was proven. Exit 1 when the pack fails.

use std::path::Path;

use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::verify::verify_evidence;
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::human::{path, printable, timestamp};

/// Check the pack in `dir` and print the verdict.
pub fn run(global: &GlobalArgs, dir: &Path) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let verdict = verify_evidence(&workspace, dir)?;
    let (check, shown_dir) = (&verdict.check, path(dir));
    match global.format {
        Format::Json => super::print_json(&verdict)?,
        _ => {
            // The pack is untrusted: its names and texts are made printable.
            for problem in &check.problems {
                println!("BAD: {}", printable(&problem.message));
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
    Ok(if check.ok { Exit::Done } else { Exit::Findings })
}
