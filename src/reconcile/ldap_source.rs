//! An LDAP directory as an entitlement source: every account entry, then every group, listed
//! by paged searches through the LDAP connector on one bound connection. It only reads.
//!
//! - An entry under `base_dn` carrying the match attribute is an account, named by that
//!   attribute's value (e.g. its `uid`). It is an account entitlement unless it is disabled
//!   under the connector's `disable` method, by the same rule as reading one account:
//!   `ppolicy_lock`, the permanent `pwdAccountLockedTime` value (a timed lockout left by failed
//!   binds expires and does not count); `move_ou`, the entry lies under the disabled OU (listed
//!   too when it is outside `base_dn`); `ad_uac`, bit 0x2 of `userAccountControl`.
//! - The HR employee id is the entry's `employeeNumber`; an entry without one is unknown to HR
//!   unless allow-listed.
//! - Each membership of a listed account in a group (`member`, `uniqueMember` or `memberUid`,
//!   as configured) is a group entitlement named after the group's `cn`, whether the account
//!   is disabled or not. With `move_ou`, a group still naming a moved account's old DN counts
//!   as its membership. Members that are no listed account are passed over.
//! - Directories hold no license seats: every entitlement costs 0.
//!
//! Memory: the accounts are kept as `member key -> (account, employeeNumber)` so group members
//! can be named (about 25 bytes per account plus its DN or uid, name and id); entries arrive
//! one at a time. Connecting and binding are retried on transient failures under the engine's
//! retry policy; a failure during the listing ends it with an error naming the connector (a
//! paged search cannot resume where it broke off).

use std::ops::ControlFlow;

use super::entitlement::{Entitlement, EntitlementKind};
use super::error::ReconcileError;
use super::holder_index::HolderIndex;
use super::source::EntitlementSource;
use crate::connector::ldap::{LIST_PAGE_SIZE, LdapConnector};
use crate::execute::targets::ldap_connector;
use crate::playbook::LdapSettings;
use crate::retry::RetryPolicy;

/// One LDAP directory, named after its connector.
#[derive(Debug)]
pub struct LdapSource {
    system: String,
    connector: LdapConnector,
    page_size: i32,
    retry: RetryPolicy,
}

impl LdapSource {
    /// The accounts and groups behind `connector`, reported as system `system`, read
    /// [`LIST_PAGE_SIZE`] entries per page under the default retry policy.
    pub fn new(system: impl Into<String>, connector: LdapConnector) -> LdapSource {
        LdapSource {
            system: system.into(),
            connector,
            page_size: LIST_PAGE_SIZE,
            retry: RetryPolicy::default(),
        }
    }

    /// The source of the `type: ldap` connector `name`: its URL, bind (the password read from
    /// the variable `password_env` names), base DN, match attribute, disable method, member
    /// attribute and timeout. Nothing is contacted yet.
    pub fn from_settings(
        name: &str,
        settings: &LdapSettings,
    ) -> Result<LdapSource, ReconcileError> {
        let connector = ldap_connector(name, settings)
            .map_err(|message| ReconcileError::connector(name, message))?;
        Ok(LdapSource::new(name, connector))
    }

    /// Ask for `page_size` entries per page (at least 1).
    pub fn with_page_size(mut self, page_size: i32) -> LdapSource {
        self.page_size = page_size.max(1);
        self
    }

    /// Retry transient failures to connect and bind under `retry`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> LdapSource {
        self.retry = retry;
        self
    }

    fn error(&self, message: impl std::fmt::Display) -> ReconcileError {
        ReconcileError::connector(&self.system, message)
    }
}

impl EntitlementSource for LdapSource {
    fn describe(&self) -> String {
        let options = self.connector.options();
        format!(
            "{} (ldap {} {})",
            self.system, options.endpoint, options.base_dn
        )
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let system = self.system.as_str();
        let too_many = "too many accounts to hold their names in memory";
        let mut listing = self
            .retry
            .call(|| self.connector.listing(), |_, _, _| {})
            .map_err(|e| self.error(e))?;
        let mut holders = HolderIndex::new();
        let mut moved: Vec<(String, String, String)> = Vec::new();
        let mut full = false;
        listing
            .accounts(self.page_size, |entry| {
                let account = entry.account.trim();
                let employee_id = entry.employee_id.unwrap_or("").trim();
                if let Some(key) = &entry.member_key
                    && holders.insert(key, account, employee_id).is_err()
                {
                    full = true;
                    return ControlFlow::Break(());
                }
                if let Some(key) = &entry.moved_from {
                    moved.push((key.clone(), account.to_owned(), employee_id.to_owned()));
                }
                if entry.active {
                    visit(&Entitlement {
                        system,
                        account,
                        employee_id,
                        kind: EntitlementKind::Account,
                        name: account,
                        monthly_cost_cents: 0,
                        last_sign_in: None,
                    });
                }
                ControlFlow::Continue(())
            })
            .map_err(|e| self.error(e))?;
        // Old DNs only after every current one, so an entry living at a DN keeps it.
        for (key, account, employee_id) in moved {
            if full || holders.insert(&key, &account, &employee_id).is_err() {
                full = true;
                break;
            }
        }
        if full {
            return Err(self.error(too_many));
        }
        listing
            .groups(self.page_size, |group| {
                let mut holders_of: Vec<(&str, &str)> = group
                    .members
                    .iter()
                    .filter_map(|member| holders.get(member))
                    .collect();
                // A group naming a moved account by its old and new DN holds it once.
                holders_of.sort_unstable();
                holders_of.dedup();
                for (account, employee_id) in holders_of {
                    visit(&Entitlement {
                        system,
                        account,
                        employee_id,
                        kind: EntitlementKind::Group,
                        name: group.name,
                        monthly_cost_cents: 0,
                        last_sign_in: None,
                    });
                }
                ControlFlow::Continue(())
            })
            .map_err(|e| self.error(e))
    }
}
