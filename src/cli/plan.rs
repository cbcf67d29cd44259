//! `offboard plan`: the dry run. It goes through the same engine as `offboard run` with
//! `dry_run` set, so it reads every target and the journal but changes nothing, and prints per
//! step the exact change a run would make now (each seat with its monthly cost, each message
//! with its rendered parameters), or that it is already done. Each step the approval policy
//! gates is marked with the role that must approve it and whether it has been, so the operator
//! sees every approval a run will wait for before starting it. A saved plan pins the playbook
//! content it was made with.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::args::PlanArgs;
use super::run::{
    choose_playbook, find_run, hold_reason, journal_err, relative_to, warn_untracked,
};
use super::session::Session;
use super::workspace::load_workspace;
use super::{Format, GlobalArgs};
use crate::analyze::{PlaybookFile, Workspace};
use crate::error::{Error, Result};
use crate::execute::approval;
use crate::execute::clock;
use crate::execute::engine::{Engine, Entry, Observer, Recorded, RunLog};
use crate::execute::outcome::{StepOutcome, StepState};
use crate::exit::Exit;
use crate::fsio;
use crate::hr::HrRecord;
use crate::human::printable;
use crate::journal::{Payload, Vcs, read_run};
use crate::plan::identity::PlaybookIdentity;
use crate::playbook::Step;
use crate::retry::RetryPolicy;

/// A saved plan (`--out plan.json`): the public format `offboard run --plan` reads.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Format version of this file.
    pub version: u32,
    /// Employee id.
    pub employee: String,
    /// Playbook name.
    pub playbook: String,
    /// The playbook file and the git blob id of its content when the plan was made; `run --plan`
    /// refuses the plan when it changed since. Absent from plans made by earlier versions, which
    /// `run --plan` refuses for that reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook_file: Option<PlaybookIdentity>,
    /// The run this plan continues, when one is open.
    pub run: Option<String>,
    /// When the plan was made (RFC 3339).
    pub planned_at: String,
    /// Every step, in execution order, with what it would do.
    pub steps: Vec<PlanStep>,
    /// Seats the plan would release, and their monthly cost in cents.
    pub totals: Totals,
}

/// One step of a plan: its planned outcome, and the approval it needs when the policy gates it.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Step id.
    pub step: String,
    /// What the step would do now.
    #[serde(flatten)]
    pub state: StepState,
    /// Present when the step needs an approval before it applies (absent from plans made by
    /// earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalNeed>,
}

/// The approval a gated step needs (`policy.approval_required` or `approval: true`).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalNeed {
    /// Always true: the step may not apply without an approval.
    pub required: bool,
    /// The role whose holder must approve it (the step's owner role), with a key other than
    /// the run's signer's.
    pub role: String,
    /// True when the journal of the open run already holds an approval that counts.
    pub approved: bool,
    /// Who approved it, when `approved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

impl ApprovalNeed {
    /// True when the step still waits for its approval.
    pub fn is_pending(&self) -> bool {
        self.required && !self.approved
    }
}

/// What a plan would reclaim.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Steps that would change something.
    pub changes: usize,
    /// License seats that would be released.
    pub seats: usize,
    /// Their monthly cost, in cents.
    pub monthly_cost_cents: i64,
    /// Steps not done yet that need an approval not given yet.
    #[serde(default)]
    pub approvals_needed: usize,
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

/// Plan the offboarding of one employee and print (or save) it.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Exit> {
    if !matches!(global.format, Format::Human | Format::Json) {
        return Err(Error::Usage(format!(
            "`offboard plan` prints human or json, not {}",
            global.format
        )));
    }
    let workspace = load_workspace(global)?;
    let (plan, employee) = make_plan(&workspace, &args.employee, args.playbook.as_deref())?;
    if let Some(identity) = plan
        .playbook_file
        .as_ref()
        .filter(|i| i.vcs == Some(Vcs::None))
    {
        let file = Path::new(&identity.path);
        warn_untracked(global, &Session::default(), file, "of a run would record");
    }
    let json = serde_json::to_string_pretty(&plan).map_err(|e| Error::Usage(e.to_string()))?;
    if let Some(out) = &args.out {
        // Owner-only: a plan names the employee and everything they hold.
        fsio::replace(out, fsio::PRIVATE_FILE, |file| {
            use std::io::Write;
            file.write_all(json.as_bytes())?;
            file.write_all(b"\n")
        })
        .map_err(|e| Error::io("cannot write", out, e))?;
    }
    match global.format {
        Format::Json => println!("{json}"),
        _ => print_human(&plan, &employee),
    }
    Ok(Exit::Done)
}

