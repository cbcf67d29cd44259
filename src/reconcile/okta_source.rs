//! An Okta org as an entitlement source: every user, page by page, through the Okta
//! connector's listing. It only reads.
//!
//! - A user that is not deactivated (`DEPROVISIONED`) is an account entitlement; a deactivated
//!   one is not, but its groups and app assignments still are (they still grant or cost).
//! - Each app the user is assigned is a license entitlement named by the app's label and costed
//!   from the connector's `monthly_cost_cents`, as `inventory.release_seats` costs it.
//! - Each group the user is a member of is a group entitlement named by its name; the built-in
//!   Everyone is not (every user is a member, and it grants nothing by itself).
//! - The account is the user's `login` (what the connector's `match` finds users by); the HR
//!   employee id is `profile.employeeNumber`.
//! - `lastLogin` goes with an active user's entitlements, so its paid app assignments can be
//!   found dormant; a user who never signed in has none.
//!
//! Memory: one page of users (at most 200) and one user's groups and apps at a time. Every
//! request is retried on transient failures (a rate limit until its reset) under the engine's
//! retry policy; one that still fails ends the listing with an error naming the connector.

use super::directory_user::{DirectoryUser, retried};
use super::entitlement::Entitlement;
use super::error::ReconcileError;
use super::source::EntitlementSource;
use crate::connector::ConnectorError;
use crate::connector::okta::OktaConnector;
use crate::execute::targets::okta_connector;
use crate::playbook::OktaSettings;
use crate::retry::RetryPolicy;

/// One Okta org, named after its connector.
#[derive(Debug)]
pub struct OktaSource {
    system: String,
    connector: OktaConnector,
    retry: RetryPolicy,
}

impl OktaSource {
    /// The users of the org behind `connector`, reported as system `system`.
    pub fn new(system: impl Into<String>, connector: OktaConnector) -> OktaSource {
        OktaSource {
            system: system.into(),
            connector,
            retry: RetryPolicy::default(),
        }
    }

    /// The source of the `type: okta` connector `name`, its credential read as for a run.
    /// Nothing is contacted yet.
    pub fn from_settings(
        name: &str,
        settings: &OktaSettings,
    ) -> Result<OktaSource, ReconcileError> {
        let connector = okta_connector(name, settings)
            .map_err(|message| ReconcileError::connector(name, message))?;
        Ok(OktaSource::new(name, connector))
    }

    /// One request, retried under the policy; the error names the connector.
    fn call<T>(&self, op: impl FnMut() -> Result<T, ConnectorError>) -> Result<T, ReconcileError> {
        retried(&self.retry, &self.system, op)
    }
}

impl EntitlementSource for OktaSource {
    fn describe(&self) -> String {
        format!("{} (okta)", self.system)
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let system = self.system.as_str();
        let mut users = self.connector.list_users();
        while let Some(page) = self.call(|| users.next_page())? {
            for user in page {
                let seats = self.call(|| self.connector.seats(&user.id))?;
                let seats: Vec<(&str, i64)> = seats
                    .iter()
                    .map(|s| (s.product.as_str(), s.monthly_cost_cents))
                    .collect();
                let groups = self.call(|| self.connector.group_names(&user.id))?;
                let directory_user = DirectoryUser {
                    system,
                    account: &user.login,
                    employee_id: &user.employee_number,
                    active: user.active,
                    last_sign_in: user.last_login,
                };
                directory_user.visit(&seats, &groups, visit);
            }
        }
        Ok(())
    }
}
