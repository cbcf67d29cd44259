//! What an action still has to change, given the live state of an account. `plan` prints it and
//! `run` applies it: the same function, so a dry run cannot drift from a real run.

use crate::connector::{AccountState, Change};
use crate::playbook::Action;
use crate::playbook::Role;

/// The changes `action` still needs on an account in `state`; empty when it is already done.
/// `keep` is the role the account keeps (movers): what it carries is not removed.
pub fn desired_changes(action: Action, state: &AccountState, keep: Option<&Role>) -> Vec<Change> {
    if !state.exists {
        return Vec::new();
    }
    let mut changes = Vec::new();
    match action {
        Action::IamDeactivate | Action::IamSuspend => {
            if state.active {
                changes.push(Change::Deactivate);
            }
        }
        Action::IamRevokeSessions => {
            if state.sessions.is_none_or(|n| n > 0) {
                changes.push(Change::RevokeSessions);
            }
        }
        Action::IamRemoveGroups => {
            if !state.groups.is_empty() {
                changes.push(Change::RemoveGroups {
                    groups: state.groups.clone(),
                });
            }
        }
        Action::IamRemoveExcess => {
            let (groups, licenses) = keep.map_or((&[][..], &[][..]), |r| {
                (r.groups.as_slice(), r.licenses.as_slice())
            });
            let groups: Vec<String> = state
                .groups
                .iter()
                .filter(|g| !groups.contains(g))
                .cloned()
                .collect();
            let products: Vec<String> = state
                .seats
                .iter()
                .map(|s| s.product.clone())
                .filter(|p| !licenses.contains(p))
                .collect();
            if !groups.is_empty() {
                changes.push(Change::RemoveGroups { groups });
            }
            if !products.is_empty() {
                changes.push(Change::ReleaseSeats { products });
            }
        }
        Action::IamRetainData => {
            if state.data_retained != Some(true) {
                changes.push(Change::RetainData);
            }
        }
        Action::IamDelete => changes.push(Change::Delete),
        Action::InventoryReleaseSeats => {
            if !state.seats.is_empty() {
                changes.push(Change::ReleaseSeats {
                    products: state.seats.iter().map(|s| s.product.clone()).collect(),
                });
            }
        }
        Action::InventoryRecordAssetReturn => {
            if !state.assets.is_empty() {
                changes.push(Change::ReturnAssets {
                    assets: state.assets.clone(),
                });
            }
        }
        Action::HrRequireLeaverStatus
        | Action::HrMarkComplete
        | Action::FinanceNotifyReclamation
        | Action::NotifyManager
        | Action::NotifySecurity
        | Action::NotifyTicket
        | Action::Manual => {}
    }
    changes
}

/// Monthly cost, in cents, of the seats `changes` release from an account in `state`.
pub fn released_cost_cents(changes: &[Change], state: &AccountState) -> i64 {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::ReleaseSeats { products } => Some(products),
            _ => None,
        })
        .flatten()
        .filter_map(|p| state.seats.iter().find(|s| &s.product == p))
        .map(|s| s.monthly_cost_cents)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Seat;

    fn state() -> AccountState {
        AccountState {
            exists: true,
            active: true,
            groups: vec!["engineering".into(), "vpn".into()],
            seats: vec![
                Seat {
                    product: "github".into(),
                    monthly_cost_cents: 2100,
                },
                Seat {
                    product: "salesforce".into(),
                    monthly_cost_cents: 16500,
                },
            ],
            sessions: Some(2),
            assets: vec!["LT-1".into()],
            data_retained: Some(false),
            groups_skipped: false,
        }
    }

    #[test]
    fn each_action_asks_for_what_is_left() {
        let s = state();
        let table = [
            (Action::IamDeactivate, vec![Change::Deactivate]),
            (Action::IamRevokeSessions, vec![Change::RevokeSessions]),
            (
                Action::IamRemoveGroups,
                vec![Change::RemoveGroups {
                    groups: vec!["engineering".into(), "vpn".into()],
                }],
            ),
            (Action::IamRetainData, vec![Change::RetainData]),
            (Action::IamDelete, vec![Change::Delete]),
            (
                Action::InventoryReleaseSeats,
                vec![Change::ReleaseSeats {
                    products: vec!["github".into(), "salesforce".into()],
                }],
            ),
            (
                Action::InventoryRecordAssetReturn,
                vec![Change::ReturnAssets {
                    assets: vec!["LT-1".into()],
                }],
            ),
            (Action::NotifyManager, vec![]),
        ];
        for (action, expected) in table {
            assert_eq!(desired_changes(action, &s, None), expected, "{action:?}");
            for change in &expected {
                assert!(!change.is_satisfied_by(&s), "{change:?} not yet in effect");
            }
        }
    }

    #[test]
    fn nothing_left_on_a_clean_or_deleted_account() {
        let clean = AccountState {
            exists: true,
            active: false,
            sessions: Some(0),
            data_retained: Some(true),
            ..AccountState::default()
        };
        for action in [
            Action::IamDeactivate,
            Action::IamRevokeSessions,
            Action::IamRemoveGroups,
            Action::IamRetainData,
            Action::InventoryReleaseSeats,
        ] {
            assert!(
                desired_changes(action, &clean, None).is_empty(),
                "{action:?}"
            );
        }
        assert!(desired_changes(Action::IamDelete, &AccountState::default(), None).is_empty());
    }

    #[test]
    fn movers_keep_what_the_new_role_carries() {
        let sales = Role {
            groups: vec!["vpn".into(), "sales".into()],
            licenses: vec!["salesforce".into()],
        };
        let s = state();
        let changes = desired_changes(Action::IamRemoveExcess, &s, Some(&sales));
        assert_eq!(
            changes,
            vec![
                Change::RemoveGroups {
                    groups: vec!["engineering".into()]
                },
                Change::ReleaseSeats {
                    products: vec!["github".into()]
                },
            ]
        );
        assert_eq!(released_cost_cents(&changes, &s), 2100);
    }
}