/// Read every target and the journal and work out what a run of `playbook` (or the one the
/// employee's status triggers) would do now.
pub fn make_plan(
    workspace: &Workspace,
    key: &str,
    playbook: Option<&str>,
) -> Result<(Plan, HrRecord)> {
    let config = &workspace.config;
    let session = Session::default();
    let (employee, status) = session.employee(workspace, key)?;
    let file = choose_playbook(workspace, playbook, &employee, status)?;
    let identity = playbook_identity(&session, file)?;
    let playbook = &file.playbook;
    let now = clock::now().map_err(Error::Usage)?;
    let (run_id, history): (_, Vec<Payload>) = match config.journal.is_dir() {
        true => match find_run(workspace, &employee.id, &playbook.name)? {
            Some((run, _)) => {
                let records = read_run(&config.journal, &run)
                    .map_err(journal_err)?
                    .records;
                (Some(run), records.into_iter().map(|r| r.payload).collect())
            }
            None => (None, Vec::new()),
        },
        false => (None, Vec::new()),
    };
    let targets = session
        .targets(config, playbook)
        .map_err(|message| Error::Config {
            path: config.path.clone(),
            message,
        })?;
    let hr = session.hr(workspace)?;
    let hr = &hr.source;
    let hold = hold_reason(workspace, &employee);
    let never = |_: &HrRecord, _: &str| Err("a plan never writes to HR".to_owned());
    let is_complete = |e: &HrRecord| hr.is_marked_complete(&e.id).map_err(|e| e.to_string());
    let not_interrupted = AtomicBool::new(false);
    let placeholder = run_id.clone().unwrap_or_else(|| "<new run id>".to_owned());
    let engine = Engine {
        playbook,
        roles: &workspace.roles,
        targets: &targets,
        employee: &employee,
        status,
        run_id: &placeholder,
        hold: hold.as_deref(),
        now,
        retry: RetryPolicy::default(),
        interrupted: &not_interrupted,
        hr_writeback: &never,
        hr_is_complete: &is_complete,
        dry_run: true,
        approval_required: &config.policy.approval_required,
        sign_off: None,
    };
    let mut history = History(history);
    let report = engine.run(&mut history, &mut Quiet).map_err(Error::Usage)?;
    let mut totals = Totals {
        changes: 0,
        seats: 0,
        monthly_cost_cents: 0,
        approvals_needed: 0,
    };
    for step in &report.steps {
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
    let steps: Vec<PlanStep> = report
        .steps
        .into_iter()
        .map(|outcome| {
            let step = playbook.step(&outcome.step);
            let done = matches!(outcome.state, StepState::AlreadyConfirmed);
            let approval = step
                .filter(|s| !done && approval::needs_approval(s, &config.policy.approval_required))
                .map(|s| {
                    let by = approval::approved_by(&history.0, &s.id);
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
        .collect();
    totals.approvals_needed = steps
        .iter()
        .filter(|s| s.approval.as_ref().is_some_and(ApprovalNeed::is_pending))
        .count();
    let plan = Plan {
        version: 1,
        employee: employee.id.clone(),
        playbook: playbook.name.clone(),
        playbook_file: Some(identity),
        run: run_id,
        planned_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        steps,
        totals,
    };
    Ok((plan, employee))
}

/// The identity of the playbook file `file` now: its path as the journal records it, the blob
/// id of its content, and the git commit and state it is in.
pub fn playbook_identity(session: &Session, file: &PlaybookFile) -> Result<PlaybookIdentity> {
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
        return Err(Error::Usage(format!(
            "{} does not record which playbook content it was made with (it was saved by an \
             earlier version); nothing was executed. Make it again with `offboard plan {} --out {}`",
            crate::human::path(path),
            saved.employee,
            crate::human::path(path)
        )));
    };
    let file = workspace
        .playbooks
        .iter()
        .find(|p| p.playbook.name == saved.playbook)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: playbook `{}` no longer exists; nothing was executed",
                crate::human::path(path),
                saved.playbook
            ))
        })?;
    let now = playbook_identity(&Session::default(), file)?;
    match then.changes(&now, &file.path) {
        None => Ok(()),
        Some(changes) => Err(Error::Usage(format!(
            "playbook {} changed since {} was made; nothing was executed. Review the change and \
             make the plan again (`offboard plan {} --out {}`). Changes (plan -> now):\n{changes}",
            saved.playbook,
            crate::human::path(path),
            saved.employee,
            crate::human::path(path)
        ))),
    }
}

