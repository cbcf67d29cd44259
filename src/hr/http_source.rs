//! The JSON-over-HTTP HR source: `GET url` answers a JSON array of employee objects, or a page
//! `{"employees": [...], "next": URL|null}` followed to the end; `POST url/ID/it-complete`
//! writes "IT offboarding complete" back and `GET url/ID` reads it back. Items are parsed by the
//! same rules as CSV rows ([`super::fields`]). Requests go through one blocking rustls client
//! with the bearer token, retried with backoff on timeouts, 5xx and 429. The token is never put
//! in a message, and never sent to another origin than the configured URL's.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::fields::ColumnMap;
use super::http_page::{not_json, parse_page};
use super::{HrError, HrRecord, Located, Roster};
use crate::connector::ConnectorError;
use crate::connector::http_errors::{status_error, transport_error};
use crate::fsio::HTTP_PAGE;
use crate::retry::RetryPolicy;

/// How long one request may take before it is abandoned (and retried).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most pages followed through `next` before the listing is declared endless.
pub const MAX_PAGES: usize = 10_000;

/// The field of `GET url/ID` that shows the write-back.
const COMPLETE_FIELD: &str = "it_offboarding_complete";

/// How to reach the HR service.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// The endpoint listing employees (`hr.url`).
    pub url: String,
    /// The bearer token, if the service wants one.
    pub token: Option<SecretString>,
    /// The environment variable the token came from, named in hints (never its value).
    pub token_env: Option<String>,
    /// Record field -> JSON key.
    pub columns: ColumnMap,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
}

