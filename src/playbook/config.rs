//! The configuration (`offboard.yaml`): HR source, file locations, signing, signers, connectors
//! and policy. Every path is already resolved against the directory of the configuration file.
//! Secrets are never held here: `*_env` fields name environment variables.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::action::{Action, ConnectorType};
use super::delay::Duration;
use super::model::Risk;
use super::template::Template;

/// A validated configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// The configuration file itself.
    pub path: PathBuf,
    /// Its directory, against which relative paths were resolved.
    pub dir: PathBuf,
    /// Where employee records come from.
    pub hr: HrSource,
    /// The glossary file (default `glossary.yaml`).
    pub glossary: PathBuf,
    /// The role matrix file (default `roles.yaml`).
    pub roles: PathBuf,
    /// The playbooks directory (default `playbooks`).
    pub playbooks: PathBuf,
    /// The legal holds file, when configured.
    pub holds: Option<PathBuf>,
    /// The journal directory (default `journal`).
    pub journal: PathBuf,
    /// How this installation signs journal records, when configured.
    pub signing: Option<Signing>,
    /// The role map: signer principal -> roles it holds.
    pub signers: BTreeMap<String, Vec<String>>,
    /// Connectors by name.
    pub connectors: BTreeMap<String, ConnectorConfig>,
    /// Deadlines, batch limits and approvals.
    pub policy: Policy,
    /// What `offboard reconcile` does besides printing its findings.
    pub reconcile: ReconcileSettings,
    /// What `offboard doctor` looks for.
    pub doctor: DoctorSettings,
}

impl Config {
    /// True when some signer holds `role`.
    pub fn role_is_held(&self, role: &str) -> bool {
        self.signers
            .values()
            .any(|roles| roles.iter().any(|r| r == role))
    }

    /// How many principals hold `role`.
    pub fn holders_of(&self, role: &str) -> usize {
        self.signers
            .values()
            .filter(|roles| roles.iter().any(|r| r == role))
            .count()
    }

    /// The roles held by `principal`.
    pub fn roles_of(&self, principal: &str) -> &[String] {
        self.signers.get(principal).map_or(&[], Vec::as_slice)
    }

    /// Whether `principal` holds one of the operator roles (`policy.operator_roles`): whether it
    /// may run playbooks.
    pub fn is_operator(&self, principal: &str) -> bool {
        self.roles_of(principal)
            .iter()
            .any(|role| self.policy.operator_roles.contains(role))
    }

    /// The connector named `name`.
    pub fn connector(&self, name: &str) -> Option<&ConnectorConfig> {
        self.connectors.get(name)
    }

    /// Names of the connectors whose type can perform `action`, sorted.
    pub fn connectors_for(&self, action: Action) -> Vec<&str> {
        self.connectors
            .iter()
            .filter(|(_, c)| action.connector_types().contains(&c.connector_type()))
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// Where employee records come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum HrSource {
    /// A CSV export.
    Csv {
        /// The file.
        path: PathBuf,
        /// Record field -> CSV column, overriding the default column names.
        columns: BTreeMap<String, String>,
    },
    /// JSON over HTTP.
    Http {
        /// The endpoint listing employees.
        url: String,
        /// Environment variable holding the bearer token.
        token_env: Option<String>,
        /// Record field -> JSON key, overriding the default key names.
        columns: BTreeMap<String, String>,
    },
}

/// The signing key and identity of this installation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signing {
    /// OpenSSH Ed25519 private key (`OFFBOARD_SIGNING_KEY` may override it).
    pub key: Option<PathBuf>,
    /// The principal as written in `allowed_signers`.
    pub principal: String,
    /// The OpenSSH allowed-signers file.
    pub allowed_signers: PathBuf,
}

/// One named connector.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectorConfig {
    /// Its name under `connectors:`.
    pub name: String,
    /// Its protocol settings.
    pub settings: ConnectorSettings,
}

impl ConnectorConfig {
    /// The connector's type.
    pub fn connector_type(&self) -> ConnectorType {
        match self.settings {
            ConnectorSettings::Sqlite(_) => ConnectorType::Sqlite,
            ConnectorSettings::Scim(_) => ConnectorType::Scim,
            ConnectorSettings::Ldap(_) => ConnectorType::Ldap,
            ConnectorSettings::Webhook(_) => ConnectorType::Webhook,
            ConnectorSettings::Entra(_) => ConnectorType::Entra,
            ConnectorSettings::Okta(_) => ConnectorType::Okta,
            ConnectorSettings::GoogleWorkspace(_) => ConnectorType::GoogleWorkspace,
        }
    }
}

