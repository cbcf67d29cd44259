//! `offboard report [--since 90d] [--debrief] [--evidence DIR]`: reads every run of the journal, keeps those
//! started within the period, prints the figures in the format asked for and, with
//! `--evidence`, writes the signed auditor pack. Reads the journal only.

use super::args::ReportArgs;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::report::{report, write_evidence};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::report::render;

/// Print the report and write the evidence pack if asked.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<Exit> {
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
        let (files, principal) = write_evidence(&workspace, evidence, &report, &runs)?;
        if !global.quiet {
            eprintln!(
                "evidence pack: {files} file(s) in {}, manifest signed by {principal}; check it \
                 with `offboard verify --evidence {}`",
                crate::human::path(evidence),
                crate::human::path(evidence)
            );
        }
    }
    Ok(Exit::Done)
}
