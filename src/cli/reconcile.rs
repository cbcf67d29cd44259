//! `offboard reconcile`: reconcile through [`crate::app::reconcile`], and print the findings as
//! a table, JSON or CSV; save them for
//! `offboard report`; with `--alert` post them to a webhook, with `--offboard` start offboarding
//! the leavers among them through the guarded batch. Exit 1 when anything is found, 0 when
//! clean, or worse when the alert or the batch ends worse.

use std::io::Write;

use super::GlobalArgs;
use super::args::{Format, ReconcileArgs};
use super::terminal::with_context;
use crate::analyze::Workspace;
use crate::app::Result;
use crate::app::batch::{BatchRequest, start_batch};
use crate::app::reconcile::alert::{Alerted, post};
use crate::app::reconcile::leavers::{leavers, reason, starts};
use crate::app::reconcile::saved::{Saved, save_in};
use crate::app::reconcile::{ReconcileRequest, reconcile};
use crate::app::workspace::load_workspace;
use crate::connector::Messenger;
use crate::error::Error;
use crate::exit::Exit;
use crate::human::{aligned, money, printable, timestamp};
use crate::reconcile::{CSV_HEADER, Finding, FindingKind, Report};

/// Run `offboard reconcile`.
pub fn run(global: &GlobalArgs, args: &ReconcileArgs) -> Result<Exit> {
    if !matches!(global.format, Format::Human | Format::Json | Format::Csv) {
        return Err(Error::Usage(
            "`offboard reconcile` prints --format human, json or csv".to_owned(),
        )
        .into());
    }
    if args.offboard && global.format == Format::Csv {
        return Err(Error::Usage(
            "`reconcile --offboard` prints the batch after the findings: use --format human or json"
                .to_owned(),
        )
        .into());
    }
    let workspace = load_workspace(global.config.as_deref())?;
    let config = &workspace.config;
    let request = ReconcileRequest {
        inventory: args.inventory.clone(),
        alert: args.alert,
    };
    let found = reconcile(&workspace, &request)?;
    let report = &found.report;
    for note in &report.coverage.notes {
        if !global.quiet {
            eprintln!("note: {note}");
        }
    }
    if report.coverage.unjudged_entitlements > 0 && !global.quiet {
        eprintln!(
            "note: {} group or license entitlement(s) belong to holders whose role is empty or not in {}; excess was not judged for them",
            report.coverage.unjudged_entitlements,
            crate::human::path(&config.roles)
        );
    }
    let doc = Saved {
        report,
        accounts_checked: found.accounts_checked,
    };
    print(global.format, &doc).map_err(|e| Error::io("cannot write", "standard output", e))?;
    if !args.no_save {
        save_in(&workspace, &doc)?;
    }
    let mut exit = if report.is_clean() {
        Exit::Done
    } else {
        Exit::Findings
    };
    if let Some(connector) = &found.alert {
        exit = exit.worst(alert(global, connector.as_ref(), report)?);
    }
    if args.offboard {
        exit = exit.worst(offboard(global, args, &workspace, report)?);
    }
    Ok(exit)
}

/// Post the findings of `report` (if any) and say what became of them; exit 3 when the
/// receiver never took them.
fn alert(global: &GlobalArgs, connector: &dyn Messenger, report: &Report) -> Result<Exit> {
    let retrying =
        |attempt: u32, error: &crate::connector::ConnectorError, wait: std::time::Duration| {
            if !global.quiet {
                eprintln!(
                    "note: alert attempt {attempt} failed ({error}); retrying in {:.1}s",
                    wait.as_secs_f64()
                );
            }
        };
    let alerted = post(connector, report, &retrying)?;
    match &alerted {
        Alerted::NothingFound if !global.quiet => eprintln!("alert: nothing found, nothing sent"),
        Alerted::Delivered(receipt) if !global.quiet => eprintln!(
            "alert: {} finding(s) posted to webhook `{}` ({}), Idempotency-Key {}",
            report.totals.count,
            connector.name(),
            receipt.delivered_to,
            receipt.key
        ),
        Alerted::AlreadyDelivered(receipt) if !global.quiet => eprintln!(
            "alert: these findings were already posted to webhook `{}` ({}, Idempotency-Key {}); not sent again",
            connector.name(),
            receipt.delivered_to,
            receipt.key
        ),
        Alerted::Failed(error) => eprintln!(
            "error: alert not delivered to webhook `{}`: {error}; the findings above are printed and saved",
            connector.name()
        ),
        _ => {}
    }
    Ok(alerted.exit())
}

