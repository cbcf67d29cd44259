//! Sign off one manual step of a run, or approve one of its gated automatic steps, with the
//! signer's own key. The signature is the separation of duties: a signer who does not hold the
//! step's role is refused here, and so is an approver who signed the run itself (four eyes);
//! `offboard verify` would reject either record anyway.

use serde::Serialize;
use serde_json::json;

use super::error::{journal_err, with_causes};
use super::lifecycle::RunLifecycle;
use super::session::Session;
use super::status::all_runs;
use super::trust::{require_trusted, signer, trust};
use super::{Error as AppError, Result};
use crate::analyze::{PlaybookFile, Workspace};
use crate::connector::Change;
use crate::error::Error;
use crate::execute::approval;
use crate::execute::context::template_context;
use crate::execute::status::{RunStatus, run_identity};
use crate::execute::targets::build_targets;
use crate::journal::{EmployeeLock, Event, JournalError, Payload, read_run};
use crate::playbook::{Action, Confirm, Playbook, Step};

/// A sign-off or approval to record.
#[derive(Clone, Debug)]
pub struct ConfirmRequest {
    /// The run.
    pub run: String,
    /// The step.
    pub step: String,
    /// What was done (required, non-empty).
    pub note: String,
    /// The signing key (`None`: `OFFBOARD_SIGNING_KEY`, else the configured one).
    pub key: Option<std::path::PathBuf>,
    /// The principal signing (`None`: the configured one).
    pub principal: Option<String>,
}

/// Sign off one manual step of a run, or approve one of its gated automatic steps.
pub fn confirm(workspace: &Workspace, request: &ConfirmRequest) -> Result<SignedOff> {
    let records = run_records(workspace, request)?;
    let (employee, name) = run_identity(&records).ok_or_else(|| AppError::RunNotStarted {
        run: request.run.clone(),
    })?;
    let file = workspace
        .playbook(&name)
        .ok_or_else(|| AppError::RunPlaybookGone {
            run: request.run.clone(),
            playbook: name.clone(),
            place: "the repository".to_owned(),
        })?;
    let step = run_step(file, &name, &request.step)?;
    let approval = step.confirm != Confirm::Manual;
    let policy = &workspace.config.policy;
    if approval && !approval::needs_approval(step, &policy.approval_required) {
        return Err(AppError::NoApprovalNeeded {
            step: step.id.clone(),
        });
    }
    let event = match approval {
        true => Event::StepApproved,
        false => Event::StepConfirmed,
    };
    let mut outcome = SignedOff {
        run: request.run.clone(),
        step: step.id.clone(),
        employee: employee.clone(),
        event: event.clone(),
        already: true,
        signed_off_by: None,
        role: step.owner.clone(),
        next: format!("offboard run {employee}"),
    };
    if already_signed(&records, step, &event) {
        return Ok(outcome);
    }
    check_may_sign(&records, request, step, approval)?;
    let signer = signer(workspace, request.key.clone(), request.principal.clone())?;
    check_duties(
        &records,
        request,
        step,
        approval,
        signer.principal(),
        workspace,
    )?;
    let dir = &workspace.config.journal;
    let _lock = EmployeeLock::acquire(dir, &employee).map_err(|e| Error::Busy(with_causes(&e)))?;
    let principal = signer.principal().to_owned();
    let mut evidence = json!({ "signed_off_by": principal, "manual": !approval });
    if step.kind == Action::InventoryRecordAssetReturn && !approval {
        evidence["assets"] = return_assets(workspace, &employee, &file.playbook, step)?;
    }
    let (allowed, _) = trust(workspace)?;
    let pseudonyms = super::personal_data::pseudonyms_of(workspace, &employee)?;
    let mut life = RunLifecycle::resume(dir, &request.run, (signer, &allowed), pseudonyms)?;
    life.sign_off(event, step, &request.note, evidence)?;
    outcome.already = false;
    outcome.signed_off_by = Some(principal);
    Ok(outcome)
}

