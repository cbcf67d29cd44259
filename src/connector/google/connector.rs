//! The [`Connector`] over the Admin SDK Directory API and the Enterprise License Manager: finds
//! a user by primary email (or alias), reads what the customer holds for it (suspended, OAuth
//! tokens and app passwords, groups, the configured licenses) and makes one change at a time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::blocking::Client;
use reqwest::{Method, Url};
use serde_json::json;

use super::api::Api;
use super::model::{Asp, Group, Token, User};
use super::options::{GoogleOptions, License};
use super::scopes;
use crate::connector::oauth::TokenSource;
use crate::connector::{
    AccountState, Change, Connector, ConnectorError, Principal, Probe, ReadScope, Seat,
    probe_by_lookup,
};

/// Why a [`GoogleConnector`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GoogleSetupError {
    /// A URL is not an absolute `http`/`https` URL.
    #[error("{key} is not an absolute http or https URL")]
    BadUrl {
        /// The setting.
        key: &'static str,
    },
    /// The HTTP client could not be built (TLS roots unavailable).
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// What a plan says about deleting a Google user: it can be restored for a while.
pub const DELETED_USERS_NOTE: &str = "Google keeps deleted users 20 days (an admin can restore \
     them until then; after that they are gone for good, with their data)";

/// A `type: google_workspace` connector.
pub struct GoogleConnector {
    name: String,
    pub(super) api: Api,
    admin: Url,
    pub(super) licensing: Url,
    pub(super) licenses: Vec<License>,
    /// Users this process signed out.
    signed_out: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for GoogleConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConnector")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl GoogleConnector {
    /// A connector named `name` with `options`.
    pub fn new(name: impl Into<String>, options: GoogleOptions) -> Result<Self, GoogleSetupError> {
        let parse = |key: &'static str, text: &str| {
            Url::parse(text)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or(GoogleSetupError::BadUrl { key })
        };
        let token_url = parse("token_url", &options.token_url)?;
        let admin = parse("admin_url", options.admin_url.trim_end_matches('/'))?;
        let licensing = parse("licensing_url", options.licensing_url.trim_end_matches('/'))?;
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect could carry the token elsewhere; Google's APIs never need one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(GoogleSetupError::Client)?;
        let account = Arc::clone(&options.account);
        let tokens = |scope: &str| {
            TokenSource::delegated(
                client.clone(),
                token_url.clone(),
                Arc::clone(&account),
                &options.admin_subject,
                scope,
                options.timeout,
            )
        };
        Ok(GoogleConnector {
            name: name.into(),
            api: Api::new(client.clone(), tokens, options.timeout),
            admin,
            licensing,
            licenses: options.licenses,
            signed_out: Mutex::new(HashSet::new()),
        })
    }

    /// A Directory API URL.
    pub(super) fn directory(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut all = vec!["admin", "directory", "v1"];
        all.extend_from_slice(segments);
        crate::connector::url::join(&self.admin, &all, query)
    }

    /// A Data Transfer API URL.
    pub(super) fn datatransfer(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut all = vec!["admin", "datatransfer", "v1"];
        all.extend_from_slice(segments);
        crate::connector::url::join(&self.admin, &all, query)
    }

    /// A License Manager URL for the assignment of `license` to `user`.
    fn assignment(&self, license: &License, user: &str) -> Url {
        let segments = [
            "apps",
            "licensing",
            "v1",
            "product",
            &license.product,
            "sku",
            &license.sku,
            "user",
            user,
        ];
        crate::connector::url::join(&self.licensing, &segments, &[])
    }

    pub(super) fn user(&self, key: &str) -> Result<Option<User>, ConnectorError> {
        self.api
            .get(self.directory(&["users", key], &[]), scopes::USERS)
    }

    fn tokens(&self, id: &str) -> Result<Vec<Token>, ConnectorError> {
        let url = self.directory(&["users", id, "tokens"], &[]);
        Ok(self
            .api
            .list(url, "items", scopes::SECURITY)?
            .unwrap_or_default())
    }

    fn asps(&self, id: &str) -> Result<Vec<Asp>, ConnectorError> {
        let url = self.directory(&["users", id, "asps"], &[]);
        Ok(self
            .api
            .list(url, "items", scopes::SECURITY)?
            .unwrap_or_default())
    }

    pub(super) fn groups(&self, id: &str) -> Result<Vec<Group>, ConnectorError> {
        let url = self.directory(&["groups"], &[("userKey", id), ("maxResults", "200")]);
        Ok(self
            .api
            .list(url, "groups", scopes::GROUPS_READ)?
            .unwrap_or_default())
    }

    /// The configured licenses `user` (primary email) holds.
    fn held(&self, user: &str) -> Result<Vec<&License>, ConnectorError> {
        let mut held = Vec::new();
        for license in &self.licenses {
            let url = self.assignment(license, user);
            if self
                .api
                .get::<serde_json::Value>(url, scopes::LICENSING)?
                .is_some()
            {
                held.push(license);
            }
        }
        Ok(held)
    }

    /// Sign the user out everywhere, then delete every OAuth token and app password.
    fn revoke(&self, id: &str) -> Result<(), ConnectorError> {
        let url = self.directory(&["users", id, "signOut"], &[]);
        self.api.send(Method::POST, url, None, scopes::SECURITY)?;
        self.signed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned());
        for token in self.tokens(id)? {
            let url = self.directory(&["users", id, "tokens", &token.client_id], &[]);
            self.api.send(Method::DELETE, url, None, scopes::SECURITY)?;
        }
        for asp in self.asps(id)? {
            let code = asp.code_id.to_string();
            let url = self.directory(&["users", id, "asps", &code], &[]);
            self.api.send(Method::DELETE, url, None, scopes::SECURITY)?;
        }
        Ok(())
    }

    fn remove_groups(&self, id: &str, names: &[String]) -> Result<(), ConnectorError> {
        for group in self.groups(id)? {
            if !names.contains(&group.email) {
                continue;
            }
            let url = self.directory(&["groups", &group.id, "members", id], &[]);
            self.api.send(Method::DELETE, url, None, scopes::MEMBERS)?;
        }
        Ok(())
    }

    fn release(&self, id: &str, products: &[String]) -> Result<(), ConnectorError> {
        let Some(user) = self.user(id)? else {
            return Ok(());
        };
        for license in self.held(&user.primary_email)? {
            if products.contains(&license.sku) {
                let url = self.assignment(license, &user.primary_email);
                self.api
                    .send(Method::DELETE, url, None, scopes::LICENSING)?;
            }
        }
        Ok(())
    }
}