impl HttpOptions {
    /// Options for `url` with no token, default key names, timeout and retries.
    pub fn new(url: impl Into<String>) -> HttpOptions {
        HttpOptions {
            url: url.into(),
            token: None,
            token_env: None,
            columns: ColumnMap::default(),
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

/// An HR roster served as JSON over HTTP.
pub struct HttpSource {
    client: Client,
    url: Url,
    token: Option<SecretString>,
    token_env: Option<String>,
    columns: ColumnMap,
    timeout: Duration,
    retry: RetryPolicy,
}

impl std::fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSource")
            .field("url", &self.url.as_str())
            .field("token_env", &self.token_env)
            .finish_non_exhaustive()
    }
}

impl HttpSource {
    /// A source for `options.url`: an absolute http(s) URL without credentials or fragment.
    pub fn new(options: HttpOptions) -> Result<HttpSource, HrError> {
        let parsed = Url::parse(&options.url);
        // Shown in errors: never the credentials a URL may (wrongly) carry.
        let shown = parsed.as_ref().ok().map(|url| {
            let mut url = url.clone();
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        });
        let setup = |message: &str| HrError::Setup {
            url: shown.clone(),
            message: message.to_owned(),
        };
        let url = parsed.map_err(|e| setup(&format!("the URL is invalid: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(setup("the URL must be absolute http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(setup(
                "the URL carries credentials; name the token's variable in hr.token_env instead",
            ));
        }
        if url.fragment().is_some() {
            return Err(setup("the URL must not have a fragment"));
        }
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect could carry the bearer token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(&e.to_string()))?;
        Ok(HttpSource {
            client,
            url,
            token: options.token,
            token_env: options.token_env,
            columns: options.columns,
            timeout: options.timeout,
            retry: options.retry,
        })
    }

    /// The endpoint listing employees.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Every employee, following `next` links, with duplicate employee ids rejected.
    pub fn load(&self) -> Result<Vec<HrRecord>, HrError> {
        Ok(self.load_located()?.into_iter().map(|l| l.record).collect())
    }

    /// Every employee with its `URL#/json/pointer`, duplicate employee ids rejected.
    pub fn load_located(&self) -> Result<Vec<Located>, HrError> {
        let mut url = self.url.clone();
        let mut visited = HashSet::from([url.clone()]);
        let mut first_seen: HashMap<String, String> = HashMap::new();
        let mut records = Vec::new();
        loop {
            let body = self.send(Method::GET, &url, None)?;
            let redactor = self.redactor();
            let page = parse_page(url.as_str(), &body, &self.columns, &|t| redactor.text(t))?;
            for (location, record) in page.items {
                if let Some(first) = first_seen.get(&record.id) {
                    return Err(HrError::DuplicateItem {
                        location,
                        first: first.clone(),
                        id: record.id,
                    });
                }
                first_seen.insert(record.id.clone(), location.clone());
                records.push(Located { location, record });
            }
            let Some(next) = page.next else {
                return Ok(records);
            };
            let next = self.next_url(&url, &next)?;
            if !visited.insert(next.clone()) {
                return Err(body_error(
                    &url,
                    format!("`next` leads back to {next}, a page already read"),
                ));
            }
            if visited.len() > MAX_PAGES {
                return Err(body_error(
                    &url,
                    format!("more than {MAX_PAGES} pages; the listing seems endless"),
                ));
            }
            url = next;
        }
    }

    /// The person whose employee id or username is `key`, by the rule of [`Roster::find`].
    pub fn find(&self, key: &str) -> Result<Option<HrRecord>, HrError> {
        Ok(Roster::new(self.load_located()?).find(key)?.cloned())
    }

    /// `POST url/ID/it-complete` with `{"run", "completed_at"}` (the service keeps it
    /// idempotent by run), then read it back: the returned flag is what HR shows afterwards.
    pub fn mark_complete(&self, id: &str, run: &str, at: &str) -> Result<bool, HrError> {
        let body = json!({ "run": run, "completed_at": at }).to_string();
        self.send(
            Method::POST,
            &self.employee_url(id, Some("it-complete")),
            Some(body.into_bytes()),
        )?;
        self.is_marked_complete(id)
    }

    /// True when `GET url/ID` shows `"it_offboarding_complete": true`.
    pub fn is_marked_complete(&self, id: &str) -> Result<bool, HrError> {
        let url = self.employee_url(id, None);
        let body = self.send(Method::GET, &url, None)?;
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            let redactor = self.redactor();
            body_error(&url, not_json(&e, &body, &|t| redactor.text(t)))
        })?;
        let Value::Object(employee) = value else {
            return Err(body_error(&url, "expected a JSON object".to_owned()));
        };
        match employee.get(COMPLETE_FIELD) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(done)) => Ok(*done),
            Some(_) => Err(body_error(
                &url,
                format!("`{COMPLETE_FIELD}` must be true or false"),
            )),
        }
    }

    /// `url/ID`, or `url/ID/SUFFIX`, keeping the query of `url`.
    fn employee_url(&self, id: &str, suffix: Option<&str>) -> Url {
        let mut url = self.url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(id);
            if let Some(suffix) = suffix {
                path.push(suffix);
            }
        }
        url
    }

    /// The `next` link of the page at `current`, resolved against it; it must stay on the
    /// configured URL's origin, since the bearer token goes with it.
    fn next_url(&self, current: &Url, next: &str) -> Result<Url, HrError> {
        let url = current
            .join(next)
            .map_err(|e| body_error(current, format!("`next` is not a URL: {e}")))?;
        if url.origin() != self.url.origin() {
            return Err(body_error(
                current,
                format!(
                    "`next` leads to another origin ({}); the token is only sent to {}",
                    url.origin().ascii_serialization(),
                    self.url.origin().ascii_serialization()
                ),
            ));
        }
        Ok(url)
    }

    /// Send one request, retrying transient failures, and return the body of a 2xx answer.
    fn send(&self, method: Method, url: &Url, body: Option<Vec<u8>>) -> Result<Vec<u8>, HrError> {
        let what = format!("HR {method} {url}");
        let redact = self.redactor();
        let attempt = || -> Result<(StatusCode, HeaderMap, Vec<u8>), ConnectorError> {
            let mut request = self
                .client
                .request(method.clone(), url.clone())
                .header(ACCEPT, "application/json");
            if let Some(token) = &self.token {
                request = request.header(AUTHORIZATION, bearer(token));
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let response = request
                .send()
                .map_err(|e| transport_error(&what, self.timeout, e))?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = read_body(&what, response)?;
            if status.is_success() {
                return Ok((status, headers, bytes));
            }
            let detail = redact.text(&String::from_utf8_lossy(&bytes));
            match status_error(&what, status, &headers, Some(&detail)) {
                transient @ ConnectorError::Transient { .. } => Err(transient),
                _ => Ok((status, headers, bytes)),
            }
        };
        let on_retry = |attempt: u32, error: &ConnectorError, wait: Duration| {
            tracing::warn!("{error}; retry {attempt} in {wait:?}");
        };
        let (status, headers, bytes) =
            self.retry
                .call(attempt, on_retry)
                .map_err(|e| HrError::Http {
                    message: e.to_string(),
                })?;
        if status.is_success() {
            return Ok(bytes);
        }
        let detail = redact.text(&String::from_utf8_lossy(&bytes));
        let mut message = status_error(&what, status, &headers, Some(&detail)).to_string();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                message.push_str(&match &self.token_env {
                    Some(var) => format!(" (check the bearer token in environment variable {var})"),
                    None => " (no bearer token is configured: set hr.token_env)".to_owned(),
                });
            }
            StatusCode::NOT_FOUND => message.push_str(" (check hr.url)"),
            _ => {}
        }
        Err(HrError::Http { message })
    }

    fn redactor(&self) -> Redactor<'_> {
        Redactor {
            token: self.token.as_ref().map(|t| t.expose_secret()),
        }
    }
}

