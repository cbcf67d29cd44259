//! `policy.minimise_personal_data`: which of an employee's values are personal and kept out of
//! their run's journal (work email, display name, the manager's email), replaced by salted
//! digests ([`crate::journal::Pseudonyms`]). The employee id and the username (the account the
//! systems act on) stay. Nothing when the policy is off.

use super::Result;
use super::session::Session;
use crate::analyze::Workspace;
use crate::hr::HrRecord;
use crate::journal::{DIGEST_PREFIX, Pseudonyms};
use crate::reconcile::{EntitlementKind, Report};
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

/// The reconciliation as kept in the journal directory (`reconcile.json`): under the policy,
/// every account that is an email address (an `account` entitlement names it too) becomes its
/// salted digest, as in the run journals; `None` when the policy is off.
pub fn minimised_findings(workspace: &Workspace, report: &Report) -> Result<Option<Report>> {
    if !workspace.config.policy.minimise_personal_data {
        return Ok(None);
    }
    let pseudonyms = Pseudonyms::for_journal(&workspace.config.journal, &[])
        .map_err(super::error::journal_err)?;
    let mut kept = report.clone();
    minimise_accounts(&mut kept, &pseudonyms);
    Ok(Some(kept))
}

/// Replace each finding's account that is an email address by its digest.
fn minimise_accounts(report: &mut Report, pseudonyms: &Pseudonyms) {
    for finding in &mut report.findings {
        if !finding.account.contains('@') {
            continue;
        }
        finding.account = pseudonyms.digest(&finding.account);
        if finding.entitlement_type == EntitlementKind::Account {
            finding.entitlement = finding.account.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Coverage, Finding, FindingKind, Totals};

    fn finding(account: &str, entitlement_type: EntitlementKind, entitlement: &str) -> Finding {
        Finding {
            kind: FindingKind::Orphan,
            system: "m365".to_owned(),
            account: account.to_owned(),
            employee_id: Some("E1".to_owned()),
            hr_status: None,
            role: None,
            entitlement_type,
            entitlement: entitlement.to_owned(),
            monthly_cost_cents: 0,
            days_orphaned: None,
            last_sign_in: None,
            days_dormant: None,
        }
    }

    #[test]
    fn email_accounts_become_digests_and_logins_stay() {
        let pseudonyms = Pseudonyms::new("00".repeat(32), &[]);
        let mail = "megan.bowen@contoso.example";
        let mut report = Report {
            now: "2026-12-01T00:00:00Z".to_owned(),
            findings: vec![
                finding(mail, EntitlementKind::Account, mail),
                finding(mail, EntitlementKind::Group, "Sales"),
                finding("bob", EntitlementKind::Account, "bob"),
            ],
            totals: Totals::default(),
            coverage: Coverage::default(),
        };
        minimise_accounts(&mut report, &pseudonyms);
        let digest = pseudonyms.digest(mail);
        let kept: Vec<(&str, &str)> = report
            .findings
            .iter()
            .map(|f| (f.account.as_str(), f.entitlement.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                (digest.as_str(), digest.as_str()),
                (digest.as_str(), "Sales"),
                ("bob", "bob")
            ]
        );
        assert!(!serde_json::to_string(&report).unwrap().contains("megan"));
    }
}
