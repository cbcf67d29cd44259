//! The compliance report (`offboard report`): the runs of the journal started within a period,
//! their figures, the orphan rate of the last reconciliation, on request the debrief of the
//! period's failures and late steps, and the signed evidence pack for auditors. Reads the
//! journal only, and only runs that verify (any other stops the report, exit 1); the pack is
//! written where it is asked for.

use std::path::Path;

use super::Result;
use super::trust::signer;
use crate::analyze::Workspace;
use crate::execute::clock;
use crate::report::{
    EvidencePack, Recipient, Report, ReportError, RunInput, Window, build_evidence_pack, compute,
    debrief, in_window, parse_period, parse_recipients, read_orphan_rate, write_evidence_archive,
    write_evidence_pack,
};

/// The report on the period `since` (e.g. `90d`) up to now, with the debrief of that period
/// when `with_debrief`, and the runs it covers.
pub fn report(
    workspace: &Workspace,
    since: &str,
    with_debrief: bool,
) -> Result<(Report, Vec<RunInput>)> {
    let period = parse_period(since).map_err(report_err)?;
    let config = &workspace.config;
    let now = clock::now().map_err(super::Error::Clock)?;
    let window = Window {
        since: since.to_owned(),
        now,
        start: now - period,
    };
    let mut runs = Vec::new();
    for (records, status) in super::status::journal_runs(workspace, now)? {
        let input = RunInput { records, status };
        if in_window(&input, &window) {
            runs.push(input);
        }
    }
    // Figures and evidence come only from runs that verify: a run signed outside the rules
    // (a forged or edited one) stops the report, as it stops a run of that employee.
    let ids: Vec<String> = runs
        .iter()
        .filter_map(|r| r.records.first().map(|p| p.run.clone()))
        .collect();
    super::trust::require_trusted(workspace, &ids)?;
    super::personal_data::names_from_hr(workspace, &mut runs);
    let orphans = read_orphan_rate(&config.journal).map_err(report_err)?;
    let mut report = compute(&runs, &window, &config.policy.deadlines, orphans);
    if with_debrief {
        report.debrief = Some(debrief(&runs, now));
    }
    Ok((report, runs))
}

/// The `--encrypt-to` recipients, parsed before anything is read (a bad one is a usage
/// error naming it).
pub fn recipients(values: &[String]) -> Result<Vec<Recipient>> {
    parse_recipients(values).map_err(report_err)
}

/// Write the evidence pack of `runs` (of `report`) to `path`, its manifest signed by the
/// configured signer: a directory, or with `recipients` one file encrypted to them (nothing
/// unencrypted is written then). The files the pack holds and who signed.
pub fn write_evidence(
    workspace: &Workspace,
    path: &Path,
    recipients: &[Recipient],
    report: &Report,
    runs: &[RunInput],
) -> Result<(usize, String)> {
    let signer = signer(workspace, None, None)?;
    let contents = build_evidence_pack(&EvidencePack {
        journal_dir: &workspace.config.journal,
        runs,
        signer: &signer,
        generated_at: report.generated_at.clone(),
    })
    .map_err(report_err)?;
    if recipients.is_empty() {
        write_evidence_pack(path, &contents)
    } else {
        write_evidence_archive(path, recipients, &contents)
    }
    .map_err(report_err)?;
    Ok((contents.files.len(), signer.principal().to_owned()))
}

fn report_err(error: ReportError) -> super::Error {
    super::Error::Report(error)
}
