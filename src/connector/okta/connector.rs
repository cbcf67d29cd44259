//! The [`Connector`] over Okta's management API: finds a user by login, reads what the org holds
//! for it (status, groups, app assignments) and makes one change at a time. Groups Okta will
//! not let the API change (app groups, the built-in Everyone) are read as [`Kept`], with the
//! reason, never as something to remove.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};

use reqwest::blocking::Client;
use reqwest::{Method, Url};

use super::api::{Api, Credentials};
use super::model::{AppLink, Client as OAuthClient, Group, User, UserFactor};
use super::options::{OktaCredential, OktaOptions};
use crate::connector::oauth::{ClientCredential, TokenSource};
use crate::connector::{
    AccountState, Change, Connector, ConnectorError, Factor, Kept, KeptKind, Principal, ReadScope,
    Seat,
};

/// The scopes each kind of call needs (named when Okta answers 403).
const USERS: &str = "okta.users.manage";
const GROUPS: &str = "okta.groups.manage";
const APPS: &str = "okta.apps.manage";

/// What a plan says about deleting an Okta user.
pub const DELETE_NOTE: &str = "Okta deletes a user for good (it cannot be restored); the user is \
     deactivated first, as Okta deletes only deactivated users";

/// Why an [`OktaConnector`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum OktaSetupError {
    /// The org URL is not an absolute `http`/`https` URL.
    #[error("org_url is not an absolute http or https URL")]
    BadUrl,
    /// The HTTP client could not be built (TLS roots unavailable).
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A `type: okta` connector.
pub struct OktaConnector {
    name: String,
    pub(super) api: Api,
    app_costs: BTreeMap<String, i64>,
    /// Users whose sessions this process cleared (Okta lists no browser sessions to read back).
    cleared: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for OktaConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaConnector")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl OktaConnector {
    /// A connector named `name` with `options`.
    pub fn new(name: impl Into<String>, options: OktaOptions) -> Result<Self, OktaSetupError> {
        let org = Url::parse(options.org_url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or(OktaSetupError::BadUrl)?;
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect could carry the token elsewhere; Okta's API never needs one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(OktaSetupError::Client)?;
        let credentials = match options.credential {
            OktaCredential::ApiToken(token) => Credentials::ApiToken(token),
            OktaCredential::ServiceApp {
                client_id,
                key,
                scopes,
            } => Credentials::Bearer(Box::new(TokenSource::new(
                client.clone(),
                crate::connector::url::join(&org, &["oauth2", "v1", "token"], &[]),
                &client_id,
                &scopes.join(" "),
                ClientCredential::Certificate(key),
                options.timeout,
            ))),
        };
        let base = crate::connector::url::join(&org, &["api", "v1"], &[]);
        Ok(OktaConnector {
            name: name.into(),
            api: Api::new(client, base, credentials, options.timeout),
            app_costs: options.app_costs,
            cleared: Mutex::new(HashSet::new()),
        })
    }

    fn user(&self, key: &str) -> Result<Option<User>, ConnectorError> {
        self.api.get(self.api.url(&["users", key], &[]), USERS)
    }

    pub(super) fn groups(&self, id: &str) -> Result<Vec<Group>, ConnectorError> {
        let url = self.api.url(&["users", id, "groups"], &[]);
        self.api.list(url, GROUPS)
    }

    fn apps(&self, id: &str) -> Result<Vec<AppLink>, ConnectorError> {
        let url = self.api.url(&["users", id, "appLinks"], &[]);
        self.api.list(url, APPS)
    }

    /// The user's app assignments as seats: each app by its label, costed from the
    /// configuration (apps not listed cost 0).
    pub fn seats(&self, id: &str) -> Result<Vec<Seat>, ConnectorError> {
        let apps = self.apps(id)?;
        Ok(apps
            .into_iter()
            .map(|app| Seat {
                monthly_cost_cents: self.app_costs.get(&app.label).copied().unwrap_or(0),
                product: app.label,
            })
            .collect())
    }

    /// The OAuth clients the user holds grants or tokens for.
    fn clients(&self, id: &str) -> Result<Vec<OAuthClient>, ConnectorError> {
        let url = self.api.url(&["users", id, "clients"], &[]);
        self.api.list(url, USERS)
    }

    /// Open sessions and tokens, as far as Okta tells: the OAuth clients holding tokens are
    /// listed; browser sessions are not, so without tokens the count is known (0) only once
    /// this process cleared them.
    fn sessions(&self, id: &str) -> Result<Option<u32>, ConnectorError> {
        let clients: HashSet<String> = self.clients(id)?.into_iter().map(|c| c.client_id).collect();
        let clients = u32::try_from(clients.len()).unwrap_or(u32::MAX);
        let cleared = self
            .cleared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(id);
        Ok((clients > 0 || cleared).then_some(clients))
    }

    /// The factors enrolled on the user, sorted.
    fn factors(&self, id: &str) -> Result<Vec<Factor>, ConnectorError> {
        let url = self.api.url(&["users", id, "factors"], &[]);
        let listed: Vec<UserFactor> = self.api.list(url, USERS)?;
        let mut factors: Vec<Factor> = listed
            .into_iter()
            .map(|f| Factor {
                kind: f.factor_type,
                provider: f.provider,
                id: f.id,
            })
            .collect();
        factors.sort();
        Ok(factors)
    }

    /// Unenroll every factor the user has, one at a time: the calls work whatever the user's
    /// status (Okta's `reset_factors` lifecycle call is for active users), and a factor gone
    /// already (404) is no error.
    fn reset_factors(&self, id: &str) -> Result<(), ConnectorError> {
        for factor in self.factors(id)? {
            let url = self.api.url(&["users", id, "factors", &factor.id], &[]);
            self.delete(url, USERS)?;
        }
        Ok(())
    }

    fn post(&self, segments: &[&str], scope: &str) -> Result<(), ConnectorError> {
        self.api
            .send(Method::POST, self.api.url(segments, &[]), scope)?;
        Ok(())
    }

    fn delete(&self, url: Url, scope: &str) -> Result<(), ConnectorError> {
        self.api.send(Method::DELETE, url, scope)?;
        Ok(())
    }

    fn deactivate(&self, id: &str) -> Result<(), ConnectorError> {
        match self.user(id)? {
            Some(user) if !user.deprovisioned() => {
                self.post(&["users", id, "lifecycle", "deactivate"], USERS)
            }
            _ => Ok(()),
        }
    }

    fn remove_groups(&self, id: &str, names: &[String]) -> Result<(), ConnectorError> {
        for group in self.groups(id)? {
            if names.contains(&group.profile.name) && group.kept_because().is_none() {
                let url = self.api.url(&["groups", &group.id, "users", id], &[]);
                self.delete(url, GROUPS)?;
            }
        }
        Ok(())
    }

    fn remove_apps(&self, id: &str, labels: &[String]) -> Result<(), ConnectorError> {
        for app in self.apps(id)? {
            if labels.contains(&app.label) {
                let url = self
                    .api
                    .url(&["apps", &app.app_instance_id, "users", id], &[]);
                self.delete(url, APPS)?;
            }
        }
        Ok(())
    }

    fn clear_sessions(&self, id: &str) -> Result<(), ConnectorError> {
        let url = self
            .api
            .url(&["users", id, "sessions"], &[("oauthTokens", "true")]);
        self.delete(url, USERS)?;
        self.cleared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned());
        Ok(())
    }

