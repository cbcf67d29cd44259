//! The real `scim2-server` (PyPI): started on a free port with a random bearer token, seeded
//! and inspected with plain HTTP. `./scripts/install-peers` installs it into the virtual
//! environment `.peers/venv`, where it is run from. It starts in about three seconds (Python
//! imports), so the test process shares one: it runs under a shell that kills it as soon as its
//! standard input closes, that is when the test process ends however it ends.

use std::process::Child;
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::process::{guarded, wait_for};

/// A running scim2-server.
pub struct ScimServer {
    // Kept for its standard input: closing it stops the server.
    #[allow(dead_code)]
    child: Child,
    /// `http://127.0.0.1:PORT/v2`.
    pub base_url: String,
    /// The bearer token it accepts.
    pub token: String,
    http: reqwest::blocking::Client,
}

impl ScimServer {
    /// The server the test process shares, started on first use. Tests keep apart by using
    /// their own user and group names.
    pub fn shared() -> &'static ScimServer {
        static SERVER: OnceLock<ScimServer> = OnceLock::new();
        SERVER.get_or_init(ScimServer::start)
    }

    /// Start one and wait until it serves; it stops when dropped or when this process ends.
    pub fn start() -> ScimServer {
        ScimServer::start_with_token(&super::random_hex(16))
    }

    /// Start one that accepts `token`, and wait until it serves.
    pub fn start_with_token(token: &str) -> ScimServer {
        let port = super::free_port();
        let token = token.to_owned();
        let mut child = guarded(&super::venv_bin("scim2-server"))
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", &token])
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start scim2-server ({e}); install it with ./scripts/install-peers")
            });
        wait_for(&mut child, "Serving SCIM on", "scim2-server");
        ScimServer {
            child,
            base_url: format!("http://127.0.0.1:{port}/v2"),
            token,
            http: reqwest::blocking::Client::new(),
        }
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().expect("scim2-server answers");
        let status = response.status().as_u16();
        let text = response.text().unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, value)
    }

    /// POST `resource` to `path` (`/Users`, `/Groups`) as it is; returns the new id.
    pub fn create(&self, path: &str, resource: Value) -> String {
        let (status, created) = self.send(reqwest::Method::POST, path, Some(resource));
        assert_eq!(status, 201, "POST {path}: {created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// Create a User; returns its id.
    pub fn create_user(&self, user_name: &str, external_id: Option<&str>) -> String {
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "active": true,
        });
        if let Some(external_id) = external_id {
            user["externalId"] = json!(external_id);
        }
        let (status, created) = self.send(reqwest::Method::POST, "/Users", Some(user));
        assert_eq!(status, 201, "create user {user_name:?}: {created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// Create a Group with these member ids; returns its id.
    pub fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        });
        let (status, created) = self.send(reqwest::Method::POST, "/Groups", Some(group));
        assert_eq!(status, 201, "create group {name}: {created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// GET a User: `None` on 404.
    pub fn user(&self, id: &str) -> Option<Value> {
        match self.send(reqwest::Method::GET, &format!("/Users/{id}"), None) {
            (200, user) => Some(user),
            (404, _) => None,
            (status, body) => panic!("GET /Users/{id}: {status} {body}"),
        }
    }

    /// The member ids of a Group, sorted.
    pub fn members(&self, group_id: &str) -> Vec<String> {
        let (status, group) = self.send(reqwest::Method::GET, &format!("/Groups/{group_id}"), None);
        assert_eq!(status, 200, "{group}");
        let mut members: Vec<String> = group["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        members.sort();
        members
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
