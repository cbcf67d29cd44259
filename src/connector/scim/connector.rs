//! The [`Connector`] over a SCIM 2.0 service provider (RFC 7644): finds Users with an escaped
//! `eq` filter, reads their status and group memberships, deactivates with `PATCH active=false`
//! (taking the User the server sends back, if it does, as the read-back),
//! leaves groups with a filtered `remove` on each Group, and deletes with `DELETE`. It never
//! retries (the engine does) and never lets the bearer token into an error.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::filter::{self, ScimAttribute};
use super::http::{Answer, Http};
use super::resource::{Group, ListResponse, PatchOp, ScimErrorBody, User};
use crate::connector::http_errors::status_error;
use crate::connector::{AccountState, Change, Connector, ConnectorError, Principal, ReadScope};

/// Groups asked for per page when listing a User's memberships.
pub const PAGE_SIZE: u64 = 100;

/// Pages read at most when listing memberships, so a server whose pagination never ends cannot
/// keep a run busy forever (100 pages of [`PAGE_SIZE`] groups).
pub const MAX_PAGES: u32 = 100;

/// The per-request timeout when the configuration gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests in flight at once when the configuration gives no `concurrency`.
pub const DEFAULT_CONCURRENCY: u32 = 4;

/// How to reach a SCIM service provider and find Users in it.
#[derive(Debug)]
pub struct ScimOptions {
    /// Base URL ending in the SCIM version, e.g. `https://idp.example/scim/v2`.
    pub base_url: String,
    /// The bearer token; `None` sends no `Authorization` header.
    pub token: Option<SecretString>,
    /// The User attribute `find` compares with.
    pub attribute: ScimAttribute,
    /// Per-request timeout (connect and answer).
    pub timeout: Duration,
    /// Requests in flight at once (at least 1).
    pub concurrency: u32,
}

impl ScimOptions {
    /// Options for `base_url` matching on `attribute`, with no token, the default timeout and
    /// concurrency.
    pub fn new(base_url: impl Into<String>, attribute: ScimAttribute) -> ScimOptions {
        ScimOptions {
            base_url: base_url.into(),
            token: None,
            attribute,
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// Why a SCIM connector could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ScimSetupError {
    /// The base URL is not an absolute `http`/`https` URL without credentials, query or fragment.
    #[error("SCIM base_url {url:?} is invalid: {reason}")]
    BadUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS roots unavailable).
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// Users kept between a `find` and the `read` that follows it, at most.
const FOUND_CAPACITY: usize = 4096;

/// A `type: scim` connector.
pub struct ScimConnector {
    name: String,
    http: Http,
    attribute: ScimAttribute,
    /// The User resources the server just sent, by id (the answer to `find`, or to a
    /// deactivating PATCH): the next `read` of each uses it instead of asking again. Any other
    /// change drops it, so a read-back after it asks the server.
    found: Mutex<HashMap<String, User>>,
}

impl std::fmt::Debug for ScimConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimConnector")
            .field("name", &self.name)
            .field("attribute", &self.attribute)
            .finish_non_exhaustive()
    }
}

impl ScimConnector {
    /// A connector named `name` with `options`.
    pub fn new(name: impl Into<String>, options: ScimOptions) -> Result<Self, ScimSetupError> {
        let base = parse_base(&options.base_url)?;
        let http = Http::new(base, options.token, options.timeout, options.concurrency)
            .map_err(ScimSetupError::Client)?;
        Ok(ScimConnector {
            name: name.into(),
            http,
            attribute: options.attribute,
            found: Mutex::default(),
        })
    }

    /// The base URL requests go to, e.g. `https://idp.example/scim/v2`. It carries no
    /// credentials (they are refused when the connector is built).
    pub fn base_url(&self) -> &str {
        self.http.base().as_str()
    }

