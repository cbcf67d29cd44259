//! The findings of `offboard reconcile` and the report that carries them: a public format (the
//! JSON output and the CSV columns), so every field is documented and named as it is printed.
//! Plain data; it never reads a system or decides what is a finding.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use super::entitlement::EntitlementKind;
use crate::playbook::Status;

/// Why an entitlement is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The holder left (HR status `terminated`, `resigned` or `contractor_ended`, in force).
    Orphan,
    /// The holder is unknown to HR: no employee id, or one HR does not list, and the account
    /// is not on the service-account allow-list.
    UnknownHolder,
    /// The holder is on leave and the account is still enabled.
    SuspendExpected,
    /// The holder's role (in the role matrix) does not carry this group or license.
    Excess,
    /// A paid seat of a current employee's enabled account that has not signed in for
    /// `policy.dormant_after`: a cost to review, never offboarded automatically.
    Dormant,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 5] = [
        FindingKind::Orphan,
        FindingKind::UnknownHolder,
        FindingKind::SuspendExpected,
        FindingKind::Excess,
        FindingKind::Dormant,
    ];

    /// The name printed in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Orphan => "orphan",
            FindingKind::UnknownHolder => "unknown_holder",
            FindingKind::SuspendExpected => "suspend_expected",
            FindingKind::Excess => "excess",
            FindingKind::Dormant => "dormant",
        }
    }

    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            FindingKind::Orphan => "Orphaned: the holder left",
            FindingKind::UnknownHolder => "Unknown to HR",
            FindingKind::SuspendExpected => "Suspend expected: on leave with access",
            FindingKind::Excess => "Excess: not carried by the holder's role",
            FindingKind::Dormant => "Dormant: paid seats of current employees not signed in",
        }
    }
}

/// One entitlement that should not be there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Why it is listed.
    pub kind: FindingKind,
    /// The system holding it (connector name, or the export's `system` column).
    pub system: String,
    /// The account's login name in that system.
    pub account: String,
    /// The employee id the system records; `null` when it records none.
    pub employee_id: Option<String>,
    /// The holder's HR status in force now; `null` when HR does not know the holder.
    pub hr_status: Option<Status>,
    /// The role the entitlement was judged against (excess findings only).
    pub role: Option<String>,
    /// `account`, `group` or `license`.
    pub entitlement_type: EntitlementKind,
    /// The group name, license product id, or account name.
    pub entitlement: String,
    /// Monthly cost in cents.
    pub monthly_cost_cents: i64,
    /// Whole days since the HR effective time (orphans and suspend expected); `null` otherwise.
    pub days_orphaned: Option<i64>,
    /// The account's last sign-in (RFC 3339, UTC; dormant findings only); `null` otherwise.
    pub last_sign_in: Option<String>,
    /// Whole days since that sign-in (dormant findings only); `null` otherwise.
    pub days_dormant: Option<i64>,
}

impl Finding {
    /// The report order: kind, system, account, entitlement type, entitlement (then the
    /// remaining fields, so that the order is total).
    pub fn report_order(&self, other: &Finding) -> Ordering {
        type Primary<'a> = (FindingKind, &'a str, &'a str, EntitlementKind, &'a str);
        type Rest<'a> = (
            Option<&'a str>,
            i64,
            Option<i64>,
            Option<Status>,
            Option<&'a str>,
            Option<i64>,
        );
        fn key(f: &Finding) -> (Primary<'_>, Rest<'_>) {
            (
                (
                    f.kind,
                    &f.system,
                    &f.account,
                    f.entitlement_type,
                    &f.entitlement,
                ),
                (
                    f.employee_id.as_deref(),
                    f.monthly_cost_cents,
                    f.days_orphaned,
                    f.hr_status,
                    f.role.as_deref(),
                    f.days_dormant,
                ),
            )
        }
        key(self).cmp(&key(other))
    }
}

/// Count and monthly cost of a set of findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sum {
    /// How many findings.
    pub count: u64,
    /// Their monthly cost, in cents.
    pub monthly_cost_cents: i64,
}

impl Sum {
    fn add(&mut self, cost: i64) {
        self.count += 1;
        self.monthly_cost_cents = self.monthly_cost_cents.saturating_add(cost);
    }
}

