//! Plan one employee's offboarding: the dry run. It goes through the same engine as a run, in
//! [`Mode::DryRun`], so it reads every target and the journal but changes nothing, and gives per
//! step the exact change a run would make now (each seat with its monthly cost, each message
//! with its rendered parameters), or that it is already done. Each step the approval policy
//! gates is marked with the role that must approve it and whether it has been. A saved plan is
//! run only while the playbook content and the live state are what they were when it was made
//! (refused otherwise: [`Error::Drift`]).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::employee::{choose_playbook, hold_reason};
use super::engine::{HrHooks, Inputs, Wiring};
use super::error::journal_err;
use super::plan_file::{ApprovalNeed, Plan, PlanStep, Totals};
use super::run::{RunRequest, run_in};
use super::runs::{find_run, relative_to};
use super::{Context, Error, Result, Session};
use crate::analyze::{PlaybookFile, Workspace};
use crate::execute::approval;
use crate::execute::clock;
use crate::execute::engine::{Entry, Mode, Observer, Recorded, RunLog};
use crate::execute::outcome::{RunReport, StepOutcome, StepState, describe};
use crate::fsio;
use crate::hr::HrRecord;
use crate::human::money;
use crate::journal::{Payload, Vcs, read_run};
use crate::plan::identity::PlaybookIdentity;
use crate::playbook::Step;

/// What to plan.
#[derive(Clone, Copy, Debug)]
pub struct PlanRequest<'a> {
    /// The employee's id or username in HR.
    pub employee: &'a str,
    /// The playbook by name; `None`: the one the employee's status triggers.
    pub playbook: Option<&'a str>,
    /// Save the plan there too (owner-only: a plan names the employee and all they hold).
    pub out: Option<&'a Path>,
}

/// Plan one employee's offboarding (and save it when asked): the plan and the employee.
pub fn plan(
    workspace: &Workspace,
    interaction: &dyn super::Interaction,
    request: &PlanRequest<'_>,
) -> Result<(Plan, HrRecord)> {
    let session = Session::default().with_hint(interaction.command_hint());
    let (plan, employee) = make_plan(workspace, &session, request.employee, request.playbook)?;
    if let Some(identity) = plan
        .playbook_file
        .as_ref()
        .filter(|i| i.vcs == Some(Vcs::None))
    {
        interaction.untracked_playbook(Path::new(&identity.path), "of a run would record");
    }
    if let Some(out) = request.out {
        save(&plan, out)?;
    }
    Ok((plan, employee))
}

/// Write `plan` to `out` as the JSON `offboard run --plan` reads, readable by its owner only.
fn save(plan: &Plan, out: &Path) -> Result<()> {
    let json = serde_json::to_string_pretty(plan).map_err(Error::Json)?;
    fsio::replace(out, fsio::PRIVATE_FILE, |file| {
        use std::io::Write;
        file.write_all(json.as_bytes())?;
        file.write_all(b"\n")
    })
    .map_err(|e| crate::Error::io("cannot write", out, e))?;
    Ok(())
}

/// What to run from a saved plan.
#[derive(Clone, Copy, Debug)]
pub struct SavedPlanRequest<'a> {
    /// The plan file.
    pub plan: &'a Path,
    /// Run a playbook with uncommitted changes (recorded in the journal).
    pub allow_dirty: bool,
    /// The operator may sign off manual steps in place.
    pub interactive: bool,
}

/// Run a saved plan: refused, with nothing executed, unless the playbook content and what a
/// run would do now are what they were when the plan was made.
pub fn run_saved(ctx: Context<'_>, request: &SavedPlanRequest<'_>) -> Result<RunReport> {
    let path = request.plan;
    let saved = read_plan(path)?;
    check_playbook(ctx.workspace, &saved, path)?;
    let session =
        Session::new(false, request.interactive).with_hint(ctx.interaction.command_hint());
    let planning = Session::default().with_hint(ctx.interaction.command_hint());
    let (now, _) = make_plan(
        ctx.workspace,
        &planning,
        &saved.employee,
        Some(&saved.playbook),
    )?;
    let differences = drift(&saved, &now);
    if !differences.is_empty() {
        return Err(Error::Drift {
            plan: path.to_path_buf(),
            differences,
        });
    }
    let run = RunRequest {
        employee: &saved.employee,
        playbook: Some(&saved.playbook),
        allow_dirty: request.allow_dirty,
        interactive: request.interactive,
    };
    run_in(ctx, &session, &run)
}

/// The journal history of an open run, read-only.
struct History(Vec<Payload>);

