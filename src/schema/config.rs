//! The shape of `offboard.yaml`: the HR source, the files, signing, the role map, the
//! connectors (one shape per `type`) and the policy.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// offboard configuration (format version 1). Paths are relative to this file; secrets are
/// never written here: `*_env` keys name the environment variable that holds one.
#[derive(JsonSchema)]
#[schemars(title = "offboard configuration", deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct ConfigShape {
    /// Format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Where the employee records come from.
    hr: HrShape,
    /// The status vocabulary (default `glossary.yaml`).
    #[schemars(default)]
    glossary: Option<String>,
    /// The role matrix (default `roles.yaml`).
    #[schemars(default)]
    roles: Option<String>,
    /// The playbooks directory (default `playbooks`).
    #[schemars(default)]
    playbooks: Option<String>,
    /// The legal holds file.
    #[schemars(default)]
    holds: Option<String>,
    /// The directory of run journals and the ledger (default `journal`).
    #[schemars(default)]
    journal: Option<String>,
    /// How this machine signs journal records.
    #[schemars(default)]
    signing: Option<SigningShape>,
    /// The role map: signer principal -> the roles it holds.
    #[schemars(default)]
    signers: BTreeMap<String, Vec<String>>,
    /// The systems, by the name playbook steps use.
    #[schemars(default)]
    connectors: BTreeMap<String, ConnectorShape>,
    /// Deadlines, batch limits, approvals and operators.
    #[schemars(default)]
    policy: Option<PolicyShape>,
    /// Reconciliation settings.
    #[schemars(default)]
    reconcile: Option<ReconcileShape>,
    /// What `offboard doctor` looks for.
    #[schemars(default)]
    doctor: Option<DoctorShape>,
}

/// The HR source: a CSV export or JSON over HTTP.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct HrShape {
    /// `csv` or `http`.
    #[schemars(rename = "type")]
    kind: HrType,
    /// The CSV file (`type: csv`).
    #[schemars(default)]
    path: Option<String>,
    /// The employee list's URL (`type: http`).
    #[schemars(default, regex(pattern = r"^https?://"))]
    url: Option<String>,
    /// The variable holding the bearer token (`type: http`).
    #[schemars(default, regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    token_env: Option<String>,
    /// Record field -> CSV column (JSON key for `http`).
    #[schemars(default)]
    columns: Option<ColumnsShape>,
}

/// The HR source types.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
#[allow(dead_code)]
enum HrType {
    /// A CSV export.
    Csv,
    /// JSON over HTTP.
    Http,
}

/// `hr.columns`: record field -> the CSV column (JSON key for `http`) that holds it.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ColumnsShape {
    /// The employee id (also `employee_id`).
    #[schemars(default)]
    id: Option<String>,
    /// The employee id.
    #[schemars(default)]
    employee_id: Option<String>,
    /// The username.
    #[schemars(default)]
    username: Option<String>,
    /// The work email.
    #[schemars(default)]
    email: Option<String>,
    /// The name people see.
    #[schemars(default)]
    display_name: Option<String>,
    /// The manager's employee id.
    #[schemars(default)]
    manager_id: Option<String>,
    /// The manager's email.
    #[schemars(default)]
    manager_email: Option<String>,
    /// The department.
    #[schemars(default)]
    department: Option<String>,
    /// The cost centre.
    #[schemars(default)]
    cost_centre: Option<String>,
    /// The job role (a key of the role matrix).
    #[schemars(default)]
    role: Option<String>,
    /// The role after a move.
    #[schemars(default)]
    new_role: Option<String>,
    /// The raw HR status code.
    #[schemars(default)]
    status: Option<String>,
    /// When the status takes effect.
    #[schemars(default)]
    effective_at: Option<String>,
    /// Employment type.
    #[schemars(default)]
    employment: Option<String>,
    /// The legal hold flag.
    #[schemars(default)]
    legal_hold: Option<String>,
}