/// `--offboard`: say whom it starts and why, then start the guarded batch for the leavers of
/// `report`; the batch's own exit (done when none).
fn offboard(
    global: &GlobalArgs,
    args: &ReconcileArgs,
    workspace: &Workspace,
    report: &Report,
) -> Result<Exit> {
    let leavers = leavers(report);
    let others = report.findings.iter().filter(|f| !starts(f)).count();
    let left = if others > 0 {
        format!(
            "; {others} finding(s) of holders unknown to HR, excess grants or dormant seats are left to a person"
        )
    } else {
        String::new()
    };
    if leavers.is_empty() {
        eprintln!("--offboard: no leaver still holds access; nothing to start{left}.");
        return Ok(Exit::Done);
    }
    eprintln!(
        "--offboard: starting offboarding for {} employee(s) HR lists as leaving or on leave{left}:",
        leavers.len()
    );
    for leaver in &leavers {
        eprintln!("  {}", reason(leaver));
    }
    let request = BatchRequest {
        employees: leavers.into_iter().map(|l| l.employee).collect(),
        max: args.max,
        yes: args.yes,
        ..BatchRequest::default()
    };
    let interrupted = super::interrupt_flag();
    let report = with_context(global, workspace, &interrupted, |ctx| {
        start_batch(ctx, &request)
    })?;
    super::run::print_table(global, &report);
    Ok(report.exit())
}

fn print(format: Format, doc: &Saved<'_>) -> std::io::Result<()> {
    let report = doc.report;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, doc)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut out);
            writer.write_record(CSV_HEADER)?;
            for finding in &report.findings {
                writer.write_record(finding.csv_row())?;
            }
            writer.flush()?;
        }
        _ => print_table(&mut out, report)?,
    }
    out.flush()
}

const HEADINGS: [&str; 9] = [
    "SYSTEM",
    "ACCOUNT",
    "EMPLOYEE",
    "HR STATUS",
    "ROLE",
    "TYPE",
    "ENTITLEMENT",
    "COST/MONTH",
    "DAYS",
];

/// A finding's cells for the table; names read from the systems are made printable.
fn cells(f: &Finding) -> Vec<String> {
    let or_dash = |v: Option<&str>| printable(v.unwrap_or("-"));
    vec![
        printable(&f.system),
        printable(&f.account),
        or_dash(f.employee_id.as_deref()),
        or_dash(f.hr_status.map(|s| s.as_str())),
        or_dash(f.role.as_deref()),
        f.entitlement_type.as_str().to_owned(),
        printable(&f.entitlement),
        money(f.monthly_cost_cents),
        // Days since the holder left, or since a dormant seat's last sign-in.
        f.days_orphaned
            .or(f.days_dormant)
            .map_or_else(|| "-".to_owned(), |d| d.to_string()),
    ]
}

/// The findings for people: a table per kind of finding (columns as wide across all of them),
/// then the totals.
fn print_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let coverage = &report.coverage;
    let checked = format!(
        "{} people, {} entitlement(s) from {} source(s), judged at {}",
        coverage.people,
        coverage.entitlements,
        coverage.sources.len(),
        timestamp(&report.now)
    );
    if report.is_clean() {
        return writeln!(out, "No orphaned or excess entitlements: {checked}.");
    }
    let rows: Vec<Vec<String>> = std::iter::once(HEADINGS.map(str::to_owned).to_vec())
        .chain(report.findings.iter().map(cells))
        .collect();
    let lines = aligned(&rows, &[7, 8]);
    let mut by_kind: Vec<String> = Vec::new();
    for kind in FindingKind::ALL {
        let Some(sum) = report.totals.by_kind.get(&kind).filter(|s| s.count > 0) else {
            continue;
        };
        if !by_kind.is_empty() {
            writeln!(out)?;
        }
        by_kind.push(format!("{} {}", sum.count, kind.as_str()));
        writeln!(
            out,
            "{} ({}, {} a month)",
            kind.title(),
            sum.count,
            money(sum.monthly_cost_cents)
        )?;
        writeln!(out, "{}", lines[0])?;
        for (finding, line) in report.findings.iter().zip(&lines[1..]) {
            if finding.kind == kind {
                writeln!(out, "{line}")?;
            }
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Total: {} finding(s) ({}), {} a month; {checked}.",
        report.totals.count,
        by_kind.join(", "),
        money(report.totals.monthly_cost_cents)
    )
}
