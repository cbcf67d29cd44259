//! `offboard verify --evidence DIR`: check an auditor evidence pack against the playbook
//! repository's `allowed_signers` (never against anything the pack carries) and print the
//! verdict: every problem found, or what was proven. Exit 1 when the pack fails.

use std::path::Path;

use serde::Serialize;

use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::verify::verify_evidence;
use crate::app::workspace::load_workspace;
use crate::error::Error;
use crate::exit::Exit;
use crate::human::{path, printable, timestamp};
use crate::report::PackCheck;

/// The `--format json` document.
#[derive(Serialize)]
struct Output<'a> {
    /// The pack directory, as given.
    pack: String,
    /// The allowed-signers file the signature was checked against.
    allowed_signers: String,
    #[serde(flatten)]
    check: &'a PackCheck,
}

/// Check the pack in `dir` and print the verdict.
pub fn run(global: &GlobalArgs, dir: &Path) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let (check, allowed_path) = verify_evidence(&workspace, dir)?;
    let shown_dir = path(dir);
    match global.format {
        Format::Json => {
            let output = Output {
                pack: dir.display().to_string(),
                allowed_signers: allowed_path,
                check: &check,
            };
            let text =
                serde_json::to_string_pretty(&output).map_err(|e| Error::Usage(e.to_string()))?;
            println!("{text}");
        }
        _ => {
            // The pack is untrusted: its names and texts are made printable.
            for problem in &check.problems {
                println!("BAD: {}", printable(&problem.message));
            }
            let signer = printable(check.signer.as_deref().unwrap_or("?"));
            let allowed_path = path(Path::new(&allowed_path));
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
