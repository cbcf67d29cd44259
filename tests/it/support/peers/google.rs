//! The fake Google Workspace of `tests/peers/google/` (ours, standard-library Python): the Admin
//! SDK Directory, Enterprise License Manager and Data Transfer APIs and the token endpoint of a
//! service account with domain-wide delegation. Every call it gets and every answer it sends is
//! checked against Google's discovery documents, which `./scripts/install-peers` installs into
//! `.peers/google/`. Started on a port it picks itself with a fresh RSA key pair for the service
//! account (made with `openssl`), seeded and inspected through its control API (`/_control/`).
//! It runs under a shell that kills it as soon as its standard input closes: when the handle is
//! dropped, or when the test process ends however it ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use reqwest::Method;
use serde_json::{Value, json};

pub use super::fake::Answer;
use super::fake::{Control, answer};
use super::process::{guarded, wait_for};

/// Who answers, for messages.
const WHO: &str = "the fake Google";

/// The service account: the `iss` of its assertions.
pub const CLIENT_EMAIL: &str = "offboard@offboard-test.iam.gserviceaccount.com";
/// The admin the service account acts for (seed them with `isAdmin: true`).
pub const ADMIN: &str = "admin@example.com";
/// The scopes a connector needs, the least for each call it makes.
pub const SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.user.security",
    "https://www.googleapis.com/auth/admin.directory.group",
    "https://www.googleapis.com/auth/apps.licensing",
    "https://www.googleapis.com/auth/admin.datatransfer",
];

/// A running fake Google Workspace.
pub struct GoogleServer {
    // Kept for its standard input: closing it stops the server.
    child: Child,
    /// The service account's private key (PEM), whose public half the fake trusts.
    pub key: PathBuf,
    dir: tempfile::TempDir,
    /// Its address and control API.
    control: Control,
}

impl Answer {
    /// The `reason` of a Google error answer (`""` when there is none).
    pub fn reason(&self) -> &str {
        self.body["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
    }
}

/// A fresh RSA key pair in `dir`: (private key, public key), both PEM.
pub fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let made = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success());
    let made = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .status()
        .unwrap();
    assert!(made.success());
    (key, public)
}

/// An RS256 JWT with these claims, signed with the PEM private key `key`.
pub fn sign(key: &Path, claims: &Value) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("input");
    std::fs::write(&data, &input).unwrap();
    let signature = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .arg(&data)
        .output()
        .unwrap();
    assert!(signature.status.success());
    format!(
        "{input}.{}",
        Base64UrlUnpadded::encode_string(&signature.stdout)
    )
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl GoogleServer {
    /// Start one that trusts a fresh service account key.
    pub fn start() -> GoogleServer {
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = key_pair(dir.path(), "service-account");
        let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/google/server.py");
        let mut child = guarded(&super::venv_bin("python"))
            .arg(server)
            .args([
                "--port",
                "0",
                "--client-email",
                CLIENT_EMAIL,
                "--public-key",
            ])
            .arg(&public)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the fake Google ({e})"));
        let base_url = wait_for(&mut child, "Serving Google on ", WHO);
        GoogleServer {
            child,
            control: Control::new(base_url, "", WHO),
            key,
            dir,
        }
    }

    /// A directory that lives as long as the server, for more keys.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The token endpoint's URL, which is also the `aud` of an assertion.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.base_url)
    }

    /// The claims of a good assertion for `scopes`: iss, sub, scope, aud, iat, exp.
    pub fn claims(&self, scopes: &[&str]) -> Value {
        json!({
            "iss": CLIENT_EMAIL, "sub": ADMIN, "scope": scopes.join(" "),
            "aud": self.token_url(), "iat": now(), "exp": now() + 3600,
        })
    }

    /// POST an assertion with the JWT bearer grant.
    pub fn request_token(&self, assertion: &str) -> Answer {
        self.post_form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ])
    }

    /// POST these form fields to the token endpoint.
    pub fn post_form(&self, form: &[(&str, &str)]) -> Answer {
        answer(WHO, self.http.post(self.token_url()).form(form).send())
    }

    /// A fresh access token for `scopes`.
    pub fn token_for(&self, scopes: &[&str]) -> String {
        let got = self.request_token(&sign(&self.key, &self.claims(scopes)));
        assert_eq!(got.status, 200, "token: {:?}", got.body);
        got.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A fresh access token for every scope in `SCOPES`.
    pub fn token(&self) -> String {
        self.token_for(SCOPES)
    }

    /// How transfers inserted from now on progress (see tests/peers/google/transfers.py).
    pub fn transfers(&self, settings: &Value) {
        self.control(Method::POST, "transfers", Some(settings));
    }
}

impl std::ops::Deref for GoogleServer {
    type Target = Control;

    fn deref(&self) -> &Control {
        &self.control
    }
}

impl Drop for GoogleServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
