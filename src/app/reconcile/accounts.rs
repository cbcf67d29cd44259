//! Counting the accounts a reconciliation reads, for the orphan rate `offboard report` shows: a
//! wrapper around any entitlement source that counts its `account` entitlements (enabled
//! accounts) on the way through. It lists exactly what the wrapped source lists, in the same
//! order and on the same threads; it never judges an entitlement.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::reconcile::{Entitlement, EntitlementKind, EntitlementSource, ReconcileError, Tally};

/// A source whose enabled accounts are counted into a shared counter.
pub struct CountAccounts {
    inner: Box<dyn EntitlementSource>,
    accounts: Arc<AtomicU64>,
}

impl CountAccounts {
    /// Count the enabled accounts `inner` lists into `accounts`.
    pub fn new(inner: Box<dyn EntitlementSource>, accounts: Arc<AtomicU64>) -> CountAccounts {
        CountAccounts { inner, accounts }
    }

    fn count(&self, entitlement: &Entitlement<'_>) {
        if entitlement.kind == EntitlementKind::Account {
            self.accounts.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl EntitlementSource for CountAccounts {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        self.inner.for_each(&mut |entitlement| {
            self.count(entitlement);
            visit(entitlement);
        })
    }

    fn scan(
        &self,
        threads: usize,
        visit: &(dyn Fn(&mut Tally, &Entitlement<'_>) + Sync),
    ) -> Result<Vec<Tally>, ReconcileError> {
        self.inner.scan(threads, &|tally, entitlement| {
            self.count(entitlement);
            visit(tally, entitlement);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::InventoryCsv;

    #[test]
    fn counts_enabled_accounts_and_passes_everything_through() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saas.csv");
        std::fs::write(
            &path,
            "account,employee_id,entitlement_type,entitlement,monthly_cost_cents\n\
             ann,E1,account,ann,0\nann,E1,license,github,2100\nbo,E2,group,eng,\ncy,E3,account,cy,0\n",
        )
        .unwrap();
        let accounts = Arc::new(AtomicU64::new(0));
        let source = CountAccounts::new(Box::new(InventoryCsv::new(&path)), Arc::clone(&accounts));
        let tallies = source
            .scan(2, &|tally: &mut Tally, _: &Entitlement<'_>| {
                tally.entitlements += 1
            })
            .unwrap();
        assert_eq!(tallies.iter().map(|t| t.entitlements).sum::<u64>(), 4);
        assert_eq!(accounts.load(Ordering::Relaxed), 2);
        let mut names = Vec::new();
        source
            .for_each(&mut |e| names.push(e.name.to_owned()))
            .unwrap();
        assert_eq!(names, ["ann", "github", "eng", "cy"]);
        assert_eq!(accounts.load(Ordering::Relaxed), 4);
    }
}
