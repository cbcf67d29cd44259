//! Run one employee: resolve them in HR, choose the playbook, refuse what policy forbids (a dirty
//! playbook, a signer who is no operator or lacks a step's role), take the employee's lock, open
//! or resume the run, execute, and finish it. The report says how it ended; nothing is printed.

use std::path::Path;

use super::employee::{choose_playbook, hold_reason};
use super::engine::{HrHooks, Inputs, Wiring};
use super::lifecycle::{Opened, RunLifecycle, RunStart};
use super::playbook_signature;
use super::runs::{new_run_id, relative_to};
use super::trust::operator_signer;
use super::{Context, Error, Result, Session};
use crate::analyze::{PlaybookFile, Workspace};
use crate::execute::clock;
use crate::execute::engine::{Mode, SignOff};
use crate::execute::outcome::RunReport;
use crate::hr::HrRecord;
use crate::journal::{EmployeeLock, JournalError, PlaybookRef, PlaybookSigner, Vcs};
use crate::load::Provenance;
use crate::plan::identity::blob_id;
use crate::playbook::{Confirm, Playbook, Status, Step};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct RunRequest<'a> {
    /// The employee's id or username in HR.
    pub employee: &'a str,
    /// The playbook by name (or file name); `None`: the one the employee's status triggers.
    pub playbook: Option<&'a str>,
    /// Run a playbook with uncommitted changes (recorded in the journal).
    pub allow_dirty: bool,
    /// The operator may sign off manual steps in place ([`super::RunView::sign_off_prompt`]).
    pub interactive: bool,
}

/// Run (or resume) the playbook for one employee.
pub fn run(ctx: Context<'_>, request: &RunRequest<'_>) -> Result<RunReport> {
    let session =
        Session::new(false, request.interactive).with_hint(ctx.interaction.command_hint());
    run_in(ctx, &session, request)
}

/// Run (or resume) the playbook for one employee, as one of the runs of `session`.
pub(super) fn run_in(
    ctx: Context<'_>,
    session: &Session,
    request: &RunRequest<'_>,
) -> Result<RunReport> {
    let workspace = ctx.workspace;
    let (employee, status) = session.employee(workspace, request.employee)?;
    let file = choose_playbook(workspace, request.playbook, &employee, status)?;
    let playbook = &file.playbook;
    let provenance = checked_provenance(ctx, session, file, request.allow_dirty)?;
    let signed_by = signed_by(workspace, file, provenance.as_ref())?;
    let signing = session.signing(workspace)?;
    let signer = signing.operator(workspace)?;
    let roles = workspace.config.roles_of(signer.principal()).to_vec();
    check_step_owners(playbook, signer.principal(), &roles)?;
    let principal = signer.principal().to_owned();
    let now = clock::now().map_err(Error::Clock)?;
    let dir = &workspace.config.journal;
    crate::fsio::create_dir_all(dir, crate::fsio::PRIVATE_DIR)
        .map_err(|e| crate::Error::io("cannot create", dir, e))?;
    let _lock = lock(dir, &employee.id)?;
    let existing = session.find_run(workspace, &employee.id, &playbook.name)?;
    let start = || {
        Ok(RunStart {
            run_id: new_run_id(&employee.id, &playbook.name, now),
            employee: &employee,
            status,
            playbook_name: &playbook.name,
            playbook: playbook_ref(file, provenance.as_ref(), signed_by.clone())?,
            allow_dirty: request.allow_dirty,
        })
    };
    let pseudonyms = super::personal_data::pseudonyms(workspace, &employee)?;
    let keys = (signer, &signing.allowed);
    let mut life = match RunLifecycle::open(dir, existing, keys, pseudonyms, start)? {
        Opened::Finished(run) => return Ok(already_finished(run, &employee, playbook)),
        Opened::Open(life) => life,
    };
    let operator = Operator { roles, principal };
    let run = Run {
        employee: &employee,
        status,
        playbook,
        now,
    };
    execute(ctx, session, &run, &operator, &mut life)
}

/// The employee, the playbook and the time of one run.
struct Run<'a> {
    employee: &'a HrRecord,
    status: Status,
    playbook: &'a Playbook,
    now: time::OffsetDateTime,
}

/// The signer running it: who, and the roles they hold.
struct Operator {
    roles: Vec<String>,
    principal: String,
}

