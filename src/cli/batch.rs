//! Batches (`offboard run --from events.csv`, or several employees): the guard against mass
//! revocation. A batch larger than the configured limit needs `--max N`; the first employees run
//! as a canary, then the batch pauses for confirmation (`--yes` for unattended use); one
//! failure does not stop the others; the exit code is the most severe row, in the order of
//! [`Exit::worst`] (interrupted, step failed, could not start, waiting, done). Employees run
//! `policy.batch_concurrency` (or `--jobs`) at a time, sharing each playbook's connectors.
//! Every employee is looked up in HR before anything runs: one HR does not know stops the batch
//! unless `--skip-unknown`. A batch asks nothing at the terminal unless `--interactive`.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use serde_json::json;

use super::args::RunArgs;
use super::args::near_subcommand;
use super::run::{print_report, run_in};
use super::session::Session;
use super::{Format, GlobalArgs};
use crate::analyze::Workspace;
use crate::error::{Error, Result};
use crate::execute::outcome::{RunReport, StepState};
use crate::exit::Exit;
use crate::fsio;

/// Employee ids (or usernames) from an HR events CSV: the column `employee_id`, else
/// `username`, else the first column. A file without rows, an empty cell, an employee listed
/// twice, a quote never closed or a value over its limit ([`fsio::TEXT`] for the file,
/// [`fsio::CSV_FIELD`] for a field, [`fsio::KEY`] for an employee) is a usage error naming the
/// line.
pub fn read_events(path: &Path) -> Result<Vec<String>> {
    let bytes = fsio::read(path, fsio::TEXT, fsio::Links::Follow)
        .map_err(|e| Error::io("cannot read", path, e))?;
    let csv_err = |e: csv::Error| match fsio::csv_limit_error(&e) {
        Some(limit) => Error::Usage(format!(
            "{}:{}: {}",
            path.display(),
            limit.line,
            limit.message
        )),
        None => Error::Usage(format!("{}: {e}", path.display())),
    };
    let mut reader = csv::ReaderBuilder::new().from_reader(fsio::CsvGuard::new(&bytes[..]));
    let headers = reader.headers().map_err(csv_err)?.clone();
    let column = ["employee_id", "username", "employee"]
        .iter()
        .find_map(|name| headers.iter().position(|h| h.trim() == *name))
        .unwrap_or(0);
    let mut employees = Vec::new();
    for row in reader.records() {
        let row = row.map_err(csv_err)?;
        let line = row.position().map_or(0, |p| p.line());
        let value = row.get(column).map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Err(Error::Usage(format!(
                "{}:{line}: empty employee in column `{}`",
                path.display(),
                headers.get(column).unwrap_or_default()
            )));
        }
        fsio::check_key(value)
            .map_err(|e| Error::Usage(format!("{}:{line}: employee {e}", path.display())))?;
        employees.push(value.to_owned());
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = employees.iter().find(|e| !seen.insert(e.as_str())) {
        return Err(Error::Usage(format!(
            "{}: employee `{dup}` is listed twice",
            path.display()
        )));
    }
    if employees.is_empty() {
        return Err(Error::Usage(format!(
            "no employees in {}: it has no rows below its header",
            path.display()
        )));
    }
    Ok(employees)
}

/// One employee's outcome in the final table.
struct Row {
    employee: String,
    exit: Exit,
    summary: String,
    /// Not run: HR does not know the employee and `--skip-unknown` was given.
    skipped: bool,
}

impl Row {
    fn new(employee: &str, exit: Exit, summary: String) -> Row {
        Row {
            employee: employee.to_owned(),
            exit,
            summary,
            skipped: false,
        }
    }
}

