//! A SCIM 2.0 service provider as an entitlement source: every User, then every Group, listed
//! page by page through the SCIM connector. It only reads.
//!
//! - An active User (`active` true or absent) is an account entitlement; a deactivated one is
//!   not, but its group memberships still are (they still grant access once it is re-enabled).
//! - Each membership of a listed User in a Group is a group entitlement named after the
//!   Group's `displayName` (its `id` when it has none). Members that are not listed Users
//!   (nested Groups, dangling ids) are not entitlements of anyone and are passed over; so are
//!   the members of a Group the server lists without its `members` attribute.
//! - The account is the User's `userName` (its `id` when it has none). The HR employee id is
//!   its `externalId`: the provisioning client (the HR-driven flow that created the account)
//!   is expected to store the HR employee id there. A User without one is unknown to HR unless
//!   allow-listed. When the connector's `match.attribute` is `externalId`, offboarding finds
//!   accounts by that same value.
//! - SCIM holds no license seats: every entitlement costs 0.
//!
//! Memory: the Users are listed first and kept as `id -> (userName, externalId)` so Group
//! members (ids) can be named; that is about 25 bytes per User plus those three strings, and
//! the ids of the Groups seen. Everything else is one page at a time. Each page request is
//! retried on transient failures under the engine's retry policy; a page that still fails
//! ends the listing with an error naming the connector.

use std::collections::HashSet;

use super::entitlement::{Entitlement, EntitlementKind};
use super::error::ReconcileError;
use super::holder_index::HolderIndex;
use super::source::EntitlementSource;
use crate::connector::ConnectorError;
use crate::connector::scim::{LIST_PAGE_SIZE, ScimConnector};
use crate::execute::targets::scim_connector;
use crate::playbook::ScimSettings;
use crate::retry::RetryPolicy;

/// One SCIM service provider, named after its connector.
#[derive(Debug)]
pub struct ScimSource {
    system: String,
    connector: ScimConnector,
    page_size: u64,
    retry: RetryPolicy,
}

impl ScimSource {
    /// The Users and Groups behind `connector`, reported as system `system`, read
    /// [`LIST_PAGE_SIZE`] per page under the default retry policy.
    pub fn new(system: impl Into<String>, connector: ScimConnector) -> ScimSource {
        ScimSource {
            system: system.into(),
            connector,
            page_size: LIST_PAGE_SIZE,
            retry: RetryPolicy::default(),
        }
    }

    /// The source of the `type: scim` connector `name`: its base URL, bearer token (read from
    /// the variable `token_env` names), timeout and concurrency. Nothing is contacted yet.
    pub fn from_settings(
        name: &str,
        settings: &ScimSettings,
    ) -> Result<ScimSource, ReconcileError> {
        let connector = scim_connector(name, settings)
            .map_err(|message| ReconcileError::connector(name, message))?;
        Ok(ScimSource::new(name, connector))
    }

    /// Ask for `page_size` resources per request (at least 1).
    pub fn with_page_size(mut self, page_size: u64) -> ScimSource {
        self.page_size = page_size.max(1);
        self
    }

    /// Retry transient failures of each request under `retry`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> ScimSource {
        self.retry = retry;
        self
    }

    fn error(&self, message: impl std::fmt::Display) -> ReconcileError {
        ReconcileError::connector(&self.system, message)
    }

    /// One page, retried under the policy; the error names the connector.
    fn page<T>(
        &self,
        mut next: impl FnMut() -> Result<Option<Vec<T>>, ConnectorError>,
    ) -> Result<Option<Vec<T>>, ReconcileError> {
        self.retry
            .call(&mut next, |_, _, _| {})
            .map_err(|e| self.error(e))
    }
}

impl EntitlementSource for ScimSource {
    fn describe(&self) -> String {
        format!("{} (scim {})", self.system, self.connector.base_url())
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let system = self.system.as_str();
        let mut users = HolderIndex::new();
        let mut pages = self.connector.users(self.page_size);
        while let Some(page) = self.page(|| pages.next_page())? {
            for user in page {
                let account = user.user_name.as_deref().unwrap_or(&user.id).trim();
                let employee_id = user.external_id.as_deref().unwrap_or("").trim();
                let new = users
                    .insert(&user.id, account, employee_id)
                    .map_err(|_| self.error("too many Users to hold their names in memory"))?;
                // Index paging is not a snapshot: a User seen twice is listed once.
                if new && user.active != Some(false) {
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
            }
        }
        let mut groups_seen: HashSet<String> = HashSet::new();
        let mut pages = self.connector.groups(self.page_size);
        while let Some(page) = self.page(|| pages.next_page())? {
            for group in page {
                if !groups_seen.insert(group.id.clone()) {
                    continue;
                }
                let name = group.display_name.as_deref().unwrap_or(&group.id);
                let mut members: Vec<&str> = group
                    .members
                    .iter()
                    .flatten()
                    .map(|m| m.value.as_str())
                    .collect();
                members.sort_unstable();
                members.dedup();
                for member in members {
                    if let Some((account, employee_id)) = users.get(member) {
                        visit(&Entitlement {
                            system,
                            account,
                            employee_id,
                            kind: EntitlementKind::Group,
                            name,
                            monthly_cost_cents: 0,
                            last_sign_in: None,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}