impl RunLog for History {
    fn events_of(&self, step: &str) -> Vec<Recorded> {
        crate::execute::journal_log::events_of(&self.0, step)
    }

    fn record(&mut self, entry: Entry) -> Result<(), String> {
        Err(format!(
            "a plan never writes to the journal (step `{}`)",
            entry.step
        ))
    }

    fn durable(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Observes nothing: the plan is printed whole at the end.
struct Quiet;

impl Observer for Quiet {
    fn step_started(&mut self, _: usize, _: usize, _: &Step) {}
    fn step_finished(&mut self, _: &StepOutcome) {}
    fn retrying(&mut self, step: &str, attempt: u32, error: &str, wait: std::time::Duration) {
        tracing::warn!("{step}: retry {attempt} in {wait:?} after: {error}");
    }
}

/// Read every target and the journal and work out what a run of `playbook` (or the one the
/// employee's status triggers) would do now.
pub fn make_plan(
    workspace: &Workspace,
    session: &Session,
    key: &str,
    playbook: Option<&str>,
) -> Result<(Plan, HrRecord)> {
    let config = &workspace.config;
    let (employee, status) = session.employee(workspace, key)?;
    let file = choose_playbook(workspace, playbook, &employee, status)?;
    let identity = playbook_identity(session, file)?;
    let playbook = &file.playbook;
    let now = clock::now().map_err(Error::Clock)?;
    let (run_id, history) = open_run(workspace, &employee.id, &playbook.name)?;
    let targets = session
        .targets(config, playbook)
        .map_err(|message| crate::Error::Config {
            path: config.path.clone(),
            message,
        })?;
    let hr = session.hr(workspace)?;
    let hooks = HrHooks::new(&hr, now);
    let wiring = Wiring::new(&hooks);
    let hold = hold_reason(workspace, &employee);
    let not_interrupted = AtomicBool::new(false);
    let placeholder = run_id.clone().unwrap_or_else(|| "<new run id>".to_owned());
    let inputs = Inputs {
        workspace,
        playbook,
        employee: &employee,
        status,
        run_id: &placeholder,
        hold: hold.as_deref(),
        targets: &targets,
        now,
        interrupted: &not_interrupted,
    };
    let mut history = History(history);
    let report = inputs
        .engine(Mode::DryRun, &wiring, None)
        .run(&mut history, &mut Quiet)
        .map_err(Error::Engine)?;
    let steps = plan_steps(workspace, file, &history.0, report);
    let plan = Plan {
        version: 1,
        employee: employee.id.clone(),
        playbook: playbook.name.clone(),
        playbook_file: Some(identity),
        run: run_id,
        planned_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        totals: totals(&steps),
        steps,
    };
    Ok((plan, employee))
}

/// The employee's open run of `playbook` and its records, when there is one.
fn open_run(
    workspace: &Workspace,
    employee: &str,
    playbook: &str,
) -> Result<(Option<String>, Vec<Payload>)> {
    let dir = &workspace.config.journal;
    if !dir.is_dir() {
        return Ok((None, Vec::new()));
    }
    match find_run(workspace, employee, playbook)? {
        Some((run, _)) => {
            let records = read_run(dir, &run).map_err(journal_err)?.records;
            Ok((Some(run), records.into_iter().map(|r| r.payload).collect()))
        }
        None => Ok((None, Vec::new())),
    }
}

/// Each step's planned outcome, with the approval it needs when the policy gates it and it is
/// not done yet.
fn plan_steps(
    workspace: &Workspace,
    file: &PlaybookFile,
    history: &[Payload],
    report: RunReport,
) -> Vec<PlanStep> {
    let gated = &workspace.config.policy.approval_required;
    report
        .steps
        .into_iter()
        .map(|outcome| {
            let step = file.playbook.step(&outcome.step);
            let done = matches!(outcome.state, StepState::AlreadyConfirmed);
            let approval = step
                .filter(|s| !done && approval::needs_approval(s, gated))
                .map(|s| {
                    let by = approval::approved_by(history, &s.id);
                    ApprovalNeed {
                        required: true,
                        role: s.owner.clone(),
                        approved: by.is_some(),
                        approved_by: by.map(str::to_owned),
                    }
                });
            PlanStep {
                step: outcome.step,
                state: outcome.state,
                approval,
            }
        })
        .collect()
}

/// What the planned steps would change, release and wait for.
fn totals(steps: &[PlanStep]) -> Totals {
    let mut totals = Totals {
        changes: 0,
        seats: 0,
        monthly_cost_cents: 0,
        approvals_needed: 0,
    };
    for step in steps {
        if let StepState::Planned {
            changes,
            released_monthly_cost_cents,
            ..
        } = &step.state
        {
            totals.changes += 1;
            totals.monthly_cost_cents += released_monthly_cost_cents;
            totals.seats += changes
                .iter()
                .map(|c| match c {
                    crate::connector::Change::ReleaseSeats { products } => products.len(),
                    _ => 0,
                })
                .sum::<usize>();
        }
    }
    totals.approvals_needed = steps
        .iter()
        .filter(|s| s.approval.as_ref().is_some_and(ApprovalNeed::is_pending))
        .count();
    totals
}

/// The identity of the playbook file `file` now: its path as the journal records it, the blob
/// id of its content, and the git commit and state it is in.
pub fn playbook_identity(
    session: &Session,
    file: &PlaybookFile,
) -> crate::Result<PlaybookIdentity> {
    let provenance = session.provenance(&file.path)?;
    let path = provenance.as_ref().map_or_else(
        || file.path.display().to_string(),
        |p| relative_to(&file.path, &p.repo_root),
    );
    PlaybookIdentity::of(
        &file.path,
        path,
        provenance.as_ref().and_then(|p| p.commit.clone()),
        provenance.as_ref().is_some_and(|p| p.dirty),
        if provenance.is_some() {
            Vcs::Git
        } else {
            Vcs::None
        },
    )
}

/// Refuse `saved` (read from `path`) unless its playbook file still has the content the plan
/// was made with.
pub fn check_playbook(workspace: &Workspace, saved: &Plan, path: &Path) -> Result<()> {
    let Some(then) = &saved.playbook_file else {
        return Err(Error::PlanUnpinned {
            plan: path.to_path_buf(),
            employee: saved.employee.clone(),
        });
    };
    let file = workspace
        .playbooks
        .iter()
        .find(|p| p.playbook.name == saved.playbook)
        .ok_or_else(|| Error::PlanPlaybookGone {
            plan: path.to_path_buf(),
            playbook: saved.playbook.clone(),
        })?;
    let now = playbook_identity(&Session::default(), file)?;
    match then.changes(&now, &file.path) {
        None => Ok(()),
        Some(changes) => Err(Error::PlaybookChanged {
            plan: path.to_path_buf(),
            playbook: saved.playbook.clone(),
            employee: saved.employee.clone(),
            changes,
        }),
    }
}

/// Read a plan saved with `offboard plan --out`.
pub fn read_plan(path: &Path) -> Result<Plan> {
    let text = fsio::read_to_string(path, fsio::TEXT, fsio::Links::Follow)
        .map_err(|e| crate::Error::io("cannot read", path, e))?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| Error::NotAPlan {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    fsio::check_key(&plan.employee).map_err(|e| Error::Input {
        at: crate::human::path(path),
        problem: format!("employee {e}"),
    })?;
    if plan.version != 1 {
        return Err(Error::Input {
            at: crate::human::path(path),
            problem: format!(
                "plan format version {} is not supported (expected 1)",
                plan.version
            ),
        });
    }
    Ok(plan)
}

/// The steps whose planned outcome differs between `saved` and `now`, one line each.
pub fn drift(saved: &Plan, now: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    if saved.run != now.run {
        lines.push(format!(
            "  run: {:?} -> {:?}",
            saved.run.as_deref().unwrap_or("(new)"),
            now.run.as_deref().unwrap_or("(new)")
        ));
    }
    let describe =
        |o: Option<&PlanStep>| o.map_or_else(|| "(no such step)".to_owned(), |o| in_full(&o.state));
    let ids: std::collections::BTreeSet<&str> = saved
        .steps
        .iter()
        .chain(&now.steps)
        .map(|s| s.step.as_str())
        .collect();
    for id in ids {
        let a = saved.steps.iter().find(|s| s.step == id);
        let b = now.steps.iter().find(|s| s.step == id);
        if a.map(|s| &s.state) != b.map(|s| &s.state) {
            lines.push(format!("  {id}: {} -> {}", describe(a), describe(b)));
        }
    }
    lines
}

/// An outcome in words, with the seats' costs and the message's parameters a plan shows, so
/// that a drift in any of them is visible.
fn in_full(state: &StepState) -> String {
    let mut text = describe(state);
    if let StepState::Planned { seats, params, .. } = state {
        for seat in seats {
            text.push_str(&format!(
                "; {} {}/month",
                seat.product,
                money(seat.monthly_cost_cents)
            ));
        }
        for (name, value) in params {
            text.push_str(&format!("; {name}: {value:?}"));
        }
    }
    text
}
