//! How to reach a Google Workspace customer: the service account and the admin it acts for,
//! where the endpoints are (overridable for tests), and the licenses offboard manages with
//! what each costs a month.

use std::sync::Arc;
use std::time::Duration;

use crate::connector::oauth::ServiceAccount;

/// Google's OAuth 2.0 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The Admin SDK (Directory, Data Transfer).
pub const DEFAULT_ADMIN_URL: &str = "https://admin.googleapis.com";
/// The Enterprise License Manager.
pub const DEFAULT_LICENSING_URL: &str = "https://licensing.googleapis.com";
/// The per-request timeout when the configuration gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One license offboard manages: a product's SKU and what a seat costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct License {
    /// The product id (`Google-Apps`).
    pub product: String,
    /// The SKU id (`1010020020`): the seat's name in offboard.
    pub sku: String,
    /// Monthly cost of one seat, in cents.
    pub monthly_cost_cents: i64,
}

/// Everything a [`GoogleConnector`](super::GoogleConnector) needs.
#[derive(Debug)]
pub struct GoogleOptions {
    /// The service account, with domain-wide delegation.
    pub account: Arc<ServiceAccount>,
    /// The admin the service account acts for (`sub` of its grants).
    pub admin_subject: String,
    /// The token endpoint.
    pub token_url: String,
    /// The Admin SDK's base URL.
    pub admin_url: String,
    /// The License Manager's base URL.
    pub licensing_url: String,
    /// The licenses to read and release.
    pub licenses: Vec<License>,
    /// Per-request timeout (connect and answer).
    pub timeout: Duration,
}