/// The records of the run, once it verifies; a run id that names an employee instead is
/// refused naming their runs.
fn run_records(workspace: &Workspace, request: &ConfirmRequest) -> Result<Vec<Payload>> {
    let records: Vec<_> = match read_run(&workspace.config.journal, &request.run) {
        Ok(run) => run.records.into_iter().map(|r| r.payload).collect(),
        Err(error @ (JournalError::RunNotFound { .. } | JournalError::InvalidId { .. })) => {
            return Err(not_a_run(workspace, request)?.unwrap_or_else(|| journal_err(error)));
        }
        Err(error) => return Err(journal_err(error)),
    };
    // Nothing the run records (its steps, who signed it) is relied on before it verifies.
    require_trusted(workspace, std::slice::from_ref(&request.run))?;
    Ok(records)
}

/// The step `id` of the run's playbook `file`.
fn run_step<'w>(file: &'w PlaybookFile, name: &str, id: &str) -> Result<&'w Step> {
    file.playbook.step(id).ok_or_else(|| AppError::NoSuchStep {
        playbook: name.to_owned(),
        step: id.to_owned(),
        steps: file.playbook.steps.iter().map(|s| s.id.clone()).collect(),
    })
}

/// True when the journal already holds the sign-off (or a confirmation of the step). An
/// approval signed by the run's own signer does not count: another one may be given.
fn already_signed(records: &[Payload], step: &Step, event: &Event) -> bool {
    let events: Vec<&Event> = records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step.id.as_str()))
        .map(|p| &p.event)
        .collect();
    let done = match event {
        Event::StepApproved => approval::approved_by(records, &step.id).is_some(),
        _ => events.contains(&event),
    };
    events.contains(&&Event::StepConfirmed) || done
}

/// Refuse a manual sign-off before the step is reached, and a sign-off without a note. An
/// approval may be given ahead of time.
fn check_may_sign(
    records: &[Payload],
    request: &ConfirmRequest,
    step: &Step,
    approval: bool,
) -> Result<()> {
    let waiting = records
        .iter()
        .any(|p| p.step.as_deref() == Some(step.id.as_str()) && p.event == Event::StepWaiting);
    if !approval && !waiting {
        return Err(AppError::NotWaiting {
            step: step.id.clone(),
            run: request.run.clone(),
        });
    }
    if request.note.trim().is_empty() {
        return Err(AppError::NoNote);
    }
    Ok(())
}

/// Separation of duties (the signer holds the step's role) and four eyes (an approver did not
/// sign the run).
fn check_duties(
    records: &[Payload],
    request: &ConfirmRequest,
    step: &Step,
    approval: bool,
    principal: &str,
    workspace: &Workspace,
) -> Result<()> {
    let roles = workspace.config.roles_of(principal);
    if !roles.contains(&step.owner) {
        return Err(AppError::SeparationOfDuties {
            principal: principal.to_owned(),
            held: roles.to_vec(),
            step: step.id.clone(),
            owner: step.owner.clone(),
        });
    }
    if approval && approval::run_signer(records) == Some(principal) {
        return Err(AppError::FourEyes {
            principal: principal.to_owned(),
            run: request.run.clone(),
            step: step.id.clone(),
            owner: step.owner.clone(),
        });
    }
    Ok(())
}

