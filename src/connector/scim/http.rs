//! HTTP for the SCIM connector: one blocking reqwest client (rustls) with the bearer token, a
//! per-request timeout and a cap on requests in flight, with what went wrong mapped
//! to a [`ConnectorError`] by [`crate::connector::http_errors`]. It never retries and never puts
//! the token in a message.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};

use crate::connector::ConnectorError;
use crate::connector::http_body::read_limited;
use crate::connector::http_errors::transport_error;
use crate::fsio::HTTP_ANSWER;

/// The media type of SCIM requests and responses (RFC 7644 §3.1).
const SCIM_JSON: &str = "application/scim+json";

/// A server's answer, whatever its status.
pub(crate) struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// The client every request of one connector goes through.
pub(crate) struct Http {
    client: Client,
    base: Url,
    token: Option<SecretString>,
    timeout: Duration,
    permits: Permits,
}

impl Http {
    /// A client for `base` (ending in the SCIM version, e.g. `/scim/v2`).
    pub fn new(
        base: Url,
        token: Option<SecretString>,
        timeout: Duration,
        concurrency: u32,
    ) -> Result<Http, reqwest::Error> {
        let client = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect could carry the bearer token elsewhere; a SCIM base URL never needs one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offboard/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Http {
            client,
            base,
            token,
            timeout,
            permits: Permits::new(concurrency.max(1)),
        })
    }

    /// The base URL, as given.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment, and
    /// the query pairs encoded.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        crate::connector::url::join(&self.base, segments, query)
    }

    /// Send one request and read the whole answer. Only a failure to get an answer is an error
    /// here (transient); the caller judges the status.
    pub fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ConnectorError> {
        let what = format!("SCIM {method} {}", url.path());
        let mut request = self
            .client
            .request(method, url.clone())
            .header(ACCEPT, format!("{SCIM_JSON}, application/json"));
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, bearer(token));
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, SCIM_JSON).body(body);
        }
        let _permit = self.permits.acquire();
        let response = request
            .send()
            .map_err(|e| transport_error(&what, self.timeout, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(&what, response, HTTP_ANSWER)?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// `text` with the token, should a server have echoed it, replaced.
    pub fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(token) if !token.expose_secret().is_empty() => {
                text.replace(token.expose_secret(), "[redacted]")
            }
            _ => text.to_owned(),
        }
    }
}

fn bearer(token: &SecretString) -> reqwest::header::HeaderValue {
    let mut value =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer invalid-token"));
    value.set_sensitive(true);
    value
}

/// A counting gate: at most `n` requests of this connector in flight at once.
struct Permits {
    free: Mutex<u32>,
    released: Condvar,
}

struct Permit<'a>(&'a Permits);

impl Permits {
    fn new(n: u32) -> Permits {
        Permits {
            free: Mutex::new(n),
            released: Condvar::new(),
        }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .released
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(PoisonError::into_inner);
        *free += 1;
        self.0.released.notify_one();
    }
}
