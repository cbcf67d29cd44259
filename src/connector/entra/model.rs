//! The parts of Graph's resources the connector reads, as our own serde types: a user, a
//! group it is a member of, its licenses and the tenant's subscribed SKUs, and a page of a
//! collection. Unknown properties are ignored (Graph adds properties over time).

use serde::Deserialize;

/// `$select` of a user when reading its state.
pub const READ_SELECT: &str = "id,userPrincipalName,accountEnabled,assignedLicenses,licenseAssignmentStates,signInSessionsValidFromDateTime";

/// `$select` of every user when listing the tenant for reconciliation.
pub const LIST_SELECT: &str = "id,userPrincipalName,employeeId,accountEnabled,assignedLicenses";
/// The same with the users' sign-in activity (a separate permission, and a premium feature).
pub const LIST_SELECT_SIGN_INS: &str =
    "id,userPrincipalName,employeeId,accountEnabled,assignedLicenses,signInActivity";

/// A user (`microsoft.graph.user`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The object id.
    pub id: String,
    /// The sign-in name.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// False once the account is disabled.
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// Licenses the user holds, directly or through groups.
    #[serde(default)]
    pub assigned_licenses: Vec<AssignedLicense>,
    /// How each license is assigned: directly, or by which group.
    #[serde(default)]
    pub license_assignment_states: Vec<LicenseAssignmentState>,
    /// Tokens issued before this time are no longer valid.
    #[serde(default)]
    pub sign_in_sessions_valid_from_date_time: Option<String>,
    /// The HR system's id, when the directory records it.
    #[serde(default)]
    pub employee_id: Option<String>,
    /// The last sign-ins; only on `$select`, and only where the tenant allows it.
    #[serde(default)]
    pub sign_in_activity: Option<SignInActivity>,
}

/// When a user last signed in (`microsoft.graph.signInActivity`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInActivity {
    /// The last interactive sign-in.
    #[serde(default)]
    pub last_sign_in_date_time: Option<String>,
    /// The last sign-in on the user's behalf by an application (a refresh token used).
    #[serde(default)]
    pub last_non_interactive_sign_in_date_time: Option<String>,
}

/// One license a user holds.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignedLicense {
    /// The SKU.
    pub sku_id: String,
}

/// How one license is assigned.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignmentState {
    /// The SKU.
    #[serde(default)]
    pub sku_id: Option<String>,
    /// The group that assigns it; `None` for a direct assignment.
    #[serde(default)]
    pub assigned_by_group: Option<String>,
}

/// A group the user is a direct member of.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The object id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `DynamicMembership` for a group whose members a rule decides.
    #[serde(default)]
    pub group_types: Vec<String>,
    /// True for a group synced from an on-premises directory.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
}

impl Group {
    /// The name shown and matched: the display name, or the id when it has none.
    pub fn name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.id)
    }

    /// Why offboard cannot remove a member from this group, if it cannot.
    pub fn kept_because(&self) -> Option<&'static str> {
        if self.group_types.iter().any(|t| t == "DynamicMembership") {
            Some(
                "dynamic group: its membership rule decides who is a member; change the rule or the attributes it reads",
            )
        } else if self.on_premises_sync_enabled == Some(true) {
            Some("synced from on-premises: remove the membership in the on-premises directory")
        } else {
            None
        }
    }
}

/// A user's mailbox settings (`microsoft.graph.mailboxSettings`), the part offboard reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailboxSettings {
    /// The automatic reply.
    #[serde(default)]
    pub automatic_replies_setting: Option<AutomaticRepliesSetting>,
}

/// The automatic reply (`microsoft.graph.automaticRepliesSetting`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomaticRepliesSetting {
    /// `disabled`, `alwaysEnabled` or `scheduled`.
    #[serde(default)]
    pub status: Option<String>,
    /// The reply sent inside the organisation.
    #[serde(default)]
    pub internal_reply_message: Option<String>,
}

/// A SKU the tenant subscribes to.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    /// The SKU id licenses name.
    pub sku_id: String,
    /// Its part number, e.g. `ENTERPRISEPACK`: the product id offboard shows.
    pub sku_part_number: String,
}

/// One page of a collection.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub value: Vec<T>,
    /// The next page, when there is one.
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(json: &str) -> Group {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn dynamic_and_synced_groups_are_kept_with_the_reason() {
        let plain = group(r#"{"id": "g1", "displayName": "Sales", "groupTypes": ["Unified"]}"#);
        assert_eq!(plain.kept_because(), None);
        assert_eq!(plain.name(), "Sales");
        let dynamic = group(r#"{"id": "g2", "groupTypes": ["DynamicMembership"]}"#);
        assert!(dynamic.kept_because().unwrap().starts_with("dynamic group"));
        assert_eq!(dynamic.name(), "g2");
        let synced = group(r#"{"id": "g3", "onPremisesSyncEnabled": true}"#);
        assert!(synced.kept_because().unwrap().contains("on-premises"));
        let unsynced = group(r#"{"id": "g4", "onPremisesSyncEnabled": null}"#);
        assert_eq!(unsynced.kept_because(), None);
    }

    #[test]
    fn a_page_names_its_next_link() {
        let page: Page<SubscribedSku> = serde_json::from_str(
            r#"{"value": [{"skuId": "s", "skuPartNumber": "ENTERPRISEPACK", "extra": 1}],
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/subscribedSkus?$skiptoken=x"}"#,
        )
        .unwrap();
        assert_eq!(page.value[0].sku_part_number, "ENTERPRISEPACK");
        assert!(page.next_link.unwrap().ends_with("$skiptoken=x"));
    }
}
