//! Listing the whole customer for `offboard reconcile`: every user (`users.list`, customer
//! `my_customer`, 500 a page), with its suspension, primary email, HR employee id and last
//! sign-in; the holders of each configured license (`licenseAssignments.listForProductAndSku`,
//! 1000 a page); and, one user at a time, the groups it is a member of. It only reads, and each
//! call asks for a token of its one read scope.

use reqwest::Url;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::api::{Api, MAX_PAGES, too_many_pages};
use super::connector::GoogleConnector;
use super::model::User;
use super::options::License;
use super::scopes;
use crate::connector::ConnectorError;

/// Google's largest page of users.
const USERS_PAGE: &str = "500";
/// Google's largest page of license assignments.
const ASSIGNMENTS_PAGE: &str = "1000";

/// One user of the customer, as reconciliation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerUser {
    /// The user's id (to ask for its groups).
    pub id: String,
    /// The primary email (what the connector's `match` finds users by).
    pub email: String,
    /// The customer's id (License Manager listings need it; `my_customer` is refused there).
    pub customer_id: String,
    /// The HR employee id: the user's external id of type `organization`; empty when none.
    pub employee_id: String,
    /// False once suspended.
    pub active: bool,
    /// When the user last signed in (`lastLoginTime`), when it ever did.
    pub last_login: Option<OffsetDateTime>,
}

/// A license assignment, as listed (`licensing#licenseAssignment`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assignment {
    user_id: String,
}

/// The pages of one collection; a failed page can be asked for again.
pub struct Pages<'c, T> {
    api: &'c Api,
    url: Url,
    key: &'static str,
    scope: &'static str,
    token: Option<String>,
    read: usize,
    done: bool,
    item: std::marker::PhantomData<T>,
}

impl<T: DeserializeOwned> Pages<'_, T> {
    /// The next page; `None` after the last (or when the collection is gone).
    pub fn next_page(&mut self) -> Result<Option<Vec<T>>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        if self.read == MAX_PAGES {
            return Err(too_many_pages(&self.url));
        }
        let page = self
            .api
            .page(&self.url, self.key, self.token.as_deref(), self.scope)?;
        self.read += 1;
        let Some((items, next)) = page else {
            self.done = true;
            return Ok(None);
        };
        self.done = next.is_none();
        self.token = next;
        Ok(Some(items))
    }
}

/// Every user of the customer, one page at a time.
pub struct UserListing<'c> {
    pages: Pages<'c, User>,
}

impl GoogleConnector {
    fn pages<T>(&self, url: Url, key: &'static str, scope: &'static str) -> Pages<'_, T> {
        Pages {
            api: &self.api,
            url,
            key,
            scope,
            token: None,
            read: 0,
            done: false,
            item: std::marker::PhantomData,
        }
    }

    /// Every user of the customer, suspended ones too.
    pub fn list_users(&self) -> UserListing<'_> {
        let query = [("customer", "my_customer"), ("maxResults", USERS_PAGE)];
        let url = self.directory(&["users"], &query);
        UserListing {
            pages: self.pages(url, "users", scopes::USERS_READ),
        }
    }

    /// The licenses the connector manages, with what a seat costs.
    pub fn licenses(&self) -> &[License] {
        &self.licenses
    }

    /// The primary emails of the users of customer `customer` (its id) holding `license`,
    /// page by page.
    pub fn license_holders(&self, license: &License, customer: &str) -> HolderListing<'_> {
        let segments = [
            "apps",
            "licensing",
            "v1",
            "product",
            &license.product,
            "sku",
            &license.sku,
            "users",
        ];
        let query = [("customerId", customer), ("maxResults", ASSIGNMENTS_PAGE)];
        let url = crate::connector::url::join(&self.licensing, &segments, &query);
        HolderListing {
            pages: self.pages(url, "items", scopes::LICENSING),
        }
    }

    /// The email addresses of the groups user `id` is a member of; none when the user is gone.
    pub fn group_names(&self, id: &str) -> Result<Vec<String>, ConnectorError> {
        Ok(self.groups(id)?.into_iter().map(|g| g.email).collect())
    }
}

impl UserListing<'_> {
    /// The next page of users; `None` after the last. A failed page can be asked for again.
    pub fn next_page(&mut self) -> Result<Option<Vec<CustomerUser>>, ConnectorError> {
        Ok(self
            .pages
            .next_page()?
            .map(|users| users.into_iter().map(CustomerUser::from).collect()))
    }
}

/// The holders of one license, one page at a time.
pub struct HolderListing<'c> {
    pages: Pages<'c, Assignment>,
}

impl HolderListing<'_> {
    /// The next page of holders (primary emails); `None` after the last. A failed page can be
    /// asked for again.
    pub fn next_page(&mut self) -> Result<Option<Vec<String>>, ConnectorError> {
        Ok(self
            .pages
            .next_page()?
            .map(|items| items.into_iter().map(|a| a.user_id).collect()))
    }
}

/// A `lastLoginTime`: `None` for Google's "never" (the Unix epoch) or an unreadable time.
fn last_login(time: Option<&str>) -> Option<OffsetDateTime> {
    time.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .filter(|t| t.unix_timestamp() > 0)
}

impl From<User> for CustomerUser {
    fn from(user: User) -> CustomerUser {
        CustomerUser {
            employee_id: user.organization_id(),
            active: !user.suspended,
            last_login: last_login(user.last_login_time.as_deref()),
            email: user.primary_email.trim().to_owned(),
            customer_id: user.customer_id,
            id: user.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_reads_its_suspension_employee_id_and_last_login() {
        let user: User = serde_json::from_str(
            r#"{"id": "1", "primaryEmail": "a@x", "suspended": true, "customerId": "C1",
                "lastLoginTime": "2026-07-01T10:00:00.000Z",
                "externalIds": [{"type": "account", "value": "A"},
                                {"type": "organization", "value": " E1 "}]}"#,
        )
        .unwrap();
        let listed = CustomerUser::from(user);
        assert_eq!(
            (listed.email.as_str(), listed.employee_id.as_str()),
            ("a@x", "E1")
        );
        assert!(!listed.active);
        assert_eq!(listed.customer_id, "C1");
        assert_eq!(listed.last_login.unwrap().unix_timestamp(), 1_782_900_000);
        let never: User = serde_json::from_str(
            r#"{"id": "2", "primaryEmail": "b@x", "lastLoginTime": "1970-01-01T00:00:00.000Z",
                "externalIds": "not a list"}"#,
        )
        .unwrap();
        let never = CustomerUser::from(never);
        assert!(never.active);
        assert_eq!((never.employee_id.as_str(), never.last_login), ("", None));
    }
}
