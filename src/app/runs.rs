//! Finding an employee's run in the journal, naming new runs, and turning journal failures into
//! the command's error. Reads only; the run lifecycle writes.

use std::path::{Path, PathBuf};

use super::Result;
use super::error::journal_err;
use super::trust::require_trusted;
use crate::analyze::Workspace;
use crate::journal::{Event, RunIndex, list_runs, read_run};

/// The latest run of `playbook` for `employee` in the journal, and whether it has finished;
/// refused (exit 1) unless that run verifies (see [`require_trusted`]), so that a run signed
/// outside the journal's rules is never taken as finished nor any of its steps as done.
///
/// Only the runs whose id has the prefix [`new_run_id`] gives them are read, and only the one
/// found is verified, so that each run of a large batch does not read every other employee's
/// journal.
pub fn find_run(
    workspace: &Workspace,
    employee: &str,
    playbook: &str,
) -> Result<Option<(String, bool)>> {
    let prefix = run_prefix(employee, playbook);
    let runs = list_runs(&workspace.config.journal).map_err(journal_err)?;
    let runs = runs.into_iter().filter(|run| run.starts_with(&prefix));
    latest_run(workspace, employee, playbook, runs)
}

/// [`find_run`] among the runs of `index` (a batch's: the journal is not listed again for
/// each employee).
pub fn find_run_in(
    workspace: &Workspace,
    index: &RunIndex,
    employee: &str,
    playbook: &str,
) -> Result<Option<(String, bool)>> {
    let runs = index
        .with_prefix(&run_prefix(employee, playbook))
        .map_err(journal_err)?;
    latest_run(workspace, employee, playbook, runs.into_iter())
}

/// The last of `runs` (sorted ids of the employee's prefix) that is a run of `playbook` for
/// `employee`, verified, and whether it has finished.
fn latest_run(
    workspace: &Workspace,
    employee: &str,
    playbook: &str,
    runs: impl Iterator<Item = String>,
) -> Result<Option<(String, bool)>> {
    let dir = &workspace.config.journal;
    let check = |run: &str| require_trusted(workspace, &[run.to_owned()]);
    let mut found = None;
    for run in runs {
        let records = match read_run(dir, &run) {
            Ok(read) => read.records,
            Err(error) => {
                // A run of this employee that cannot even be read: verification names the
                // bad record.
                check(&run)?;
                return Err(journal_err(error));
            }
        };
        let Some(first) = records.first() else {
            continue;
        };
        let name = first
            .payload
            .evidence
            .as_ref()
            .and_then(|e| e.get("playbook_name"))
            .and_then(|v| v.as_str());
        if first.payload.employee.as_deref() == Some(employee) && name == Some(playbook) {
            let finished = records
                .last()
                .is_some_and(|r| r.payload.event == Event::RunFinished);
            found = Some((run, finished));
        }
    }
    if let Some((run, _)) = &found {
        check(run)?;
    }
    Ok(found)
}

/// `<employee>-<playbook>-<UTC time>`, e.g. `E1007-involuntary-leaver-20261130T091500Z`.
pub fn new_run_id(employee: &str, playbook: &str, now: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = now.format(&format).unwrap_or_default();
    format!("{}{stamp}", run_prefix(employee, playbook))
}

/// `<employee>-<playbook>-`: what every run id of that employee and playbook starts with
/// (characters a file name must not hold replaced by `_`).
fn run_prefix(employee: &str, playbook: &str) -> String {
    let employee: String = employee
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{employee}-{playbook}-")
}

/// `path` relative to `root` (both resolved), or `path` itself when it lies outside.
pub fn relative_to(path: &Path, root: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root)
        .map_or_else(|_| path.clone(), PathBuf::from)
        .display()
        .to_string()
}