    /// The URL of `segments` under the base URL, with `query` encoded.
    pub(super) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        self.http.url(segments, query)
    }

    /// One request; `Ok(None)` for a 404 when `missing_ok`, an error for any other non-2xx.
    fn request(
        &self,
        method: Method,
        url: &Url,
        body: Option<Vec<u8>>,
        missing_ok: bool,
    ) -> Result<Option<Answer>, ConnectorError> {
        let what = format!("SCIM {method} {}", url.path());
        let answer = self.http.send(method, url, body)?;
        if answer.status.is_success() {
            return Ok(Some(answer));
        }
        if missing_ok && answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let detail = self.http.redact(&error_detail(&answer.body));
        Err(status_error(
            &what,
            answer.status,
            &answer.headers,
            Some(&detail),
        ))
    }

    /// GET `url` and decode it; `Ok(None)` on 404.
    pub(super) fn get<T: DeserializeOwned>(
        &self,
        url: &Url,
        what: &str,
    ) -> Result<Option<T>, ConnectorError> {
        let Some(answer) = self.request(Method::GET, url, None, true)? else {
            return Ok(None);
        };
        serde_json::from_slice(&answer.body)
            .map(Some)
            .map_err(|e| ConnectorError::Permanent {
                message: format!(
                    "SCIM GET {}: the answer is not a SCIM {what}: {e}",
                    url.path()
                ),
            })
    }

    fn user(&self, id: &str) -> Result<Option<User>, ConnectorError> {
        self.get(&self.http.url(&["Users", id], &[]), "User")
    }

    /// The groups `user` belongs to, as (id, name): from its `groups` attribute when the
    /// server fills it with names, else by listing the Groups that have it as a member.
    fn memberships(&self, user: &User) -> Result<Vec<(String, String)>, ConnectorError> {
        if let Some(refs) = &user.groups
            && refs.iter().all(|r| r.display.is_some())
        {
            return Ok(refs
                .iter()
                .map(|r| (r.value.clone(), r.display.clone().unwrap_or_default()))
                .collect());
        }
        let filter = filter::member(&user.id);
        let mut found: Vec<(String, String)> = Vec::new();
        let mut ids = BTreeSet::new();
        let mut start: u64 = 1;
        for _page in 0..MAX_PAGES {
            let start_text = start.to_string();
            let count_text = PAGE_SIZE.to_string();
            let url = self.http.url(
                &["Groups"],
                &[
                    ("filter", filter.as_str()),
                    ("startIndex", &start_text),
                    ("count", &count_text),
                ],
            );
            let page: ListResponse<Group> =
                self.get(&url, "ListResponse of Groups")?.ok_or_else(|| {
                    ConnectorError::Permanent {
                        message: format!("SCIM GET {}: 404 Not Found", url.path()),
                    }
                })?;
            let received = page.resources.len() as u64;
            let mut new = 0;
            for group in page.resources {
                if !ids.insert(group.id.clone()) {
                    continue;
                }
                new += 1;
                if group
                    .members
                    .as_ref()
                    .is_some_and(|members| !members.iter().any(|m| m.value == user.id))
                {
                    // The server ignored the filter: this group does not hold the user.
                    continue;
                }
                let name = group.display_name.unwrap_or_else(|| group.id.clone());
                found.push((group.id, name));
            }
            let seen = start - 1 + received;
            if received == 0 || seen >= page.total_results {
                return Ok(found);
            }
            if new == 0 {
                return Err(ConnectorError::Permanent {
                    message: format!(
                        "SCIM GET {}: the server sent the same groups again at startIndex {start} \
                         (it does not paginate; totalResults {})",
                        url.path(),
                        page.total_results
                    ),
                });
            }
            start += received;
        }
        Err(ConnectorError::Permanent {
            message: format!(
                "SCIM GET {}: the group listing did not end after {MAX_PAGES} pages of \
                 {PAGE_SIZE}",
                self.http.url(&["Groups"], &[]).path()
            ),
        })
    }

    /// Keep `user` for the next read of it.
    fn remember(&self, user: User) {
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        if found.len() >= FOUND_CAPACITY {
            found.clear();
        }
        found.insert(user.id.clone(), user);
    }

    /// Take the User `find` kept for `id`, if any.
    fn recall(&self, id: &str) -> Option<User> {
        self.found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
    }

    /// PATCH the resource at `segments`, asking for `attributes` of it back (RFC 7644 §3.9);
    /// the answer's body, when the server sends one (200; a 204 has none).
    fn patch(
        &self,
        segments: &[&str],
        op: &PatchOp,
        attributes: Option<&str>,
    ) -> Result<Option<Vec<u8>>, ConnectorError> {
        let body = serde_json::to_vec(op).map_err(|e| ConnectorError::Permanent {
            message: format!("cannot encode a SCIM PATCH: {e}"),
        })?;
        let query: Vec<(&str, &str)> = attributes.map(|a| ("attributes", a)).into_iter().collect();
        // 200 with the resource, or 204 without: either way the change is made; 404 means the
        // resource is gone, which is what deactivating or leaving wants.
        let answer = self.request(
            Method::PATCH,
            &self.http.url(segments, &query),
            Some(body),
            true,
        )?;
        Ok(answer.map(|a| a.body).filter(|body| !body.is_empty()))
    }

    /// Deactivate the User `id`. A server that answers with the User (200, as RFC 7644 §3.5.2
    /// allows) has read it back in the same exchange: that representation is kept for the
    /// read-back; after a 204 the read-back asks with a GET.
    fn deactivate(&self, id: &str) -> Result<(), ConnectorError> {
        let body = self.patch(
            &["Users", id],
            &PatchOp::deactivate(),
            Some("active,userName"),
        )?;
        if let Some(user) = body.and_then(|b| serde_json::from_slice::<User>(&b).ok())
            && user.id == id
            && user.active.is_some()
        {
            self.remember(user);
        }
        Ok(())
    }
}

