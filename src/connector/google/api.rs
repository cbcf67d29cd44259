//! HTTP for the Google Workspace connector: one blocking reqwest client (rustls) that sends
//! Admin SDK and License Manager calls with an access token of the one scope each call needs,
//! follows `nextPageToken` pages, and maps what went wrong to a [`ConnectorError`]: 429, 5xx
//! and the 403s Google uses for rate limits (`rateLimitExceeded`, `userRateLimitExceeded`) are
//! transient (the engine backs off exponentially with jitter, or waits the `Retry-After`
//! given), a refused token is fetched again, any other 403 names the scope to delegate. It
//! never retries and never puts the token in a message.

use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::scopes;
use crate::connector::ConnectorError;
use crate::connector::http_body::read_limited;
use crate::connector::http_errors::{status_error, transport_error};
use crate::connector::oauth::TokenSource;
use crate::fsio::HTTP_ANSWER;

/// The most pages one listing follows: a guard against a server that never ends one.
pub(crate) const MAX_PAGES: usize = 10_000;
/// The 403 reasons Google gives when a quota is spent: worth waiting for.
const RATE_LIMITS: [&str; 3] = [
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
];

/// One page of a collection: its items and the next page's token, when there is one.
pub(crate) type Page<T> = (Vec<T>, Option<String>);

/// Google's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    reason: String,
}

/// The client every call of one connector goes through, with one token source per scope.
pub(crate) struct Api {
    client: Client,
    /// Token sources, in the order of [`scopes::ALL`].
    tokens: Vec<TokenSource>,
    timeout: Duration,
}

impl Api {
    /// Calls through `client` with tokens from `tokens(scope)` for each scope.
    pub fn new(client: Client, tokens: impl Fn(&str) -> TokenSource, timeout: Duration) -> Api {
        Api {
            client,
            tokens: scopes::ALL.iter().map(|s| tokens(s)).collect(),
            timeout,
        }
    }

    fn tokens(&self, scope: &str) -> &TokenSource {
        let at = scopes::ALL.iter().position(|s| *s == scope).unwrap_or(0);
        &self.tokens[at]
    }

    /// Send one call. A 2xx answer's body is returned, `None` for a 404; anything else is an
    /// error. `scope` is the scope the call needs, named when Google answers 403.
    pub fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        scope: &str,
    ) -> Result<Option<Vec<u8>>, ConnectorError> {
        let what = format!("Google {method} {}", url.path());
        let tokens = self.tokens(scope);
        let token = tokens.token()?;
        let bodiless_write = body.is_none() && method != Method::GET;
        let mut request = self
            .client
            .request(method, url)
            .header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        } else if bodiless_write {
            request = request.header(CONTENT_LENGTH, "0");
        }
        let response = request
            .send()
            .map_err(|e| transport_error(&what, self.timeout, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(&what, response, HTTP_ANSWER)?;
        if status.is_success() {
            return Ok(Some(body));
        }
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Err(refusal(&what, status, &headers, &body, scope, tokens))
    }

    /// GET one resource; `None` when Google answers 404.
    pub fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        scope: &str,
    ) -> Result<Option<T>, ConnectorError> {
        let path = url.path().to_owned();
        match self.send(Method::GET, url, None, scope)? {
            Some(body) => decode(&path, &body).map(Some),
            None => Ok(None),
        }
    }

    /// GET one page of a collection: the array `key` of the page at `token` (the first when
    /// `None`) and the next page's token; `None` on 404.
    pub fn page<T: DeserializeOwned>(
        &self,
        url: &Url,
        key: &str,
        token: Option<&str>,
        scope: &str,
    ) -> Result<Option<Page<T>>, ConnectorError> {
        let mut page_url = url.clone();
        if let Some(token) = token {
            page_url.query_pairs_mut().append_pair("pageToken", token);
        }
        let Some(mut page) = self.get::<serde_json::Value>(page_url, scope)? else {
            return Ok(None);
        };
        let items = match page.get_mut(key).map(serde_json::Value::take) {
            Some(found) => {
                serde_json::from_value(found).map_err(|e| ConnectorError::Permanent {
                    message: format!("Google GET {}: unexpected answer: {e}", url.path()),
                })?
            }
            None => Vec::new(),
        };
        let next = page["nextPageToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        Ok(Some((items, next)))
    }

    /// GET every item of a collection (the array `key` of each page), following
    /// `nextPageToken`; `None` on 404.
    pub fn list<T: DeserializeOwned>(
        &self,
        url: Url,
        key: &str,
        scope: &str,
    ) -> Result<Option<Vec<T>>, ConnectorError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let Some((found, next)) = self.page(&url, key, token.as_deref(), scope)? else {
                return Ok(None);
            };
            items.extend(found);
            token = next;
            if token.is_none() {
                return Ok(Some(items));
            }
        }
        Err(too_many_pages(&url))
    }
}

/// The error for a listing that never ends.
pub(crate) fn too_many_pages(url: &Url) -> ConnectorError {
    ConnectorError::Permanent {
        message: format!("Google GET {}: more than {MAX_PAGES} pages", url.path()),
    }
}

/// The error for a refused call.
fn refusal(
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    scope: &str,
    tokens: &TokenSource,
) -> ConnectorError {
    let (reason, detail) = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| {
            let reason = b.error.errors.into_iter().next().map(|e| e.reason);
            let reason = reason.unwrap_or_default();
            let detail = format!("{reason}: {}", b.error.message);
            (reason, detail)
        })
        .unwrap_or_default();
    match status {
        StatusCode::UNAUTHORIZED => {
            // An expired or revoked token: the next attempt fetches a new one.
            tokens.invalidate();
            ConnectorError::Transient {
                message: format!("{what}: {status}: {detail} (the access token is fetched again)"),
                retry_after: Some(Duration::ZERO),
            }
        }
        StatusCode::FORBIDDEN if RATE_LIMITS.contains(&reason.as_str()) => {
            ConnectorError::Transient {
                message: format!("{what}: {status}: {detail}"),
                retry_after: None,
            }
        }
        StatusCode::FORBIDDEN => ConnectorError::Permanent {
            message: format!(
                "{what}: {status}: {detail}; delegate the scope {scope} to the service account \
                 (domain-wide delegation) and check that the admin subject may do this"
            ),
        },
        _ => status_error(what, status, headers, Some(&detail)),
    }
}

/// Decode an answer's JSON body.
pub(crate) fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| ConnectorError::Permanent {
        message: format!("Google {path}: unexpected answer: {e}"),
    })
}