/// When `request.run` is not a run id but an employee HR knows, the usage error that names the
/// employee's run ids to use instead (and the whole command, when one open run is waiting for
/// the step given); `None` when it names no employee either.
fn not_a_run(workspace: &Workspace, request: &ConfirmRequest) -> Result<Option<AppError>> {
    let hr = Session::default().hr(workspace)?;
    let Some(employee) = hr.find(&request.run)? else {
        return Ok(None);
    };
    let runs: Vec<RunStatus> = all_runs(workspace)?
        .into_iter()
        .filter(|r| r.employee == employee.id)
        .collect();
    let named = format!(
        "`{}` is employee {} ({}), not a run id: `offboard confirm` takes the id of the run",
        request.run.escape_debug(),
        employee.id,
        employee.username
    );
    if runs.is_empty() {
        return Ok(Some(AppError::NotARun(format!(
            "{named}, and {} has no run in the journal {}; `offboard run {}` starts one",
            employee.id,
            workspace.config.journal.display(),
            employee.username
        ))));
    }
    let waiting = |run: &RunStatus| -> Vec<String> {
        run.steps
            .iter()
            .filter(|s| s.confirmed_at.is_none() && s.state == Event::StepWaiting.as_str())
            .map(|s| s.step.clone())
            .collect()
    };
    let listed: Vec<String> = runs
        .iter()
        .map(|run| {
            let steps = waiting(run);
            let state = match (run.finished, steps.is_empty()) {
                (true, _) => "finished".to_owned(),
                (false, true) => "open".to_owned(),
                (false, false) => format!("open, waiting for sign-off: {}", steps.join(", ")),
            };
            format!("{} ({state})", run.run)
        })
        .collect();
    let open: Vec<&RunStatus> = runs.iter().filter(|r| !r.finished).collect();
    let example = match open.as_slice() {
        [one] => {
            let step = match waiting(one).contains(&request.step) {
                true => request.step.as_str(),
                false => "STEP",
            };
            format!("; e.g. `offboard confirm {} {step} --note TEXT`", one.run)
        }
        _ => String::new(),
    };
    Ok(Some(AppError::NotARun(format!(
        "{named}; its run(s): {}{example}",
        listed.join(", ")
    ))))
}

/// What a sign-off did: the public JSON object `offboard confirm --format json` prints.
#[derive(Debug, Serialize)]
pub struct SignedOff {
    /// The run signed in.
    pub run: String,
    /// The step signed off.
    pub step: String,
    /// The employee the run offboards.
    pub employee: String,
    /// The journal event: `step.confirmed` (a manual step done) or `step.approved`.
    pub event: Event,
    /// True when the journal already held the sign-off and nothing was written.
    pub already: bool,
    /// The principal whose key signed the record (absent when `already`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_off_by: Option<String>,
    /// The role that owns the step.
    pub role: String,
    /// The command that continues the run.
    pub next: String,
}

/// Record in the inventory that the employee's assets came back (the sign-off says so): apply the
/// return, read the account back, and give the before/after state as evidence.
fn return_assets(
    workspace: &Workspace,
    employee: &str,
    playbook: &Playbook,
    step: &Step,
) -> Result<serde_json::Value> {
    let (record, status) = Session::default().employee(workspace, employee)?;
    let targets = build_targets(&workspace.config, playbook).map_err(AppError::Setup)?;
    let connector = step.connector.as_deref().unwrap_or_default();
    let target = targets
        .get(connector)
        .ok_or_else(|| AppError::NoConnector {
            step: step.id.clone(),
        })?;
    let context = template_context(&record, status, "confirm", &playbook.name);
    let key = target.lookup.render(&context).map_err(AppError::Template)?;
    let failed = |error| AppError::Connector {
        connector: connector.to_owned(),
        error,
    };
    let accounts = target.accounts().map_err(AppError::Setup)?;
    let Some(account) = accounts.find(&key).map_err(failed)? else {
        return Ok(json!({ "account": null, "looked_up": key }));
    };
    let before = accounts.read(&account).map_err(failed)?;
    let change = Change::ReturnAssets {
        assets: before.assets.clone(),
    };
    if !before.assets.is_empty() {
        accounts.apply(&account, &change).map_err(failed)?;
    }
    let after = accounts.read(&account).map_err(failed)?;
    if !change.is_satisfied_by(&after) {
        return Err(AppError::AssetsOnLoan {
            account: account.name.clone(),
            connector: connector.to_owned(),
            assets: after.assets.clone(),
        });
    }
    Ok(json!({ "account": account, "returned": before.assets, "before": before, "after": after }))
}
