//! Reconcile: load the HR roster, read every configured store and inventory export, and judge
//! each entitlement against HR, the role matrix and the service-account allow-list. The report
//! is saved for `offboard report` ([`saved`]), may be posted as an alert ([`alert`]), and names
//! the leavers a batch may start ([`leavers`]). Printing is the front end's.

pub mod accounts;
pub mod alert;
pub mod leavers;
pub mod saved;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Result;
use crate::analyze::Workspace;
use crate::call_log::Call;
use crate::connector::Messenger;
use crate::error::Error;
use crate::execute::clock;
use crate::hr::EmployeeSource;
use crate::reconcile::{
    ALLOW_LIST_FILE, EntitlementSource, InventoryCsv, ReconcileError, Report, RoleIndex, Roster,
    configured_sources, load_allow_list, reconcile as judge,
};
use accounts::CountAccounts;

/// What to reconcile beyond the configured stores.
#[derive(Clone, Debug, Default)]
pub struct ReconcileRequest {
    /// Inventory exports (CSV) to read too.
    pub inventory: Vec<PathBuf>,
    /// Post the findings to the alert webhook (its connector is built, and refused, first).
    pub alert: bool,
}

/// What a reconciliation found.
pub struct Reconciled {
    /// The findings, totals and coverage.
    pub report: Report,
    /// Enabled accounts read from all sources: the denominator of the orphan rate.
    pub accounts_checked: u64,
    /// The alert webhook, when asked for.
    pub alert: Option<Arc<dyn Messenger>>,
}

/// Most threads one source is read with.
const MAX_THREADS: usize = 8;

/// Reconcile the workspace's stores and the exports `request` names against HR.
pub fn reconcile(workspace: &Workspace, request: &ReconcileRequest) -> Result<Reconciled> {
    for path in &request.inventory {
        check_export(path)?;
    }
    let config = &workspace.config;
    let alert = match request.alert {
        true => Some(alert::alert_connector(config)?),
        false => None,
    };
    let now = clock::now().map_err(super::Error::Clock)?;
    let roles = RoleIndex::new(&workspace.roles);
    let roster = roster(workspace, &roles)?;
    let allow = load_allow_list(&config.dir.join(ALLOW_LIST_FILE)).map_err(into_error)?;
    let mut sources = configured_sources(config).map_err(into_error)?;
    for path in &request.inventory {
        sources.push(Box::new(InventoryCsv::new(path)) as Box<dyn EntitlementSource>);
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
    let dormant_after = config.policy.dormant_after.as_secs();
    let report = judge(
        &roster,
        &roles,
        &allow,
        now,
        dormant_after,
        &sources,
        threads,
    )
    .map_err(into_error)?;
    Ok(Reconciled {
        report,
        accounts_checked: accounts.load(Ordering::Relaxed),
        alert,
    })
}

/// Refuse an inventory export that is missing or not a regular file.
fn check_export(path: &std::path::Path) -> Result<()> {
    match crate::fsio::check_regular(path, crate::fsio::Links::Follow) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(super::Error::Missing {
            what: "inventory export ",
            path: path.to_path_buf(),
            hint: "",
        }),
        Err(e) => Err(super::Error::Input {
            at: format!("inventory export {}", crate::human::path(path)),
            problem: e.to_string(),
        }),
    }
}

/// HR's people, with the same source, columns and rules as `run` and `plan`; a CSV export is
/// streamed.
fn roster(workspace: &Workspace, roles: &RoleIndex) -> Result<Roster> {
    let source = super::employee::hr_source(workspace)?;
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
                || Roster::from_csv(csv, &workspace.glossary, roles),
                |_| "ok",
                |roster| format!("{} people", roster.len()),
            )
        }
        EmployeeSource::Http(_) => {
            // Everyone is judged: a username or email two people share is refused outright.
            let hr = source.roster().map_err(super::Error::Hr)?;
            hr.check_unique().map_err(super::Error::Hr)?;
            Roster::from_records(&source.location(), hr.records(), &workspace.glossary, roles)
        }
    };
    roster.map_err(into_error)
}

fn into_error(error: ReconcileError) -> super::Error {
    match error {
        ReconcileError::Read { path, source } => Error::io("cannot read", path, source).into(),
        other => super::Error::Reconcile(other),
    }
}
