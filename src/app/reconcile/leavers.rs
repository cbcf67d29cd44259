//! Whom `offboard reconcile --offboard` starts: the people HR lists as leavers (or on leave) who
//! still hold access, once each, with what remains of their access. Holders unknown to HR,
//! excess grants and dormant seats are never started: they need a person to decide. They are
//! started through the same guarded batch as `offboard run --from`
//! ([`crate::app::batch::start_batch`]).

use crate::playbook::Status;
use crate::reconcile::{Finding, FindingKind, Report};

/// One employee `--offboard` starts, with what remains of their access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaver {
    /// The HR employee id.
    pub employee: String,
    /// Their HR status in force.
    pub status: Option<Status>,
    /// Whole days since the HR effective time, when known.
    pub days: Option<i64>,
    /// Entitlements still held.
    pub entitlements: usize,
    /// Their monthly cost, in cents.
    pub monthly_cost_cents: i64,
    /// The systems holding them, in report order.
    pub systems: Vec<String>,
}

/// Whether a finding's holder is a leaver `--offboard` may start.
pub fn starts(finding: &Finding) -> bool {
    matches!(
        finding.kind,
        FindingKind::Orphan | FindingKind::SuspendExpected
    )
}

/// The distinct leavers of `report`, in report order.
pub fn leavers(report: &Report) -> Vec<Leaver> {
    let mut out: Vec<Leaver> = Vec::new();
    for finding in report.findings.iter().filter(|f| starts(f)) {
        // The judge gives these kinds only to holders HR lists, so the id is always there.
        let Some(employee) = &finding.employee_id else {
            continue;
        };
        let leaver = match out.iter_mut().find(|l| &l.employee == employee) {
            Some(leaver) => leaver,
            None => {
                out.push(Leaver {
                    employee: employee.clone(),
                    status: finding.hr_status,
                    days: finding.days_orphaned,
                    entitlements: 0,
                    monthly_cost_cents: 0,
                    systems: Vec::new(),
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        leaver.entitlements += 1;
        leaver.monthly_cost_cents = leaver
            .monthly_cost_cents
            .saturating_add(finding.monthly_cost_cents);
        if !leaver.systems.contains(&finding.system) {
            leaver.systems.push(finding.system.clone());
        }
    }
    out
}

/// The line saying why `leaver` is started.
pub fn reason(leaver: &Leaver) -> String {
    let status = leaver.status.map_or("left", |s| s.as_str());
    let since = leaver
        .days
        .map(|d| format!(" for {d} day(s)"))
        .unwrap_or_default();
    format!(
        "{}: {status}{since}, still holds {} entitlement(s) on {} ({} a month)",
        leaver.employee,
        leaver.entitlements,
        leaver.systems.join(", "),
        crate::human::money(leaver.monthly_cost_cents)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Coverage, EntitlementKind, Totals};

    fn finding(kind: FindingKind, account: &str, id: Option<&str>, cost: i64) -> Finding {
        Finding {
            kind,
            system: if cost > 1000 { "saas" } else { "directory" }.to_owned(),
            account: account.to_owned(),
            employee_id: id.map(str::to_owned),
            hr_status: id.map(|_| Status::Terminated),
            role: None,
            entitlement_type: EntitlementKind::License,
            entitlement: "x".to_owned(),
            monthly_cost_cents: cost,
            days_orphaned: id.map(|_| 4),
            last_sign_in: None,
            days_dormant: None,
        }
    }

    #[test]
    fn only_leavers_known_to_hr_once_each_in_report_order() {
        let findings = vec![
            finding(FindingKind::Orphan, "grace", Some("E8"), 100),
            finding(FindingKind::Orphan, "grace", Some("E8"), 2000),
            finding(FindingKind::Orphan, "heidi", Some("E9"), 0),
            finding(FindingKind::UnknownHolder, "temp", Some("E0999"), 50),
            finding(FindingKind::UnknownHolder, "ghost", None, 50),
            finding(FindingKind::SuspendExpected, "dave", Some("E4"), 0),
            finding(FindingKind::Excess, "judy", Some("E11"), 4500),
            finding(FindingKind::Dormant, "ivan", Some("E12"), 2300),
        ];
        let report = Report {
            now: "t".to_owned(),
            totals: Totals::of(&findings),
            findings,
            coverage: Coverage::default(),
        };
        let found = leavers(&report);
        let ids: Vec<&str> = found.iter().map(|l| l.employee.as_str()).collect();
        assert_eq!(ids, ["E8", "E9", "E4"]);
        assert_eq!(found[0].entitlements, 2);
        assert_eq!(found[0].monthly_cost_cents, 2100);
        assert_eq!(found[0].systems, ["directory", "saas"]);
        assert_eq!(
            reason(&found[0]),
            "E8: terminated for 4 day(s), still holds 2 entitlement(s) on directory, saas (21.00 a month)"
        );
    }
}
