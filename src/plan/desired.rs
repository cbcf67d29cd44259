//! What an action still has to change, given the live state of an account. `plan` prints it and
//! `run` applies it: the same function, so a dry run cannot drift from a real run.

use std::fmt;

use serde::Serialize;

use crate::connector::{AccountState, Change, Kept, KeptKind};
use crate::playbook::Action;
use crate::playbook::Role;

/// A mover's change of role, both sides from the role matrix. A mover loses what the old role
/// carried and the new one does not, among what the account holds; anything the account holds
/// that neither role carries was granted outside the matrix and is kept, for a person to review.
#[derive(Clone, Copy, Debug)]
pub struct Move<'a> {
    /// The role before the transfer (HR `role`).
    pub from: &'a Role,
    /// The role after it (HR `new_role`).
    pub to: &'a Role,
}

impl Move<'_> {
    /// Held groups the old role carries and the new one does not, in the order they are held.
    pub fn lost_groups(&self, state: &AccountState) -> Vec<String> {
        lost(&state.groups, &self.from.groups, &self.to.groups)
    }

    /// Held license seats the old role carries and the new one does not.
    pub fn lost_licenses(&self, state: &AccountState) -> Vec<String> {
        lost(
            &held_products(state),
            &self.from.licenses,
            &self.to.licenses,
        )
    }

    /// What the account holds that neither role carries: left alone, shown for review.
    pub fn outside_both(&self, state: &AccountState) -> Review {
        Review {
            groups: outside(&state.groups, &self.from.groups, &self.to.groups),
            licenses: outside(
                &held_products(state),
                &self.from.licenses,
                &self.to.licenses,
            ),
        }
    }
}

/// Entitlements a mover keeps although neither the old nor the new role carries them (granted by
/// an access request, or by mistake). `iam.remove_excess` never removes them; plan and the
/// journal evidence list them so an auditor sees them, and `offboard reconcile` reports them as
/// excess against the new role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Group names.
    pub groups: Vec<String>,
    /// License product ids.
    pub licenses: Vec<String>,
}

impl Review {
    /// The words plan and the evidence use for these entitlements.
    pub const NOTE: &'static str = "kept, not in either role: review";

    /// True when the account holds nothing outside both roles.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.licenses.is_empty()
    }
}

impl fmt::Display for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.groups.is_empty() {
            parts.push(format!("groups {}", self.groups.join(", ")));
        }
        if !self.licenses.is_empty() {
            parts.push(format!("seats {}", self.licenses.join(", ")));
        }
        write!(f, "{} {}", Review::NOTE, parts.join("; "))
    }
}

/// Which seats an `inventory.release_seats` step releases: its `with.release` parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Release {
    /// `all` (the default): every seat the account holds.
    #[default]
    All,
    /// `role-change`: movers; the seats the old role carried and the new one does not.
    RoleChange,
    /// `none`: no seat; the step records the seats held and their monthly cost (leave of
    /// absence: the seats are kept for the return).
    None,
}

impl Release {
    /// The parameter that chooses it.
    pub const PARAMETER: &'static str = "release";

    /// Read the rendered `with.release` value; absent means [`Release::All`].
    pub fn from_param(value: Option<&str>) -> Result<Release, String> {
        match value.map(str::trim) {
            None | Some("all") => Ok(Release::All),
            Some("role-change") => Ok(Release::RoleChange),
            Some("none") => Ok(Release::None),
            Some(other) => Err(format!(
                "`with.release` is `{other}`; expected `all`, `role-change` or `none`"
            )),
        }
    }
}

/// What, beyond the action, decides a step's changes: the mover's change of role and, for
/// `inventory.release_seats`, which seats it releases.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope<'a> {
    /// The mover's change of role (`iam.remove_excess`, and `release: role-change`).
    pub mover: Option<Move<'a>>,
    /// Which seats `inventory.release_seats` releases.
    pub release: Release,
    /// The automatic reply `iam.set_auto_reply` turns on (its rendered `with.message`).
    pub auto_reply: Option<&'a str>,
    /// Who `iam.transfer_data` hands the data over to.
    pub transfer_to: Option<&'a str>,
}

/// The parameter of `iam.set_auto_reply` that holds the reply.
pub const AUTO_REPLY: &str = "message";

fn held_products(state: &AccountState) -> Vec<String> {
    state.seats.iter().map(|s| s.product.clone()).collect()
}

fn lost(held: &[String], from: &[String], to: &[String]) -> Vec<String> {
    held.iter()
        .filter(|e| from.contains(e) && !to.contains(e))
        .cloned()
        .collect()
}

fn outside(held: &[String], from: &[String], to: &[String]) -> Vec<String> {
    held.iter()
        .filter(|e| !from.contains(e) && !to.contains(e))
        .cloned()
        .collect()
}

