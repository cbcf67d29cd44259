//! `offboard plan`: the dry run of [`crate::app::plan`], printed for people or as the saved-plan
//! JSON (and saved with `--out`).

use super::args::PlanArgs;
use super::progress::describe;
use super::terminal::Terminal;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::plan::{PlanRequest, plan};
use crate::app::plan_file::Plan;
use crate::app::workspace::load_workspace;
use crate::execute::outcome::StepState;
use crate::exit::Exit;
use crate::hr::HrRecord;
use crate::human::{money, printable};

/// Plan the offboarding of one employee and print (or save) it.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let request = PlanRequest {
        employee: &args.employee,
        playbook: args.playbook.as_deref(),
        out: args.out.as_deref(),
    };
    let (plan, employee) = plan(&workspace, &Terminal::new(global), &request)?;
    match global.format {
        Format::Json => {
            super::print_json(&plan)?;
        }
        _ => print_human(&plan, &employee),
    }
    Ok(Exit::Done)
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
            StepState::Confirmed {
                kept: Some(kept), ..
            } => format!("already done; {}", printable(kept)),
            StepState::Confirmed { .. } => "already done".to_owned(),
            StepState::AlreadyConfirmed => "already done (confirmed in the journal)".to_owned(),
            other => describe(other),
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
