//! HTTP for the SCIM connector: one blocking reqwest client (rustls) with the bearer token, a
//! per-request timeout and a cap on requests in flight, and the mapping of what went wrong to a
//! [`ConnectorError`]: no answer, a 5xx, a 408 or a 429 is transient (with the server's
//! `Retry-After`), any other status permanent. It never retries and never puts the token in a
//! message; the webhook connector reuses the status mapping.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::connector::ConnectorError;

/// The media type of SCIM requests and responses (RFC 7644 §3.1).
const SCIM_JSON: &str = "application/scim+json";

/// The longest server `detail` quoted in an error message.
const MAX_DETAIL: usize = 500;

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

    /// The base URL with `segments` appended, each percent-encoded as one path segment, and
    /// the query pairs encoded.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
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
        let body = response
            .bytes()
            .map_err(|e| transport_error(&what, self.timeout, e))?
            .to_vec();
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

/// The error for a request that got no (complete) answer: always worth retrying.
pub(crate) fn transport_error(
    what: &str,
    timeout: Duration,
    error: reqwest::Error,
) -> ConnectorError {
    let error = error.without_url();
    let message = if error.is_timeout() {
        format!("{what}: no answer within {}", humanize(timeout))
    } else if error.is_connect() {
        format!("{what}: cannot connect: {}", chain(&error))
    } else {
        format!("{what}: {}", chain(&error))
    };
    ConnectorError::Transient {
        message,
        retry_after: None,
    }
}

/// The error for a non-success `status`: transient for 408, 429 and 5xx (with the wait the
/// server asked for in `Retry-After`), permanent otherwise. `detail` is the server's reason,
/// already redacted.
pub(crate) fn status_error(
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    detail: Option<&str>,
) -> ConnectorError {
    let mut message = format!("{what}: {status}");
    if let Some(detail) = detail.map(str::trim).filter(|d| !d.is_empty()) {
        message.push_str(": ");
        message.push_str(&truncate(detail, MAX_DETAIL));
    }
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        ConnectorError::Transient {
            message,
            retry_after,
        }
    } else {
        ConnectorError::Permanent { message }
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3): delay seconds, or an HTTP-date (a date already
/// past means "now"). `None` when it is neither.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let now = OffsetDateTime::from(now);
    Some(Duration::try_from(date - now).unwrap_or(Duration::ZERO))
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// `10s`, `1.5s`, `250ms`.
pub(crate) fn humanize(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else if duration < Duration::from_secs(1) {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_767); // Sun, 06 Nov 1994 08:49:27 GMT
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-3", now), None);
    }

    #[test]
    fn statuses_map_to_transient_or_permanent() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        for status in [429, 500, 502, 503, 504, 408] {
            let status = StatusCode::from_u16(status).unwrap();
            match status_error("GET /x", status, &headers, None) {
                ConnectorError::Transient { retry_after, .. } => {
                    assert_eq!(retry_after, Some(Duration::from_secs(3)), "{status}")
                }
                other => panic!("{status}: {other:?}"),
            }
        }
        for status in [400, 401, 403, 404, 409, 412] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(
                matches!(
                    status_error("GET /x", status, &headers, Some("why")),
                    ConnectorError::Permanent { .. }
                ),
                "{status}"
            );
        }
        let long = "x".repeat(2000);
        let message =
            status_error("GET /x", StatusCode::FORBIDDEN, &headers, Some(&long)).to_string();
        assert!(message.starts_with("GET /x: 403 Forbidden: xxx"));
        assert!(message.len() < 600);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(humanize(Duration::from_secs(10)), "10s");
        assert_eq!(humanize(Duration::from_millis(250)), "250ms");
        assert_eq!(humanize(Duration::from_millis(1500)), "1.5s");
    }
}
