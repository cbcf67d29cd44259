//! `offboard confirm RUN STEP --note TEXT`: a person of the step's owner role signs off a manual
//! step, or approves a step the policy gates, with their own key. The signature is the separation
//! of duties: a confirmer who does not hold the role is refused here, and so is an approver who
//! signed the run itself (four eyes); `offboard verify` would reject either record anyway.

use serde::Serialize;
use serde_json::json;

use super::args::ConfirmArgs;
use super::run::journal_err;
use super::run::resolve_employee;
use super::session::Session;
use super::trusted::require_trusted;
use super::workspace::{load_workspace, signer};
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::connector::Change;
use crate::error::{Error, Result};
use crate::execute::approval;
use crate::execute::clock;
use crate::execute::context::template_context;
use crate::execute::status::{RunStatus, run_identity};
use crate::execute::targets::build_targets;
use crate::exit::Exit;
use crate::journal::{EmployeeLock, Event, JournalError, RecordFields, RunJournal, read_run};
use crate::playbook::{Action, Confirm, Playbook, Step};

/// Sign off one manual step of a run, or approve one of its gated automatic steps.
pub fn run(global: &GlobalArgs, args: &ConfirmArgs) -> Result<Exit> {
    let workspace = load_workspace(global)?;
    let dir = &workspace.config.journal;
    let records: Vec<_> = match read_run(dir, &args.run) {
        Ok(run) => run.records.into_iter().map(|r| r.payload).collect(),
        Err(error @ (JournalError::RunNotFound { .. } | JournalError::InvalidId { .. })) => {
            return Err(not_a_run(&workspace, args)?.unwrap_or_else(|| journal_err(error)));
        }
        Err(error) => return Err(journal_err(error)),
    };
    // Nothing the run records (its steps, who signed it) is relied on before it verifies.
    require_trusted(&workspace, std::slice::from_ref(&args.run))?;
    let (employee, name) = run_identity(&records)
        .ok_or_else(|| Error::Usage(format!("run {} has no run.started record", args.run)))?;
    let playbook = workspace.playbook(&name).ok_or_else(|| {
        Error::Usage(format!(
            "run {} executes playbook `{name}`, which is not in the repository",
            args.run
        ))
    })?;
    let step = playbook.playbook.step(&args.step).ok_or_else(|| {
        let ids: Vec<&str> = playbook
            .playbook
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        Error::Usage(format!(
            "playbook `{name}` has no step `{}`; steps are: {}",
            args.step,
            ids.join(", ")
        ))
    })?;
    let approval = step.confirm != Confirm::Manual;
    let policy = &workspace.config.policy;
    if approval && !approval::needs_approval(step, &policy.approval_required) {
        return Err(Error::Usage(format!(
            "step `{}` is confirmed automatically by read-back and needs no approval",
            step.id
        )));
    }
    let (event, verb) = if approval {
        (Event::StepApproved, "approved")
    } else {
        (Event::StepConfirmed, "confirmed")
    };
    let events: Vec<&Event> = records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step.id.as_str()))
        .map(|p| &p.event)
        .collect();
    let mut outcome = SignedOff {
        run: args.run.clone(),
        step: step.id.clone(),
        employee: employee.clone(),
        event: event.clone(),
        already: true,
        signed_off_by: None,
        role: step.owner.clone(),
        next: format!("offboard run {employee}"),
    };
    // An approval signed by the run's own signer does not count: another one may be given.
    let done = match approval {
        true => approval::approved_by(&records, &step.id).is_some(),
        false => events.contains(&&event),
    };
    if events.contains(&&Event::StepConfirmed) || done {
        if global.format == Format::Json {
            print_json(&outcome)?;
        } else {
            println!("{} {}: already {verb}", args.run, step.id);
        }
        return Ok(Exit::Done);
    }
    // An approval may be given ahead of time; a manual sign-off only once the step is reached.
    if !approval && !events.contains(&&Event::StepWaiting) {
        return Err(Error::Usage(format!(
            "step `{}` of run {} is not waiting for sign-off yet (the steps it follows are not done); \
             run `offboard status {}`",
            step.id, args.run, args.run
        )));
    }
    if args.note.trim().is_empty() {
        return Err(Error::Usage("--note must say what was done".to_owned()));
    }
    let signer = signer(&workspace, args.key.clone(), args.principal.clone())?;
    let roles = workspace.config.roles_of(signer.principal());
    if !roles.contains(&step.owner) {
        return Err(Error::Usage(format!(
            "separation of duties: {} holds {} but step `{}` is owned by `{}`; \
             it must be confirmed by a holder of that role with their own key",
            signer.principal(),
            if roles.is_empty() {
                "no role".to_owned()
            } else {
                format!("roles {}", roles.join(", "))
            },
            step.id,
            step.owner
        )));
    }
    if approval && approval::run_signer(&records) == Some(signer.principal()) {
        return Err(Error::Usage(format!(
            "four-eyes: {} signed run {} (its run.started), and the run's own signer cannot \
             approve its steps; step `{}` must be approved by another holder of role `{}` with \
             their own key (--key, --principal). Nothing was written",
            signer.principal(),
            args.run,
            step.id,
            step.owner
        )));
    }
    let _lock = EmployeeLock::acquire(dir, &employee)
        .map_err(|e| Error::Busy(super::run::with_causes(&e)))?;
    let principal = signer.principal().to_owned();
    let mut evidence = json!({ "signed_off_by": principal, "manual": !approval });
    if step.kind == Action::InventoryRecordAssetReturn && !approval {
        evidence["assets"] = return_assets(&workspace, &employee, &playbook.playbook, step)?;
    }
    let (allowed, _) = super::workspace::trust(&workspace)?;
    let mut journal = RunJournal::resume(dir, &args.run, signer, &allowed).map_err(journal_err)?;
    journal
        .append(
            RecordFields::new(event)
                .time(clock::now().map_err(Error::Usage)?)
                .employee(&employee)
                .step(&step.id)
                .action(step.kind.to_string())
                .role(&step.owner)
                .note(&args.note)
                .evidence(evidence),
        )
        .map_err(journal_err)?;
    outcome.already = false;
    outcome.signed_off_by = Some(principal.clone());
    if global.format == Format::Json {
        print_json(&outcome)?;
    } else if !global.quiet {
        println!(
            "{} {}: {verb} by {principal} ({}); run `{}` to continue",
            args.run, step.id, step.owner, outcome.next
        );
    }
    Ok(Exit::Done)
}

