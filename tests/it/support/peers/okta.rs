//! The fake Okta of `tests/peers/okta/` (ours, standard-library Python): Okta's management API
//! (users and their lifecycle, sessions, groups, app assignments, factors) and the org
//! authorization server's token endpoint for a service app. Every call it gets and every answer
//! it sends is checked against Okta's API description, which `./scripts/install-peers` installs
//! as `.peers/okta/spec.json`. Started on a port it picks itself with a fresh API token (passed
//! in its environment) and a fresh RSA key pair for the service app (made with `openssl`),
//! seeded and inspected through its control API (`/_control/`). It runs under a shell that kills
//! it as soon as its standard input closes: when the handle is dropped, or when the test process
//! ends however it ends.

use std::path::{Path, PathBuf};
use std::process::Child;

use serde_json::{Value, json};

pub use super::fake::Answer;
use super::fake::{Control, answer};
use super::google::{key_pair, now, sign};
use super::process::{guarded, wait_for};
use super::random_hex;

/// Who answers, for messages.
const WHO: &str = "the fake Okta";

/// The service app's client id: the `iss` and `sub` of its assertions.
pub const CLIENT_ID: &str = "0oa1offboard0service";
/// The scopes a connector needs, the least for each call it makes.
pub const SCOPES: &[&str] = &[
    "okta.users.manage",
    "okta.groups.manage",
    "okta.apps.manage",
];
/// The environment variable the fake reads its API token from.
const TOKEN_ENV: &str = "OFFBOARD_FAKE_OKTA_API_TOKEN";

/// A running fake Okta.
pub struct OktaServer {
    // Kept for its standard input: closing it stops the server.
    child: Child,
    /// The service app's private key (PEM), whose public half the fake trusts.
    pub key: PathBuf,
    /// The API token the fake accepts as `SSWS`.
    pub api_token: String,
    dir: tempfile::TempDir,
    /// Its address and control API.
    control: Control,
}

impl Answer {
    /// The `errorCode` of an Okta error answer (`""` when there is none).
    pub fn error_code(&self) -> &str {
        self.body["errorCode"].as_str().unwrap_or("")
    }

    /// The `errorCauses` of an Okta error answer, joined.
    pub fn causes(&self) -> String {
        self.body["errorCauses"].to_string()
    }
}

impl OktaServer {
    /// Start one with a fresh API token and a fresh key for the service app.
    pub fn start() -> OktaServer {
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = key_pair(dir.path(), "service-app");
        let api_token = format!("00{}", random_hex(20));
        let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/okta/server.py");
        let mut child = guarded(&super::venv_bin("python"))
            .arg(server)
            .args(["--port", "0", "--api-token-env", TOKEN_ENV])
            .args(["--client-id", CLIENT_ID, "--public-key"])
            .arg(&public)
            .env(TOKEN_ENV, &api_token)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the fake Okta ({e})"));
        let base_url = wait_for(&mut child, "Serving Okta on ", WHO);
        OktaServer {
            child,
            control: Control::new(base_url, "/api/v1", WHO),
            key,
            api_token,
            dir,
        }
    }

    /// A directory that lives as long as the server, for more keys.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The `Authorization` header of the API token.
    pub fn ssws(&self) -> String {
        format!("SSWS {}", self.api_token)
    }

    /// The token endpoint's URL, which is also the `aud` of an assertion.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v1/token", self.base_url)
    }

    /// The claims of a good client assertion: iss, sub, aud, iat, exp, jti.
    pub fn claims(&self) -> Value {
        json!({
            "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": self.token_url(),
            "iat": now(), "exp": now() + 300, "jti": random_hex(16),
        })
    }

    /// POST a client assertion with the client credentials grant for `scopes`.
    pub fn request_token(&self, assertion: &str, scopes: &[&str]) -> Answer {
        self.post_form(&[
            ("grant_type", "client_credentials"),
            ("scope", &scopes.join(" ")),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ])
    }

    /// POST these form fields to the token endpoint.
    pub fn post_form(&self, form: &[(&str, &str)]) -> Answer {
        answer(WHO, self.http.post(self.token_url()).form(form).send())
    }

    /// A fresh access token for `scopes`.
    pub fn token_for(&self, scopes: &[&str]) -> String {
        let got = self.request_token(&sign(&self.key, &self.claims()), scopes);
        assert_eq!(got.status, 200, "token: {:?}", got.body);
        got.body["access_token"].as_str().unwrap().to_owned()
    }

    /// An API call with the API token.
    pub fn ssws_call(&self, method: reqwest::Method, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call_as(method, path, query, &self.ssws(), None)
    }
}

impl std::ops::Deref for OktaServer {
    type Target = Control;

    fn deref(&self) -> &Control {
        &self.control
    }
}

impl Drop for OktaServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
