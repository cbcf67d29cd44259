//! A Google Workspace customer as an entitlement source: every user, page by page, through the
//! Google connector's listing. It only reads.
//!
//! - A user that is not suspended is an account entitlement; a suspended one is not, but its
//!   groups and licenses still are (they still grant or cost).
//! - Each configured license (`licenses`, by product and SKU) the user holds is a license
//!   entitlement named by its SKU id and costed from its `monthly_cost_cents`, as
//!   `inventory.release_seats` names and costs it. The holders are read once per license
//!   (`licenseAssignments.listForProductAndSku`) before the users are judged.
//! - Each group the user is a member of is a group entitlement named by its email address.
//! - The account is the user's primary email (what the connector's `match` finds users by);
//!   the HR employee id is the user's external id of type `organization`.
//! - `lastLoginTime` goes with an active user's entitlements, so its paid seats can be found
//!   dormant; a user who never signed in (Google's 1970-01-01) has none.
//!
//! Memory: the holders of the configured licenses (tens of bytes each), one page of users (at
//! most 500) and one user's groups at a time. Every request is retried on transient failures
//! under the engine's retry policy; one that still fails ends the listing with an error naming
//! the connector.

use std::collections::HashMap;

use super::directory_user::{DirectoryUser, retried};
use super::entitlement::Entitlement;
use super::error::ReconcileError;
use super::source::EntitlementSource;
use crate::connector::ConnectorError;
use crate::connector::google::GoogleConnector;
use crate::execute::targets::google_connector;
use crate::playbook::GoogleWorkspaceSettings;
use crate::retry::RetryPolicy;

/// For each holder (primary email, lower case), the indexes of the licenses it holds.
type Holders = HashMap<String, Vec<usize>>;

/// One Google Workspace customer, named after its connector.
#[derive(Debug)]
pub struct GoogleSource {
    system: String,
    connector: GoogleConnector,
    retry: RetryPolicy,
}

impl GoogleSource {
    /// The users of the customer behind `connector`, reported as system `system`.
    pub fn new(system: impl Into<String>, connector: GoogleConnector) -> GoogleSource {
        GoogleSource {
            system: system.into(),
            connector,
            retry: RetryPolicy::default(),
        }
    }

    /// The source of the `type: google_workspace` connector `name`, its service account key
    /// read as for a run. Nothing is contacted yet.
    pub fn from_settings(
        name: &str,
        settings: &GoogleWorkspaceSettings,
    ) -> Result<GoogleSource, ReconcileError> {
        let connector = google_connector(name, settings)
            .map_err(|message| ReconcileError::connector(name, message))?;
        Ok(GoogleSource::new(name, connector))
    }

    /// One request, retried under the policy; the error names the connector.
    fn call<T>(&self, op: impl FnMut() -> Result<T, ConnectorError>) -> Result<T, ReconcileError> {
        retried(&self.retry, &self.system, op)
    }

    /// Who holds each configured license in customer `customer`.
    fn holders(&self, customer: &str) -> Result<Holders, ReconcileError> {
        let mut holders = Holders::new();
        for (at, license) in self.connector.licenses().iter().enumerate() {
            let mut pages = self.connector.license_holders(license, customer);
            while let Some(page) = self.call(|| pages.next_page())? {
                for email in page {
                    holders.entry(email.to_lowercase()).or_default().push(at);
                }
            }
        }
        Ok(holders)
    }
}

impl EntitlementSource for GoogleSource {
    fn describe(&self) -> String {
        format!("{} (google_workspace)", self.system)
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let system = self.system.as_str();
        let licenses = self.connector.licenses();
        let mut holders: Option<Holders> = None;
        let mut users = self.connector.list_users();
        while let Some(page) = self.call(|| users.next_page())? {
            for user in page {
                let held = match &holders {
                    Some(held) => held,
                    None => holders.insert(self.holders(&user.customer_id)?),
                };
                let seats: Vec<(&str, i64)> = held
                    .get(&user.email.to_lowercase())
                    .into_iter()
                    .flatten()
                    .map(|&at| (licenses[at].sku.as_str(), licenses[at].monthly_cost_cents))
                    .collect();
                let groups = self.call(|| self.connector.group_names(&user.id))?;
                let directory_user = DirectoryUser {
                    system,
                    account: &user.email,
                    employee_id: &user.employee_id,
                    active: user.active,
                    last_sign_in: user.last_login,
                };
                directory_user.visit(&seats, &groups, visit);
            }
        }
        Ok(())
    }
}
