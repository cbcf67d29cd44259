//! `offboard plan`: the dry run. It goes through the same engine as `offboard run` with
//! `dry_run` set, so it reads every target and the journal but writes nothing, and prints per
//! step the exact change a run would make now, or that it is already done.

use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::args::PlanArgs;
use super::run::{choose_playbook, find_run, hold_reason, journal_err};
use super::session::Session;
use super::workspace::load_workspace;
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::execute::engine::{Engine, Entry, Observer, Recorded, RunLog};
use crate::execute::outcome::{StepOutcome, StepState};
use crate::exit::Exit;
use crate::hr::HrRecord;
use crate::journal::{Payload, read_run};
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
    /// The run this plan continues, when one is open.
    pub run: Option<String>,
    /// When the plan was made (RFC 3339).
    pub planned_at: String,
    /// Every step, in execution order, with what it would do.
    pub steps: Vec<StepOutcome>,
    /// Seats the plan would release, and their monthly cost in cents.
    pub totals: Totals,
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
    let workspace = load_workspace(global)?;
    let (plan, employee) = make_plan(&workspace, &args.employee, args.playbook.as_deref())?;
    let json = serde_json::to_string_pretty(&plan).map_err(|e| Error::Usage(e.to_string()))?;
    if let Some(out) = &args.out {
        std::fs::write(out, format!("{json}\n")).map_err(|e| Error::io("cannot write", out, e))?;
    }
    match global.format {
        Format::Json => println!("{json}"),
        Format::Human => print_human(&plan, &employee),
        other => {
            return Err(Error::Usage(format!(
                "`offboard plan` prints human or json, not {other}"
            )));
        }
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
    let playbook = &file.playbook;
    let now = clock::now().map_err(Error::Usage)?;
    let (run_id, history) = match config.journal.is_dir() {
        true => match find_run(&config.journal, &employee.id, &playbook.name)? {
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
    let placeholder = run_id.clone().unwrap_or_else(|| "(new run)".to_owned());
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
    let report = engine
        .run(&mut History(history), &mut Quiet)
        .map_err(Error::Usage)?;
    let mut totals = Totals {
        changes: 0,
        seats: 0,
        monthly_cost_cents: 0,
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
    let plan = Plan {
        version: 1,
        employee: employee.id.clone(),
        playbook: playbook.name.clone(),
        run: run_id,
        planned_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        steps: report.steps,
        totals,
    };
    Ok((plan, employee))
}

/// Read a plan saved with `offboard plan --out`.
pub fn read_plan(path: &std::path::Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{} is not a saved plan: {e}", path.display())))?;
    if plan.version != 1 {
        return Err(Error::Usage(format!(
            "{}: plan format version {} is not supported (expected 1)",
            path.display(),
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
    let describe = |o: Option<&StepOutcome>| {
        o.map_or_else(
            || "(no such step)".to_owned(),
            |o| super::progress::describe(&o.state),
        )
    };
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

fn print_human(plan: &Plan, employee: &HrRecord) {
    println!(
        "plan for {} ({}) with {}{}:",
        employee.id,
        employee.display_name,
        plan.playbook,
        plan.run
            .as_ref()
            .map_or_else(String::new, |r| format!(", continuing run {r}"))
    );
    for step in &plan.steps {
        let what = match &step.state {
            StepState::Confirmed { .. } => "already done".to_owned(),
            StepState::AlreadyConfirmed => "already done (confirmed in the journal)".to_owned(),
            other => super::progress::describe(other),
        };
        println!("  {:<24} {what}", step.step);
    }
    println!(
        "totals: {} step(s) would change something; {} seat(s) released, {}.{:02}/month",
        plan.totals.changes,
        plan.totals.seats,
        plan.totals.monthly_cost_cents / 100,
        plan.totals.monthly_cost_cents % 100
    );
}
