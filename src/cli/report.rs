//! `offboard report [--since 90d] [--evidence DIR]`: reads every run of the journal, keeps those
//! started within the period, prints the figures in the format asked for and, with
//! `--evidence`, writes the signed auditor pack. Reads the journal only.

use super::args::ReportArgs;
use super::{Format, GlobalArgs};
use crate::app::trust::signer;
use crate::app::workspace::load_workspace;
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::exit::Exit;
use crate::report::{
    EvidencePack, ReportError, RunInput, Window, compute, in_window, parse_period,
    read_orphan_rate, render, write_evidence_pack,
};

fn report_err(error: ReportError) -> Error {
    Error::Usage(format!("report: {error}"))
}

/// Print the report and write the evidence pack if asked.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<Exit> {
    if matches!(global.format, Format::Github | Format::Csv) {
        return Err(Error::Usage(format!(
            "`offboard report` prints human, json, md or html, not {}",
            global.format
        )));
    }
    let period = parse_period(&args.since).map_err(report_err)?;
    let workspace = load_workspace(global.config.as_deref())?;
    let config = &workspace.config;
    let now = clock::now().map_err(Error::Usage)?;
    let window = Window {
        since: args.since.clone(),
        now,
        start: now - period,
    };
    let dir = &config.journal;
    let mut runs = Vec::new();
    for (records, status) in crate::app::status::journal_runs(&workspace, now)? {
        let input = RunInput { records, status };
        if in_window(&input, &window) {
            runs.push(input);
        }
    }
    let orphans = read_orphan_rate(dir).map_err(report_err)?;
    let report = compute(&runs, &window, &config.policy.deadlines, orphans);
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
        let signer = signer(&workspace, None, None)?;
        let manifest = write_evidence_pack(&EvidencePack {
            dir: evidence,
            journal_dir: dir,
            runs: &runs,
            signer: &signer,
            generated_at: report.generated_at.clone(),
        })
        .map_err(report_err)?;
        if !global.quiet {
            eprintln!(
                "evidence pack: {} file(s) in {}, manifest signed by {}; check it with \
                 `offboard verify --evidence {}`",
                manifest.files.len() + 2,
                crate::human::path(evidence),
                signer.principal(),
                crate::human::path(evidence)
            );
        }
    }
    Ok(Exit::Done)
}
