//! How to reach an Okta org: its URL, how offboard proves who it is (an API token, or a service
//! app's key), and what each app assignment costs a month.

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;

use crate::connector::oauth::CertificateKey;

/// The per-request timeout when the configuration gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The scopes a service app asks for when the configuration names none: the least the
/// connector's calls need.
pub const DEFAULT_SCOPES: &[&str] = &[
    "okta.users.manage",
    "okta.groups.manage",
    "okta.apps.manage",
];

/// How offboard proves who it is to Okta.
pub enum OktaCredential {
    /// An API token, sent as `Authorization: SSWS <token>`.
    ApiToken(SecretString),
    /// A service app: its client id, the private key registered with it, and the scopes asked
    /// for.
    ServiceApp {
        /// The app's client id.
        client_id: String,
        /// The key that signs the client assertions.
        key: Box<CertificateKey>,
        /// The scopes, e.g. `okta.users.manage`.
        scopes: Vec<String>,
    },
}

impl std::fmt::Debug for OktaCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OktaCredential::ApiToken(_) => f.write_str("ApiToken([redacted])"),
            OktaCredential::ServiceApp {
                client_id, scopes, ..
            } => write!(f, "ServiceApp({client_id}, {scopes:?})"),
        }
    }
}

/// Everything an [`OktaConnector`](super::OktaConnector) needs.
#[derive(Debug)]
pub struct OktaOptions {
    /// The org's URL (`https://example.okta.com`).
    pub org_url: String,
    /// How offboard proves who it is.
    pub credential: OktaCredential,
    /// Monthly cost of one app assignment, in cents, by app label; apps not listed cost 0.
    pub app_costs: BTreeMap<String, i64>,
    /// Per-request timeout (connect and answer).
    pub timeout: Duration,
}