/// Run a guarded batch.
pub fn run_batch(
    global: &GlobalArgs,
    args: &RunArgs,
    workspace: &Workspace,
    employees: &[String],
    interrupted: &AtomicBool,
) -> Result<Exit> {
    let policy = &workspace.config.policy;
    let limit = args.max.unwrap_or(policy.batch_limit as usize);
    if employees.len() > limit {
        return Err(Error::Usage(format!(
            "refusing a batch of {} employees: the limit is {limit} (policy.batch_limit {}); \
             pass --max {} if this many departures are intended",
            employees.len(),
            policy.batch_limit,
            employees.len()
        )));
    }
    // Prompts of runs going at once would interleave: an interactive batch goes one at a time.
    let jobs = match args.interactive {
        true => 1,
        false => args.jobs.unwrap_or(policy.batch_concurrency) as usize,
    }
    .clamp(1, employees.len().max(1));
    let batch = Batch {
        global,
        args,
        workspace,
        interrupted,
        session: Session::new(jobs > 1, args.interactive),
        jobs,
        printing: Mutex::new(()),
    };
    let unknown = check_people(&batch.session, workspace, employees)?;
    let is_unknown: std::collections::HashSet<&str> = unknown.iter().map(String::as_str).collect();
    let known: Vec<String> = employees
        .iter()
        .filter(|e| !is_unknown.contains(e.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        let source = batch.session.hr(workspace)?.source.location();
        let names = unknown
            .iter()
            .map(|e| match near_subcommand(e) {
                Some(meant) => format!("`{}` (did you mean `offboard {meant}`?)", e.escape_debug()),
                None => format!("`{}`", e.escape_debug()),
            })
            .collect::<Vec<_>>()
            .join(", ");
        if !args.skip_unknown {
            return Err(Error::Usage(format!(
                "{} employee(s) of this batch are not in {source}: {names}; nothing was run. \
                 Correct the names, or pass --skip-unknown to run the others",
                unknown.len()
            )));
        }
        super::print_warning(
            global.format,
            &format!(
                "skipping {} employee(s) not in {source} (--skip-unknown): {names}; each keeps \
                 a row (exit 2)",
                unknown.len()
            ),
            &unknown,
        );
    }
    let canary = (policy.canary as usize).min(known.len());
    let mut ran = batch.run_all(&known[..canary]);
    let mut paused = None;
    if canary < known.len() {
        let remaining = known.len() - canary;
        let canary_ok = ran
            .iter()
            .all(|r| matches!(r.exit, Exit::Done | Exit::Waiting));
        if !canary_ok {
            batch.warn(&format!(
                "canary failed: the remaining {remaining} employees were not started"
            ));
        } else if !confirm_continue(args, canary, remaining)? {
            batch.warn(&format!(
                "batch paused after the canary ({canary} employees); run the same command with --yes to continue"
            ));
            paused = Some(Row::new(
                &format!("({remaining} more)"),
                Exit::Waiting,
                "not started: waiting for confirmation after the canary".to_owned(),
            ));
        } else {
            ran.extend(batch.run_all(&known[canary..]));
        }
    }
    // Rows in the order the employees were given; the ones skipped where they were named.
    let mut ran = ran.into_iter();
    let mut rows: Vec<Row> = employees
        .iter()
        .filter_map(|e| match is_unknown.contains(e.as_str()) {
            true => Some(Row {
                skipped: true,
                ..Row::new(
                    e,
                    Exit::Usage,
                    "skipped (--skip-unknown): not in HR".to_owned(),
                )
            }),
            false => ran.next(),
        })
        .collect();
    rows.extend(paused);
    print_table(global, &rows);
    Ok(rows.iter().fold(Exit::Done, |worst, r| worst.worst(r.exit)))
}

/// Check a batch's people against HR before anything runs: refuse one person named twice under
/// different keys (id and username), since the second run would collide with the first on the
/// employee's lock, and a key that could name two people; return the keys HR does not know, in
/// the order given.
fn check_people(
    session: &Session,
    workspace: &Workspace,
    employees: &[String],
) -> Result<Vec<String>> {
    let hr = session.hr(workspace)?;
    let mut by_id: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut unknown = Vec::new();
    for key in employees {
        let Some(employee) = hr.find(key)? else {
            unknown.push(key.clone());
            continue;
        };
        if let Some(first) = by_id.insert(employee.id.clone(), key) {
            return Err(Error::Usage(format!(
                "`{}` and `{}` are the same employee ({}); name each employee once",
                first.escape_debug(),
                key.escape_debug(),
                employee.id
            )));
        }
    }
    Ok(unknown)
}

/// The employees of a batch, run `jobs` at a time.
struct Batch<'a> {
    global: &'a GlobalArgs,
    args: &'a RunArgs,
    workspace: &'a Workspace,
    interrupted: &'a AtomicBool,
    session: Session,
    jobs: usize,
    /// Held while a run's report is printed, so reports of parallel runs do not interleave.
    printing: Mutex<()>,
}

