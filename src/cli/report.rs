//! `offboard report [--since 90d] [--debrief] [--evidence DIR | --evidence FILE --encrypt-to
//! RECIPIENT...]`: reads every run of the journal, keeps those started within the period, prints
//! the figures in the format asked for and, with `--evidence`, writes the signed auditor pack (a
//! directory, or one age-encrypted file). Reads the journal only.

use super::args::ReportArgs;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::report::{recipients, report, write_evidence};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::report::render;

/// Print the report and write the evidence pack if asked.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<Exit> {
    let recipients = recipients(&args.encrypt_to)?;
    let workspace = load_workspace(global.config.as_deref())?;
    let (report, runs) = report(&workspace, &args.since, args.debrief)?;
    let text = match global.format {
        Format::Json => render::json(&report),
        Format::Md => render::markdown(&report),
        Format::Html => render::html(&report),
        _ => render::human(&report),
    };
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    if let Some(evidence) = &args.evidence {
        let (files, principal) = write_evidence(&workspace, evidence, &recipients, &report, &runs)?;
        if !global.quiet {
            let path = crate::human::path(evidence);
            if recipients.is_empty() {
                eprintln!(
                    "evidence pack: {files} file(s) in {path}, manifest signed by {principal}; \
                     check it with `offboard verify --evidence {path}`"
                );
            } else {
                eprintln!(
                    "evidence pack: {files} file(s) encrypted to {} recipient(s) in {path}, \
                     manifest signed by {principal}; unpack it with `age -d -i KEY {path} | tar \
                     -x -C DIR` and check it with `offboard verify --evidence DIR`",
                    recipients.len()
                );
            }
        }
    }
    Ok(Exit::Done)
}
