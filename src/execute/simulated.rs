//! What a dry run remembers between steps, so that it plans each change once.

use std::collections::HashMap;

use crate::connector::{AccountState, Change, Principal};

/// Dry run only: the groups and seats earlier steps of the plan would take from each account
/// (by the system's account id and name), so that a later step on the same account, through
/// another connector of the same store, is not planned to remove them again (a mover's
/// `iam.remove_excess` and `inventory.release_seats` on one embedded store).
#[derive(Default)]
pub(super) struct Simulated(HashMap<(String, String), (Vec<String>, Vec<String>)>);

impl Simulated {
    /// Take from `state` what earlier planned steps remove from the account.
    pub(super) fn apply_to(&self, principal: &Principal, state: &mut AccountState) {
        if let Some((groups, products)) =
            self.0.get(&(principal.id.clone(), principal.name.clone()))
        {
            state.groups.retain(|g| !groups.contains(g));
            state.seats.retain(|s| !products.contains(&s.product));
        }
    }

    /// Remember what `changes` would remove from the account.
    pub(super) fn add(&mut self, principal: &Principal, changes: &[Change]) {
        let (groups, products) = self
            .0
            .entry((principal.id.clone(), principal.name.clone()))
            .or_default();
        for change in changes {
            match change {
                Change::RemoveGroups { groups: g } => groups.extend(g.iter().cloned()),
                Change::ReleaseSeats { products: p } => products.extend(p.iter().cloned()),
                _ => {}
            }
        }
    }
}
