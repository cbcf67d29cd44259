//! The closed action catalogue: every `kind` a step may have and what each implies (group,
//! connector types, default confirmation, data safety). Adding an action means adding it here;
//! nothing else in the crate may invent one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::confirm::Confirm;

/// An action kind from the catalogue (`kind:` of a step).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Action {
    /// `hr.require_leaver_status`: the HR record shows a leaver status and effective time.
    #[serde(rename = "hr.require_leaver_status")]
    HrRequireLeaverStatus,
    /// `hr.mark_complete`: write "IT offboarding complete" back to the HR system.
    #[serde(rename = "hr.mark_complete")]
    HrMarkComplete,
    /// `iam.deactivate`: disable the account (reversible).
    #[serde(rename = "iam.deactivate")]
    IamDeactivate,
    /// `iam.suspend`: disable for a leave of absence, keeping groups and seats.
    #[serde(rename = "iam.suspend")]
    IamSuspend,
    /// `iam.revoke_sessions`: revoke sessions and tokens.
    #[serde(rename = "iam.revoke_sessions")]
    IamRevokeSessions,
    /// `iam.remove_groups`: remove every group membership.
    #[serde(rename = "iam.remove_groups")]
    IamRemoveGroups,
    /// `iam.remove_excess`: movers lose what the new role does not carry.
    #[serde(rename = "iam.remove_excess")]
    IamRemoveExcess,
    /// `iam.retain_data`: place the account's data under retention.
    #[serde(rename = "iam.retain_data")]
    IamRetainData,
    /// `iam.set_auto_reply`: turn on the mailbox's automatic reply with `with.message`.
    #[serde(rename = "iam.set_auto_reply")]
    IamSetAutoReply,
    /// `iam.transfer_data`: hand the account's data (files, calendars) over to the manager or a
    /// custodian.
    #[serde(rename = "iam.transfer_data")]
    IamTransferData,
    /// `iam.reset_factors`: remove every sign-in factor (MFA enrollment) of the account.
    #[serde(rename = "iam.reset_factors")]
    IamResetFactors,
    /// `iam.delete`: hard delete (inherently destructive).
    #[serde(rename = "iam.delete")]
    IamDelete,
    /// `inventory.release_seats`: release license seats.
    #[serde(rename = "inventory.release_seats")]
    InventoryReleaseSeats,
    /// `inventory.record_asset_return`: record the return of a laptop, token or badge.
    #[serde(rename = "inventory.record_asset_return")]
    InventoryRecordAssetReturn,
    /// `finance.notify_reclamation`: tell finance which seats and cost to reclaim.
    #[serde(rename = "finance.notify_reclamation")]
    FinanceNotifyReclamation,
    /// `notify.manager`: tell the manager.
    #[serde(rename = "notify.manager")]
    NotifyManager,
    /// `notify.security`: tell security.
    #[serde(rename = "notify.security")]
    NotifySecurity,
    /// `notify.ticket`: open a ticket.
    #[serde(rename = "notify.ticket")]
    NotifyTicket,
    /// `manual`: a human task signed off by the owner role.
    #[serde(rename = "manual")]
    Manual,
}

/// The catalogue group of an action (the part before the dot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionGroup {
    /// HR record checks and write-back.
    Hr,
    /// Accounts, sessions, groups.
    Iam,
    /// Seats and assets.
    Inventory,
    /// Finance notifications.
    Finance,
    /// Notifications to people and queues.
    Notify,
    /// Human tasks.
    Manual,
}

/// The protocol of a connector in `offboard.yaml` (`type:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorType {
    /// The embedded SQLite directory and inventory.
    Sqlite,
    /// SCIM 2.0.
    Scim,
    /// LDAP.
    Ldap,
    /// Signed JSON webhook.
    Webhook,
    /// Microsoft Entra ID over Microsoft Graph.
    Entra,
    /// Google Workspace over the Admin SDK and the License Manager.
    #[serde(rename = "google_workspace")]
    GoogleWorkspace,
    /// Okta over its management API.
    Okta,
}

impl ConnectorType {
    /// Every type, in documentation order.
    pub const ALL: [ConnectorType; 7] = [
        ConnectorType::Sqlite,
        ConnectorType::Scim,
        ConnectorType::Ldap,
        ConnectorType::Webhook,
        ConnectorType::Entra,
        ConnectorType::GoogleWorkspace,
        ConnectorType::Okta,
    ];