/// The changes `action` still needs on an account in `state`; empty when it is already done.
/// `scope.mover` is the change of role of a mover: `iam.remove_excess` (and `release:
/// role-change`) removes only what the old role carried and the new one does not, and nothing
/// without it.
pub fn desired_changes(action: Action, state: &AccountState, scope: &Scope<'_>) -> Vec<Change> {
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
            let Some(mover) = scope.mover else {
                return Vec::new();
            };
            let groups = mover.lost_groups(state);
            let products = mover.lost_licenses(state);
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
        Action::IamTransferData => {
            if let Some(to) = scope.transfer_to {
                let change = Change::TransferData { to: to.to_owned() };
                if !change.is_satisfied_by(state) {
                    changes.push(change);
                }
            }
        }
        Action::IamResetFactors => {
            if !state.factors.is_empty() {
                changes.push(Change::ResetFactors);
            }
        }
        Action::IamDelete => changes.push(Change::Delete),
        Action::IamSetAutoReply => {
            let Some(message) = scope.auto_reply else {
                return Vec::new();
            };
            if !crate::connector::reply_says(state.auto_reply.as_deref(), message) {
                changes.push(Change::SetAutoReply {
                    message: message.to_owned(),
                });
            }
        }
        Action::InventoryReleaseSeats => {
            let products = match (scope.release, scope.mover) {
                (Release::All, _) => held_products(state),
                (Release::RoleChange, Some(mover)) => mover.lost_licenses(state),
                (Release::RoleChange, None) | (Release::None, _) => Vec::new(),
            };
            if !products.is_empty() {
                changes.push(Change::ReleaseSeats { products });
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

/// What the account holds that `action` would touch but the system will not let offboard
/// change (a dynamic or synced group for a group step, a group-assigned license for a seat
/// step): reported with the step, kept.
pub fn kept_for(action: Action, state: &AccountState) -> Vec<&Kept> {
    let kind = match action {
        Action::IamRemoveGroups | Action::IamRemoveExcess => KeptKind::Group,
        Action::InventoryReleaseSeats => KeptKind::Seat,
        _ => return Vec::new(),
    };
    state.kept.iter().filter(|k| k.kind == kind).collect()
}

/// `kept: Finance (why); ...` for a plan line.
pub fn kept_note(kept: &[&Kept]) -> String {
    let listed: Vec<String> = kept
        .iter()
        .map(|k| format!("{} {} ({})", k.kind, k.name, k.reason))
        .collect();
    format!("kept: {}", listed.join("; "))
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
            kept: Vec::new(),
            auto_reply: None,
            manager: None,
            tokens: Vec::new(),
            factors: Vec::new(),
            transfers: Vec::new(),
        }
    }

    #[test]
    fn factors_are_reset_only_while_some_are_enrolled() {
        let mut s = state();
        let none = desired_changes(Action::IamResetFactors, &s, &Scope::default());
        assert!(none.is_empty());
        s.factors.push(crate::connector::Factor {
            kind: "sms".into(),
            provider: "OKTA".into(),
            id: "sms1".into(),
        });
        let changes = desired_changes(Action::IamResetFactors, &s, &Scope::default());
        assert_eq!(changes, [Change::ResetFactors]);
        assert!(!Change::ResetFactors.is_satisfied_by(&s));
        s.factors.clear();
        assert!(Change::ResetFactors.is_satisfied_by(&s));
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
            assert_eq!(
                desired_changes(action, &s, &Scope::default()),
                expected,
                "{action:?}"
            );
            for change in &expected {
                assert!(!change.is_satisfied_by(&s), "{change:?} not yet in effect");
            }
        }
    }

    #[test]
    fn the_auto_reply_is_set_until_it_shows_the_message() {
        let mut s = state();
        let scope = Scope {
            auto_reply: Some("Gone; write to ann@x"),
            ..Scope::default()
        };
        let changes = desired_changes(Action::IamSetAutoReply, &s, &scope);
        assert_eq!(
            changes,
            [Change::SetAutoReply {
                message: "Gone; write to ann@x".into()
            }]
        );
        assert!(!changes[0].is_satisfied_by(&s));
        s.auto_reply = Some("an older reply".into());
        assert!(!changes[0].is_satisfied_by(&s));
        s.auto_reply = Some("Gone; write to ann@x".into());
        assert!(changes[0].is_satisfied_by(&s));
        assert!(desired_changes(Action::IamSetAutoReply, &s, &scope).is_empty());
        assert!(desired_changes(Action::IamSetAutoReply, &s, &Scope::default()).is_empty());
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
                desired_changes(action, &clean, &Scope::default()).is_empty(),
                "{action:?}"
            );
        }
        assert!(
            desired_changes(
                Action::IamDelete,
                &AccountState::default(),
                &Scope::default()
            )
            .is_empty()
        );
    }

    fn engineer() -> Role {
        Role {
            groups: vec!["engineering".into(), "vpn".into(), "prod-access".into()],
            licenses: vec!["github".into()],
        }
    }

    fn sales() -> Role {
        Role {
            groups: vec!["vpn".into(), "sales".into()],
            licenses: vec!["salesforce".into()],
        }
    }

    #[test]
    fn movers_lose_only_what_the_old_role_carried_and_the_new_one_does_not() {
        let (from, to) = (engineer(), sales());
        let mover = Move {
            from: &from,
            to: &to,
        };
        let mut s = state();
        s.groups.push("design".into());
        s.seats.push(Seat {
            product: "figma".into(),
            monthly_cost_cents: 1500,
        });
        let scope = Scope {
            mover: Some(mover),
            release: Release::RoleChange,
            ..Scope::default()
        };
        let changes = desired_changes(Action::IamRemoveExcess, &s, &scope);
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
        assert_eq!(
            desired_changes(Action::InventoryReleaseSeats, &s, &scope),
            vec![Change::ReleaseSeats {
                products: vec!["github".into()]
            }],
            "release: role-change frees the old role's seats only"
        );
        let review = mover.outside_both(&s);
        assert_eq!(
            review,
            Review {
                groups: vec!["design".into()],
                licenses: vec!["figma".into()],
            }
        );
        assert_eq!(
            review.to_string(),
            "kept, not in either role: review groups design; seats figma"
        );
    }

    #[test]
    fn a_mover_holding_nothing_of_the_old_role_loses_nothing() {
        let (from, to) = (engineer(), sales());
        let mover = Move {
            from: &from,
            to: &to,
        };
        let s = AccountState {
            exists: true,
            active: true,
            groups: vec!["vpn".into(), "design".into()],
            ..AccountState::default()
        };
        let scope = Scope {
            mover: Some(mover),
            release: Release::All,
            ..Scope::default()
        };
        assert!(desired_changes(Action::IamRemoveExcess, &s, &scope).is_empty());
        assert!(desired_changes(Action::IamRemoveExcess, &state(), &Scope::default()).is_empty());
        assert_eq!(mover.outside_both(&s).groups, ["design"]);
        assert!(mover.outside_both(&AccountState::default()).is_empty());
    }

    #[test]
    fn release_chooses_the_seats() {
        let s = state();
        let table = [
            (None, Ok(Release::All)),
            (Some("all"), Ok(Release::All)),
            (Some(" role-change "), Ok(Release::RoleChange)),
            (Some("none"), Ok(Release::None)),
            (
                Some("some"),
                Err("`with.release` is `some`; expected `all`, `role-change` or `none`".to_owned()),
            ),
        ];
        for (text, expected) in table {
            assert_eq!(Release::from_param(text), expected, "{text:?}");
        }
        for (release, expected) in [
            (Release::All, vec!["github", "salesforce"]),
            (Release::None, vec![]),
            (Release::RoleChange, vec![]),
        ] {
            let scope = Scope {
                mover: None,
                release,
                ..Scope::default()
            };
            let released: Vec<String> =
                match desired_changes(Action::InventoryReleaseSeats, &s, &scope).as_slice() {
                    [Change::ReleaseSeats { products }] => products.clone(),
                    [] => Vec::new(),
                    other => panic!("{other:?}"),
                };
            assert_eq!(released, expected, "{release:?}");
        }
    }

    #[test]
    fn kept_things_belong_to_the_step_that_would_touch_them() {
        let kept = |kind: KeptKind, name: &str| Kept {
            kind,
            name: name.into(),
            reason: "why".into(),
        };
        let s = AccountState {
            kept: vec![
                kept(KeptKind::Group, "All staff"),
                kept(KeptKind::Seat, "SPE_E5"),
            ],
            ..state()
        };
        let names = |action| -> Vec<String> {
            kept_for(action, &s)
                .iter()
                .map(|k| k.name.clone())
                .collect()
        };
        assert_eq!(names(Action::IamRemoveGroups), ["All staff"]);
        assert_eq!(names(Action::IamRemoveExcess), ["All staff"]);
        assert_eq!(names(Action::InventoryReleaseSeats), ["SPE_E5"]);
        assert!(names(Action::IamDeactivate).is_empty());
        assert_eq!(
            kept_note(&kept_for(Action::IamRemoveGroups, &s)),
            "kept: group All staff (why)"
        );
    }

    #[test]
    fn a_transfer_is_asked_for_until_one_to_the_receiver_completed() {
        use crate::connector::{DataTransfer, TransferStatus};
        let scope = Scope {
            transfer_to: Some("boss@example.com"),
            ..Scope::default()
        };
        let mut s = state();
        let wanted = vec![Change::TransferData {
            to: "boss@example.com".into(),
        }];
        assert_eq!(desired_changes(Action::IamTransferData, &s, &scope), wanted);
        let transfer = |id: &str, at: &str, status| DataTransfer {
            id: id.into(),
            to: "boss@example.com".into(),
            requested_at: at.into(),
            status,
            applications: Default::default(),
        };
        s.transfers = vec![transfer(
            "1",
            "2026-01-01T00:00:00Z",
            TransferStatus::Failed,
        )];
        assert_eq!(desired_changes(Action::IamTransferData, &s, &scope), wanted);
        s.transfers.push(transfer(
            "2",
            "2026-01-02T00:00:00Z",
            TransferStatus::Completed,
        ));
        assert!(desired_changes(Action::IamTransferData, &s, &scope).is_empty());
        assert!(desired_changes(Action::IamTransferData, &s, &Scope::default()).is_empty());
    }
}
