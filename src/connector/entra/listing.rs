//! Listing the whole tenant for `offboard reconcile`: every user, page by page, with whether it
//! is enabled, its HR employee id, the licenses it holds (directly or through a group) and, where
//! the tenant allows it, when it last signed in; then, one user at a time, its seats (priced by
//! SKU part number) and the groups it is a direct member of. It only reads.
//!
//! `signInActivity` needs its own permission (AuditLog.Read.All) and an Entra ID P1 or P2
//! tenant. When Graph refuses the first page with it, the listing goes on without it and says
//! why ([`UserListing::sign_ins_refused`]): no seat is then judged dormant, and nothing is
//! silently assumed.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::connector::EntraConnector;
use super::graph::Pages;
use super::model::{LIST_SELECT, LIST_SELECT_SIGN_INS, SignInActivity, User};
use super::permissions;
use crate::connector::ConnectorError;

/// Graph's largest page of users, and its largest when `signInActivity` is selected.
const PAGE: &str = "999";
const PAGE_WITH_SIGN_INS: &str = "120";

/// One user of the tenant, as reconciliation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryUser {
    /// The object id (to ask for its groups).
    pub id: String,
    /// The sign-in name (`userPrincipalName`; the id when it has none).
    pub account: String,
    /// The HR employee id the directory records (`employeeId`); empty when none.
    pub employee_id: String,
    /// False once the account is disabled.
    pub enabled: bool,
    /// The SKU ids of every license the user holds, directly or through a group.
    pub sku_ids: Vec<String>,
    /// The later of its last interactive and non-interactive sign-ins, when Graph says.
    pub last_sign_in: Option<OffsetDateTime>,
}

/// Every user of the tenant, one page at a time.
pub struct UserListing<'c> {
    connector: &'c EntraConnector,
    pages: Pages<'c, User>,
    /// Still asking for `signInActivity` and no page read yet.
    first_with_sign_ins: bool,
    refused: Option<String>,
}

impl EntraConnector {
    /// Every user of the tenant, with their sign-in activity when the tenant allows it.
    pub fn list_users(&self) -> UserListing<'_> {
        UserListing {
            connector: self,
            pages: self.user_pages(true),
            first_with_sign_ins: true,
            refused: None,
        }
    }

    fn user_pages(&self, sign_ins: bool) -> Pages<'_, User> {
        let (select, top, permission) = match sign_ins {
            true => (
                LIST_SELECT_SIGN_INS,
                PAGE_WITH_SIGN_INS,
                permissions::READ_SIGN_INS,
            ),
            false => (LIST_SELECT, PAGE, permissions::READ_USERS),
        };
        let url = self
            .graph
            .url(&["users"], &[("$select", select), ("$top", top)]);
        self.graph.pages(url, permission)
    }

    /// The names of the groups user `id` is a direct member of (none when the user is gone).
    pub fn group_names(&self, id: &str) -> Result<Vec<String>, ConnectorError> {
        let groups = self.groups(id)?.unwrap_or_default();
        Ok(groups.iter().map(|g| g.name().to_owned()).collect())
    }
}

impl UserListing<'_> {
    /// The next page of users; `None` after the last. A failed page can be asked for again.
    pub fn next_page(&mut self) -> Result<Option<Vec<DirectoryUser>>, ConnectorError> {
        let page = match self.pages.next_page() {
            Err(ConnectorError::Permanent { message }) if self.first_with_sign_ins => {
                // Sign-in activity is not readable here: list without it, and say why.
                self.refused = Some(message);
                self.first_with_sign_ins = false;
                self.pages = self.connector.user_pages(false);
                self.pages.next_page()?
            }
            other => other?,
        };
        self.first_with_sign_ins = false;
        Ok(page.map(|users| users.into_iter().map(DirectoryUser::from).collect()))
    }

    /// Why the users' sign-in activity could not be read (Graph's refusal, naming the
    /// permission), when it could not.
    pub fn sign_ins_refused(&self) -> Option<&str> {
        self.refused.as_deref()
    }
}

impl From<User> for DirectoryUser {
    fn from(user: User) -> DirectoryUser {
        let last_sign_in = user.sign_in_activity.as_ref().and_then(latest);
        DirectoryUser {
            account: user
                .user_principal_name
                .clone()
                .unwrap_or_else(|| user.id.clone()),
            employee_id: user.employee_id.unwrap_or_default().trim().to_owned(),
            enabled: user.account_enabled != Some(false),
            sku_ids: user
                .assigned_licenses
                .into_iter()
                .map(|l| l.sku_id)
                .collect(),
            last_sign_in,
            id: user.id,
        }
    }
}

/// The later of the two sign-in times Graph gives (unreadable ones are passed over).
fn latest(activity: &SignInActivity) -> Option<OffsetDateTime> {
    [
        &activity.last_sign_in_date_time,
        &activity.last_non_interactive_sign_in_date_time,
    ]
    .into_iter()
    .filter_map(|t| OffsetDateTime::parse(t.as_deref()?, &Rfc3339).ok())
    .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_reads_its_latest_sign_in_and_defaults() {
        let user: User = serde_json::from_str(
            r#"{"id": "u1", "employeeId": " C1 ", "assignedLicenses": [{"skuId": "s"}],
                "signInActivity": {"lastSignInDateTime": "2026-06-01T10:00:00Z",
                                   "lastNonInteractiveSignInDateTime": "2026-07-01T10:00:00Z"}}"#,
        )
        .unwrap();
        let listed = DirectoryUser::from(user);
        assert_eq!(listed.account, "u1");
        assert_eq!(listed.employee_id, "C1");
        assert!(listed.enabled);
        assert_eq!(listed.sku_ids, ["s"]);
        assert_eq!(listed.last_sign_in.unwrap().unix_timestamp(), 1_782_900_000);
        let never: User = serde_json::from_str(
            r#"{"id": "u2", "userPrincipalName": "a@x", "accountEnabled": false,
                "signInActivity": {"lastSignInDateTime": null}}"#,
        )
        .unwrap();
        let never = DirectoryUser::from(never);
        assert_eq!((never.account.as_str(), never.enabled), ("a@x", false));
        assert_eq!(never.last_sign_in, None);
    }
}
