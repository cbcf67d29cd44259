//! The embedded store as an entitlement source: every live account's enabled state, groups and
//! seats, streamed through the store's inventory listing in constant memory. It only reads.

use std::ops::ControlFlow;

use super::entitlement::{Entitlement, EntitlementKind};
use super::error::ReconcileError;
use super::source::EntitlementSource;
use crate::connector::sqlite::SqliteStore;

/// One SQLite store file, named after a connector configured on it.
#[derive(Debug)]
pub struct StoreSource {
    system: String,
    store: SqliteStore,
}

impl StoreSource {
    /// Entitlements of `store`, reported as system `system`.
    pub fn new(system: impl Into<String>, store: SqliteStore) -> StoreSource {
        StoreSource {
            system: system.into(),
            store,
        }
    }
}

impl EntitlementSource for StoreSource {
    fn describe(&self) -> String {
        format!("{} (sqlite {})", self.system, self.store.path().display())
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let system = self.system.as_str();
        self.store
            .for_each_account(|account| {
                let employee_id = account.employee_id.as_deref().unwrap_or("");
                let base = Entitlement {
                    system,
                    account: &account.username,
                    employee_id,
                    kind: EntitlementKind::Account,
                    name: &account.username,
                    monthly_cost_cents: 0,
                    last_sign_in: None,
                };
                if account.active {
                    visit(&base);
                }
                for group in &account.groups {
                    visit(&Entitlement {
                        kind: EntitlementKind::Group,
                        name: group,
                        ..base
                    });
                }
                for seat in &account.seats {
                    visit(&Entitlement {
                        kind: EntitlementKind::License,
                        name: &seat.product,
                        monthly_cost_cents: seat.monthly_cost_cents,
                        ..base
                    });
                }
                ControlFlow::Continue(())
            })
            .map_err(|source| ReconcileError::Store {
                connector: self.system.clone(),
                source,
            })
    }
}
