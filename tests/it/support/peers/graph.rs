//! The fake Microsoft Graph of `tests/peers/graph/` (ours, standard-library Python): every call
//! it gets and every answer it sends is checked against Graph v1.0's published OpenAPI
//! description, which `./scripts/install-peers` installs with the Python peers' virtual
//! environment `.peers/venv`. Started on a port it picks itself, with a random client secret,
//! seeded and inspected through its control API (`/_control/`). It runs under a shell that kills
//! it as soon as its standard input closes: when the handle is dropped, or when the test process
//! ends however it ends.

use std::path::Path;
use std::process::Child;

pub use super::fake::Answer;
use super::fake::{Control, answer};
use super::process::{guarded, wait_for};

/// Who answers, for messages.
const WHO: &str = "the fake Graph";

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
    /// The client secret it accepts.
    pub secret: String,
    /// Its address and control API.
    control: Control,
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
        let mut command = guarded(&super::venv_bin("python"));
        command
            .arg(server)
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
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the fake Graph ({e})"));
        let base_url = wait_for(&mut child, "Serving Graph on ", WHO);
        GraphServer {
            child,
            control: Control::new(base_url, "/v1.0", WHO),
            secret,
        }
    }

    /// The token endpoint's URL, which is also the `aud` of a client assertion.
    pub fn token_url(&self) -> String {
        format!("{}/{TENANT}/oauth2/v2.0/token", self.base_url)
    }

    /// POST these form fields to the token endpoint.
    pub fn request_token(&self, form: &[(&str, &str)]) -> Answer {
        answer(WHO, self.http.post(self.token_url()).form(form).send())
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

    /// GET an absolute URL the fake handed out (`@odata.nextLink`).
    pub fn get_url(&self, url: &str, token: &str) -> Answer {
        answer(WHO, self.http.get(url).bearer_auth(token).send())
    }
}

impl std::ops::Deref for GraphServer {
    type Target = Control;

    fn deref(&self) -> &Control {
        &self.control
    }
}

impl Drop for GraphServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
