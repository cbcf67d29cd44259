//! What the fake vendor clouds (`tests/peers/graph/`, `tests/peers/google/`,
//! `tests/peers/okta/`) share on the Rust side: their answers read as JSON, and their control API
//! (`/_control/`) to seed state, read it back, queue faults and list the calls received and the
//! contract violations found. Each server's handle dereferences to its [`Control`].

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// An answer: status, headers and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, `Value::Null` when there is none.
    pub body: Value,
}

/// Read what `who` (e.g. "the fake Graph") sent; panics when it did not answer or the body is
/// not JSON.
pub fn answer(who: &str, sent: reqwest::Result<reqwest::blocking::Response>) -> Answer {
    let response = sent.unwrap_or_else(|e| panic!("{who} answers: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// A running fake's address, its API and its control API.
pub struct Control {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The client the tests call it with.
    pub http: reqwest::blocking::Client,
    /// Where its API paths start below `base_url` (`/v1.0` for Graph).
    api_root: &'static str,
    /// Who answers, for messages (`the fake Graph`).
    who: &'static str,
}

impl Control {
    /// The fake `who` at `base_url`, whose API paths start at `api_root`.
    pub fn new(base_url: String, api_root: &'static str, who: &'static str) -> Control {
        Control {
            base_url,
            api_root,
            who,
            http: reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// An API call: `path` below the API root (`/users/ID`), query pairs encoded as a client
    /// does.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        token: &str,
        body: Option<&Value>,
    ) -> Answer {
        self.call_as(method, path, query, &format!("Bearer {token}"), body)
    }

    /// An API call with this `Authorization` header (`SSWS TOKEN` for Okta's API tokens).
    pub fn call_as(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        authorization: &str,
        body: Option<&Value>,
    ) -> Answer {
        let url = format!("{}{}{path}", self.base_url, self.api_root);
        let mut request = self
            .http
            .request(method, url)
            .header("Authorization", authorization);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        answer(self.who, request.send())
    }

    /// GET an API path.
    pub fn get(&self, path: &str, query: &[(&str, &str)], token: &str) -> Answer {
        self.call(Method::GET, path, query, token, None)
    }

    /// A control call; panics unless it answers 200.
    pub fn control(&self, method: Method, name: &str, body: Option<&Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/_control/{name}", self.base_url));
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let got = answer(self.who, request.send());
        assert_eq!(got.status, 200, "/_control/{name}: {:?}", got.body);
        got.body
    }

    /// Load a seed (see the fake's `store.py`).
    pub fn seed(&self, seed: &Value) {
        self.control(Method::POST, "state", Some(seed));
    }

    /// Everything the fake holds now.
    pub fn state(&self) -> Value {
        self.control(Method::GET, "state", None)
    }

    /// Queue faults (one object or a list; see the fake's `faults.py`).
    pub fn fault(&self, fault: &Value) {
        self.control(Method::POST, "faults", Some(fault));
    }

    /// Every call the fake got so far.
    pub fn requests(&self) -> Vec<Value> {
        self.list("requests")
    }

    /// Every contract violation so far.
    pub fn violations(&self) -> Vec<Value> {
        self.list("violations")
    }

    fn list(&self, name: &str) -> Vec<Value> {
        self.control(Method::GET, name, None)
            .as_array()
            .cloned()
            .unwrap()
    }
}