/// Settings per connector type.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ConnectorSettings {
    /// The embedded SQLite store.
    Sqlite(SqliteSettings),
    /// SCIM 2.0.
    Scim(ScimSettings),
    /// LDAP.
    Ldap(LdapSettings),
    /// Signed JSON webhook.
    Webhook(WebhookSettings),
    /// Microsoft Entra ID over Microsoft Graph.
    Entra(EntraSettings),
    /// Google Workspace over the Admin SDK and the License Manager.
    #[serde(rename = "google_workspace")]
    GoogleWorkspace(GoogleWorkspaceSettings),
    /// Okta over its management API.
    Okta(OktaSettings),
}

/// How a connector finds the employee's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The attribute compared, e.g. `userName`, `uid`, `username`.
    pub attribute: String,
    /// The value, a template over the employee record.
    pub value: Template,
}

/// `type: sqlite`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SqliteSettings {
    /// The database file (created on first use).
    pub path: PathBuf,
    /// Directory of seed CSV files loaded on first use.
    pub seed: Option<PathBuf>,
    /// How accounts are found (attribute `username`, `email` or `employee_id`); `None` means
    /// `username` equal to `{{ employee.username }}`.
    pub match_: Option<Match>,
}

/// `type: scim`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScimSettings {
    /// Base URL ending in the SCIM version, e.g. `https://idp.example/scim/v2`.
    pub base_url: String,
    /// Environment variable holding the bearer token.
    pub token_env: Option<String>,
    /// How users are found.
    pub match_: Match,
    /// Parallel requests allowed.
    pub concurrency: Option<u32>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// `type: ldap`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LdapSettings {
    /// `ldap://` or `ldaps://` URL.
    pub url: String,
    /// DN to bind as.
    pub bind_dn: Option<String>,
    /// Environment variable holding the bind password.
    pub password_env: Option<String>,
    /// Where people are searched.
    pub base_dn: String,
    /// How entries are found.
    pub match_: Match,
    /// How an account is disabled.
    pub disable: LdapDisable,
    /// The attribute groups list members with (`member`, `uniqueMember` or `memberUid`).
    pub group_member_attribute: String,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// How the LDAP connector disables an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum LdapDisable {
    /// Set `pwdAccountLockedTime` (OpenLDAP ppolicy).
    PpolicyLock,
    /// Move the entry to another OU.
    MoveOu {
        /// The OU DN to move it to.
        ou: String,
    },
    /// Set the Active Directory `userAccountControl` disabled bit.
    AdUac,
}

/// `type: entra`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntraSettings {
    /// The tenant id or one of its verified domains.
    pub tenant: String,
    /// The application (client) id of the app registration.
    pub client_id: String,
    /// How the application proves who it is.
    pub credential: EntraCredential,
    /// The token service without the tenant; `None` means the public cloud's.
    pub login_url: Option<String>,
    /// Graph without the version; `None` means the public cloud's.
    pub graph_url: Option<String>,
    /// How users are found (`userPrincipalName`, `mail` or `employeeId`).
    pub match_: Match,
    /// Monthly cost of one seat in cents, by SKU part number.
    pub monthly_cost_cents: BTreeMap<String, u32>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// How an Entra application proves who it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntraCredential {
    /// A client secret, in the environment variable named here.
    ClientSecretEnv(String),
    /// A certificate registered with the application, and the file holding its private key.
    Certificate {
        /// The PEM certificate.
        certificate: PathBuf,
        /// The PEM RSA private key (PKCS#8 or PKCS#1), kept outside the repository.
        private_key: PathBuf,
    },
}

/// `type: google_workspace`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoogleWorkspaceSettings {
    /// The service account's JSON key file (kept outside the repository).
    pub service_account_key: PathBuf,
    /// The admin the service account acts for (domain-wide delegation).
    pub admin_subject: String,
    /// The token endpoint; `None` means Google's.
    pub token_url: Option<String>,
    /// The Admin SDK's base URL; `None` means Google's.
    pub admin_url: Option<String>,
    /// The License Manager's base URL; `None` means Google's.
    pub licensing_url: Option<String>,
    /// How users are found (`primaryEmail`).
    pub match_: Match,
    /// The licenses offboard reads and releases, with their monthly cost.
    pub licenses: Vec<GoogleLicense>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// `type: okta`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OktaSettings {
    /// The org's URL, e.g. `https://example.okta.com`.
    pub org_url: String,
    /// How offboard proves who it is.
    pub credential: OktaAuth,
    /// How users are found (attribute `login`).
    pub match_: Match,
    /// Monthly cost of one app assignment in cents, by app label.
    pub monthly_cost_cents: BTreeMap<String, u32>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// One Google Workspace license: a product's SKU and the monthly cost of a seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoogleLicense {
    /// The product id (`Google-Apps`).
    pub product: String,
    /// The SKU id (`1010020020`).
    pub sku: String,
    /// Monthly cost of one seat in cents.
    pub monthly_cost_cents: u32,
}

