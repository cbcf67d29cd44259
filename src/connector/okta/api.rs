//! HTTP for the Okta connector: one blocking reqwest client (rustls) that sends management API
//! calls with the API token or the service app's access token, follows `Link: rel="next"`
//! pages on the same origin only, and maps what went wrong to a [`ConnectorError`]: a 429 is
//! transient until `X-Rate-Limit-Reset`, a 5xx transient with `Retry-After`, a refused access
//! token is fetched again, a 403 names the scope to grant. It never retries and never puts a
//! token in a message.

use std::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, HeaderMap, LINK};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::connector::ConnectorError;
use crate::connector::http_body::read_limited;
use crate::connector::http_errors::{status_error, transport_error};
use crate::connector::oauth::TokenSource;
use crate::fsio::HTTP_ANSWER;

/// The most pages one listing follows: a guard against a server that never ends one.
const MAX_PAGES: usize = 10_000;
/// The longest wait for a rate limit to reset that the connector passes on.
const MAX_RESET_WAIT: Duration = Duration::from_secs(300);

/// How calls are authorised.
pub(crate) enum Credentials {
    /// `SSWS <token>`.
    ApiToken(SecretString),
    /// `Bearer <token>` from the service app's token source.
    Bearer(Box<TokenSource>),
}

/// Okta's error body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    error_summary: String,
    #[serde(default)]
    error_causes: Vec<ErrorCause>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorCause {
    #[serde(default)]
    error_summary: String,
}

/// The client every call of one connector goes through.
pub(crate) struct Api {
    client: Client,
    base: Url,
    credentials: Credentials,
    timeout: Duration,
}

impl Api {
    /// Calls below `base` (`https://example.okta.com/api/v1/`).
    pub fn new(client: Client, base: Url, credentials: Credentials, timeout: Duration) -> Api {
        Api {
            client,
            base,
            credentials,
            timeout,
        }
    }

    /// The base URL with `segments` appended (each one path segment) and the query pairs.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        crate::connector::url::join(&self.base, segments, query)
    }

    /// Send one call; a 2xx or a 404 is returned (status, headers, body); anything else is an
    /// error. `scope` is the OAuth scope the call needs, named when Okta answers 403.
    pub fn send(
        &self,
        method: Method,
        url: Url,
        scope: &str,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), ConnectorError> {
        let what = format!("Okta {method} {}", url.path());
        let authorization = match &self.credentials {
            Credentials::ApiToken(token) => format!("SSWS {}", token.expose_secret()),
            Credentials::Bearer(tokens) => format!("Bearer {}", tokens.token()?.expose_secret()),
        };
        let mut request = self
            .client
            .request(method.clone(), url)
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/json");
        if method != Method::GET {
            request = request.header(CONTENT_LENGTH, "0");
        }
        let response = request
            .send()
            .map_err(|e| transport_error(&what, self.timeout, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(&what, response, HTTP_ANSWER)?;
        if status.is_success() || status == StatusCode::NOT_FOUND {
            return Ok((status, headers, body));
        }
        Err(self.refusal(&what, status, &headers, &body, scope))
    }

    fn refusal(
        &self,
        what: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        scope: &str,
    ) -> ConnectorError {
        let detail = serde_json::from_slice::<ErrorBody>(body)
            .map(|b| {
                let causes: Vec<_> = b
                    .error_causes
                    .into_iter()
                    .map(|c| c.error_summary)
                    .collect();
                let mut text = format!("{}: {}", b.error_code, b.error_summary);
                if !causes.is_empty() {
                    text.push_str(&format!(" ({})", causes.join("; ")));
                }
                text
            })
            .unwrap_or_default();
        match (status, &self.credentials) {
            (StatusCode::UNAUTHORIZED, Credentials::Bearer(tokens)) => {
                tokens.invalidate();
                ConnectorError::Transient {
                    message: format!(
                        "{what}: {status}: {detail} (the access token is fetched again)"
                    ),
                    retry_after: Some(Duration::ZERO),
                }
            }
            (StatusCode::UNAUTHORIZED, Credentials::ApiToken(_)) => ConnectorError::Permanent {
                message: format!(
                    "{what}: {status}: {detail}; the API token is not valid (revoked, expired \
                     or of another org)"
                ),
            },
            (StatusCode::FORBIDDEN, _) => ConnectorError::Permanent {
                message: format!(
                    "{what}: {status}: {detail}; grant the service app the scope {scope} (or \
                     give the API token's admin the permission)"
                ),
            },
            (StatusCode::TOO_MANY_REQUESTS, _) => ConnectorError::Transient {
                message: format!("{what}: {status}: {detail}"),
                retry_after: rate_limit_reset(headers, SystemTime::now()),
            },
            _ => status_error(what, status, headers, Some(&detail)),
        }
    }

    /// GET one resource; `None` on 404.
    pub fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        scope: &str,
    ) -> Result<Option<T>, ConnectorError> {
        let path = url.path().to_owned();
        let (status, _, body) = self.send(Method::GET, url, scope)?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(&path, &body).map(Some)
    }

    /// GET every item of a collection, following `Link: rel="next"`; none on 404.
    pub fn list<T: DeserializeOwned>(
        &self,
        url: Url,
        scope: &'static str,
    ) -> Result<Vec<T>, ConnectorError> {
        let mut items = Vec::new();
        let mut pages = self.pages(url, scope);
        while let Some(page) = pages.next_page()? {
            items.extend(page);
        }
        Ok(items)
    }

    /// A collection read one page at a time, following `Link: rel="next"`.
    pub fn pages<T: DeserializeOwned>(&self, url: Url, scope: &'static str) -> Pages<'_, T> {
        Pages {
            api: self,
            next: Some(url),
            scope,
            read: 0,
            item: PhantomData,
        }
    }

    /// A next link, only on the origin of the base URL (the token must not go elsewhere).
    fn same_origin(&self, link: &str) -> Result<Url, ConnectorError> {
        crate::connector::url::next_on_origin(
            &self.base,
            link,
            "Okta sent a next link",
            "Okta sent an invalid next link",
        )
    }
}

/// The pages of one collection: each call of [`Pages::next_page`] reads the next one.
pub(crate) struct Pages<'a, T> {
    api: &'a Api,
    /// The page to read next; `None` after the last.
    next: Option<Url>,
    scope: &'static str,
    read: usize,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pages<'_, T> {
    /// The next page's items; `None` after the last (or when the collection is not found). A
    /// page that failed is read again by the next call.
    pub fn next_page(&mut self) -> Result<Option<Vec<T>>, ConnectorError> {
        let Some(url) = self.next.clone() else {
            return Ok(None);
        };
        if self.read >= MAX_PAGES {
            return Err(ConnectorError::Permanent {
                message: format!("Okta GET {}: more than {MAX_PAGES} pages", url.path()),
            });
        }
        let path = url.path().to_owned();
        let (status, headers, body) = self.api.send(Method::GET, url, self.scope)?;
        if status == StatusCode::NOT_FOUND {
            self.next = None;
            return Ok(None);
        }
        let items = decode::<Vec<T>>(&path, &body)?;
        self.next = next_link(&headers)
            .map(|l| self.api.same_origin(&l))
            .transpose()?;
        self.read += 1;
        Ok(Some(items))
    }
}

