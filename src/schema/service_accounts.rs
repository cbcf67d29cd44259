//! The shape of `service-accounts.yaml`: accounts that belong to no person.

use schemars::JsonSchema;

/// offboard service-account allow-list (format version 1): accounts `reconcile` never reports
/// as unknown to HR.
#[derive(JsonSchema)]
#[schemars(title = "offboard service accounts", deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct ServiceAccountsShape {
    /// Format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// The allowed accounts.
    #[schemars(default)]
    service_accounts: Vec<ServiceAccountShape>,
}

/// One allowed account.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceAccountShape {
    /// The account name; `*` matches any run of characters.
    account: String,
    /// Only in this connector (or inventory export `system`).
    #[schemars(default)]
    system: Option<String>,
    /// Who answers for it.
    owner: String,
    /// Why it exists.
    #[schemars(default)]
    reason: Option<String>,
}