impl Connector for ScimConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        if key.is_empty() {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "SCIM: the {} to find is empty; the match template rendered nothing",
                    self.attribute
                ),
            });
        }
        let filter = filter::equals(self.attribute, key);
        let url = self.http.url(&["Users"], &[("filter", filter.as_str())]);
        let list: ListResponse<User> =
            self.get(&url, "ListResponse of Users")?
                .ok_or_else(|| ConnectorError::Permanent {
                    message: format!("SCIM GET {}: 404 Not Found", url.path()),
                })?;
        let returned = list.resources.len();
        let matching: Vec<User> = list
            .resources
            .into_iter()
            .filter(|user| {
                let value = match self.attribute {
                    ScimAttribute::UserName => user.user_name.as_deref(),
                    ScimAttribute::ExternalId => user.external_id.as_deref(),
                };
                value.is_some_and(|v| self.attribute.same_value(v, key))
            })
            .collect();
        if matching.len() < returned {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "SCIM GET {}: the server answered `{filter}` with {} users whose {} differs; \
                     it does not honour the filter, so no user is chosen",
                    url.path(),
                    returned - matching.len(),
                    self.attribute
                ),
            });
        }
        let total = list.total_results.max(returned as u64);
        match matching.as_slice() {
            [] if total == 0 => Ok(None),
            [user] if total == 1 => {
                let principal = Principal {
                    id: user.id.clone(),
                    name: user.user_name.clone().unwrap_or_else(|| user.id.clone()),
                };
                self.remember(user.clone());
                Ok(Some(principal))
            }
            [] => Err(ConnectorError::Permanent {
                message: format!(
                    "SCIM GET {}: `{filter}` reports {total} results but returned none",
                    url.path()
                ),
            }),
            many => Err(ConnectorError::Permanent {
                message: format!(
                    "{} {key:?} matches {total} SCIM users (ids {}); correlation must be unique",
                    self.attribute,
                    many.iter()
                        .take(5)
                        .map(|u| u.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        self.read_scoped(principal, ReadScope::ALL)
    }

    /// Reads the User (the one `find` just received, if any), and lists its Groups only when
    /// `scope` asks for them: that costs a request per page.
    fn read_scoped(
        &self,
        principal: &Principal,
        scope: ReadScope,
    ) -> Result<AccountState, ConnectorError> {
        let user = match self.recall(&principal.id) {
            Some(user) => user,
            None => match self.user(&principal.id)? {
                Some(user) => user,
                None => return Ok(AccountState::default()),
            },
        };
        let mut groups: Vec<String> = if scope.groups {
            self.memberships(&user)?
                .into_iter()
                .map(|(_, name)| name)
                .collect()
        } else {
            Vec::new()
        };
        groups.sort();
        groups.dedup();
        Ok(AccountState {
            exists: true,
            active: user.active.unwrap_or(true),
            groups,
            groups_skipped: !scope.groups,
            ..AccountState::default()
        })
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        self.recall(&principal.id);
        match change {
            Change::Deactivate => self.deactivate(&principal.id),
            Change::RemoveGroups { groups } => {
                let Some(user) = self.user(&principal.id)? else {
                    return Ok(());
                };
                let op = PatchOp::remove_member(&user.id);
                for (group_id, name) in self.memberships(&user)? {
                    if groups.contains(&name) {
                        self.patch(&["Groups", &group_id], &op, Some("id"))?;
                    }
                }
                Ok(())
            }
            Change::Delete => {
                let url = self.http.url(&["Users", &principal.id], &[]);
                self.request(Method::DELETE, &url, None, true)?;
                Ok(())
            }
            Change::RevokeSessions
            | Change::ReleaseSeats { .. }
            | Change::ReturnAssets { .. }
            | Change::RetainData
            | Change::SetAutoReply { .. }
            | Change::TransferData { .. }
            | Change::ResetFactors => Err(ConnectorError::Unsupported {
                connector: self.name.clone(),
                change: change.to_string(),
            }),
        }
    }
}

/// The base URL, checked: absolute http(s), no credentials, query or fragment.
fn parse_base(text: &str) -> Result<Url, ScimSetupError> {
    let bad = |reason: &str| ScimSetupError::BadUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(bad("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "it carries credentials; name the token's variable in token_env instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query or fragment"));
    }
    Ok(url)
}

/// The reason a server gave in an error body: the SCIM `scimType` and `detail`, else the start
/// of the body as text.
fn error_detail(body: &[u8]) -> String {
    match serde_json::from_slice::<ScimErrorBody>(body) {
        Ok(ScimErrorBody { detail, scim_type }) if detail.is_some() || scim_type.is_some() => {
            match (scim_type, detail) {
                (Some(kind), Some(detail)) => format!("{kind}: {detail}"),
                (Some(kind), None) => kind,
                (None, detail) => detail.unwrap_or_default(),
            }
        }
        _ => String::from_utf8_lossy(body)
            .chars()
            .take(200)
            .collect::<String>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert!(parse_base("https://idp.example/scim/v2").is_ok());
        assert!(parse_base("http://127.0.0.1:8080/v2/").is_ok());
        for (url, reason) in [
            ("ftp://idp.example/v2", "scheme"),
            ("https://user:pw@idp.example/v2", "credentials"),
            ("https://idp.example/v2?token=x", "query"),
            ("idp.example/v2", "relative URL"),
        ] {
            let error = parse_base(url).unwrap_err().to_string();
            assert!(error.contains(reason), "{url}: {error}");
        }
    }

    #[test]
    fn error_details_come_from_the_scim_error_body() {
        assert_eq!(
            error_detail(
                br#"{"schemas":[],"status":"400","scimType":"invalidFilter","detail":"bad"}"#
            ),
            "invalidFilter: bad"
        );
        assert_eq!(error_detail(br#"{"status":"403","detail":"no"}"#), "no");
        assert_eq!(error_detail(b"<html>nope</html>"), "<html>nope</html>");
    }
}