    fn delete_user(&self, id: &str) -> Result<(), ConnectorError> {
        // Okta's DELETE deactivates a user that is not yet deactivated; deactivate first so
        // that one DELETE deletes.
        self.deactivate(id)?;
        self.delete(self.api.url(&["users", id], &[]), USERS)
    }
}

impl Connector for OktaConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn plan_note(&self, change: &Change) -> Option<&'static str> {
        matches!(change, Change::Delete).then_some(DELETE_NOTE)
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        if key.is_empty() {
            return Err(ConnectorError::Permanent {
                message: "Okta: the login to find is empty; the match template rendered nothing"
                    .to_owned(),
            });
        }
        Ok(self.user(key)?.map(|u| Principal {
            id: u.id,
            name: u.profile.login,
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
            // Deactivation is Okta's disable; a suspended user is still to be deactivated.
            active: !user.deprovisioned(),
            sessions: self.sessions(&user.id)?,
            groups_skipped: !scope.groups,
            ..AccountState::default()
        };
        state.seats = self.seats(&user.id)?;
        if scope.factors {
            state.factors = self.factors(&user.id)?;
        }
        if scope.groups {
            for group in self.groups(&user.id)? {
                match group.kept_because() {
                    Some(reason) => state.kept.push(Kept {
                        kind: KeptKind::Group,
                        name: group.profile.name,
                        reason: reason.to_owned(),
                    }),
                    None => state.groups.push(group.profile.name),
                }
            }
        }
        state.groups.sort();
        state.groups.dedup();
        state.seats.sort();
        state.kept.sort();
        Ok(state)
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        let id = principal.id.as_str();
        match change {
            Change::Deactivate => self.deactivate(id),
            Change::RevokeSessions => self.clear_sessions(id),
            Change::RemoveGroups { groups } => self.remove_groups(id, groups),
            Change::ReleaseSeats { products } => self.remove_apps(id, products),
            Change::Delete => self.delete_user(id),
            Change::ResetFactors => self.reset_factors(id),
            Change::ReturnAssets { .. }
            | Change::RetainData
            | Change::SetAutoReply { .. }
            | Change::TransferData { .. } => Err(ConnectorError::Unsupported {
                connector: self.name.clone(),
                change: change.to_string(),
            }),
        }
    }
}
