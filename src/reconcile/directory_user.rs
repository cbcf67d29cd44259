//! What the cloud directory sources (Entra ID, Okta, Google Workspace) share: a request retried
//! under the engine's policy, its failure naming the connector; and one user of the directory
//! turned into its entitlements.

use time::OffsetDateTime;

use super::entitlement::{Entitlement, EntitlementKind};
use super::error::ReconcileError;
use crate::connector::ConnectorError;
use crate::retry::RetryPolicy;

/// One request of system `system`, retried under `retry`; the error names the connector.
pub(super) fn retried<T>(
    retry: &RetryPolicy,
    system: &str,
    mut op: impl FnMut() -> Result<T, ConnectorError>,
) -> Result<T, ReconcileError> {
    retry
        .call(&mut op, |_, _, _| {})
        .map_err(|e| ReconcileError::connector(system, e))
}

/// One user of a directory, as reconcile judges it.
pub(super) struct DirectoryUser<'a> {
    /// The system (connector name).
    pub system: &'a str,
    /// The account's sign-in name.
    pub account: &'a str,
    /// The HR employee id the directory records; empty when none.
    pub employee_id: &'a str,
    /// Whether the account can sign in (not disabled, suspended or deactivated).
    pub active: bool,
    /// When it last signed in, when the directory says.
    pub last_sign_in: Option<OffsetDateTime>,
}

impl DirectoryUser<'_> {
    /// Visit the user's entitlements: the account itself when active, each seat (name and
    /// monthly cost), then each group. A disabled account's seats and groups still count (they
    /// still grant or cost); its sign-in goes with an active account's entitlements only.
    pub(super) fn visit(
        &self,
        seats: &[(&str, i64)],
        groups: &[String],
        visit: &mut dyn FnMut(&Entitlement<'_>),
    ) {
        let base = Entitlement {
            system: self.system,
            account: self.account,
            employee_id: self.employee_id,
            kind: EntitlementKind::Account,
            name: self.account,
            monthly_cost_cents: 0,
            last_sign_in: self
                .last_sign_in
                .filter(|_| self.active)
                .map(OffsetDateTime::unix_timestamp),
        };
        if self.active {
            visit(&base);
        }
        for &(name, monthly_cost_cents) in seats {
            visit(&Entitlement {
                kind: EntitlementKind::License,
                name,
                monthly_cost_cents,
                ..base
            });
        }
        for group in groups {
            visit(&Entitlement {
                kind: EntitlementKind::Group,
                name: group,
                ..base
            });
        }
    }
}