/// Removes the token from text a server sent back, should it echo it.
struct Redactor<'a> {
    token: Option<&'a str>,
}

impl Redactor<'_> {
    fn text(&self, text: &str) -> String {
        match self.token {
            Some(token) if !token.is_empty() => text.replace(token, "[redacted]"),
            _ => text.to_owned(),
        }
    }
}

fn bearer(token: &SecretString) -> HeaderValue {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-token"));
    value.set_sensitive(true);
    value
}

fn body_error(url: &Url, message: String) -> HrError {
    HrError::Body {
        url: url.to_string(),
        message,
    }
}

/// The body of `response`, refused when it exceeds [`HTTP_PAGE`] (a wrong URL serving a huge
/// file must not exhaust memory).
fn read_body(what: &str, response: reqwest::blocking::Response) -> Result<Vec<u8>, ConnectorError> {
    crate::connector::http_body::read_limited(what, response, HTTP_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_refuses_bad_urls_and_builds_employee_urls() {
        for (url, why) in [
            ("ftp://hr.test/x", "absolute http or https"),
            ("hr.test/x", "relative URL"),
            ("https://user:pw@hr.test/x", "carries credentials"),
            ("https://hr.test/x#frag", "fragment"),
        ] {
            let err = HttpSource::new(HttpOptions::new(url))
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{url}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
        let source =
            HttpSource::new(HttpOptions::new("https://hr.test/api/employees/?v=2")).unwrap();
        assert_eq!(
            source.employee_url("a.b@c", Some("it-complete")).as_str(),
            "https://hr.test/api/employees/a.b@c/it-complete?v=2"
        );
        assert_eq!(
            source.employee_url("E1", None).as_str(),
            "https://hr.test/api/employees/E1?v=2"
        );
        let here = Url::parse("https://hr.test/api/employees?page=1").unwrap();
        assert_eq!(
            source.next_url(&here, "?page=2").unwrap().as_str(),
            "https://hr.test/api/employees?page=2"
        );
        let err = source
            .next_url(&here, "https://evil.test/steal")
            .unwrap_err()
            .to_string();
        assert!(err.contains("another origin (https://evil.test)"), "{err}");
    }
}
