//! HTTP for the Entra connector: one blocking reqwest client (rustls) that sends Graph v1.0
//! calls with the application's access token, follows `@odata.nextLink` pages on the same
//! origin only, and maps what went wrong to a [`ConnectorError`]: 429 and 5xx are transient with
//! the `Retry-After` Graph gave, a refused token is fetched again, a 403 names the application
//! permission to grant. It never retries and never puts the token in a message.

use std::marker::PhantomData;
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::model::Page;
use crate::connector::ConnectorError;
use crate::connector::http_body::read_limited;
use crate::connector::http_errors::{status_error, transport_error};
use crate::connector::oauth::TokenSource;
use crate::fsio::HTTP_ANSWER;

/// The most pages one listing follows: a guard against a server that never ends one.
const MAX_PAGES: usize = 10_000;

/// A 2xx or 404 answer.
pub(crate) struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Graph's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The client every Graph call of one connector goes through.
pub(crate) struct Graph {
    client: Client,
    base: Url,
    tokens: TokenSource,
    timeout: Duration,
}

impl Graph {
    /// Calls below `base` (`https://graph.microsoft.com/v1.0/`) with tokens from `tokens`.
    pub fn new(client: Client, base: Url, tokens: TokenSource, timeout: Duration) -> Graph {
        Graph {
            client,
            base,
            tokens,
            timeout,
        }
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment, and
    /// the query pairs encoded.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        crate::connector::url::join(&self.base, segments, query)
    }

    /// Send one call. A 2xx or a 404 is returned; anything else is an error. `permission` is
    /// the application permission the call needs, named when Graph answers 403.
    pub fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        permission: &str,
    ) -> Result<Answer, ConnectorError> {
        let what = format!("Graph {method} {}", url.path());
        let token = self.tokens.token()?;
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
            // Graph refuses a POST without a length (411), even with nothing to send.
            request = request.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let response = request
            .send()
            .map_err(|e| transport_error(&what, self.timeout, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(&what, response, HTTP_ANSWER)?;
        if status.is_success() || status == StatusCode::NOT_FOUND {
            return Ok(Answer { status, body });
        }
        Err(self.refusal(&what, status, &headers, &body, permission))
    }

    fn refusal(
        &self,
        what: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        permission: &str,
    ) -> ConnectorError {
        let detail = serde_json::from_slice::<ErrorBody>(body)
            .map(|b| format!("{}: {}", b.error.code, b.error.message))
            .unwrap_or_default();
        match status {
            StatusCode::UNAUTHORIZED => {
                // An expired or revoked token: the next attempt fetches a new one.
                self.tokens.invalidate();
                ConnectorError::Transient {
                    message: format!(
                        "{what}: {status}: {detail} (the access token is fetched again)"
                    ),
                    retry_after: Some(Duration::ZERO),
                }
            }
            StatusCode::FORBIDDEN => ConnectorError::Permanent {
                message: format!(
                    "{what}: {status}: {detail}; grant the application the Microsoft Graph \
                     application permission {permission} (with admin consent)"
                ),
            },
            _ => status_error(what, status, headers, Some(&detail)),
        }
    }

    /// GET one resource; `None` when Graph answers 404.
    pub fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        permission: &str,
    ) -> Result<Option<T>, ConnectorError> {
        let path = url.path().to_owned();
        let answer = self.send(Method::GET, url, None, permission)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(&path, &answer.body).map(Some)
    }

    /// GET every item of a collection, following `@odata.nextLink`; `None` on 404.
    pub fn list<T: DeserializeOwned>(
        &self,
        url: Url,
        permission: &str,
    ) -> Result<Option<Vec<T>>, ConnectorError> {
        let mut items = Vec::new();
        let mut pages = self.pages(url, permission);
        while let Some(page) = pages.next_page()? {
            items.extend(page);
        }
        Ok((!pages.missing).then_some(items))
    }

    /// The pages of a collection, one request at a time, following `@odata.nextLink`.
    pub fn pages<'g, T: DeserializeOwned>(&'g self, url: Url, permission: &'g str) -> Pages<'g, T> {
        Pages {
            graph: self,
            next: Some(url),
            permission,
            pages: 0,
            missing: false,
            items: PhantomData,
        }
    }

    /// A next link, only on the origin of the base URL (the token must not go elsewhere).
    fn next_page(&self, link: &str) -> Result<Url, ConnectorError> {
        crate::connector::url::next_on_origin(
            &self.base,
            link,
            "Graph sent an @odata.nextLink",
            "Graph sent an invalid @odata.nextLink",
        )
    }
}

/// The pages of one collection, read one request at a time; a failed request can be asked
/// again (the same page is requested), so a caller may retry [`Pages::next_page`].
pub(crate) struct Pages<'g, T> {
    graph: &'g Graph,
    next: Option<Url>,
    permission: &'g str,
    pages: usize,
    /// Graph answered 404 for the collection.
    missing: bool,
    items: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pages<'_, T> {
    /// The next page's items; `None` after the last page (or when the collection is gone).
    pub fn next_page(&mut self) -> Result<Option<Vec<T>>, ConnectorError> {
        let Some(url) = self.next.clone() else {
            return Ok(None);
        };
        if self.pages >= MAX_PAGES {
            return Err(ConnectorError::Permanent {
                message: format!("Graph GET {}: more than {MAX_PAGES} pages", url.path()),
            });
        }
        let Some(page) = self.graph.get::<Page<T>>(url, self.permission)? else {
            self.missing = true;
            self.next = None;
            return Ok(None);
        };
        self.next = page
            .next_link
            .map(|link| self.graph.next_page(&link))
            .transpose()?;
        self.pages += 1;
        Ok(Some(page.value))
    }
}

/// Decode an answer's JSON body.
pub(crate) fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| ConnectorError::Permanent {
        message: format!("Graph {path}: unexpected answer: {e}"),
    })
}
