//! The [`Connector`] over Microsoft Graph: finds a user by the configured property, reads what
//! the tenant holds for it (enabled, direct groups, licenses, sessions' valid-from time) and
//! makes one change at a time. Groups and licenses Entra will not let an application change
//! (dynamic groups, groups synced from on-premises, licenses a group assigns) are read as
//! [`Kept`], with the reason, never as something to remove.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::{Method, Url};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::filter;
use super::graph::Graph;
use super::model::{Group, READ_SELECT, SubscribedSku, User};
use super::options::{EntraAttribute, EntraOptions};
use super::permissions;
use super::recent::Recent;
use crate::connector::oauth::TokenSource;
use crate::connector::{
    AccountState, Change, Connector, ConnectorError, Kept, KeptKind, Principal, ReadScope, Seat,
};

/// The scope of an application token for Graph.
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// How long a write may take to show in Graph's reads (it is eventually consistent) before the
/// connector gives up waiting and lets the engine's read-back judge.
const CONSISTENCY_WAIT: Duration = Duration::from_secs(10);
/// The first pause between reads while waiting; each pause doubles it, up to a second.
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// Why an [`EntraConnector`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EntraSetupError {
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

/// A user's licenses by how they are assigned: SKU ids held directly, and (SKU id, group id)
/// for those a group assigns.
struct Licenses {
    direct: Vec<String>,
    by_group: Vec<(String, String)>,
}

/// A `type: entra` connector.
pub struct EntraConnector {
    name: String,
    pub(super) graph: Graph,
    attribute: EntraAttribute,
    seat_costs: BTreeMap<String, i64>,
    /// SKU id -> part number, read once.
    skus: Mutex<Option<HashMap<String, String>>>,
    /// User id -> when this process asked Graph to revoke its sessions.
    revoked: Mutex<HashMap<String, OffsetDateTime>>,
    /// Users just read, for the read that follows at once.
    recent: Recent,
}

impl std::fmt::Debug for EntraConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntraConnector")
            .field("name", &self.name)
            .field("attribute", &self.attribute)
            .finish_non_exhaustive()
    }
}

