//! A Microsoft Entra tenant as an entitlement source: every user, page by page, through the
//! Entra connector's listing. It only reads.
//!
//! - An enabled user (`accountEnabled` not false) is an account entitlement; a disabled one is
//!   not, but its groups and seats still are (they still grant or cost).
//! - Each license in `assignedLicenses` (held directly or through a group) is a license
//!   entitlement named by its SKU part number and costed from the connector's
//!   `monthly_cost_cents`.
//! - Each group the user is a direct member of (`memberOf`) is a group entitlement named by
//!   its `displayName`: one request per user (and page), as Graph lists memberships.
//! - The account is the `userPrincipalName`; the HR employee id is `employeeId`.
//! - The last sign-in (the later of `signInActivity`'s interactive and non-interactive times)
//!   goes with an enabled user's entitlements, so its paid seats can be found dormant. Where
//!   Graph refuses `signInActivity` (permission not granted, tenant without Entra ID P1 or
//!   P2), the tenant is read without it and a note says so.
//!
//! Memory: one page of users (at most 999) and one user's groups at a time. Every request is
//! retried on transient failures under the engine's retry policy; one that still fails ends
//! the listing with an error naming the connector.

use std::sync::{Mutex, PoisonError};

use super::directory_user::{DirectoryUser, retried};
use super::entitlement::Entitlement;
use super::error::ReconcileError;
use super::source::EntitlementSource;
use crate::connector::ConnectorError;
use crate::connector::entra::EntraConnector;
use crate::execute::targets::entra_connector;
use crate::playbook::EntraSettings;
use crate::retry::RetryPolicy;

/// One Entra tenant, named after its connector.
#[derive(Debug)]
pub struct EntraSource {
    system: String,
    connector: EntraConnector,
    retry: RetryPolicy,
    /// Why the last listing could not read sign-ins, when it could not.
    sign_ins_refused: Mutex<Option<String>>,
}

impl EntraSource {
    /// The users of the tenant behind `connector`, reported as system `system`.
    pub fn new(system: impl Into<String>, connector: EntraConnector) -> EntraSource {
        EntraSource {
            system: system.into(),
            connector,
            retry: RetryPolicy::default(),
            sign_ins_refused: Mutex::new(None),
        }
    }

    /// The source of the `type: entra` connector `name`, its credential read as for a run.
    /// Nothing is contacted yet.
    pub fn from_settings(
        name: &str,
        settings: &EntraSettings,
    ) -> Result<EntraSource, ReconcileError> {
        let connector = entra_connector(name, settings)
            .map_err(|message| ReconcileError::connector(name, message))?;
        Ok(EntraSource::new(name, connector))
    }

    /// One request, retried under the policy; the error names the connector.
    fn call<T>(&self, op: impl FnMut() -> Result<T, ConnectorError>) -> Result<T, ReconcileError> {
        retried(&self.retry, &self.system, op)
    }
}

impl EntitlementSource for EntraSource {
    fn describe(&self) -> String {
        format!("{} (entra)", self.system)
    }

    fn notes(&self) -> Vec<String> {
        let refused = self
            .sign_ins_refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        refused
            .iter()
            .map(|why| {
                format!(
                    "{}: sign-in activity not readable, so no seat there was judged dormant ({why})",
                    self.system
                )
            })
            .collect()
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let system = self.system.as_str();
        let mut users = self.connector.list_users();
        while let Some(page) = self.call(|| users.next_page())? {
            for user in page {
                let seats = user
                    .sku_ids
                    .iter()
                    .map(|sku| self.call(|| self.connector.seat(sku)))
                    .collect::<Result<Vec<_>, _>>()?;
                let seats: Vec<(&str, i64)> = seats
                    .iter()
                    .map(|s| (s.product.as_str(), s.monthly_cost_cents))
                    .collect();
                let groups = self.call(|| self.connector.group_names(&user.id))?;
                let directory_user = DirectoryUser {
                    system,
                    account: &user.account,
                    employee_id: &user.employee_id,
                    active: user.enabled,
                    last_sign_in: user.last_sign_in,
                };
                directory_user.visit(&seats, &groups, visit);
            }
        }
        *self
            .sign_ins_refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = users.sign_ins_refused().map(str::to_owned);
        Ok(())
    }
}