/// Signing settings.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SigningShape {
    /// OpenSSH Ed25519 private key (`OFFBOARD_SIGNING_KEY` may override it).
    #[schemars(default)]
    key: Option<String>,
    /// The signer principal, as in `allowed_signers`.
    principal: String,
    /// The OpenSSH allowed-signers file.
    #[schemars(default)]
    allowed_signers: Option<String>,
}

/// One connector, by `type`.
#[derive(JsonSchema)]
#[schemars(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)]
enum ConnectorShape {
    /// The embedded SQLite store.
    Sqlite(SqliteShape),
    /// A SCIM 2.0 service provider.
    Scim(ScimShape),
    /// An LDAP directory.
    Ldap(LdapShape),
    /// Signed JSON messages over HTTP.
    Webhook(WebhookShape),
    /// Microsoft Entra ID over Microsoft Graph.
    Entra(EntraShape),
    /// Google Workspace over the Admin SDK and the License Manager.
    GoogleWorkspace(GoogleWorkspaceShape),
    /// Okta over its management API.
    Okta(OktaShape),
}

/// `type: sqlite`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SqliteShape {
    /// The database file, created on first use.
    path: String,
    /// Directory of seed CSVs loaded into a new database.
    #[schemars(default)]
    seed: Option<String>,
    /// How an employee is found (attribute `username`, `email` or `employee_id`).
    #[schemars(default, rename = "match")]
    match_: Option<MatchShape>,
}

/// `type: scim`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ScimShape {
    /// The SCIM base URL, e.g. `https://idp.example/scim/v2`.
    #[schemars(regex(pattern = r"^https?://"))]
    base_url: String,
    /// The variable holding the bearer token.
    #[schemars(default, regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    token_env: Option<String>,
    /// How an employee is found (default `userName` = `{{ employee.email }}`).
    #[schemars(default, rename = "match")]
    match_: Option<MatchShape>,
    /// Requests in flight at once.
    #[schemars(default, range(min = 1))]
    concurrency: Option<u32>,
    /// Per-request timeout, e.g. `10s`.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    timeout: Option<String>,
}

/// `type: ldap`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct LdapShape {
    /// `ldap://` or `ldaps://` URL.
    #[schemars(regex(pattern = r"^ldaps?://"))]
    url: String,
    /// The DN to bind as.
    #[schemars(default)]
    bind_dn: Option<String>,
    /// The variable holding the bind password.
    #[schemars(default, regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    password_env: Option<String>,
    /// Where people are searched.
    base_dn: String,
    /// How an employee is found (default `uid` = `{{ employee.username }}`).
    #[schemars(default, rename = "match")]
    match_: Option<MatchShape>,
    /// How an account is disabled.
    #[schemars(default)]
    disable: Option<DisableShape>,
    /// The group attribute listing members.
    #[schemars(default)]
    group_member_attribute: Option<MemberAttribute>,
    /// Per-operation timeout, e.g. `10s`.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    timeout: Option<String>,
}

/// How an LDAP account is disabled.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct DisableShape {
    /// `ppolicy_lock`, `move_ou` (with `ou`) or `ad_uac`.
    method: DisableMethod,
    /// The OU disabled accounts move to (`move_ou`).
    #[schemars(default)]
    ou: Option<String>,
}

/// The LDAP disable methods.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
#[allow(dead_code)]
enum DisableMethod {
    /// The password policy overlay's lock.
    PpolicyLock,
    /// Move the entry to another OU.
    MoveOu,
    /// Active Directory's userAccountControl flag.
    AdUac,
}

/// The LDAP group membership attributes.
#[derive(JsonSchema)]
#[allow(dead_code)]
enum MemberAttribute {
    /// Member DNs.
    #[schemars(rename = "member")]
    Member,
    /// Member DNs (groupOfUniqueNames).
    #[schemars(rename = "uniqueMember")]
    UniqueMember,
    /// Member uids (posixGroup).
    #[schemars(rename = "memberUid")]
    MemberUid,
}