impl EntraConnector {
    /// A connector named `name` with `options`.
    pub fn new(name: impl Into<String>, options: EntraOptions) -> Result<Self, EntraSetupError> {
        let parse = |key: &'static str, text: &str| {
            Url::parse(text.trim_end_matches('/'))
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or(EntraSetupError::BadUrl { key })
        };
        let login = parse("login_url", &options.login_url)?;
        let mut graph_base = parse("graph_url", &options.graph_url)?;
        if let Ok(mut path) = graph_base.path_segments_mut() {
            path.pop_if_empty().push("v1.0");
        }
        let mut token_url = login;
        if let Ok(mut path) = token_url.path_segments_mut() {
            path.pop_if_empty()
                .extend([options.tenant.as_str(), "oauth2", "v2.0", "token"]);
        }
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect could carry the token elsewhere; Graph never needs one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(EntraSetupError::Client)?;
        let tokens = TokenSource::new(
            client.clone(),
            token_url,
            &options.client_id,
            GRAPH_SCOPE,
            options.credential,
            options.timeout,
        );
        Ok(EntraConnector {
            name: name.into(),
            graph: Graph::new(client, graph_base, tokens, options.timeout),
            attribute: options.attribute,
            seat_costs: options.seat_costs,
            skus: Mutex::new(None),
            revoked: Mutex::new(HashMap::new()),
            recent: Recent::default(),
        })
    }

    /// The SKU part number of `sku_id` (the id itself for a SKU the tenant no longer lists).
    fn part_number(&self, sku_id: &str) -> Result<String, ConnectorError> {
        let mut skus = self.skus.lock().unwrap_or_else(PoisonError::into_inner);
        if skus.is_none() {
            let url = self.graph.url(&["subscribedSkus"], &[]);
            let listed: Vec<SubscribedSku> = self
                .graph
                .list(url, permissions::READ_SKUS)?
                .unwrap_or_default();
            *skus = Some(
                listed
                    .into_iter()
                    .map(|s| (s.sku_id, s.sku_part_number))
                    .collect(),
            );
        }
        Ok(skus
            .as_ref()
            .and_then(|m| m.get(sku_id).cloned())
            .unwrap_or_else(|| sku_id.to_owned()))
    }

    /// One seat of SKU `sku_id`: its part number and the monthly cost the configuration gives
    /// it (0 when it gives none).
    pub fn seat(&self, sku_id: &str) -> Result<Seat, ConnectorError> {
        let product = self.part_number(sku_id)?;
        let monthly_cost_cents = self.seat_costs.get(&product).copied().unwrap_or(0);
        Ok(Seat {
            product,
            monthly_cost_cents,
        })
    }

    /// User `id` as Graph holds it: the one just read, if any (`recent.rs`), or a new read.
    fn user(&self, id: &str) -> Result<Option<User>, ConnectorError> {
        if let Some(user) = self.recent.take(id) {
            return Ok(Some(user));
        }
        let url = self.graph.url(&["users", id], &[("$select", READ_SELECT)]);
        self.graph.get(url, permissions::READ_USERS)
    }

    /// The groups the user is a direct member of (`None` when the user is gone).
    pub(super) fn groups(&self, id: &str) -> Result<Option<Vec<Group>>, ConnectorError> {
        // No $select: the published description allows only directoryObject's properties
        // on this cast, and a group's default properties carry what is needed.
        let url = self.graph.url(
            &["users", id, "memberOf", "microsoft.graph.group"],
            &[("$top", "999")],
        );
        self.graph.list(url, permissions::READ_GROUPS)
    }

    /// The licenses held directly (seats offboard can release), and those a group assigns.
    fn licenses(&self, user: &User) -> Licenses {
        let mut direct = Vec::new();
        let mut by_group = Vec::new();
        if user.license_assignment_states.is_empty() {
            direct.extend(user.assigned_licenses.iter().map(|l| l.sku_id.clone()));
        }
        for state in &user.license_assignment_states {
            let Some(sku) = state.sku_id.clone() else {
                continue;
            };
            match &state.assigned_by_group {
                None => direct.push(sku),
                Some(group) => by_group.push((sku, group.clone())),
            }
        }
        direct.sort();
        direct.dedup();
        Licenses { direct, by_group }
    }

    fn sessions(&self, user: &User) -> Option<u32> {
        let revoked = self.revoked.lock().unwrap_or_else(PoisonError::into_inner);
        let asked = *revoked.get(&user.id)?;
        let valid_from = user
            .sign_in_sessions_valid_from_date_time
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        // Sessions issued before the revocation are void once Graph shows them valid only
        // from then on; until it does, assume one is still open.
        Some(match valid_from {
            Some(from) if from >= asked => 0,
            _ => 1,
        })
    }

    fn remove_groups(&self, id: &str, names: &[String]) -> Result<(), ConnectorError> {
        for group in self.groups(id)?.unwrap_or_default() {
            if !names.iter().any(|n| n == group.name()) || group.kept_because().is_some() {
                continue;
            }
            let url = self
                .graph
                .url(&["groups", &group.id, "members", id, "$ref"], &[]);
            self.graph
                .send(Method::DELETE, url, None, permissions::WRITE_MEMBERS)?;
        }
        Ok(())
    }

    fn release(&self, id: &str, products: &[String]) -> Result<(), ConnectorError> {
        let Some(user) = self.user(id)? else {
            return Ok(());
        };
        let mut remove = Vec::new();
        for sku in self.licenses(&user).direct {
            if products.contains(&self.part_number(&sku)?) {
                remove.push(sku);
            }
        }
        if remove.is_empty() {
            return Ok(());
        }
        let url = self.graph.url(&["users", id, "assignLicense"], &[]);
        let body = json!({ "addLicenses": [], "removeLicenses": remove });
        self.graph
            .send(Method::POST, url, Some(&body), permissions::ASSIGN_LICENSES)?;
        Ok(())
    }

    fn revoke(&self, id: &str) -> Result<(), ConnectorError> {
        // Graph keeps whole seconds: compare against the second the request was made in.
        let now = OffsetDateTime::now_utc();
        let asked = now.replace_nanosecond(0).unwrap_or(now);
        let url = self.graph.url(&["users", id, "revokeSignInSessions"], &[]);
        self.graph
            .send(Method::POST, url, None, permissions::REVOKE_SESSIONS)?;
        self.revoked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), asked);
        Ok(())
    }
}

/// What a plan says about deleting an Entra user: it goes to the deleted users first.
pub const DELETED_USERS_NOTE: &str = "Entra keeps deleted users 30 days (restorable until then; \
     after that gone for good, with the mailbox and OneDrive)";

