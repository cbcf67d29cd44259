//! The parameters each action reads from a step's `with`: the closed list a key of `with` is
//! checked against, so that a misspelled parameter is an error instead of a silent fallback to
//! its default (`relase: none` would otherwise release every seat). It only lists names; what a
//! value may be is checked by the playbook checker, and the engine, not this module, reads them.

use crate::playbook::{Action, Confirm};

/// `with.task`: what a person does, for every step confirmed by hand (`confirm: manual`).
pub(super) const TASK: &str = "task";

/// `with.message` of `iam.set_auto_reply`: the automatic reply's text (a template).
pub(super) const MESSAGE: &str = "message";

/// `with.release` of `inventory.release_seats`: which seats to release.
pub(super) const RELEASE: &str = "release";

/// `with.to` of `iam.transfer_data`: who receives the data (default: the manager's email).
pub(super) const TO: &str = "to";

/// The values [`RELEASE`] takes; written as they are, never as a template, because the engine
/// reads the mode before the step applies anything.
pub(super) const RELEASE_MODES: &[&str] = &["all", "role-change", "none"];

/// The parameters the action itself reads. Message steps deliver theirs to the recipient as
/// the message's `params`; account and HR steps read none (but `release`).
fn of_action(action: Action) -> &'static [&'static str] {
    match action {
        Action::Manual => &[TASK],
        Action::InventoryReleaseSeats => &[RELEASE],
        Action::IamSetAutoReply => &[MESSAGE],
        Action::IamTransferData => &[TO],
        Action::FinanceNotifyReclamation => &["cost_centre", "reference", "notice"],
        Action::NotifyManager | Action::NotifySecurity | Action::NotifyTicket => {
            &["subject", "text"]
        }
        Action::HrRequireLeaverStatus
        | Action::HrMarkComplete
        | Action::IamDeactivate
        | Action::IamSuspend
        | Action::IamRevokeSessions
        | Action::IamRemoveGroups
        | Action::IamRemoveExcess
        | Action::IamRetainData
        | Action::IamResetFactors
        | Action::IamDelete
        | Action::InventoryRecordAssetReturn => &[],
    }
}

/// The keys `with` of a step of `action`, confirmed as `confirm`, accepts: the action's own
/// parameters, and `task` when a person confirms the step.
pub(super) fn accepted(action: Action, confirm: Confirm) -> Vec<&'static str> {
    let mut keys = of_action(action).to_vec();
    if confirm == Confirm::Manual && !keys.contains(&TASK) {
        keys.push(TASK);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_accepts_what_the_engine_reads() {
        let cases: &[(Action, Confirm, &[&str])] = &[
            (Action::Manual, Confirm::Manual, &["task"]),
            (
                Action::InventoryReleaseSeats,
                Confirm::Readback,
                &["release"],
            ),
            (
                Action::InventoryRecordAssetReturn,
                Confirm::Manual,
                &["task"],
            ),
            (Action::IamDeactivate, Confirm::Readback, &[]),
            (Action::IamDeactivate, Confirm::Manual, &["task"]),
            (
                Action::NotifyManager,
                Confirm::Readback,
                &["subject", "text"],
            ),
            (
                Action::FinanceNotifyReclamation,
                Confirm::Readback,
                &["cost_centre", "reference", "notice"],
            ),
            (Action::IamSetAutoReply, Confirm::Readback, &["message"]),
        ];
        for (action, confirm, keys) in cases {
            assert_eq!(accepted(*action, *confirm), *keys, "{action} {confirm:?}");
        }
    }

    #[test]
    fn release_and_message_are_the_engines_parameters() {
        assert_eq!(RELEASE, crate::plan::desired::Release::PARAMETER);
        assert_eq!(MESSAGE, crate::plan::desired::AUTO_REPLY);
        for mode in RELEASE_MODES {
            assert!(
                crate::plan::desired::Release::from_param(Some(mode)).is_ok(),
                "{mode}"
            );
        }
    }
}
