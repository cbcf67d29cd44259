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
use serde_json::{Map, Value, json};

use super::fields::{ColumnMap, FIELDS, parse_record};
use super::{HrError, HrRecord};
use crate::connector::ConnectorError;
use crate::connector::http_errors::{status_error, transport_error};
use crate::retry::RetryPolicy;

/// How long one request may take before it is abandoned (and retried).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most pages followed through `next` before the listing is declared endless.
pub const MAX_PAGES: usize = 10_000;

/// The key of a paged answer holding the employees.
const EMPLOYEES: &str = "employees";
/// The key of a paged answer holding the next page's URL.
const NEXT: &str = "next";
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
        let mut url = self.url.clone();
        let mut visited = HashSet::from([url.clone()]);
        let mut first_seen: HashMap<String, String> = HashMap::new();
        let mut records = Vec::new();
        loop {
            let body = self.send(Method::GET, &url, None)?;
            let page = parse_page(url.as_str(), &body, &self.columns)?;
            for (location, record) in page.items {
                if let Some(first) = first_seen.get(&record.id) {
                    return Err(HrError::DuplicateItem {
                        location,
                        first: first.clone(),
                        id: record.id,
                    });
                }
                first_seen.insert(record.id.clone(), location);
                records.push(record);
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

    /// The person whose employee id or username is `key`.
    pub fn find(&self, key: &str) -> Result<Option<HrRecord>, HrError> {
        Ok(self
            .load()?
            .into_iter()
            .find(|r| r.id == key || r.username == key))
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
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| body_error(&url, not_json(&e, &body, &self.redactor())))?;
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
            let bytes = response
                .bytes()
                .map_err(|e| transport_error(&what, self.timeout, e))?
                .to_vec();
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

/// Why a body is not JSON, with its (redacted) start.
fn not_json(error: &serde_json::Error, body: &[u8], redact: &Redactor<'_>) -> String {
    let text = redact.text(String::from_utf8_lossy(body).trim());
    if text.is_empty() {
        return "the body is empty, not JSON".to_owned();
    }
    format!(
        "the body is not JSON ({error}); it starts with `{}`",
        truncate(&text, 80).escape_debug()
    )
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// One answer of the listing: its employees, each with its location (`URL#/pointer`), and the
/// next page's link.
#[derive(Debug)]
struct Page {
    items: Vec<(String, HrRecord)>,
    next: Option<String>,
}

/// Parse one answer of the listing at `url`: a JSON array of employees, or an object with
/// `employees` (an array) and `next` (a URL, or null, absent or empty on the last page).
fn parse_page(url: &str, body: &[u8], columns: &ColumnMap) -> Result<Page, HrError> {
    let shape_error = |message: String| HrError::Body {
        url: url.to_owned(),
        message,
    };
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| shape_error(not_json(&e, body, &Redactor { token: None })))?;
    let (items, prefix, next) = match value {
        Value::Array(items) => (items, "", None),
        Value::Object(mut page) => {
            let Some(Value::Array(items)) = page.remove(EMPLOYEES) else {
                return Err(shape_error(format!(
                    "expected a JSON array of employees, or an object whose `{EMPLOYEES}` is one"
                )));
            };
            let next = match page.remove(NEXT) {
                None | Some(Value::Null) => None,
                Some(Value::String(next)) if next.trim().is_empty() => None,
                Some(Value::String(next)) => Some(next),
                Some(_) => {
                    return Err(shape_error(format!("`{NEXT}` must be a URL or null")));
                }
            };
            (items, "/employees", next)
        }
        _ => {
            return Err(shape_error(format!(
                "expected a JSON array of employees, or an object whose `{EMPLOYEES}` is one"
            )));
        }
    };
    let items = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let location = format!("{url}#{prefix}/{index}");
            let Value::Object(item) = item else {
                return Err(HrError::Item {
                    location,
                    employee: None,
                    message: "an employee must be a JSON object".to_owned(),
                });
            };
            let record = parse_item(item, columns).map_err(|message| HrError::Item {
                location: location.clone(),
                employee: item_id(item, columns),
                message,
            })?;
            Ok((location, record))
        })
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next })
}

/// The record of one employee object: each field read from its key (renamed by `columns`).
/// Values are strings (trimmed; empty means absent), or null for absent; whole numbers are
/// taken as their decimal text and `legal_hold` may be a JSON boolean. Unknown keys are ignored.
fn parse_item(item: &Map<String, Value>, columns: &ColumnMap) -> Result<HrRecord, String> {
    let mut values: [Option<String>; FIELDS.len()] = Default::default();
    for (slot, (field, _)) in values.iter_mut().zip(FIELDS) {
        let key = columns.column(field);
        *slot = match item.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            Some(Value::Bool(flag)) if field == "legal_hold" => Some(flag.to_string()),
            Some(_) => {
                let what = if field == "legal_hold" {
                    "true or false"
                } else {
                    "a string"
                };
                return Err(if key == field {
                    format!("`{field}` must be {what}")
                } else {
                    format!("`{key}` (for `{field}`) must be {what}")
                });
            }
        };
    }
    parse_record(|i| values[i].as_deref())
}