/// `type: webhook`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct WebhookShape {
    /// Where messages are posted.
    #[schemars(regex(pattern = r"^https?://"))]
    url: String,
    /// The variable holding the HMAC signing secret.
    #[schemars(default, regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    secret_env: Option<String>,
    /// Per-request timeout, e.g. `10s`.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    timeout: Option<String>,
}

/// `type: entra`. Exactly one credential: `client_secret_env`, or `certificate` with
/// `private_key` (the analyzer says which is missing).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct EntraShape {
    /// The tenant id or one of its verified domains.
    tenant: String,
    /// The application (client) id of the app registration.
    client_id: String,
    /// The variable holding a client secret.
    #[schemars(default, regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    client_secret_env: Option<String>,
    /// The PEM certificate registered with the application.
    #[schemars(default)]
    certificate: Option<String>,
    /// The file holding the certificate's RSA private key (PEM), outside the repository.
    #[schemars(default)]
    private_key: Option<String>,
    /// The token service without the tenant (default `https://login.microsoftonline.com`).
    #[schemars(default, regex(pattern = r"^https?://"))]
    login_url: Option<String>,
    /// Graph without the version (default `https://graph.microsoft.com`).
    #[schemars(default, regex(pattern = r"^https?://"))]
    graph_url: Option<String>,
    /// How an employee is found (attribute `userPrincipalName`, `mail` or `employeeId`;
    /// default `userPrincipalName` = `{{ employee.email }}`).
    #[schemars(default, rename = "match")]
    match_: Option<MatchShape>,
    /// Monthly cost of one seat in cents, by SKU part number (e.g. `ENTERPRISEPACK: 2300`).
    #[schemars(default)]
    monthly_cost_cents: Option<std::collections::BTreeMap<String, u32>>,
    /// Per-request timeout, e.g. `30s`.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    timeout: Option<String>,
}

/// `type: google_workspace`: a service account with domain-wide delegation acting for an admin.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct GoogleWorkspaceShape {
    /// The service account's JSON key file, outside the repository.
    service_account_key: String,
    /// The email of the admin the service account acts for.
    admin_subject: String,
    /// The token endpoint (default `https://oauth2.googleapis.com/token`).
    #[schemars(default, regex(pattern = r"^https?://"))]
    token_url: Option<String>,
    /// The Admin SDK (default `https://admin.googleapis.com`).
    #[schemars(default, regex(pattern = r"^https?://"))]
    admin_url: Option<String>,
    /// The License Manager (default `https://licensing.googleapis.com`).
    #[schemars(default, regex(pattern = r"^https?://"))]
    licensing_url: Option<String>,
    /// How an employee is found (attribute `primaryEmail`; default `{{ employee.email }}`).
    #[schemars(default, rename = "match")]
    match_: Option<MatchShape>,
    /// The licenses read and released, each a product's SKU with its monthly seat cost.
    #[schemars(default)]
    licenses: Option<Vec<GoogleLicenseShape>>,
    /// Per-request timeout, e.g. `30s`.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    timeout: Option<String>,
}

/// `type: okta`. Exactly one credential: `api_token_env`, or `client_id` with `private_key`
/// (the analyzer says which is missing).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct OktaShape {
    /// The org's URL, e.g. `https://example.okta.com`.
    #[schemars(regex(pattern = r"^https?://"))]
    org_url: String,
    /// The variable holding an API token (sent as `SSWS`).
    #[schemars(default, regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    api_token_env: Option<String>,
    /// The service app's client id (OAuth 2.0 client credentials, `private_key_jwt`).
    #[schemars(default)]
    client_id: Option<String>,
    /// The file holding the service app's RSA private key (PEM), outside the repository.
    #[schemars(default)]
    private_key: Option<String>,
    /// The scopes the service app asks for (default `okta.users.manage`,
    /// `okta.groups.manage`, `okta.apps.manage`).
    #[schemars(default)]
    scopes: Option<Vec<String>>,
    /// How an employee is found (attribute `login`; default `login` = `{{ employee.email }}`).
    #[schemars(default, rename = "match")]
    match_: Option<MatchShape>,
    /// Monthly cost of one app assignment in cents, by app label (e.g. `Salesforce: 7500`).
    #[schemars(default)]
    monthly_cost_cents: Option<std::collections::BTreeMap<String, u32>>,
    /// Per-request timeout, e.g. `30s`.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    timeout: Option<String>,
}

