//! Verify the journal (hash chains, signatures, signer roles, the ledger, heads saved earlier),
//! or an auditor's evidence pack against the repository's `allowed_signers` (never against
//! anything the pack carries). The verdicts are data; printing them is the front end's.

use std::path::Path;

use serde::Serialize;

use super::pack_runs::{PackRun, tie_runs};
use super::trust::trust;
use super::{Error, Result};
use crate::analyze::Workspace;
use crate::journal::{Anchor, Reason, VerifyReport, verify_anchored};
use crate::report::{PackCheck, check_evidence_pack};

/// Which runs to verify, and which heads to find in their chains.
#[derive(Clone, Debug, Default)]
pub struct VerifyRequest {
    /// Run ids; none: every run.
    pub runs: Vec<String>,
    /// Heads saved earlier that must still be in the chains.
    pub heads: Vec<Anchor>,
}

/// Verify the runs `request` names (all when none). A run named that does not exist is a
/// mistake in the request, refused; a run only a head names is a finding in the report.
pub fn verify(workspace: &Workspace, request: &VerifyRequest) -> Result<VerifyReport> {
    let (allowed, roles) = trust(workspace)?;
    let dir = &workspace.config.journal;
    if !dir.is_dir() {
        return Err(Error::Missing {
            what: "journal directory ",
            path: dir.clone(),
            hint: ": nothing has run yet",
        });
    }
    for run in &request.runs {
        crate::journal::record::check_id("run id", run).map_err(Error::BadRunId)?;
    }
    let runs = (!request.runs.is_empty()).then_some(request.runs.as_slice());
    let report = verify_anchored(dir, &allowed, &roles, runs, &request.heads);
    let unknown: Vec<&str> = report
        .runs
        .iter()
        .filter(|r| {
            request.runs.contains(&r.run)
                && r.first_error
                    .as_ref()
                    .is_some_and(|bad| bad.reason == Reason::UnknownRun)
        })
        .map(|r| r.run.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(Error::NoSuchRuns {
            runs: unknown.iter().map(|r| r.to_string()).collect(),
            journal: dir.clone(),
        });
    }
    Ok(report)
}

/// The verdict on an evidence pack: the `--format json` document of `offboard verify
/// --evidence`.
#[derive(Debug, Serialize)]
pub struct EvidenceVerdict {
    /// The pack directory, as given.
    pub pack: String,
    /// The allowed-signers file the signature was checked against.
    pub allowed_signers: String,
    /// What was found.
    #[serde(flatten)]
    pub check: PackCheck,
    /// Each run the pack copies, tied to the journal (the live file, or the ledger checkpoint
    /// that pruned it); empty when the pack failed or there is no journal here.
    pub journal_runs: Vec<PackRun>,
    /// Why the runs were not tied to the journal, when there is no journal here (this does
    /// not fail the pack).
    pub journal_note: Option<String>,
    /// Why the runs cannot be tied to the journal here, which does not verify (this fails the
    /// pack).
    pub journal_error: Option<String>,
}

/// Check the evidence pack in `dir` against the repository's allowed signers.
pub fn verify_evidence(workspace: &Workspace, dir: &Path) -> Result<EvidenceVerdict> {
    let (allowed, _) = trust(workspace)?;
    let allowed_signers = workspace
        .config
        .signing
        .as_ref()
        .map(|s| s.allowed_signers.display().to_string())
        .unwrap_or_default();
    let mut check = check_evidence_pack(dir, &allowed).map_err(Error::EvidencePack)?;
    let ties = match check.ok {
        true => tie_to_journal(workspace, dir, &allowed)?,
        false => Ties::default(),
    };
    if ties.error.is_some() || ties.runs.iter().any(|r| r.tie.fails()) {
        check.ok = false;
    }
    Ok(EvidenceVerdict {
        pack: dir.display().to_string(),
        allowed_signers,
        check,
        journal_runs: ties.runs,
        journal_note: ties.note,
        journal_error: ties.error,
    })
}

/// The pack's runs tied to the journal, or why they were not.
#[derive(Default)]
struct Ties {
    runs: Vec<PackRun>,
    note: Option<String>,
    error: Option<String>,
}

/// The runs of the verified pack in `dir` tied to the workspace's journal, or why not.
fn tie_to_journal(
    workspace: &Workspace,
    dir: &Path,
    allowed: &crate::journal::AllowedSigners,
) -> Result<Ties> {
    let journal = &workspace.config.journal;
    if !journal.is_dir() {
        let note = format!(
            "no journal at {}: the pack's runs were not compared with it",
            crate::human::path(journal)
        );
        return Ok(Ties {
            note: Some(note),
            ..Ties::default()
        });
    }
    let (allowed_now, roles) = trust(workspace)?;
    let report = crate::journal::verify(journal, &allowed_now, &roles, None);
    if let Some(bad) = report.errors().next() {
        let error = format!(
            "the journal does not verify ({bad}), so the pack's runs cannot be tied to it; run \
             `offboard verify`"
        );
        return Ok(Ties {
            error: Some(error),
            ..Ties::default()
        });
    }
    let runs = tie_runs(dir, journal, &report, allowed)
        .map_err(|e| Error::Lib(crate::Error::io("cannot read", dir.join("journal"), e)))?;
    Ok(Ties {
        runs,
        ..Ties::default()
    })
}
