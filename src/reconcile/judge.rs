//! The rules: given what HR says of a holder, the role matrix and the allow-list, is this
//! entitlement a finding, and of which kind? Read-only and shared by every scanning thread; it
//! never reads a source or prints anything.
//!
//! - Unknown holder: no employee id, or one HR does not list, unless the account is on the
//!   service-account allow-list.
//! - An HR status takes effect at its `effective_at`; before then the holder counts as active in
//!   their current `role`. A status without a time is in force.
//! - Orphan: the holder is `terminated`, `resigned` or `contractor_ended`; every entitlement
//!   counts (a disabled account's groups and seats too: they still grant or cost).
//! - Suspend expected: the holder is `on_leave` and the account is enabled. Groups and seats
//!   stay by policy, and are judged against the role like an active holder's.
//! - Excess: a group or license the holder's role does not carry; for `transferred` holders the
//!   role is `new_role` (when given). Holders without a role in the matrix are not judged.
//! - Dormant: a paid seat (a license costing more than 0) of an `active` or `transferred`
//!   holder whose account is enabled and last signed in `dormant_after` or longer ago. Only
//!   sources that know the sign-in say so; a seat never signed in, or of a system that does not
//!   record sign-ins, is not judged dormant. A seat already found excess is not listed again as
//!   dormant (it goes anyway); holders on leave are expected not to sign in.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::entitlement::{Entitlement, EntitlementKind};
use super::finding::{Finding, FindingKind};
use super::role_index::{NO_ROLE, RoleId, RoleIndex, UNKNOWN_ROLE};
use super::roster::{Person, Roster};
use super::tally::Tally;
use crate::playbook::AllowList;
use crate::playbook::Status;

const DAY: i64 = 86_400;

/// The rules, bound to one roster, role matrix, allow-list and time.
#[derive(Clone, Copy, Debug)]
pub struct Judge<'a> {
    roster: &'a Roster,
    roles: &'a RoleIndex,
    allow: &'a AllowList,
    now: i64,
    dormant_after: i64,
}

impl<'a> Judge<'a> {
    /// Rules judging at `now` (Unix seconds), finding seats dormant after 90 days without a
    /// sign-in.
    pub fn new(roster: &'a Roster, roles: &'a RoleIndex, allow: &'a AllowList, now: i64) -> Self {
        Judge {
            roster,
            roles,
            allow,
            now,
            dormant_after: 90 * DAY,
        }
    }

    /// Find a paid seat dormant when its account has not signed in for `seconds`.
    pub fn with_dormant_after(mut self, seconds: u64) -> Self {
        self.dormant_after = i64::try_from(seconds).unwrap_or(i64::MAX);
        self
    }

    /// Count one entitlement in `tally` and judge it, recording any finding there, once
    /// [`super::pending::WINDOW`] more have been read (the holder's record is fetched from memory meanwhile).
    /// Call [`Judge::flush`] after the last.
    #[inline]
    pub fn visit(&self, tally: &mut Tally, e: &Entitlement<'_>) {
        tally.entitlements += 1;
        self.roster.prefetch(e.employee_id);
        let mut pending = std::mem::take(&mut tally.pending);
        pending.push(e, |oldest| self.judge(tally, oldest));
        tally.pending = pending;
    }

    /// Judge the entitlements `tally` holds back.
    pub fn flush(&self, tally: &mut Tally) {
        let mut pending = std::mem::take(&mut tally.pending);
        pending.drain(|e| self.judge(tally, e));
        tally.pending = pending;
    }

    /// Judge one entitlement, recording any finding in `tally`.
    fn judge(&self, tally: &mut Tally, e: &Entitlement<'_>) {
        let person = if e.employee_id.is_empty() {
            None
        } else {
            self.roster.get(e.employee_id)
        };
        let Some(person) = person else {
            if self.allow.permits(e.system, e.account) {
                tally.service_account_entitlements += 1;
            } else {
                tally
                    .findings
                    .push(finding(FindingKind::UnknownHolder, e, None, None, None));
            }
            return;
        };
        let in_force = person.effective_at.is_none_or(|t| t <= self.now);
        let days = person.effective_at.map(|t| (self.now - t).div_euclid(DAY));
        let status = if in_force {
            person.status
        } else {
            Status::Active
        };
        match status {
            Status::Terminated | Status::Resigned | Status::ContractorEnded => {
                tally
                    .findings
                    .push(finding(FindingKind::Orphan, e, Some(status), None, days));
            }
            Status::OnLeave if e.kind == EntitlementKind::Account => {
                tally.findings.push(finding(
                    FindingKind::SuspendExpected,
                    e,
                    Some(status),
                    None,
                    days,
                ));
            }
            Status::OnLeave | Status::Active | Status::Transferred => {
                let excess = self.judge_excess(tally, e, &person, status, in_force);
                if !excess && status != Status::OnLeave {
                    self.judge_dormant(tally, e, status);
                }
            }
        }
    }

    /// Judge a group or seat against the holder's role; true when it is excess.
    fn judge_excess(
        &self,
        tally: &mut Tally,
        e: &Entitlement<'_>,
        person: &Person,
        status: Status,
        in_force: bool,
    ) -> bool {
        if e.kind == EntitlementKind::Account {
            return false;
        }
        let role: RoleId =
            if in_force && status == Status::Transferred && person.new_role != NO_ROLE {
                person.new_role
            } else {
                person.role
            };
        if role == NO_ROLE || role == UNKNOWN_ROLE {
            tally.unjudged_entitlements += 1;
            return false;
        }
        if self.roles.carries(role, e.kind, e.name) {
            return false;
        }
        let name = self.roles.name(role).map(str::to_owned);
        tally
            .findings
            .push(finding(FindingKind::Excess, e, Some(status), name, None));
        true
    }

    /// Record a paid seat whose account has not signed in for `dormant_after`.
    fn judge_dormant(&self, tally: &mut Tally, e: &Entitlement<'_>, status: Status) {
        let Some(last) = e.last_sign_in else {
            return;
        };
        if e.kind != EntitlementKind::License || e.monthly_cost_cents <= 0 {
            return;
        }
        let idle = self.now.saturating_sub(last);
        if idle < self.dormant_after {
            return;
        }
        let mut found = finding(FindingKind::Dormant, e, Some(status), None, None);
        found.last_sign_in = OffsetDateTime::from_unix_timestamp(last)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok());
        found.days_dormant = Some(idle.div_euclid(DAY));
        tally.findings.push(found);
    }
}

fn finding(
    kind: FindingKind,
    e: &Entitlement<'_>,
    hr_status: Option<Status>,
    role: Option<String>,
    days_orphaned: Option<i64>,
) -> Finding {
    Finding {
        kind,
        system: e.system.to_owned(),
        account: e.account.to_owned(),
        employee_id: (!e.employee_id.is_empty()).then(|| e.employee_id.to_owned()),
        hr_status,
        role,
        entitlement_type: e.kind,
        entitlement: e.name.to_owned(),
        monthly_cost_cents: e.monthly_cost_cents,
        days_orphaned,
        last_sign_in: None,
        days_dormant: None,
    }
}
