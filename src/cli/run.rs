//! `offboard run` (and `offboard EMPLOYEE`): resolve the employee, choose the playbook, take the
//! employee's lock, open or resume the run's journal, execute, print the outcome.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::json;

use super::GlobalArgs;
use super::args::RunArgs;
use super::progress::{Progress, describe};
use super::session::Session;
use super::trusted::require_trusted;
use super::workspace::{load_workspace, signer, trust};
use crate::analyze::{PlaybookFile, Workspace};
use crate::error::{Error, Result};
use crate::execute::clock;
use crate::execute::engine::{Engine, SignOff};
use crate::execute::journal_log::JournalLog;
use crate::execute::outcome::{RunReport, StepState};
use crate::execute::targets::secret_from_env;
use crate::exit::Exit;
use crate::hr::{ColumnMap, CsvSource, EmployeeSource, HrRecord, HttpOptions, HttpSource};
use crate::journal::{
    EmployeeLock, Event, PlaybookRef, RecordFields, RunJournal, Vcs, list_runs, read_run,
};
use crate::plan::identity::blob_id;
use crate::playbook::{Confirm, HrSource, Status, Step};
use crate::retry::RetryPolicy;
use std::io::Write;

/// Run the playbook for each employee named (or listed in `--from`, or in a saved plan); the
/// exit code is the most severe outcome ([`Exit::worst`]). Each employee must be named once.
pub fn run(global: &GlobalArgs, args: &RunArgs, interrupted: &AtomicBool) -> Result<Exit> {
    let workspace = load_workspace(global)?;
    if let Some(path) = &args.plan {
        let saved = super::plan::read_plan(path)?;
        super::plan::check_playbook(&workspace, &saved, path)?;
        let (now, _) = super::plan::make_plan(&workspace, &saved.employee, Some(&saved.playbook))?;
        let drift = super::plan::drift(&saved, &now);
        if !drift.is_empty() {
            return Err(Error::Usage(format!(
                "the live state drifted since {} was made; nothing was executed. Differences (saved -> now):\n{}",
                crate::human::path(path),
                drift.join("\n")
            )));
        }
        let report = run_in(
            global,
            &workspace,
            &saved.employee,
            Some(&saved.playbook),
            args.allow_dirty,
            interrupted,
            &Session::new(false, args.interactive),
        )?;
        print_report(global, &report);
        return Ok(report.exit());
    }
    let mut employees = args.employees.clone();
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = employees.iter().find(|e| !seen.insert(e.as_str())) {
        return Err(Error::Usage(format!(
            "employee `{}` is named twice on the command line; name each employee once",
            dup.escape_debug()
        )));
    }
    if let Some(from) = &args.from {
        let listed = super::batch::read_events(from)?;
        if let Some(dup) = listed.iter().find(|e| seen.contains(e.as_str())) {
            return Err(Error::Usage(format!(
                "employee `{}` is named on the command line and listed in {}; name each employee once",
                dup.escape_debug(),
                crate::human::path(from)
            )));
        }
        employees.extend(listed);
    }
    if employees.len() > 1 || args.from.is_some() {
        // Refused once for the whole batch, before any employee is started.
        operator_signer(&workspace)?;
        return super::batch::run_batch(global, args, &workspace, &employees, interrupted);
    }
    let mut exit = Exit::Done;
    let session = Session::new(false, args.interactive);
    for employee in &employees {
        let report = run_in(
            global,
            &workspace,
            employee,
            args.playbook.as_deref(),
            args.allow_dirty,
            interrupted,
            &session,
        )?;
        print_report(global, &report);
        exit = exit.worst(report.exit());
    }
    Ok(exit)
}