/// The target of the `rel="next"` link among the `Link` headers, if any.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let next = params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
            next.then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
        })
}

/// How long until the rate limit resets: `X-Rate-Limit-Reset` is the epoch second it does
/// (a time already past means now), capped; else `Retry-After`.
fn rate_limit_reset(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let reset = headers
        .get("x-rate-limit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match reset {
        Some(reset) => {
            let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            Some(Duration::from_secs(reset.saturating_sub(now)).min(MAX_RESET_WAIT))
        }
        None => headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::connector::http_errors::retry_after(v, now)),
    }
}

/// Decode an answer's JSON body.
fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| ConnectorError::Permanent {
        message: format!("Okta {path}: unexpected answer: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn the_next_link_is_found_among_the_links() {
        let mut headers = HeaderMap::new();
        headers.append(
            LINK,
            HeaderValue::from_static("<https://o.example/api/v1/users?limit=2>; rel=\"self\""),
        );
        assert_eq!(next_link(&headers), None);
        headers.append(
            LINK,
            HeaderValue::from_static(
                "<https://o.example/api/v1/users?after=00u2&limit=2>; rel=\"next\"",
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://o.example/api/v1/users?after=00u2&limit=2")
        );
    }

    #[test]
    fn a_rate_limit_waits_until_its_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-reset", HeaderValue::from_static("1007"));
        assert_eq!(
            rate_limit_reset(&headers, now),
            Some(Duration::from_secs(7))
        );
        headers.insert("x-rate-limit-reset", HeaderValue::from_static("990"));
        assert_eq!(rate_limit_reset(&headers, now), Some(Duration::ZERO));
        headers.insert("x-rate-limit-reset", HeaderValue::from_static("999999"));
        assert_eq!(rate_limit_reset(&headers, now), Some(MAX_RESET_WAIT));
        let mut retry = HeaderMap::new();
        retry.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(rate_limit_reset(&retry, now), Some(Duration::from_secs(3)));
    }
}
