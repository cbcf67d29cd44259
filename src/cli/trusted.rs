//! The check every command makes before it acts on what an existing run says (that it is
//! finished, which of its steps are confirmed or approved): the run must verify — signatures,
//! chain, who signed each record, its ledger registration — as `offboard verify` would check it,
//! and every step record must name the role the playbook gives that step (a record claiming
//! another role could be signed by anyone holding that other role). Only the runs named are
//! verified, never the whole journal. A run that fails is refused as a finding (exit 1) naming
//! its first bad record; it is never taken as done.

use crate::analyze::Workspace;
use crate::error::{Error, Result};
use crate::execute::status::run_identity;
use crate::journal::{Payload, read_run, trusted, verify_runs};

use super::run::journal_err;
use super::workspace::trust;

/// Refuse unless every one of `runs` in the workspace's journal verifies. A run that does not
/// exist at all passes: the caller reports it in its own words.
pub(super) fn require_trusted(workspace: &Workspace, runs: &[String]) -> Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let dir = &workspace.config.journal;
    let (allowed, roles) = trust(workspace)?;
    let refuse = |run: &str, bad: String| {
        Error::UntrustedJournal(format!(
            "run {run} does not verify: {bad}; nothing it records is trusted (not that it \
             finished, nor any step as done), so nothing was done. Run `offboard verify` for the \
             whole journal"
        ))
    };
    let reports = verify_runs(dir, &allowed, &roles, runs);
    for report in &reports {
        if !trusted(report)
            && let Some(bad) = &report.first_error
        {
            return Err(refuse(&report.run, bad.to_string()));
        }
    }
    for report in reports.iter().filter(|r| r.records > 0) {
        let read = read_run(dir, &report.run).map_err(journal_err)?;
        let payloads: Vec<Payload> = read.records.iter().map(|r| r.payload.clone()).collect();
        // A run whose playbook is gone is reported by the caller.
        let Some(playbook) =
            run_identity(&payloads).and_then(|(_, name)| workspace.playbook(&name))
        else {
            continue;
        };
        for record in &read.records {
            let p = &record.payload;
            let (Some(id), Some(role)) = (&p.step, &p.role) else {
                continue;
            };
            let Some(step) = playbook.playbook.step(id) else {
                continue;
            };
            if &step.owner != role {
                let bad = format!(
                    "{}:{} (seq {}): {} of step `{id}` carries role `{role}`, but playbook `{}` \
                     ({}) gives that step to role `{}`",
                    read.path.display(),
                    record.line,
                    p.seq,
                    p.event,
                    playbook.playbook.name,
                    playbook.path.display(),
                    step.owner
                );
                return Err(refuse(&report.run, bad));
            }
        }
    }
    Ok(())
}