impl Batch<'_> {
    /// A note on the batch as a whole, on stderr (a JSON line with `--format json`).
    fn warn(&self, message: &str) {
        super::print_warning(self.global.format, message, &[]);
    }

    /// Run `employees` on up to `jobs` threads; rows come back in the employees' order.
    fn run_all(&self, employees: &[String]) -> Vec<Row> {
        let next = AtomicUsize::new(0);
        let rows: Mutex<Vec<(usize, Row)>> = Mutex::new(Vec::with_capacity(employees.len()));
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(employee) = employees.get(i) else {
                    return;
                };
                let row = self.run_employee(employee);
                rows.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((i, row));
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..self.jobs.min(employees.len()) {
                scope.spawn(work);
            }
            work();
        });
        let mut rows = rows.into_inner().unwrap_or_else(PoisonError::into_inner);
        rows.sort_by_key(|(i, _)| *i);
        rows.into_iter().map(|(_, row)| row).collect()
    }

    fn run_employee(&self, employee: &str) -> Row {
        if self.interrupted.load(Ordering::SeqCst) {
            return Row::new(
                employee,
                Exit::Interrupted,
                "not started: interrupted".to_owned(),
            );
        }
        let result = run_in(
            self.global,
            self.workspace,
            employee,
            self.args.playbook.as_deref(),
            self.args.allow_dirty,
            self.interrupted,
            &self.session,
        );
        let _printing = self.printing.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(report) => {
                print_report(self.global, &report);
                Row::new(
                    employee,
                    report.exit(),
                    match (report.nothing_to_do, report.exit()) {
                        (true, _) => "already finished".to_owned(),
                        (false, Exit::Done) => "complete".to_owned(),
                        (false, Exit::Waiting) => {
                            "waiting (sign-off, staged step or hold)".to_owned()
                        }
                        (false, Exit::StepFailed) => failed_step(&report),
                        (false, Exit::Interrupted) => "interrupted; resumable".to_owned(),
                        (false, other) => format!("exit {other}"),
                    },
                )
            }
            Err(error) => {
                match self.global.format {
                    Format::Json => super::print_warning(
                        Format::Json,
                        &format!("{employee}: {error}"),
                        &[employee.to_owned()],
                    ),
                    _ => eprintln!("error: {employee}: {error}"),
                }
                Row::new(employee, error.exit(), error.to_string())
            }
        }
    }
}

/// "step STEP failed: ERROR; resumable", naming the first failed step of `report`.
fn failed_step(report: &RunReport) -> String {
    report
        .steps
        .iter()
        .find_map(|s| match &s.state {
            StepState::Failed { error } => {
                Some(format!("step {} failed: {error}; resumable", s.step))
            }
            _ => None,
        })
        .unwrap_or_else(|| "step failed; resumable".to_owned())
}

/// Whether to go on after the canary: yes with `--yes`; asked only with `--interactive`, so that
/// a batch never waits for input unless told to.
fn confirm_continue(args: &RunArgs, canary: usize, remaining: usize) -> Result<bool> {
    if args.yes {
        return Ok(true);
    }
    if !args.interactive {
        return Ok(false);
    }
    eprint!("canary of {canary} done; continue with the remaining {remaining}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io("cannot read", "stdin", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn print_table(global: &GlobalArgs, rows: &[Row]) {
    if global.format == Format::Json {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "employee": r.employee, "exit": r.exit.code(), "summary": r.summary,
                    "skipped": r.skipped,
                })
            })
            .collect();
        println!("{}", json!({ "event": "batch.report", "employees": rows }));
        return;
    }
    let width = rows
        .iter()
        .map(|r| r.employee.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!("{:<width$}  exit  outcome", "employee");
    for r in rows {
        println!(
            "{:<width$}  {:>4}  {}",
            r.employee,
            r.exit.code(),
            r.summary
        );
    }
}