impl Connector for EntraConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn plan_note(&self, change: &Change) -> Option<&'static str> {
        match change {
            Change::Delete => Some(DELETED_USERS_NOTE),
            _ => None,
        }
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        if key.is_empty() {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "Entra: the {} to find is empty; the match template rendered nothing",
                    self.attribute
                ),
            });
        }
        let filter = filter::equals(self.attribute.as_str(), key);
        // The state's properties come with the match, for the read that follows.
        let url = self.graph.url(
            &["users"],
            &[("$filter", &filter), ("$select", READ_SELECT)],
        );
        let read_at = Instant::now();
        let users: Vec<User> = self
            .graph
            .list(url, permissions::READ_USERS)?
            .unwrap_or_default();
        match users.as_slice() {
            [] => Ok(None),
            [user] => {
                let principal = Principal {
                    id: user.id.clone(),
                    name: user
                        .user_principal_name
                        .clone()
                        .unwrap_or_else(|| user.id.clone()),
                };
                self.recent.keep(user.clone(), read_at);
                Ok(Some(principal))
            }
            more => Err(ConnectorError::Permanent {
                message: format!(
                    "Entra: {} users have {} {key:?}; make the match attribute unique",
                    more.len(),
                    self.attribute
                ),
            }),
        }
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        self.read_scoped(principal, ReadScope::ALL)
    }

    fn read_scoped(
        &self,
        principal: &Principal,
        scope: ReadScope,
    ) -> Result<AccountState, ConnectorError> {
        match self.user(&principal.id)? {
            Some(user) => self.state_of(&user, scope),
            None => Ok(AccountState::default()),
        }
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        self.recent.forget(&principal.id);
        self.write(principal, change)?;
        self.await_visible(principal, change)
    }
}

impl EntraConnector {
    /// The state of `user` as read: its licenses, and its groups and mailbox as `scope` asks.
    fn state_of(&self, user: &User, scope: ReadScope) -> Result<AccountState, ConnectorError> {
        let Licenses { direct, by_group } = self.licenses(user);
        let mut state = AccountState {
            exists: true,
            active: user.account_enabled != Some(false),
            sessions: self.sessions(user),
            groups_skipped: !scope.groups && by_group.is_empty(),
            ..AccountState::default()
        };
        for sku in direct {
            state.seats.push(self.seat(&sku)?);
        }
        if !state.groups_skipped {
            let groups = self.groups(&user.id)?.unwrap_or_default();
            let names: HashMap<&str, &str> =
                groups.iter().map(|g| (g.id.as_str(), g.name())).collect();
            for (sku, group) in &by_group {
                let group = names.get(group.as_str()).copied().unwrap_or(group);
                state.kept.push(Kept {
                    kind: KeptKind::Seat,
                    name: self.part_number(sku)?,
                    reason: format!(
                        "assigned by group {group}: remove the user from the group, or the \
                         license from the group"
                    ),
                });
            }
            for group in &groups {
                match group.kept_because() {
                    Some(reason) => state.kept.push(Kept {
                        kind: KeptKind::Group,
                        name: group.name().to_owned(),
                        reason: reason.to_owned(),
                    }),
                    None => state.groups.push(group.name().to_owned()),
                }
            }
        }
        if scope.mailbox {
            self.read_mailbox(&user.id, &mut state)?;
        }
        state.groups.sort();
        state.groups.dedup();
        state.seats.sort();
        state.kept.sort();
        Ok(state)
    }

    /// Wait until Graph's reads show `change`, for at most [`CONSISTENCY_WAIT`]: a read right
    /// after a write may still show the old value, and the engine's read-back must not judge
    /// a stale copy. The read that shows the change is kept for the engine's read-back, which
    /// follows at once. A failed read ends the wait with its error (the engine retries).
    fn await_visible(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        let started = Instant::now();
        let mut pause = FIRST_PAUSE;
        let scope = ReadScope {
            groups: matches!(change, Change::RemoveGroups { .. }),
            mailbox: matches!(change, Change::SetAutoReply { .. }),
            sessions: true,
            transfers: false,
            factors: false,
        };
        loop {
            let read_at = Instant::now();
            let user = self.user(&principal.id)?;
            let state = match &user {
                Some(user) => self.state_of(user, scope)?,
                None => AccountState::default(),
            };
            if change.is_satisfied_by(&state) {
                if let Some(user) = user {
                    self.recent.keep(user, read_at);
                }
                return Ok(());
            }
            if started.elapsed() + pause > CONSISTENCY_WAIT {
                return Ok(());
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    fn write(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        let id = principal.id.as_str();
        match change {
            Change::Deactivate => {
                let url = self.graph.url(&["users", id], &[]);
                let body = json!({ "accountEnabled": false });
                self.graph
                    .send(Method::PATCH, url, Some(&body), permissions::DISABLE_USERS)?;
                Ok(())
            }
            Change::RevokeSessions => self.revoke(id),
            Change::SetAutoReply { message } => self.set_auto_reply(id, message),
            Change::RemoveGroups { groups } => self.remove_groups(id, groups),
            Change::ReleaseSeats { products } => self.release(id, products),
            Change::Delete => {
                let url = self.graph.url(&["users", id], &[]);
                self.graph
                    .send(Method::DELETE, url, None, permissions::DELETE_USERS)?;
                Ok(())
            }
            Change::ReturnAssets { .. }
            | Change::RetainData
            | Change::TransferData { .. }
            | Change::ResetFactors => Err(ConnectorError::Unsupported {
                connector: self.name.clone(),
                change: change.to_string(),
            }),
        }
    }
}