/// Read a plan saved with `offboard plan --out`.
pub fn read_plan(path: &std::path::Path) -> Result<Plan> {
    let text = fsio::read_to_string(path, fsio::TEXT, fsio::Links::Follow)
        .map_err(|e| Error::io("cannot read", path, e))?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{} is not a saved plan: {e}",
            crate::human::path(path)
        ))
    })?;
    fsio::check_key(&plan.employee)
        .map_err(|e| Error::Usage(format!("{}: employee {e}", crate::human::path(path))))?;
    if plan.version != 1 {
        return Err(Error::Usage(format!(
            "{}: plan format version {} is not supported (expected 1)",
            crate::human::path(path),
            plan.version
        )));
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
    let mut text = super::progress::describe(state);
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

/// Cents as `units.cents`, e.g. `76.64`.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// The plan for people. Every value from data (HR fields, rendered parameters, account and
/// product names) goes through [`printable`]: a name cannot drive the terminal or forge a line.
fn print_human(plan: &Plan, employee: &HrRecord) {
    println!(
        "plan for {} ({}) with {}{}:",
        printable(&employee.id),
        printable(&employee.display_name),
        printable(&plan.playbook),
        plan.run.as_ref().map_or_else(String::new, |r| format!(
            ", continuing run {}",
            printable(r)
        ))
    );
    for step in &plan.steps {
        let what = match &step.state {
            StepState::Confirmed { .. } => "already done".to_owned(),
            StepState::AlreadyConfirmed => "already done (confirmed in the journal)".to_owned(),
            other => super::progress::describe(other),
        };
        println!("  {:<24} {what}", printable(&step.step));
        if let Some(approval) = step.approval.as_ref().filter(|a| a.is_pending()) {
            println!(
                "  {:<24}   needs approval ({}) before it applies",
                "",
                printable(&approval.role)
            );
        }
        if let StepState::Planned { seats, params, .. } = &step.state {
            let products: Vec<String> = seats.iter().map(|s| printable(&s.product)).collect();
            let width = products
                .iter()
                .map(|p| p.chars().count())
                .max()
                .unwrap_or(0);
            for (seat, product) in seats.iter().zip(&products) {
                println!(
                    "  {:<24}   seat {product:<width$}  {:>9}/month",
                    "",
                    money(seat.monthly_cost_cents)
                );
            }
            for (name, value) in params {
                println!("  {:<24}   {}: {}", "", printable(name), printable(value));
            }
        }
    }
    let approvals = match plan.totals.approvals_needed {
        0 => String::new(),
        n => format!("; {n} step(s) need approval"),
    };
    println!(
        "totals: {} step(s) would change something; {} seat(s) released, {}/month{approvals}",
        plan.totals.changes,
        plan.totals.seats,
        money(plan.totals.monthly_cost_cents)
    );
    if plan.totals.approvals_needed > 0 {
        let run = match &plan.run {
            Some(run) => run.clone(),
            None => "RUN".to_owned(),
        };
        let when = match plan.run {
            Some(_) => "",
            None => " once the run has started",
        };
        println!(
            "approve each with `offboard confirm {run} STEP --note TEXT`{when}, signed by a holder \
             of its role other than the run's signer"
        );
    }
}