    /// The name used in `type:`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorType::Sqlite => "sqlite",
            ConnectorType::Scim => "scim",
            ConnectorType::Ldap => "ldap",
            ConnectorType::Webhook => "webhook",
            ConnectorType::Entra => "entra",
            ConnectorType::GoogleWorkspace => "google_workspace",
            ConnectorType::Okta => "okta",
        }
    }

    /// The type named `name`, if any.
    pub fn from_name(name: &str) -> Option<ConnectorType> {
        ConnectorType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl fmt::Display for ConnectorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Action {
    /// The whole catalogue, in documentation order.
    pub const ALL: [Action; 19] = [
        Action::HrRequireLeaverStatus,
        Action::HrMarkComplete,
        Action::IamDeactivate,
        Action::IamSuspend,
        Action::IamRevokeSessions,
        Action::IamRemoveGroups,
        Action::IamRemoveExcess,
        Action::IamRetainData,
        Action::IamSetAutoReply,
        Action::IamTransferData,
        Action::IamResetFactors,
        Action::IamDelete,
        Action::InventoryReleaseSeats,
        Action::InventoryRecordAssetReturn,
        Action::FinanceNotifyReclamation,
        Action::NotifyManager,
        Action::NotifySecurity,
        Action::NotifyTicket,
        Action::Manual,
    ];

    /// The name written in `kind:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::HrRequireLeaverStatus => "hr.require_leaver_status",
            Action::HrMarkComplete => "hr.mark_complete",
            Action::IamDeactivate => "iam.deactivate",
            Action::IamSuspend => "iam.suspend",
            Action::IamRevokeSessions => "iam.revoke_sessions",
            Action::IamRemoveGroups => "iam.remove_groups",
            Action::IamRemoveExcess => "iam.remove_excess",
            Action::IamRetainData => "iam.retain_data",
            Action::IamSetAutoReply => "iam.set_auto_reply",
            Action::IamTransferData => "iam.transfer_data",
            Action::IamResetFactors => "iam.reset_factors",
            Action::IamDelete => "iam.delete",
            Action::InventoryReleaseSeats => "inventory.release_seats",
            Action::InventoryRecordAssetReturn => "inventory.record_asset_return",
            Action::FinanceNotifyReclamation => "finance.notify_reclamation",
            Action::NotifyManager => "notify.manager",
            Action::NotifySecurity => "notify.security",
            Action::NotifyTicket => "notify.ticket",
            Action::Manual => "manual",
        }
    }

    /// The catalogue group.
    pub fn group(self) -> ActionGroup {
        match self {
            Action::HrRequireLeaverStatus | Action::HrMarkComplete => ActionGroup::Hr,
            Action::IamDeactivate
            | Action::IamSuspend
            | Action::IamRevokeSessions
            | Action::IamRemoveGroups
            | Action::IamRemoveExcess
            | Action::IamRetainData
            | Action::IamSetAutoReply
            | Action::IamTransferData
            | Action::IamResetFactors
            | Action::IamDelete => ActionGroup::Iam,
            Action::InventoryReleaseSeats | Action::InventoryRecordAssetReturn => {
                ActionGroup::Inventory
            }
            Action::FinanceNotifyReclamation => ActionGroup::Finance,
            Action::NotifyManager | Action::NotifySecurity | Action::NotifyTicket => {
                ActionGroup::Notify
            }
            Action::Manual => ActionGroup::Manual,
        }
    }

    /// Connector types that can perform the action. Empty: the action takes no connector (HR
    /// actions use the configured HR source; manual tasks are done by people).
    pub fn connector_types(self) -> &'static [ConnectorType] {
        use ConnectorType::*;
        match self {
            Action::HrRequireLeaverStatus | Action::HrMarkComplete | Action::Manual => &[],
            Action::IamDeactivate
            | Action::IamSuspend
            | Action::IamRemoveGroups
            | Action::IamRemoveExcess
            | Action::IamDelete => &[Sqlite, Scim, Ldap, Entra, GoogleWorkspace, Okta],
            Action::IamRevokeSessions => &[Sqlite, Entra, GoogleWorkspace, Okta],
            Action::IamSetAutoReply => &[Entra],
            Action::InventoryReleaseSeats => &[Sqlite, Entra, GoogleWorkspace, Okta],
            Action::IamRetainData | Action::InventoryRecordAssetReturn => &[Sqlite],
            Action::IamTransferData => &[GoogleWorkspace],
            Action::IamResetFactors => &[Okta],
            Action::FinanceNotifyReclamation
            | Action::NotifyManager
            | Action::NotifySecurity
            | Action::NotifyTicket => &[Webhook, Sqlite],
        }
    }

    /// True when the action needs a connector.
    pub fn needs_connector(self) -> bool {
        !self.connector_types().is_empty()
    }

    /// How the step is confirmed when the playbook does not say.
    pub fn default_confirm(self) -> Confirm {
        match self {
            Action::Manual | Action::InventoryRecordAssetReturn => Confirm::Manual,
            _ => Confirm::Readback,
        }
    }

    /// True for actions that destroy data whatever the playbook says (`iam.delete`).
    pub fn is_inherently_destructive(self) -> bool {
        matches!(self, Action::IamDelete)
    }

    /// True for actions that preserve the employee's data (`iam.retain_data`,
    /// `iam.transfer_data`).
    pub fn preserves_data(self) -> bool {
        matches!(self, Action::IamRetainData | Action::IamTransferData)
    }

    /// True for actions that disable the account (a prior disable is required before a delete).
    pub fn is_disable(self) -> bool {
        matches!(self, Action::IamDeactivate | Action::IamSuspend)
    }

    /// True for actions that must come after a step that preserves data.
    pub fn needs_data_preserved(self) -> bool {
        matches!(self, Action::InventoryReleaseSeats | Action::IamDelete)
    }

    /// True for actions that only read (`hr.require_leaver_status`): nothing for an approver to
    /// approve.
    pub fn only_reads(self) -> bool {
        matches!(self, Action::HrRequireLeaverStatus)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a catalogue action.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown action kind `{0}`")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
            let group = serde_json::to_value(action.group()).unwrap();
            let prefix = action.as_str().split('.').next().unwrap();
            assert_eq!(group, serde_json::Value::String(prefix.to_owned()));
        }
        assert!("iam.nuke".parse::<Action>().is_err());
    }

    #[test]
    fn catalogue_properties() {
        assert!(Action::IamDelete.is_inherently_destructive());
        assert!(Action::IamRetainData.preserves_data());
        assert_eq!(Action::Manual.default_confirm(), Confirm::Manual);
        assert_eq!(Action::IamDeactivate.default_confirm(), Confirm::Readback);
        assert!(!Action::HrMarkComplete.needs_connector());
        assert_eq!(
            Action::InventoryReleaseSeats.connector_types(),
            &[
                ConnectorType::Sqlite,
                ConnectorType::Entra,
                ConnectorType::GoogleWorkspace,
                ConnectorType::Okta
            ]
        );
        assert_eq!(
            Action::IamRetainData.connector_types(),
            &[ConnectorType::Sqlite]
        );
    }
}