/// When `args.run` is not a run id but an employee HR knows, the usage error that names the
/// employee's run ids to use instead (and the whole command, when one open run is waiting for
/// the step given); `None` when it names no employee either.
fn not_a_run(workspace: &Workspace, args: &ConfirmArgs) -> Result<Option<Error>> {
    let hr = Session::default().hr(workspace)?;
    let Some(employee) = hr.find(&args.run)? else {
        return Ok(None);
    };
    let runs: Vec<RunStatus> = super::status::all_runs(workspace)?
        .into_iter()
        .filter(|r| r.employee == employee.id)
        .collect();
    let named = format!(
        "`{}` is employee {} ({}), not a run id: `offboard confirm` takes the id of the run",
        args.run.escape_debug(),
        employee.id,
        employee.username
    );
    if runs.is_empty() {
        return Ok(Some(Error::Usage(format!(
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
            let step = match waiting(one).contains(&args.step) {
                true => args.step.as_str(),
                false => "STEP",
            };
            format!("; e.g. `offboard confirm {} {step} --note TEXT`", one.run)
        }
        _ => String::new(),
    };
    Ok(Some(Error::Usage(format!(
        "{named}; its run(s): {}{example}",
        listed.join(", ")
    ))))
}

/// What `offboard confirm` did: printed as one JSON object with `--format json`.
#[derive(Debug, Serialize)]
struct SignedOff {
    /// The run signed in.
    run: String,
    /// The step signed off.
    step: String,
    /// The employee the run offboards.
    employee: String,
    /// The journal event: `step.confirmed` (a manual step done) or `step.approved`.
    event: Event,
    /// True when the journal already held the sign-off and nothing was written.
    already: bool,
    /// The principal whose key signed the record (absent when `already`).
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_off_by: Option<String>,
    /// The role that owns the step.
    role: String,
    /// The command that continues the run.
    next: String,
}

fn print_json(outcome: &SignedOff) -> Result<()> {
    let text = serde_json::to_string_pretty(outcome).map_err(|e| Error::Usage(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Record in the inventory that the employee's assets came back (the sign-off says so): apply the
/// return, read the account back, and give the before/after state as evidence.
fn return_assets(
    workspace: &Workspace,
    employee: &str,
    playbook: &Playbook,
    step: &Step,
) -> Result<serde_json::Value> {
    let (record, status) = resolve_employee(workspace, employee)?;
    let targets = build_targets(&workspace.config, playbook).map_err(Error::Usage)?;
    let connector = step.connector.as_deref().unwrap_or_default();
    let target = targets
        .get(connector)
        .ok_or_else(|| Error::Usage(format!("step `{}` names no configured connector", step.id)))?;
    let context = template_context(&record, status, "confirm", &playbook.name);
    let key = target
        .lookup
        .render(&context)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let failed =
        |e: crate::connector::ConnectorError| Error::Usage(format!("connector `{connector}`: {e}"));
    let accounts = target.accounts().map_err(Error::Usage)?;
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
        return Err(Error::Usage(format!(
            "read-back of {} in `{connector}` still shows assets on loan: {}",
            account.name,
            after.assets.join(", ")
        )));
    }
    Ok(json!({ "account": account, "returned": before.assets, "before": before, "after": after }))
}
