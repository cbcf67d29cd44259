//! Listing the whole org for `offboard reconcile`: every user, page by page, with its status,
//! login, HR employee number and last sign-in; then, one user at a time, the groups it is a
//! member of and its app assignments as seats (costed by app label). It only reads.
//!
//! Okta leaves deactivated (`DEPROVISIONED`) users out of a plain user listing, so the listing
//! reads the org twice: every user but the deactivated ones, then the deactivated ones
//! (`filter=status eq "DEPROVISIONED"`). Their groups and apps still grant or cost.

use reqwest::Url;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::api::Pages;
use super::connector::OktaConnector;
use super::model::User;
use crate::connector::ConnectorError;

/// Okta's largest page of users.
const PAGE: &str = "200";
/// The filter that lists the deactivated users a plain listing leaves out.
const DEACTIVATED: &str = "status eq \"DEPROVISIONED\"";
/// The scope that reads users (named when Okta answers 403).
const READ_USERS: &str = "okta.users.read";

/// One user of the org, as reconciliation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgUser {
    /// The user's id (to ask for its groups and apps).
    pub id: String,
    /// The sign-in name (`profile.login`).
    pub login: String,
    /// The HR employee number the org records (`profile.employeeNumber`); empty when none.
    pub employee_number: String,
    /// False once deactivated (`DEPROVISIONED`); a suspended user still counts as an account.
    pub active: bool,
    /// When the user last signed in (`lastLogin`), when it ever did.
    pub last_login: Option<OffsetDateTime>,
}

/// Every user of the org, one page at a time.
pub struct UserListing<'c> {
    connector: &'c OktaConnector,
    pages: Pages<'c, User>,
    /// Still reading the users a plain listing returns (the deactivated ones come next).
    first_pass: bool,
}

impl OktaConnector {
    /// Every user of the org, deactivated ones last.
    pub fn list_users(&self) -> UserListing<'_> {
        UserListing {
            connector: self,
            pages: self.user_pages(&[]),
            first_pass: true,
        }
    }

    fn user_pages(&self, filter: &[(&str, &str)]) -> Pages<'_, User> {
        let mut query = vec![("limit", PAGE)];
        query.extend_from_slice(filter);
        let url: Url = self.api.url(&["users"], &query);
        self.api.pages(url, READ_USERS)
    }

    /// The names of the groups user `id` is a member of, but the built-in Everyone (every
    /// user is, and it grants nothing by itself); none when the user is gone.
    pub fn group_names(&self, id: &str) -> Result<Vec<String>, ConnectorError> {
        let groups = self.groups(id)?;
        Ok(groups
            .into_iter()
            .filter(|g| g.kind != "BUILT_IN")
            .map(|g| g.profile.name)
            .collect())
    }
}

impl UserListing<'_> {
    /// The next page of users; `None` after the last. A failed page can be asked for again.
    pub fn next_page(&mut self) -> Result<Option<Vec<OrgUser>>, ConnectorError> {
        loop {
            match self.pages.next_page()? {
                Some(users) => return Ok(Some(users.into_iter().map(OrgUser::from).collect())),
                None if self.first_pass => {
                    self.first_pass = false;
                    self.pages = self.connector.user_pages(&[("filter", DEACTIVATED)]);
                }
                None => return Ok(None),
            }
        }
    }
}

impl From<User> for OrgUser {
    fn from(user: User) -> OrgUser {
        OrgUser {
            active: !user.deprovisioned(),
            last_login: user
                .last_login
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
            login: user.profile.login.trim().to_owned(),
            employee_number: user
                .profile
                .employee_number
                .unwrap_or_default()
                .trim()
                .to_owned(),
            id: user.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_reads_its_status_number_and_last_login() {
        let user: User = serde_json::from_str(
            r#"{"id": "00u1", "status": "SUSPENDED", "lastLogin": "2026-07-01T10:00:00.000Z",
                "profile": {"login": "a@x", "employeeNumber": " E1 "}}"#,
        )
        .unwrap();
        let listed = OrgUser::from(user);
        assert_eq!(
            (listed.login.as_str(), listed.employee_number.as_str()),
            ("a@x", "E1")
        );
        assert!(listed.active);
        assert_eq!(listed.last_login.unwrap().unix_timestamp(), 1_782_900_000);
        let gone: User = serde_json::from_str(
            r#"{"id": "00u2", "status": "DEPROVISIONED", "lastLogin": null,
                "profile": {"login": "b@x"}}"#,
        )
        .unwrap();
        let gone = OrgUser::from(gone);
        assert!(!gone.active);
        assert_eq!((gone.employee_number.as_str(), gone.last_login), ("", None));
    }
}
