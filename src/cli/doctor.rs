//! `offboard doctor`: print the checks `app::doctor` makes, one line each with its status, and
//! the fix under each failure or warning; exit 1 when any failed. Prints only.

use super::args::DoctorArgs;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::doctor::{DoctorReport, Status, doctor};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::human::{aligned, printable};

/// Check every configured system and print what was found.
pub fn run(global: &GlobalArgs, _args: &DoctorArgs) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let report = doctor(&workspace);
    match global.format {
        Format::Json => super::print_json(&report)?,
        _ => print_human(&report, global.quiet),
    }
    Ok(if report.ok {
        Exit::Done
    } else {
        Exit::Findings
    })
}

/// One aligned line per check (with `--quiet`, failures and warnings only), each fix on the
/// line below its check, then a count.
fn print_human(report: &DoctorReport, quiet: bool) {
    let shown: Vec<_> = report
        .checks
        .iter()
        .filter(|c| !quiet || matches!(c.status, Status::Fail | Status::Warn))
        .collect();
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|c| {
            vec![
                c.status.as_str().to_owned(),
                printable(&c.system),
                c.check.as_str().to_owned(),
                printable(&c.detail),
            ]
        })
        .collect();
    for (line, check) in aligned(&rows, &[]).iter().zip(&shown) {
        println!("{line}");
        if let Some(fix) = &check.fix {
            println!("      fix: {}", printable(fix));
        }
    }
    let count = |status| report.checks.iter().filter(|c| c.status == status).count();
    println!(
        "{}: {} check(s), {} failed, {} warning(s)",
        if report.ok {
            "doctor passed"
        } else {
            "doctor FAILED"
        },
        report.checks.len(),
        count(Status::Fail),
        count(Status::Warn)
    );
}
