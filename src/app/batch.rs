//! Batches (`offboard run --from events.csv`, several employees, `reconcile --offboard`): the
//! guard against mass revocation. A batch larger than the configured limit needs `--max N`; the first employees run
//! as a canary, then the batch pauses for confirmation (`--yes` for unattended use); one
//! failure does not stop the others; the exit code is the most severe row, in the order of
//! [`Exit::worst`] (interrupted, step failed, could not start, waiting, done). Employees run
//! `policy.batch_concurrency` (or `--jobs`) at a time, sharing each playbook's connectors.
//! Every employee is looked up in HR before anything runs: one HR does not know stops the batch
//! unless `--skip-unknown`. A batch asks nothing unless `interactive`.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::run::{RunRequest, run_in};
use super::session::Session;
use super::trust::operator_signer;
use super::{Context, Error as AppError, Result};
use crate::analyze::Workspace;
use crate::error::Error;
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
        Some(limit) => AppError::Input {
            at: format!("{}:{}", path.display(), limit.line),
            problem: limit.message.clone(),
        },
        None => AppError::Input {
            at: path.display().to_string(),
            problem: e.to_string(),
        },
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
            return Err(AppError::Input {
                at: format!("{}:{line}", path.display()),
                problem: format!(
                    "empty employee in column `{}`",
                    headers.get(column).unwrap_or_default()
                ),
            });
        }
        fsio::check_key(value).map_err(|e| AppError::Input {
            at: format!("{}:{line}", path.display()),
            problem: format!("employee {e}"),
        })?;
        employees.push(value.to_owned());
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = employees.iter().find(|e| !seen.insert(e.as_str())) {
        return Err(AppError::Input {
            at: path.display().to_string(),
            problem: format!("employee `{dup}` is listed twice"),
        });
    }
    if employees.is_empty() {
        return Err(AppError::NoEmployees {
            file: path.to_path_buf(),
        });
    }
    Ok(employees)
}

/// The employees named on the command line followed by those listed in the events file
/// `from`, each named once.
pub fn employees(named: &[String], from: Option<&Path>) -> Result<Vec<String>> {
    let mut employees = named.to_vec();
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = employees.iter().find(|e| !seen.insert(e.as_str())) {
        return Err(super::Error::NamedTwice { key: dup.clone() });
    }
    if let Some(from) = from {
        let listed = read_events(from)?;
        if let Some(dup) = listed.iter().find(|e| seen.contains(e.as_str())) {
            return Err(super::Error::NamedAndListed {
                key: dup.clone(),
                file: from.to_path_buf(),
            });
        }
        employees.extend(listed);
    }
    Ok(employees)
}

/// What a batch runs, and how far the operator allows it to go.
#[derive(Clone, Debug, Default)]
pub struct BatchRequest {
    /// Employee ids or usernames, in the order given.
    pub employees: Vec<String>,
    /// The playbook by name; `None`: the one each employee's status triggers.
    pub playbook: Option<String>,
    /// Run playbooks with uncommitted changes (recorded in the journal).
    pub allow_dirty: bool,
    /// The largest batch allowed (`--max`); `None`: `policy.batch_limit`.
    pub max: Option<usize>,
    /// Go on after the canary without asking.
    pub yes: bool,
    /// Run the others when HR does not know some.
    pub skip_unknown: bool,
    /// Ask at the terminal (after the canary, for sign-offs); runs then go one at a time.
    pub interactive: bool,
    /// Runs going at once; `None`: `policy.batch_concurrency`.
    pub jobs: Option<u32>,
}

/// One employee's outcome in the final table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The employee as given (or `(N more)` for the part not started after the canary).
    pub employee: String,
    /// How their run ended.
    pub exit: Exit,
    /// The outcome in words.
    pub summary: String,
    /// Not run: HR does not know the employee and `skip_unknown` was asked.
    pub skipped: bool,
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

/// What a batch did: a row per employee, in the order given.
#[derive(Clone, Debug)]
pub struct BatchReport {
    /// The rows.
    pub rows: Vec<Row>,
}

impl BatchReport {
    /// The most severe row's exit ([`Exit::worst`]).
    pub fn exit(&self) -> Exit {
        self.rows
            .iter()
            .fold(Exit::Done, |worst, r| worst.worst(r.exit))
    }
}

/// Run a guarded batch of the employees an operator named: refused as a whole, before any
/// employee is started, when the signer may not run playbooks; then as [`start_batch`].
pub fn run_batch(ctx: Context<'_>, request: &BatchRequest) -> Result<BatchReport> {
    operator_signer(ctx.workspace)?;
    start_batch(ctx, request)
}