/// One Google Workspace license.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct GoogleLicenseShape {
    /// The product id, e.g. `Google-Apps`.
    product: String,
    /// The SKU id, e.g. `1010020020`.
    sku: String,
    /// Monthly cost of one seat in cents.
    #[schemars(default)]
    monthly_cost_cents: Option<u32>,
}

/// How a connector finds an employee's account.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct MatchShape {
    /// The attribute compared.
    attribute: String,
    /// A template over the employee record, e.g. `{{ employee.email }}`.
    value: String,
}

/// Risk tiers.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
#[allow(dead_code)]
enum Tier {
    /// The most urgent.
    Critical,
    /// Urgent.
    High,
    /// The default.
    Standard,
    /// The least urgent.
    Low,
}

/// `policy`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct PolicyShape {
    /// Deadline of each risk tier from the HR effective time.
    #[schemars(default)]
    deadlines: Option<DeadlinesShape>,
    /// Most employees one batch may hold.
    #[schemars(default, range(min = 1))]
    batch_limit: Option<u32>,
    /// Employees run first, alone, before the rest of a batch.
    #[schemars(default)]
    canary: Option<u32>,
    /// Employees of a batch run at once.
    #[schemars(default, range(min = 1))]
    batch_concurrency: Option<u32>,
    /// Automatic steps of these tiers (and more urgent ones) need an approval.
    #[schemars(default)]
    approval_required: Vec<Tier>,
    /// Roles whose holders may run playbooks (default `[iam]`).
    #[schemars(default, length(min = 1))]
    operator_roles: Option<Vec<String>>,
    /// `offboard reconcile` lists a paid seat as dormant when its account has not signed in
    /// for this long, e.g. `90d` (the default).
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    dormant_after: Option<String>,
    /// A run refuses a playbook unless the commit that last changed it carries an SSH signature
    /// (namespace `git`) by a key that `playbook_signers` lists; `validate` reports one that
    /// does not. Needs `playbook_signers`.
    #[schemars(default)]
    require_signed_playbooks: Option<bool>,
    /// The allowed-signers file (OpenSSH format) whose keys may sign playbook commits, relative
    /// to this file.
    #[schemars(default)]
    playbook_signers: Option<String>,
    /// Run journals carry the employee id and salted SHA-256 digests of the employee's email,
    /// display name and manager's email instead of the values; the salt is generated once into
    /// the journal directory (`personal-data.salt`). `report` still names employees from HR.
    #[schemars(default)]
    minimise_personal_data: Option<bool>,
    /// How long finished runs are kept, e.g. `7y` or `400d`: `offboard prune` without
    /// `--before` removes runs that finished longer ago (never those of an employee under
    /// legal hold).
    #[schemars(default, regex(pattern = r"^[0-9]+[dwy]$"))]
    retention: Option<String>,
}

/// `policy.deadlines`: a duration per tier, e.g. `15m`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct DeadlinesShape {
    /// Critical tier.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    critical: Option<String>,
    /// High tier.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    high: Option<String>,
    /// Standard tier.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    standard: Option<String>,
    /// Low tier.
    #[schemars(default, regex(pattern = r"^[0-9]+[smhdw]$"))]
    low: Option<String>,
}

/// `reconcile`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ReconcileShape {
    /// The `type: webhook` connector `reconcile --alert` posts to.
    #[schemars(default)]
    alert: Option<String>,
}

/// `doctor`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct DoctorShape {
    /// Connector name -> the lookup key (the rendered `match` value) of a canary account
    /// `offboard doctor` finds and reads there, reading only.
    #[schemars(default)]
    canary: BTreeMap<String, String>,
}