/// How offboard proves who it is to Okta.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OktaAuth {
    /// An API token (`SSWS`), in the environment variable named here.
    ApiTokenEnv(String),
    /// A service app (OAuth 2.0 client credentials with `private_key_jwt`).
    ServiceApp {
        /// The app's client id.
        client_id: String,
        /// The PEM RSA private key registered with the app, kept outside the repository.
        private_key: PathBuf,
        /// The scopes asked for.
        scopes: Vec<String>,
    },
}

/// `type: webhook`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WebhookSettings {
    /// Where messages are posted.
    pub url: String,
    /// Environment variable holding the signing secret.
    pub secret_env: Option<String>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// `reconcile:`: what `offboard reconcile` does besides printing its findings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileSettings {
    /// The `type: webhook` connector `offboard reconcile --alert` posts the findings to.
    pub alert: Option<String>,
}

/// `doctor:`: what `offboard doctor` looks for besides the connections and credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DoctorSettings {
    /// Connector name -> the lookup key (the rendered `match` value) of a canary account that
    /// doctor finds and reads there, to show the credentials can read what steps read.
    pub canary: BTreeMap<String, String>,
}

/// The operator roles when `policy.operator_roles` is not set: IT/IAM admins run offboard.
pub const DEFAULT_OPERATOR_ROLES: &[&str] = &["iam"];

/// Policy: deadlines, batch safety, approvals and who may run playbooks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Deadline per risk tier, from the HR effective time.
    pub deadlines: Deadlines,
    /// Largest batch `run --from` accepts without `--max`.
    pub batch_limit: u32,
    /// How many employees of a batch run first before it pauses.
    pub canary: u32,
    /// How many employees of a batch run at once.
    pub batch_concurrency: u32,
    /// Risk tiers whose automatic steps need an approval.
    pub approval_required: Vec<Risk>,
    /// The operator roles: their holders may run playbooks, and only they may sign a run's
    /// `run.started` and `run.finished` and the ledger's records.
    pub operator_roles: Vec<String>,
    /// How long a paid seat's account may go without signing in before `offboard reconcile`
    /// lists the seat as dormant (default 90 days).
    pub dormant_after: Duration,
    /// The allowed-signers file a playbook's commit must be signed by a key of (SSH signatures,
    /// namespace `git`) before it runs: `policy.playbook_signers`, required by
    /// `policy.require_signed_playbooks: true`. `None`: playbooks need no signature.
    pub playbook_signers: Option<PathBuf>,
    /// `policy.minimise_personal_data`: run journals carry the employee id and salted digests
    /// of the email addresses and display name instead of the values (default off).
    pub minimise_personal_data: bool,
    /// How long finished runs are kept: `offboard prune` without `--before` removes those that
    /// finished longer ago. `None`: prune needs `--before`.
    pub retention: Option<super::Retention>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            deadlines: Deadlines::default(),
            batch_limit: 25,
            canary: 3,
            batch_concurrency: 4,
            approval_required: Vec::new(),
            operator_roles: DEFAULT_OPERATOR_ROLES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            dormant_after: Duration::of(90, 'd'),
            playbook_signers: None,
            minimise_personal_data: false,
            retention: None,
        }
    }
}

/// Deadline per risk tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// `critical` (default 15m).
    pub critical: Duration,
    /// `high` (default 4h).
    pub high: Duration,
    /// `standard` (default 1d).
    pub standard: Duration,
    /// `low` (default 3d).
    pub low: Duration,
}

impl Deadlines {
    /// The deadline of `risk`.
    pub fn for_risk(&self, risk: Risk) -> Duration {
        match risk {
            Risk::Critical => self.critical,
            Risk::High => self.high,
            Risk::Standard => self.standard,
            Risk::Low => self.low,
        }
    }
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            critical: Duration::of(15, 'm'),
            high: Duration::of(4, 'h'),
            standard: Duration::of(1, 'd'),
            low: Duration::of(3, 'd'),
        }
    }
}