/// Run a guarded batch: refused when it is larger than the limit, or when HR does not know some
/// of its people (unless skipped); a signer who may not run playbooks is refused on each row.
pub fn start_batch(ctx: Context<'_>, request: &BatchRequest) -> Result<BatchReport> {
    let workspace = ctx.workspace;
    let employees = &request.employees;
    let policy = &workspace.config.policy;
    let limit = request.max.unwrap_or(policy.batch_limit as usize);
    if employees.len() > limit {
        return Err(super::Error::BatchTooLarge {
            size: employees.len(),
            limit,
            policy_limit: policy.batch_limit,
        });
    }
    // Prompts of runs going at once would interleave: an interactive batch goes one at a time.
    let jobs = match request.interactive {
        true => 1,
        false => request.jobs.unwrap_or(policy.batch_concurrency) as usize,
    }
    .clamp(1, employees.len().max(1));
    let batch = Batch {
        ctx,
        request,
        session: Session::new(jobs > 1, request.interactive)
            .with_hint(ctx.interaction.command_hint()),
        jobs,
    };
    let unknown = check_people(&batch.session, workspace, employees)?;
    let is_unknown: std::collections::HashSet<&str> = unknown.iter().map(String::as_str).collect();
    let known: Vec<String> = employees
        .iter()
        .filter(|e| !is_unknown.contains(e.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        batch.refuse_or_skip(&unknown)?;
    }
    let (ran, paused) = batch.run_guarded(&known)?;
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
    Ok(BatchReport { rows })
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
            return Err(super::Error::SamePerson {
                first: first.to_owned(),
                second: key.clone(),
                employee: employee.id.clone(),
            });
        }
    }
    Ok(unknown)
}

/// The employees of a batch, run `jobs` at a time.
struct Batch<'a> {
    ctx: Context<'a>,
    request: &'a BatchRequest,
    session: Session,
    jobs: usize,
}

impl Batch<'_> {
    /// A note on the batch as a whole.
    fn warn(&self, message: &str) {
        self.ctx.interaction.warn(message, &[]);
    }

    /// Refuse the batch for the `unknown` employees, or with `skip_unknown` warn that they are
    /// skipped.
    fn refuse_or_skip(&self, unknown: &[String]) -> Result<()> {
        let location = self.session.hr(self.ctx.workspace)?.source.location();
        let hint = self.session.hint;
        let names = unknown
            .iter()
            .map(|e| match hint.and_then(|hint| hint(e)) {
                Some(meant) => format!("`{}` (did you mean `offboard {meant}`?)", e.escape_debug()),
                None => format!("`{}`", e.escape_debug()),
            })
            .collect::<Vec<_>>()
            .join(", ");
        if !self.request.skip_unknown {
            return Err(super::Error::UnknownInBatch {
                count: unknown.len(),
                location,
                names,
            });
        }
        self.ctx.interaction.warn(
            &format!(
                "skipping {} employee(s) not in {location} (--skip-unknown): {names}; each keeps \
                 a row (exit 2)",
                unknown.len()
            ),
            unknown,
        );
        Ok(())
    }

    /// Run the canary, then, when it went well and the operator agrees, the others; the rows
    /// run, and the row standing for the employees not started when the batch paused.
    fn run_guarded(&self, known: &[String]) -> Result<(Vec<Row>, Option<Row>)> {
        let policy = &self.ctx.workspace.config.policy;
        let canary = (policy.canary as usize).min(known.len());
        let mut ran = self.run_all(&known[..canary]);
        if canary == known.len() {
            return Ok((ran, None));
        }
        let remaining = known.len() - canary;
        let canary_ok = ran
            .iter()
            .all(|r| matches!(r.exit, Exit::Done | Exit::Waiting));
        if !canary_ok {
            self.warn(&format!(
                "canary failed: the remaining {remaining} employees were not started"
            ));
            return Ok((ran, None));
        }
        if !self.confirm_continue(canary, remaining)? {
            self.warn(&format!(
                "batch paused after the canary ({canary} employees); run the same command with --yes to continue"
            ));
            let paused = Row::new(
                &format!("({remaining} more)"),
                Exit::Waiting,
                "not started: waiting for confirmation after the canary".to_owned(),
            );
            return Ok((ran, Some(paused)));
        }
        ran.extend(self.run_all(&known[canary..]));
        Ok((ran, None))
    }

    /// Whether to go on after the canary: yes with `yes`; asked only when interactive, so that
    /// a batch never waits for input unless told to.
    fn confirm_continue(&self, canary: usize, remaining: usize) -> Result<bool> {
        if self.request.yes {
            return Ok(true);
        }
        if !self.request.interactive {
            return Ok(false);
        }
        self.ctx
            .interaction
            .continue_after_canary(canary, remaining)
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
        if self.ctx.interrupted.load(Ordering::SeqCst) {
            return Row::new(
                employee,
                Exit::Interrupted,
                "not started: interrupted".to_owned(),
            );
        }
        let request = RunRequest {
            employee,
            playbook: self.request.playbook.as_deref(),
            allow_dirty: self.request.allow_dirty,
            interactive: self.request.interactive,
        };
        match run_in(self.ctx, &self.session, &request) {
            Ok(report) => {
                self.ctx.interaction.run_ended(&report);
                Row::new(employee, report.exit(), summary(&report))
            }
            Err(error) => {
                self.ctx.interaction.run_failed(employee, &error);
                Row::new(employee, error.exit_code(), error.to_string())
            }
        }
    }
}

/// A run's outcome in a few words, for its row.
fn summary(report: &RunReport) -> String {
    match (report.nothing_to_do, report.exit()) {
        (true, _) => "already finished".to_owned(),
        (false, Exit::Done) => "complete".to_owned(),
        (false, Exit::Waiting) => "waiting (sign-off, staged step or hold)".to_owned(),
        (false, Exit::StepFailed) => failed_step(report),
        (false, Exit::Interrupted) => "interrupted; resumable".to_owned(),
        (false, other) => format!("exit {other}"),
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
