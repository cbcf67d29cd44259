//! The fake Microsoft Graph of `tests/peers/graph/` (ours, standard-library Python): every call
//! it gets and every answer it sends is checked against Graph v1.0's published OpenAPI
//! description, which `./scripts/install-peers` installs with the Python peers' virtual
//! environment `.peers/venv`. Started on a port it picks itself, with a random client secret,
//! seeded and inspected through its control API (`/_control/`). It runs under a shell that kills
//! it as soon as its standard input closes: when the handle is dropped, or when the test process
//! ends however it ends.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The tenant in the token endpoint's path.
pub const TENANT: &str = "contoso-test";
/// The one application registered in the fake tenant.
pub const CLIENT_ID: &str = "5a0c7f0e-4b7e-4d4e-9a53-6c1f3f0f2b11";
/// The scope of the client credentials grant for Graph.
pub const SCOPE: &str = "https://graph.microsoft.com/.default";
/// The environment variable the fake reads its client secret from.
const SECRET_ENV: &str = "OFFBOARD_FAKE_GRAPH_SECRET";

/// A running fake Graph.
pub struct GraphServer {
    // Kept for its standard input: closing it stops the server.
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The client secret it accepts.
    pub secret: String,
    http: reqwest::blocking::Client,
}

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

impl GraphServer {
    /// Start one that accepts the client secret only.
    pub fn start() -> GraphServer {
        GraphServer::start_with_cert(None)
    }

    /// Start one that also accepts assertions signed with the key of the PEM certificate `cert`.
    pub fn start_with_cert(cert: Option<&Path>) -> GraphServer {
        GraphServer::start_with(cert, None)
    }

    /// Start one whose tokens live `token_lifetime` seconds (default one hour).
    pub fn start_with_token_lifetime(token_lifetime: u32) -> GraphServer {
        GraphServer::start_with(None, Some(token_lifetime))
    }

    fn start_with(cert: Option<&Path>, token_lifetime: Option<u32>) -> GraphServer {
        let secret = format!("graphSECRET{}", super::random_hex(16));
        let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/graph/server.py");
        let mut command = Command::new("sh");
        command
            .args([
                "-c",
                r#""$0" "$@" & pid=$!; read -r _ || true; kill "$pid"; wait "$pid""#,
                &super::venv_bin("python"),
                server,
            ])
            .args(["--port", "0", "--tenant", TENANT, "--client-id", CLIENT_ID])
            .args(["--client-secret-env", SECRET_ENV])
            .env(SECRET_ENV, &secret);
        if let Some(cert) = cert {
            command.arg("--cert").arg(cert);
        }
        if let Some(seconds) = token_lifetime {
            command.args(["--token-lifetime", &seconds.to_string()]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the fake Graph ({e})"));
        let (lines, seen) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = lines.send(line);
                }
            });
        }
        let mut output = Vec::new();
        let base_url = loop {
            match seen.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.starts_with("Serving Graph on ") => {
                    break line["Serving Graph on ".len()..].trim().to_owned();
                }
                Ok(line) => output.push(line),
                Err(_) => {
                    drop(child.stdin.take());
                    let _ = child.wait();
                    panic!(
                        "the fake Graph did not start (installed? ./scripts/install-peers):\n{}",
                        output.join("\n")
                    );
                }
            }
        };
        GraphServer {
            child,
            base_url,
            secret,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// The token endpoint's URL, which is also the `aud` of a client assertion.
    pub fn token_url(&self) -> String {
        format!("{}/{TENANT}/oauth2/v2.0/token", self.base_url)
    }

    /// POST these form fields to the token endpoint.
    pub fn request_token(&self, form: &[(&str, &str)]) -> Answer {
        answer(self.http.post(self.token_url()).form(form).send())
    }

    /// A fresh access token, by the client secret.
    pub fn token(&self) -> String {
        let got = self.request_token(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", &self.secret),
            ("scope", SCOPE),
        ]);
        assert_eq!(got.status, 200, "token: {:?}", got.body);
        got.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A Graph call: `path` below `/v1.0` (`/users/ID`), query pairs encoded as a client does.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        token: &str,
        body: Option<&Value>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/v1.0{path}", self.base_url))
            .bearer_auth(token);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        answer(request.send())
    }

    /// GET a Graph path.
    pub fn get(&self, path: &str, query: &[(&str, &str)], token: &str) -> Answer {
        self.call(Method::GET, path, query, token, None)
    }

    /// GET an absolute URL the fake handed out (`@odata.nextLink`).
    pub fn get_url(&self, url: &str, token: &str) -> Answer {
        answer(self.http.get(url).bearer_auth(token).send())
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
        let got = answer(request.send());
        assert_eq!(got.status, 200, "/_control/{name}: {:?}", got.body);
        got.body
    }

    /// Load a seed (users, groups, SKUs; see tests/peers/graph/store.py).
    pub fn seed(&self, seed: &Value) {
        self.control(Method::POST, "state", Some(seed));
    }

    /// Everything the fake tenant holds now.
    pub fn state(&self) -> Value {
        self.control(Method::GET, "state", None)
    }

    /// Queue faults (one object or a list; see tests/peers/graph/faults.py).
    pub fn fault(&self, fault: &Value) {
        self.control(Method::POST, "faults", Some(fault));
    }

    /// Every call the fake got so far.
    pub fn requests(&self) -> Vec<Value> {
        self.control(Method::GET, "requests", None)
            .as_array()
            .cloned()
            .unwrap()
    }

    /// Every contract violation so far.
    pub fn violations(&self) -> Vec<Value> {
        self.control(Method::GET, "violations", None)
            .as_array()
            .cloned()
            .unwrap()
    }
}

impl Drop for GraphServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn answer(sent: reqwest::Result<reqwest::blocking::Response>) -> Answer {
    let response = sent.expect("the fake Graph answers");
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