/// Execute the steps of an open run and finish it when every step is done.
fn execute(
    ctx: Context<'_>,
    session: &Session,
    run: &Run<'_>,
    operator: &Operator,
    life: &mut RunLifecycle,
) -> Result<RunReport> {
    let workspace = ctx.workspace;
    let config = &workspace.config;
    let run_id = life.run_id().to_owned();
    let hold = hold_reason(workspace, run.employee);
    let targets =
        session
            .targets(config, run.playbook)
            .map_err(|message| crate::Error::Config {
                path: config.path.clone(),
                message,
            })?;
    let hr = session.hr(workspace)?;
    let hooks = HrHooks::new(&hr, run.now);
    let wiring = Wiring::new(&hooks);
    // Runs in parallel show their steps' failures only, and never ask.
    let mut view = ctx.interaction.run_view(session.parallel);
    let prompt = view.sign_off_prompt();
    // Asked for only: without `--interactive` a pending sign-off exits 4 at a terminal too, as
    // it does under cron or CI.
    let ask = |step: &Step, task: &str| -> Option<String> {
        if !operator.roles.contains(&step.owner) {
            return None;
        }
        prompt(step, task, &operator.principal)
    };
    let sign_off = session.interactive.then_some(&ask as &SignOff);
    let inputs = Inputs {
        workspace,
        playbook: run.playbook,
        employee: run.employee,
        status: run.status,
        run_id: &run_id,
        hold: hold.as_deref(),
        targets: &targets,
        now: run.now,
        interrupted: ctx.interrupted,
    };
    let engine = inputs.engine(Mode::Apply, &wiring, sign_off);
    view.run_started(
        &run_id,
        &run.employee.id,
        &run.playbook.name,
        run.playbook.steps.len(),
    );
    let result = engine.run(life, &mut *view);
    view.finish();
    let report = result.map_err(Error::Engine)?;
    life.finish(&report)?;
    Ok(report)
}

/// The git provenance of the playbook `file`, refused when it has uncommitted changes and they
/// are not allowed; a file outside git is reported once through the front end.
fn checked_provenance(
    ctx: Context<'_>,
    session: &Session,
    file: &PlaybookFile,
    allow_dirty: bool,
) -> Result<Option<Provenance>> {
    let provenance = session.provenance(&file.path)?;
    if provenance.is_none() && session.first_warning(&file.path) {
        ctx.interaction.untracked_playbook(&file.path, "records");
    }
    if provenance.as_ref().is_some_and(|p| p.dirty) && !allow_dirty {
        return Err(Error::DirtyPlaybook {
            file: file.path.clone(),
        });
    }
    Ok(provenance)
}

/// Under `policy.require_signed_playbooks`, who signed the commit that last changed the
/// playbook, refused when nobody the policy allows did; `None` when the policy is off.
fn signed_by(
    workspace: &Workspace,
    file: &PlaybookFile,
    provenance: Option<&Provenance>,
) -> Result<Option<PlaybookSigner>> {
    let config = &workspace.config;
    let (Some(allowed), Some(signers)) = (
        playbook_signature::playbook_signers(config)?,
        &config.policy.playbook_signers,
    ) else {
        return Ok(None);
    };
    match playbook_signature::check(&file.path, provenance, &allowed)? {
        Ok(signer) => Ok(Some(signer)),
        Err(reason) => Err(Error::UnsignedPlaybook {
            file: file.path.clone(),
            reason,
            signers: signers.clone(),
        }),
    }
}

/// Refuse a signer that lacks the role owning an automatic step: automatic steps are confirmed
/// by the signer that runs them.
fn check_step_owners(playbook: &Playbook, principal: &str, roles: &[String]) -> Result<()> {
    match playbook
        .steps
        .iter()
        .find(|s| s.confirm != Confirm::Manual && !roles.contains(&s.owner))
    {
        Some(step) => Err(Error::StepOwner {
            principal: principal.to_owned(),
            role: step.owner.clone(),
            step: step.id.clone(),
            playbook: playbook.name.clone(),
        }),
        None => Ok(()),
    }
}

/// The employee's lock in the journal directory `dir`: another process holding it is
/// [`crate::Error::Busy`] (refused, not queued).
fn lock(dir: &Path, employee: &str) -> Result<EmployeeLock> {
    EmployeeLock::acquire(dir, employee).map_err(|e| match e {
        JournalError::Locked { .. } => crate::Error::Busy(e.to_string()).into(),
        other => Error::Lock(other),
    })
}

/// The playbook file and version a new run records. Outside git the content's blob id is all
/// that identifies the version that ran.
fn playbook_ref(
    file: &PlaybookFile,
    provenance: Option<&Provenance>,
    signed_by: Option<PlaybookSigner>,
) -> crate::Result<PlaybookRef> {
    let path = provenance.map_or_else(
        || file.path.display().to_string(),
        |p| relative_to(&file.path, &p.repo_root),
    );
    let (blob, vcs) = match provenance {
        Some(p) => (p.blob.clone(), Vcs::Git),
        None => (Some(blob_id(&file.path)?), Vcs::None),
    };
    Ok(PlaybookRef {
        path,
        commit: provenance.and_then(|p| p.commit.clone()),
        blob,
        dirty: provenance.is_some_and(|p| p.dirty),
        vcs: Some(vcs),
        signed_by,
    })
}

/// The report of a run that had finished before: nothing left to do.
fn already_finished(run: String, employee: &HrRecord, playbook: &Playbook) -> RunReport {
    RunReport {
        run,
        employee: employee.id.clone(),
        playbook: playbook.name.clone(),
        nothing_to_do: true,
        interrupted: false,
        steps: Vec::new(),
    }
}

/// Whether `workspace` allows `principal` to run playbooks at all (for front ends that check
/// before they start several runs).
pub fn may_run(workspace: &Workspace) -> Result<()> {
    operator_signer(workspace).map(|_| ())
}
