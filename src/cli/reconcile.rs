//! `offboard reconcile`: load the repository and the HR roster, read every configured store
//! and `--inventory` export, and print the findings as a table, JSON or CSV; save them for
//! `offboard report`; with `--alert` post them to a webhook, with `--offboard` start offboarding
//! the leavers among them through the guarded batch. Exit 1 when anything is found, 0 when
//! clean, or worse when the alert or the batch ends worse.

mod accounts;
mod alert;
mod leavers;
mod saved;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::GlobalArgs;
use super::args::{Format, ReconcileArgs};
use crate::app::workspace::load_workspace;
use crate::call_log::Call;
use crate::error::Error;
use crate::execute::clock;
use crate::exit::Exit;
use crate::hr::EmployeeSource;
use crate::human::{printable, timestamp};
use crate::reconcile::{
    ALLOW_LIST_FILE, CSV_HEADER, EntitlementSource, Finding, FindingKind, InventoryCsv,
    ReconcileError, Report, RoleIndex, Roster, configured_sources, load_allow_list, reconcile,
};
use accounts::CountAccounts;
use saved::Saved;

/// Most threads one source is read with.
const MAX_THREADS: usize = 8;

/// Run `offboard reconcile`.
pub fn run(global: &GlobalArgs, args: &ReconcileArgs) -> crate::app::Result<Exit> {
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
        ).into());
    }
    for path in &args.inventory {
        match crate::fsio::check_regular(path, crate::fsio::Links::Follow) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Usage(format!(
                    "inventory export {} does not exist",
                    crate::human::path(path)
                ))
                .into());
            }
            Err(e) => {
                return Err(Error::Usage(format!(
                    "inventory export {}: {e}",
                    crate::human::path(path)
                ))
                .into());
            }
        }
    }
    let workspace = load_workspace(global.config.as_deref())?;
    let config = &workspace.config;
    let alert = if args.alert {
        Some(alert::alert_connector(config)?)
    } else {
        None
    };
    let now = clock::now().map_err(Error::Usage)?;
    let roles = RoleIndex::new(&workspace.roles);
    // The same source, columns and rules as `run` and `plan`; a CSV export is streamed.
    let source = crate::app::employee::hr_source(&workspace)?;
    let roster = match &source {
        EmployeeSource::Csv(csv) => {
            let location = source.location();
            let call = Call {
                system: "hr",
                connector: "csv",
                op: "load",
                target: &location,
            };
            call.run(
                || Roster::from_csv(csv, &workspace.glossary, &roles),
                |_| "ok",
                |roster| format!("{} people", roster.len()),
            )
        }
        EmployeeSource::Http(_) => {
            // Everyone is judged: a username or email two people share is refused outright.
            let hr = source.roster().map_err(|e| Error::Usage(e.to_string()))?;
            hr.check_unique().map_err(|e| Error::Usage(e.to_string()))?;
            Roster::from_records(
                &source.location(),
                hr.records(),
                &workspace.glossary,
                &roles,
            )
        }
    }
    .map_err(into_error)?;
    let allow = load_allow_list(&config.dir.join(ALLOW_LIST_FILE)).map_err(into_error)?;
    let configured = configured_sources(config).map_err(into_error)?;
    let mut sources = configured.sources;
    for path in &args.inventory {
        sources.push(Box::new(InventoryCsv::new(path)) as Box<dyn EntitlementSource>);
    }
    for (name, kind) in &configured.skipped {
        if !global.quiet {
            eprintln!(
                "note: connector `{name}` ({kind}) cannot list entitlements yet; it was not reconciled"
            );
        }
    }
    let accounts = Arc::new(AtomicU64::new(0));
    let sources: Vec<Box<dyn EntitlementSource>> = sources
        .into_iter()
        .map(|source| {
            Box::new(CountAccounts::new(source, Arc::clone(&accounts)))
                as Box<dyn EntitlementSource>
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_THREADS);
    let mut report =
        reconcile(&roster, &roles, &allow, now, &sources, threads).map_err(into_error)?;
    report.coverage.skipped_connectors = configured.skipped.into_iter().map(|(n, _)| n).collect();
    if report.coverage.unjudged_entitlements > 0 && !global.quiet {
        eprintln!(
            "note: {} group or license entitlement(s) belong to holders whose role is empty or not in {}; excess was not judged for them",
            report.coverage.unjudged_entitlements,
            crate::human::path(&config.roles)
        );
    }
    let doc = Saved {
        report: &report,
        accounts_checked: accounts.load(Ordering::Relaxed),
    };
    print(global.format, &doc).map_err(|e| Error::io("cannot write", "standard output", e))?;
    if !args.no_save {
        saved::save(&config.journal, &doc)?;
    }
    let mut exit = if report.is_clean() {
        Exit::Done
    } else {
        Exit::Findings
    };
    if let Some(connector) = &alert {
        exit = exit.worst(alert::post(global, connector.as_ref(), &report)?);
    }
    if args.offboard {
        exit = exit.worst(leavers::offboard(global, args, &workspace, &report)?);
    }
    Ok(exit)
}

fn into_error(error: ReconcileError) -> Error {
    match error {
        ReconcileError::Read { path, source } => Error::io("cannot read", path, source),
        other => Error::Usage(other.to_string()),
    }
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

/// Format cents as a decimal amount, e.g. `159.74`.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
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
fn cells(f: &Finding) -> [String; 9] {
    let or_dash = |v: Option<&str>| printable(v.unwrap_or("-"));
    [
        printable(&f.system),
        printable(&f.account),
        or_dash(f.employee_id.as_deref()),
        or_dash(f.hr_status.map(|s| s.as_str())),
        or_dash(f.role.as_deref()),
        f.entitlement_type.as_str().to_owned(),
        printable(&f.entitlement),
        money(f.monthly_cost_cents),
        f.days_orphaned
            .map_or_else(|| "-".to_owned(), |d| d.to_string()),
    ]
}

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
    let rows: Vec<(FindingKind, [String; 9])> =
        report.findings.iter().map(|f| (f.kind, cells(f))).collect();
    let mut widths = HEADINGS.map(|h| h.chars().count());
    for (_, row) in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, row: &[String; 9]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            let pad = width.saturating_sub(cell.chars().count());
            if i == 7 || i == 8 {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                if i < 8 {
                    text.push_str(&" ".repeat(pad));
                }
            }
            if i < 8 {
                text.push_str("  ");
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    let headings = HEADINGS.map(str::to_owned);
    let mut first = true;
    for kind in FindingKind::ALL {
        let sum = report
            .totals
            .by_kind
            .get(&kind)
            .copied()
            .unwrap_or_default();
        if sum.count == 0 {
            continue;
        }
        if !first {
            writeln!(out)?;
        }
        first = false;
        writeln!(
            out,
            "{} ({}, {} a month)",
            kind.title(),
            sum.count,
            money(sum.monthly_cost_cents)
        )?;
        line(out, &headings)?;
        for (_, row) in rows.iter().filter(|(k, _)| *k == kind) {
            line(out, row)?;
        }
    }
    let by_kind: Vec<String> = FindingKind::ALL
        .iter()
        .filter_map(|k| {
            let sum = report.totals.by_kind.get(k)?;
            (sum.count > 0).then(|| format!("{} {}", sum.count, k.as_str()))
        })
        .collect();
    writeln!(out)?;
    writeln!(
        out,
        "Total: {} finding(s) ({}), {} a month; {checked}.",
        report.totals.count,
        by_kind.join(", "),
        money(report.totals.monthly_cost_cents)
    )
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(15974), "159.74");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-250), "-2.50");
    }
}