/// The HR source the configuration names. For `type: http` the bearer token is read from the
/// environment variable `token_env` names; a missing or empty variable is a configuration error
/// (naming the variable, never a value).
pub fn hr_source(workspace: &Workspace) -> Result<EmployeeSource> {
    let config_error = |message: String| Error::Config {
        path: workspace.config.path.clone(),
        message,
    };
    match &workspace.config.hr {
        HrSource::Csv { path, columns } => {
            let columns =
                ColumnMap::new(columns.clone().into_iter().collect()).map_err(config_error)?;
            Ok(EmployeeSource::Csv(CsvSource::new(path, columns)))
        }
        HrSource::Http {
            url,
            token_env,
            columns,
        } => {
            let mut options = HttpOptions::new(url.clone());
            options.columns =
                ColumnMap::new(columns.clone().into_iter().collect()).map_err(config_error)?;
            if let Some(var) = token_env {
                let token = secret_from_env(var, "HR bearer token").map_err(|_| {
                    config_error(format!(
                        "environment variable {var} (hr.token_env, the HR bearer token) is not set or empty"
                    ))
                })?;
                options.token = Some(token);
                options.token_env = Some(var.clone());
            }
            let source = HttpSource::new(options).map_err(|e| config_error(e.to_string()))?;
            Ok(EmployeeSource::Http(source))
        }
    }
}

/// Warn, once per command, that the playbook `file` is in no git repository: nothing but the
/// blob id of its content will show which version ran (the journal `records` it, a plan says a
/// run would). A human line on stderr, or one JSON object there with `--format json`; nothing
/// with `-q`.
pub(super) fn warn_untracked(global: &GlobalArgs, session: &Session, file: &Path, verb: &str) {
    if global.quiet || !session.first_warning(file) {
        return;
    }
    let message = format!(
        "playbook {} is not under version control (no git repository holds it): the journal \
         {verb} `\"vcs\": \"none\"` and no commit, only the blob id of the content that ran; \
         keep playbooks in git so every run names the version it executed",
        crate::human::path(file)
    );
    if global.format == super::Format::Json {
        let line = json!({
            "warning": "playbook_not_under_version_control",
            "playbook": file.display().to_string(),
            "message": message,
        });
        eprintln!("{line}");
    } else {
        eprintln!("warning: {message}");
    }
}

/// Find `key` (employee id or username) in HR and map its status through the glossary.
pub fn resolve_employee(workspace: &Workspace, key: &str) -> Result<(HrRecord, Status)> {
    Session::default().employee(workspace, key)
}

/// The status of `employee`'s raw HR status code, through the glossary.
pub(super) fn status_of(workspace: &Workspace, employee: &HrRecord) -> Result<Status> {
    workspace
        .glossary
        .status_of(&employee.raw_status)
        .ok_or_else(|| {
            Error::Usage(format!(
                "HR status `{}` of {} is not in the glossary {}",
                crate::human::printable(&employee.raw_status),
                employee.id,
                crate::human::path(&workspace.config.glossary)
            ))
        })
}