impl Connector for GoogleConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn plan_note(&self, change: &Change) -> Option<&'static str> {
        match change {
            Change::Delete => Some(DELETED_USERS_NOTE),
            _ => None,
        }
    }

    /// Without a canary, the first page of the customer's users: a lookup needs a real
    /// address (Google refuses one outside the customer's domains).
    fn probe(&self, canary: Option<&str>) -> Result<Probe, ConnectorError> {
        if canary.is_some() {
            return probe_by_lookup(self, canary);
        }
        self.list_users().next_page()?;
        Ok(Probe::Answered)
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        if !key.contains('@') {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "Google Workspace: {key:?} is not an email address; the match template must \
                     render the user's primary email"
                ),
            });
        }
        Ok(self.user(key)?.map(|user| Principal {
            id: user.id,
            name: user.primary_email,
        }))
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        self.read_scoped(principal, ReadScope::ALL)
    }

    fn read_scoped(
        &self,
        principal: &Principal,
        scope: ReadScope,
    ) -> Result<AccountState, ConnectorError> {
        let Some(user) = self.user(&principal.id)? else {
            return Ok(AccountState::default());
        };
        let mut state = AccountState {
            exists: true,
            active: !user.suspended,
            groups_skipped: !scope.groups,
            ..AccountState::default()
        };
        if scope.sessions {
            state
                .tokens
                .extend(self.tokens(&user.id)?.iter().map(Token::label));
            state
                .tokens
                .extend(self.asps(&user.id)?.iter().map(Asp::label));
            state.tokens.sort();
            let signed_out = self
                .signed_out
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&user.id);
            // Web sessions cannot be listed: they are taken as open until this process signed
            // the user out; tokens and app passwords are counted as they are.
            state.sessions =
                signed_out.then(|| u32::try_from(state.tokens.len()).unwrap_or(u32::MAX));
        }
        if scope.transfers {
            state.transfers = self.transfers(&user.id)?;
        }
        if scope.groups {
            state.groups = self
                .groups(&user.id)?
                .into_iter()
                .map(|g| g.email)
                .collect();
            state.groups.sort();
            state.groups.dedup();
        }
        for license in self.held(&user.primary_email)? {
            state.seats.push(Seat {
                product: license.sku.clone(),
                monthly_cost_cents: license.monthly_cost_cents,
            });
        }
        state.seats.sort();
        Ok(state)
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        let id = principal.id.as_str();
        match change {
            Change::Deactivate => {
                let url = self.directory(&["users", id], &[]);
                let body = json!({ "suspended": true });
                self.api
                    .send(Method::PATCH, url, Some(&body), scopes::USERS)?;
                Ok(())
            }
            Change::RevokeSessions => self.revoke(id),
            Change::RemoveGroups { groups } => self.remove_groups(id, groups),
            Change::ReleaseSeats { products } => self.release(id, products),
            Change::TransferData { to } => self.transfer(id, to),
            Change::Delete => {
                self.no_transfer_running(id)?;
                let url = self.directory(&["users", id], &[]);
                self.api.send(Method::DELETE, url, None, scopes::USERS)?;
                Ok(())
            }
            Change::ReturnAssets { .. }
            | Change::RetainData
            | Change::SetAutoReply { .. }
            | Change::ResetFactors => Err(ConnectorError::Unsupported {
                connector: self.name.clone(),
                change: change.to_string(),
            }),
        }
    }
}
