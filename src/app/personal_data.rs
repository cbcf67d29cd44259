//! `policy.minimise_personal_data`: which of an employee's values are personal and kept out of
//! their run's journal (work email, display name, the manager's email), replaced by salted
//! digests ([`crate::journal::Pseudonyms`]). The employee id and the username (the account the
//! systems act on) stay. Nothing when the policy is off.

use super::Result;
use super::session::Session;
use crate::analyze::Workspace;
use crate::hr::HrRecord;
use crate::journal::{DIGEST_PREFIX, Pseudonyms};
use crate::report::RunInput;

/// The pseudonyms for `employee`'s records, when the policy is on.
pub fn pseudonyms(workspace: &Workspace, employee: &HrRecord) -> Result<Option<Pseudonyms>> {
    if !workspace.config.policy.minimise_personal_data {
        return Ok(None);
    }
    let values = [
        employee.email.as_str(),
        employee.display_name.as_str(),
        employee.manager_email.as_deref().unwrap_or_default(),
    ];
    Pseudonyms::for_journal(&workspace.config.journal, &values)
        .map(Some)
        .map_err(super::error::journal_err)
}

/// The pseudonyms for a record appended later to a run of the employee `id` (a sign-off): the
/// values are looked up in HR, as the run's own records no longer hold them.
pub fn pseudonyms_of(workspace: &Workspace, id: &str) -> Result<Option<Pseudonyms>> {
    if !workspace.config.policy.minimise_personal_data {
        return Ok(None);
    }
    let (employee, _) = Session::default().employee(workspace, id)?;
    pseudonyms(workspace, &employee)
}

/// Name the employees of `runs` whose journals hold only a digest of their display name, from
/// the HR source, for the report and its `evidence.csv` (the journal files stay as they are).
/// Where HR cannot be read, or no longer knows the employee, the digest stays.
pub fn names_from_hr(workspace: &Workspace, runs: &mut [RunInput]) {
    let minimised = |run: &RunInput| {
        run.display_name()
            .is_some_and(|name| name.starts_with(DIGEST_PREFIX))
    };
    if !runs.iter().any(minimised) {
        return;
    }
    let hr = match Session::default().hr(workspace) {
        Ok(hr) => hr,
        Err(e) => {
            tracing::warn!("cannot name minimised runs from HR: {e}");
            return;
        }
    };
    for run in runs.iter_mut().filter(|r| minimised(r)) {
        let Ok(Some(employee)) = hr.find(&run.status.employee) else {
            continue;
        };
        let name = employee.display_name.clone();
        if let Some(slot) = run
            .records
            .first_mut()
            .and_then(|p| p.evidence.as_mut())
            .and_then(|e| e.pointer_mut("/hr_record/display_name"))
        {
            *slot = name.into();
        }
    }
}