/// Totals of a report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Every finding.
    pub count: u64,
    /// Their monthly cost, in cents.
    pub monthly_cost_cents: i64,
    /// The same, per finding kind (every kind present, zero when none).
    pub by_kind: BTreeMap<FindingKind, Sum>,
}

impl Totals {
    /// The totals of `findings`.
    pub fn of(findings: &[Finding]) -> Totals {
        let mut all = Sum::default();
        let mut by_kind: BTreeMap<FindingKind, Sum> = FindingKind::ALL
            .iter()
            .map(|k| (*k, Sum::default()))
            .collect();
        for f in findings {
            all.add(f.monthly_cost_cents);
            by_kind.entry(f.kind).or_default().add(f.monthly_cost_cents);
        }
        Totals {
            count: all.count,
            monthly_cost_cents: all.monthly_cost_cents,
            by_kind,
        }
    }
}

/// What was read, beside what was found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The sources read, as described by each.
    pub sources: Vec<String>,
    /// People in the HR roster.
    pub people: u64,
    /// Entitlements read from all sources.
    pub entitlements: u64,
    /// Entitlements of allow-listed service accounts, not judged.
    pub service_account_entitlements: u64,
    /// Groups and licenses of holders whose role is absent from the role matrix (or empty):
    /// excess could not be judged for them.
    pub unjudged_entitlements: u64,
    /// What a source could not read, in words (e.g. an Entra tenant whose sign-in activity
    /// is not readable, so none of its seats was judged dormant).
    pub notes: Vec<String>,
}

/// The result of `offboard reconcile`: the `--format json` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The time findings were judged at (RFC 3339, UTC; `OFFBOARD_NOW` when set).
    pub now: String,
    /// Every finding, in report order.
    pub findings: Vec<Finding>,
    /// Count and monthly cost, overall and per kind.
    pub totals: Totals,
    /// What was read.
    pub coverage: Coverage,
}

impl Report {
    /// True when nothing was found (exit 0).
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The CSV header of `--format csv`, matching [`Finding`]'s fields.
pub const CSV_HEADER: [&str; 12] = [
    "kind",
    "system",
    "account",
    "employee_id",
    "hr_status",
    "role",
    "entitlement_type",
    "entitlement",
    "monthly_cost_cents",
    "days_orphaned",
    "last_sign_in",
    "days_dormant",
];

impl Finding {
    /// The finding as a `--format csv` row, in [`CSV_HEADER`] order (absent values empty). Text
    /// the systems gave (names of systems, accounts, employees, roles, entitlements) is made
    /// inert for spreadsheets: a group named `=HYPERLINK(...)` stays text.
    pub fn csv_row(&self) -> [String; 12] {
        let cell = crate::human::spreadsheet_safe;
        [
            self.kind.as_str().to_owned(),
            cell(&self.system),
            cell(&self.account),
            cell(self.employee_id.as_deref().unwrap_or_default()),
            self.hr_status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            cell(self.role.as_deref().unwrap_or_default()),
            self.entitlement_type.as_str().to_owned(),
            cell(&self.entitlement),
            self.monthly_cost_cents.to_string(),
            self.days_orphaned
                .map(|d| d.to_string())
                .unwrap_or_default(),
            self.last_sign_in.clone().unwrap_or_default(),
            self.days_dormant.map(|d| d.to_string()).unwrap_or_default(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_from_the_systems_are_inert_in_spreadsheets() {
        let finding = Finding {
            kind: FindingKind::Excess,
            system: "directory".to_owned(),
            account: "@mallory".to_owned(),
            employee_id: Some("E1007".to_owned()),
            hr_status: None,
            role: Some("-sales".to_owned()),
            entitlement_type: EntitlementKind::Group,
            entitlement: "=HYPERLINK(\"http://x\")".to_owned(),
            monthly_cost_cents: 1250,
            days_orphaned: None,
            last_sign_in: None,
            days_dormant: None,
        };
        let row = finding.csv_row();
        assert_eq!(row[2], "'@mallory");
        assert_eq!(row[5], "'-sales");
        assert_eq!(row[7], "'=HYPERLINK(\"http://x\")");
        assert_eq!((row[1].as_str(), row[3].as_str()), ("directory", "E1007"));
        assert_eq!(row[8], "1250");
    }
}