/// The employee id of a bad item, for its error message, when it has a plain one.
fn item_id(item: &Map<String, Value>, columns: &ColumnMap) -> Option<String> {
    match item.get(columns.column("employee_id"))? {
        Value::String(id) if super::validate_identifier(id.trim()).is_ok() => {
            Some(id.trim().to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hr::Employment;

    const URL: &str = "http://hr.test/api/employees";

    fn page(body: &str) -> Result<Page, HrError> {
        parse_page(URL, body.as_bytes(), &ColumnMap::default())
    }

    fn ids(page: &Page) -> Vec<(&str, &str)> {
        page.items
            .iter()
            .map(|(at, r)| (at.as_str(), r.id.as_str()))
            .collect()
    }

    #[test]
    fn reads_an_array_or_a_page_with_next() {
        let array = page(
            r#"[{"employee_id":"E1","username":"alice","email":"a@x.example","status":"TERM",
                 "display_name":"Zoë O'Brien","effective_at":"2026-11-28","legal_hold":true,
                 "employment":"contractor","manager_id":null,"salary":90000},
                {"employee_id":1002,"username":" bob ","email":"b@x.example","status":"ACT",
                 "legal_hold":"false","effective_at":"2026-11-28T09:30:00Z","role":""}]"#,
        )
        .unwrap();
        assert_eq!(
            ids(&array),
            [
                (format!("{URL}#/0").as_str(), "E1"),
                (&format!("{URL}#/1"), "1002")
            ]
        );
        assert_eq!(array.next, None);
        let alice = &array.items[0].1;
        assert_eq!(alice.display_name, "Zoë O'Brien");
        assert!(alice.legal_hold);
        assert_eq!(alice.employment, Employment::Contractor);
        assert_eq!(alice.manager_id, None);
        let bob = &array.items[1].1;
        assert_eq!(bob.username, "bob");
        assert_eq!(bob.display_name, "bob");
        assert!(!bob.legal_hold);
        assert_eq!(bob.role, None);
        assert_eq!(
            bob.effective_at.unwrap().to_string(),
            "2026-11-28 9:30:00.0 +00:00:00"
        );

        let paged = page(
            r#"{"employees":[{"employee_id":"E3","username":"c","email":"c@x","status":"A"}],
                "next":"/api/employees?page=2","total":9}"#,
        )
        .unwrap();
        assert_eq!(
            ids(&paged),
            [(format!("{URL}#/employees/0").as_str(), "E3")]
        );
        assert_eq!(paged.next.as_deref(), Some("/api/employees?page=2"));
        for last in [
            r#"{"employees":[]}"#,
            r#"{"employees":[],"next":null}"#,
            r#"{"employees":[],"next":""}"#,
        ] {
            let last = page(last).unwrap();
            assert!(last.items.is_empty() && last.next.is_none(), "{last:?}");
        }
    }

    #[test]
    fn keys_follow_the_column_map() {
        let columns = ColumnMap::new(
            [
                ("id".to_owned(), "personId".to_owned()),
                ("status".to_owned(), "hrStatus".to_owned()),
            ]
            .into(),
        )
        .unwrap();
        let body = r#"[{"personId":"X9","username":"zed","email":"z@x","hrStatus":"TERM","status":"ignored"}]"#;
        let page = parse_page(URL, body.as_bytes(), &columns).unwrap();
        assert_eq!(page.items[0].1.id, "X9");
        assert_eq!(page.items[0].1.raw_status, "TERM");
        let err = parse_page(
            URL,
            br#"[{"personId":"X9","username":"z","email":"z@x","hrStatus":7.5}]"#,
            &columns,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`hrStatus` (for `status`) must be a string"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_url_item_and_problem() {
        let cases = [
            (
                "<html>oops</html>",
                "http://hr.test/api/employees: the body is not JSON",
            ),
            ("<html>oops</html>", "it starts with `<html>oops</html>`"),
            ("", "the body is empty, not JSON"),
            (
                "{\"people\":[]}",
                "expected a JSON array of employees, or an object",
            ),
            ("\"E1\"", "expected a JSON array of employees"),
            (
                "{\"employees\":[],\"next\":3}",
                "`next` must be a URL or null",
            ),
            ("[1]", "employees#/0: an employee must be a JSON object"),
            (
                r#"[{"employee_id":"E1","username":"al ice","email":"a@x","status":"T"}]"#,
                "employees#/0 (employee `E1`): username `al ice` contains ` `",
            ),
            (
                r#"{"employees":[{"employee_id":"E1","username":"a","email":"a@x","status":"T"},
                    {"employee_id":"../E2","username":"b","email":"b@x","status":"T"}]}"#,
                "employees#/employees/1: employee_id `../E2` must not start with",
            ),
            (
                r#"[{"employee_id":"E1","email":"a@x","status":"T"}]"#,
                "#/0 (employee `E1`): `username` is empty",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x"}]"#,
                "`status` is empty",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"nope","status":"T"}]"#,
                "email `nope` is not an address",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x","status":"T","legal_hold":"maybe"}]"#,
                "legal_hold `maybe` must be `true` or `false`",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x","status":"T","legal_hold":1.5}]"#,
                "`legal_hold` must be true or false",
            ),
            (
                r#"[{"employee_id":"E1","username":["a"],"email":"a@x","status":"T"}]"#,
                "`username` must be a string",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x","status":"T","effective_at":"soon"}]"#,
                "effective_at `soon` is neither RFC 3339 nor YYYY-MM-DD",
            ),
        ];
        for (body, expected) in cases {
            let err = page(body).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{body}: `{err}` should contain `{expected}`"
            );
        }
    }

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