/// The playbook `--playbook` names, or the one the status triggers.
pub fn choose_playbook<'w>(
    workspace: &'w Workspace,
    requested: Option<&str>,
    employee: &HrRecord,
    status: Status,
) -> Result<&'w PlaybookFile> {
    if let Some(name) = requested {
        return workspace
            .playbooks
            .iter()
            .find(|p| p.playbook.name == name || p.path.ends_with(name))
            .ok_or_else(|| {
                let names: Vec<&str> = workspace
                    .playbooks
                    .iter()
                    .map(|p| p.playbook.name.as_str())
                    .collect();
                Error::Usage(format!(
                    "unknown playbook `{name}`; playbooks are: {}",
                    names.join(", ")
                ))
            });
    }
    match workspace.playbooks_for(status).as_slice() {
        [one] => Ok(one),
        [] => Err(Error::Usage(format!(
            "no playbook is triggered by status `{}` of {}; choose one with --playbook",
            status.as_str(),
            employee.id
        ))),
        many => Err(Error::Usage(format!(
            "several playbooks are triggered by status `{}`: {}; choose one with --playbook",
            status.as_str(),
            many.iter()
                .map(|p| p.playbook.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Run (or resume) the playbook for one employee, asking nothing at the terminal.
pub(super) fn run_one(
    global: &GlobalArgs,
    workspace: &Workspace,
    key: &str,
    playbook: Option<&str>,
    allow_dirty: bool,
    interrupted: &AtomicBool,
) -> Result<RunReport> {
    let session = Session::default();
    run_in(
        global,
        workspace,
        key,
        playbook,
        allow_dirty,
        interrupted,
        &session,
    )
}

/// Run (or resume) the playbook for one employee, as one of the runs of `session`.
pub(super) fn run_in(
    global: &GlobalArgs,
    workspace: &Workspace,
    key: &str,
    playbook: Option<&str>,
    allow_dirty: bool,
    interrupted: &AtomicBool,
    session: &Session,
) -> Result<RunReport> {
    let config = &workspace.config;
    let (employee, status) = session.employee(workspace, key)?;
    let file = choose_playbook(workspace, playbook, &employee, status)?;
    let playbook = &file.playbook;
    let provenance = session.provenance(&file.path)?;
    if provenance.is_none() {
        warn_untracked(global, session, &file.path, "records");
    }
    let dirty = provenance.as_ref().is_some_and(|p| p.dirty);
    if dirty && !allow_dirty {
        return Err(Error::Usage(format!(
            "playbook {} has uncommitted changes; commit them, or pass --allow-dirty (recorded in the journal)",
            crate::human::path(&file.path)
        )));
    }
    let signer = operator_signer(workspace)?;
    let roles = config.roles_of(signer.principal());
    let principal = signer.principal().to_owned();
    if let Some(step) = playbook
        .steps
        .iter()
        .find(|s| s.confirm != Confirm::Manual && !roles.contains(&s.owner))
    {
        return Err(Error::Usage(format!(
            "signer {} does not hold role `{}`, which owns automatic step `{}` of {}; \
             automatic steps are confirmed by the signer that runs them",
            signer.principal(),
            step.owner,
            step.id,
            playbook.name
        )));
    }
    let now = clock::now().map_err(Error::Usage)?;
    let journal_dir = &config.journal;
    crate::fsio::create_dir_all(journal_dir, crate::fsio::PRIVATE_DIR)
        .map_err(|e| Error::io("cannot create", journal_dir, e))?;
    let _lock = EmployeeLock::acquire(journal_dir, &employee.id).map_err(|e| match e {
        crate::journal::JournalError::Locked { .. } => Error::Busy(e.to_string()),
        other => Error::Usage(with_causes(&other)),
    })?;

    let existing = find_run(workspace, &employee.id, &playbook.name)?;
    let (allowed, _) = trust(workspace)?;
    let mut journal = match existing {
        Some((run_id, true)) => {
            // Opening a finished run writes its ledger seal if a crash came between
            // `run.finished` and the seal; a sealed run is only read.
            let resumed =
                RunJournal::resume(journal_dir, &run_id, signer, &allowed).map_err(journal_err)?;
            for repair in resumed.repairs() {
                tracing::warn!("run {run_id}: {repair}");
            }
            return Ok(RunReport {
                run: run_id,
                employee: employee.id.clone(),
                playbook: playbook.name.clone(),
                nothing_to_do: true,
                interrupted: false,
                steps: Vec::new(),
            });
        }
        Some((run_id, false)) => {
            RunJournal::resume(journal_dir, &run_id, signer, &allowed).map_err(journal_err)?
        }
        None => {
            let run_id = new_run_id(&employee.id, &playbook.name, now);
            let repo_path = provenance.as_ref().map_or_else(
                || file.path.display().to_string(),
                |p| relative_to(&file.path, &p.repo_root),
            );
            // Outside git the content's blob id is all that identifies the version that ran.
            let (blob, vcs) = match &provenance {
                Some(p) => (p.blob.clone(), Vcs::Git),
                None => (Some(blob_id(&file.path)?), Vcs::None),
            };
            let first = RecordFields::new(Event::RunStarted)
                .time(now)
                .employee(&employee.id)
                .playbook(PlaybookRef {
                    path: repo_path,
                    commit: provenance.as_ref().and_then(|p| p.commit.clone()),
                    blob,
                    dirty,
                    vcs: Some(vcs),
                })
                .evidence(json!({
                    "playbook_name": playbook.name,
                    "status": status.as_str(),
                    "hr_record": employee,
                    "allow_dirty": allow_dirty,
                }));
            RunJournal::create(journal_dir, &run_id, signer, first).map_err(journal_err)?
        }
    };
    let run_id = journal.run_id().to_owned();
    let hold_reason = hold_reason(workspace, &employee);
    let targets = session
        .targets(config, playbook)
        .map_err(|message| Error::Config {
            path: config.path.clone(),
            message,
        })?;
    let hr = session.hr(workspace)?;
    let hr = &hr.source;
    let completed_at = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let writeback = |e: &HrRecord, run: &str| {
        hr.mark_complete(&e.id, run, &completed_at)
            .map_err(|e| e.to_string())
    };
    let is_complete = |e: &HrRecord| hr.is_marked_complete(&e.id).map_err(|e| e.to_string());
    // Runs in parallel print their steps' failures only, and their reports when they end.
    let mut progress = Progress::new(
        global.format == super::Format::Json,
        global.no_progress || session.parallel,
        global.quiet || session.parallel,
    );
    // Asked for only: without `--interactive` a pending sign-off exits 4 at a terminal too,
    // as it does under cron or CI.
    let bar = progress.bar();
    let sign_off = session.interactive.then_some(
        move |step: &Step, task: &str| -> Option<String> {
            if !roles.contains(&step.owner) {
                return None;
            }
            let ask = || {
                eprint!(
                    "step `{}` waits for sign-off by {}: {}\n  type a note to confirm it now as {principal} (empty: leave it waiting): ",
                    step.id,
                    step.owner,
                    crate::human::printable(task)
                );
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).ok()?;
                let note = line.trim().to_owned();
                (!note.is_empty()).then_some(note)
            };
            match &bar {
                Some(bar) => bar.suspend(ask),
                None => ask(),
            }
        },
    );
    let engine = Engine {
        playbook,
        roles: &workspace.roles,
        targets: &targets,
        employee: &employee,
        status,
        run_id: &run_id,
        hold: hold_reason.as_deref(),
        now,
        retry: RetryPolicy::default(),
        interrupted,
        hr_writeback: &writeback,
        hr_is_complete: &is_complete,
        dry_run: false,
        approval_required: &config.policy.approval_required,
        sign_off: sign_off.as_ref().map(|f| f as &SignOff),
    };
    progress.run_started(&run_id, &employee.id, &playbook.name, playbook.steps.len());
    let mut log = JournalLog {
        journal: &mut journal,
        employee: &employee.id,
    };
    let result = engine.run(&mut log, &mut progress);
    progress.finish();
    let report = result.map_err(Error::Usage)?;
    if report.is_complete() && !journal.is_finished() {
        journal
            .append(
                RecordFields::new(Event::RunFinished)
                    .time(clock::now().map_err(Error::Usage)?)
                    .employee(&employee.id)
                    .evidence(json!({ "steps": report.steps.len() })),
            )
            .map_err(journal_err)?;
    }
    Ok(report)
}

/// Why destructive steps are blocked for `employee`: a hold in the repository's holds file, or
/// the HR flag; the reason and where it is recorded.
pub fn hold_reason(workspace: &Workspace, employee: &HrRecord) -> Option<String> {
    let file = workspace
        .config
        .holds
        .as_deref()
        .and_then(Path::file_name)
        .map_or_else(
            || "holds file".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
    crate::execute::hold::legal_hold(&workspace.holds, &file, employee).map(|h| h.to_string())
}

/// A journal failure as the command's error: a record that does not verify is a finding
/// (exit 1), anything else a usage error.
pub(super) fn journal_err(error: crate::journal::JournalError) -> Error {
    match error {
        crate::journal::JournalError::Untrusted { .. } => {
            Error::UntrustedJournal(format!("journal: {error}"))
        }
        other => Error::Usage(format!("journal: {}", with_causes(&other))),
    }
}

/// `error` followed by its causes, `: `-separated, for an error passed on as text (the
/// operating system's reason behind "cannot open FILE" must not be lost).
pub(super) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// The configured signer, refused (before anything is written) unless it holds an operator role:
/// only operators may run playbooks, and `offboard verify` rejects a run started by anyone else.
pub(super) fn operator_signer(workspace: &Workspace) -> Result<crate::journal::Signer> {
    let signer = signer(workspace, None, None)?;
    let config = &workspace.config;
    if config.is_operator(signer.principal()) {
        return Ok(signer);
    }
    let held = config.roles_of(signer.principal());
    Err(Error::Usage(format!(
        "signer {} may not run playbooks: it holds {}, and only a holder of an operator role ({}; \
         policy.operator_roles in {}) may. Sign with an operator's key (signing.key and \
         signing.principal, or {}), or make one of its roles an operator role. Nothing was written",
        signer.principal(),
        if held.is_empty() {
            "no role".to_owned()
        } else {
            format!("roles {}", held.join(", "))
        },
        config.policy.operator_roles.join(", "),
        config.path.display(),
        super::workspace::SIGNING_KEY_ENV,
    )))
}

/// The latest run of `playbook` for `employee` in the journal, and whether it has finished;
/// refused (exit 1) unless that run verifies (see [`require_trusted`]), so that a run signed
/// outside the journal's rules is never taken as finished nor any of its steps as done.
///
/// Only the runs whose id has the prefix [`new_run_id`] gives them are read, and only the one
/// found is verified, so that each run of a large batch does not read every other employee's
/// journal.
pub(super) fn find_run(
    workspace: &Workspace,
    employee: &str,
    playbook: &str,
) -> Result<Option<(String, bool)>> {
    let dir = &workspace.config.journal;
    let prefix = run_prefix(employee, playbook);
    let check = |run: &str| require_trusted(workspace, &[run.to_owned()]);
    let mut found = None;
    for run in list_runs(dir).map_err(journal_err)? {
        if !run.starts_with(&prefix) {
            continue;
        }
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
fn new_run_id(employee: &str, playbook: &str, now: time::OffsetDateTime) -> String {
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
pub(super) fn relative_to(path: &Path, root: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root)
        .map_or_else(|_| path.clone(), PathBuf::from)
        .display()
        .to_string()
}

pub(super) fn print_report(global: &GlobalArgs, report: &RunReport) {
    if global.format == super::Format::Json {
        let mut value = serde_json::to_value(report).unwrap_or_default();
        value["event"] = json!("run.report");
        value["exit"] = json!(report.exit().code());
        println!("{value}");
        return;
    }
    if report.nothing_to_do {
        println!(
            "{}: {} already finished (run {}): nothing left to do",
            report.employee, report.playbook, report.run
        );
        return;
    }
    let count = |f: fn(&StepState) -> bool| report.steps.iter().filter(|s| f(&s.state)).count();
    let confirmed = count(|s| {
        matches!(
            s,
            StepState::Confirmed { .. } | StepState::AlreadyConfirmed | StepState::NoAccount
        )
    });
    let verdict = match report.exit() {
        Exit::Done => "complete".to_owned(),
        Exit::Waiting => "waiting".to_owned(),
        Exit::StepFailed => {
            "stopped at a failed step; run the same command again to resume".to_owned()
        }
        Exit::Interrupted => "interrupted; run the same command again to resume".to_owned(),
        other => format!("exit {other}"),
    };
    println!(
        "{}: {} {verdict} ({confirmed}/{} steps confirmed, run {})",
        report.employee,
        report.playbook,
        report.steps.len(),
        report.run
    );
    if global.quiet {
        return;
    }
    for step in &report.steps {
        if !matches!(
            step.state,
            StepState::Confirmed { .. } | StepState::AlreadyConfirmed | StepState::NoAccount
        ) {
            println!("  {:<24} {}", step.step, describe(&step.state));
        }
    }
}
