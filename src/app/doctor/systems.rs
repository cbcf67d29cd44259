//! The checks of each configured system: the HR source and every connector. Network systems
//! are reached first ([`super::reach`]); when the connection opens, the credentials are tried
//! with [`Connector::probe`] (an authenticated lookup, reading only), and the canary account,
//! when `doctor.canary` names one, is found and read. A SQLite store is opened read-only and
//! only when it exists; a webhook is never called (calling it would deliver a message).

use std::sync::Arc;
use std::time::Duration;

use super::reach::{Endpoint, Security, reach};
use super::{Check, CheckKind};
use crate::analyze::Workspace;
use crate::app::employee::hr_source;
use crate::connector::ldap::Security as LdapSecurity;
use crate::connector::sqlite::{SqliteConnector, SqliteStore};
use crate::connector::{Connector, Probe};
use crate::execute::targets::{
    entra_connector, google_connector, ldap_connector, okta_connector, scim_connector,
    secret_from_env, sqlite_match,
};
use crate::playbook::{
    ConnectorSettings, EntraCredential, HrSource, OktaAuth, SqliteSettings, WebhookSettings,
};

/// The calls whose `Date` header the clock check reads, sent without credentials: one user
/// of Microsoft Graph, of the Admin SDK's Directory API, of Okta's management API.
const GRAPH_DATE_PATH: &str = "/v1.0/users?$top=1";
const GOOGLE_DATE_PATH: &str = "/admin/directory/v1/users?customer=my_customer&maxResults=1";
const OKTA_DATE_PATH: &str = "/api/v1/users?limit=1";

/// How long each network step may take when the configuration sets no timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The HR source: the file read, or the endpoint reached and listed with its token.
pub(super) fn hr(workspace: &Workspace) -> Vec<Check> {
    let config = &workspace.config;
    let mut checks = Vec::new();
    let (kind, fix) = match &config.hr {
        HrSource::Csv { path, .. } => (
            CheckKind::Connection,
            format!(
                "export the HR file to {}, or correct `hr.path`",
                crate::human::path(path)
            ),
        ),
        HrSource::Http { url, token_env, .. } => {
            let (reached, connected) = reach(&endpoint("hr", "hr.url".to_owned(), url, None));
            checks.extend(reached);
            if !connected {
                checks.push(Check::skip(
                    "hr",
                    CheckKind::Credentials,
                    "the connection failed",
                ));
                return checks;
            }
            let fix = match token_env {
                Some(var) => format!("check the bearer token in {var} (`hr.token_env`)"),
                None => "set `hr.token_env` if the endpoint needs a token".to_owned(),
            };
            (CheckKind::Credentials, fix)
        }
    };
    let listed = hr_source(workspace)
        .map_err(|e| e.to_string())
        .and_then(|source| source.load().map_err(|e| e.to_string()));
    checks.push(match listed {
        Ok(records) => Check::ok(
            "hr",
            kind,
            format!("listed {} employee record(s)", records.len()),
        ),
        Err(why) => Check::fail("hr", kind, why, fix),
    });
    checks
}

/// The checks of the connector `name`.
pub(super) fn connector(
    name: &str,
    settings: &ConnectorSettings,
    canary: Option<&str>,
) -> Vec<Check> {
    let key = |field: &str| format!("connectors.{name}.{field}");
    let timeout = |t: Option<crate::playbook::Duration>| t.map(|t| t.to_std());
    let (reached, connected, build): (Vec<Check>, bool, Built) = match settings {
        ConnectorSettings::Sqlite(s) => return sqlite(name, s, canary),
        ConnectorSettings::Webhook(s) => return webhook(name, s),
        ConnectorSettings::Scim(s) => {
            let (checks, up) = reach(&endpoint(
                name,
                key("base_url"),
                &s.base_url,
                timeout(s.timeout),
            ));
            (
                checks,
                up,
                Box::new(|| Ok(Arc::new(scim_connector(name, s)?) as Arc<dyn Connector>)),
            )
        }
        ConnectorSettings::Ldap(s) => {
            let (checks, up) = reach(&ldap_endpoint(name, key("url"), &s.url, timeout(s.timeout)));
            (
                checks,
                up,
                Box::new(|| Ok(Arc::new(ldap_connector(name, s)?) as Arc<dyn Connector>)),
            )
        }
        ConnectorSettings::Entra(s) => {
            let url = s
                .graph_url
                .as_deref()
                .unwrap_or(crate::connector::entra::DEFAULT_GRAPH_URL);
            let (checks, up) = reach(&api_endpoint(
                name,
                key("graph_url"),
                url,
                GRAPH_DATE_PATH,
                timeout(s.timeout),
            ));
            (
                checks,
                up,
                Box::new(|| Ok(Arc::new(entra_connector(name, s)?) as Arc<dyn Connector>)),
            )
        }
        ConnectorSettings::GoogleWorkspace(s) => {
            let url = s
                .admin_url
                .as_deref()
                .unwrap_or(crate::connector::google::DEFAULT_ADMIN_URL);
            let (checks, up) = reach(&api_endpoint(
                name,
                key("admin_url"),
                url,
                GOOGLE_DATE_PATH,
                timeout(s.timeout),
            ));
            (
                checks,
                up,
                Box::new(|| Ok(Arc::new(google_connector(name, s)?) as Arc<dyn Connector>)),
            )
        }
        ConnectorSettings::Okta(s) => {
            let (checks, up) = reach(&api_endpoint(
                name,
                key("org_url"),
                &s.org_url,
                OKTA_DATE_PATH,
                timeout(s.timeout),
            ));
            (
                checks,
                up,
                Box::new(|| Ok(Arc::new(okta_connector(name, s)?) as Arc<dyn Connector>)),
            )
        }
    };
    let mut checks = reached;
    if !connected {
        checks.push(Check::skip(
            name,
            CheckKind::Credentials,
            "the connection failed",
        ));
        checks.push(Check::skip(
            name,
            CheckKind::Canary,
            "the connection failed",
        ));
        return checks;
    }
    checks.extend(accounts(
        name,
        build(),
        canary,
        credentials_fix(name, settings),
    ));
    checks
}

/// Builds a connector from its settings, reading its secrets from the environment.
type Built<'a> = Box<dyn FnOnce() -> Result<Arc<dyn Connector>, String> + 'a>;

/// An HTTP endpoint, secured when its scheme is `https`, its clock read at the URL itself.
fn endpoint<'a>(
    system: &'a str,
    key: String,
    url: &'a str,
    timeout: Option<Duration>,
) -> Endpoint<'a> {
    api_endpoint(system, key, url, "", timeout)
}

/// An HTTP API at `url`, its clock read from a `GET` of `url` followed by `path`: a call of
/// the API, which answers 401 without credentials (vendor APIs serve nothing at their root).
fn api_endpoint<'a>(
    system: &'a str,
    key: String,
    url: &'a str,
    path: &str,
    timeout: Option<Duration>,
) -> Endpoint<'a> {
    let secure = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    let date_url = match path {
        "" => url.to_owned(),
        path => format!("{}{path}", url.trim_end_matches('/')),
    };
    Endpoint {
        system,
        key,
        url,
        security: if secure {
            Security::Tls
        } else {
            Security::Plain
        },
        date_url: Some(date_url),
        timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
    }
}

/// An LDAP server, secured as its URL says (an unreadable URL is left to the connection
/// check to report).
fn ldap_endpoint<'a>(
    system: &'a str,
    key: String,
    url: &'a str,
    timeout: Option<Duration>,
) -> Endpoint<'a> {
    let security = match crate::connector::ldap::Endpoint::parse(url).map(|e| e.security()) {
        Ok(LdapSecurity::Ldaps) => Security::Tls,
        Ok(LdapSecurity::StartTls) => Security::StartTls,
        _ => Security::Plain,
    };
    Endpoint {
        system,
        key,
        url,
        security,
        date_url: None,
        timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
    }
}

/// The credentials and canary checks of an account connector.
fn accounts(
    name: &str,
    built: Result<Arc<dyn Connector>, String>,
    canary: Option<&str>,
    fix: String,
) -> Vec<Check> {
    let connector = match built.and_then(|c| c.probe(None).map(|_| c).map_err(|e| e.to_string())) {
        Ok(connector) => connector,
        Err(why) => {
            return vec![
                Check::fail(name, CheckKind::Credentials, why, fix),
                Check::skip(name, CheckKind::Canary, "the credentials failed"),
            ];
        }
    };
    let credentials = Check::ok(
        name,
        CheckKind::Credentials,
        "accepted: an authenticated lookup was answered",
    );
    vec![credentials, canary_check(name, connector.as_ref(), canary)]
}

/// Find and read the canary account.
fn canary_check(name: &str, connector: &dyn Connector, canary: Option<&str>) -> Check {
    let Some(key) = canary else {
        return Check::skip(
            name,
            CheckKind::Canary,
            format!(
                "no canary configured: set `doctor.canary.{name}` to an account's lookup key to \
                 check that the credentials can read what steps read"
            ),
        );
    };
    match connector.probe(Some(key)) {
        Ok(Probe::CanaryRead(found)) => Check::ok(
            name,
            CheckKind::Canary,
            format!("found `{key}` ({}) and read its state", found.id),
        ),
        Ok(Probe::CanaryMissing | Probe::Answered) => Check::fail(
            name,
            CheckKind::Canary,
            format!("no account matches `{key}`"),
            format!("create the canary account, or correct `doctor.canary.{name}`"),
        ),
        Err(e) => Check::fail(
            name,
            CheckKind::Canary,
            format!("reading the canary `{key}` failed: {e}"),
            "grant the credentials read access to accounts, groups and sessions (see the \
             connector's page under docs/connectors/)"
                .to_owned(),
        ),
    }
}

/// What to check when a connector's credentials are refused: where they are configured.
fn credentials_fix(name: &str, settings: &ConnectorSettings) -> String {
    match settings {
        ConnectorSettings::Scim(s) => match &s.token_env {
            Some(var) => format!("check the bearer token in {var} (`connectors.{name}.token_env`)"),
            None => format!("set `connectors.{name}.token_env` if the server needs a token"),
        },
        ConnectorSettings::Ldap(s) => format!(
            "check `connectors.{name}.bind_dn` and the password in {}",
            s.password_env
                .as_deref()
                .unwrap_or("`password_env` (not set)")
        ),
        ConnectorSettings::Entra(s) => match &s.credential {
            EntraCredential::ClientSecretEnv(var) => format!(
                "check `connectors.{name}.tenant`, `client_id` and the client secret in {var}, \
                 and that the application's permissions have admin consent"
            ),
            EntraCredential::Certificate { .. } => format!(
                "check `connectors.{name}.tenant`, `client_id` and the certificate uploaded to \
                 the application, and that its permissions have admin consent"
            ),
        },
        ConnectorSettings::GoogleWorkspace(_) => format!(
            "check the service account key, its domain-wide delegation of the scopes, and \
             `connectors.{name}.admin_subject`"
        ),
        ConnectorSettings::Okta(s) => match &s.credential {
            OktaAuth::ApiTokenEnv(var) => format!("check the API token in {var}"),
            OktaAuth::ServiceApp { .. } => format!(
                "check the service app's client id, its public key and the scopes \
                 `connectors.{name}.credential` grants"
            ),
        },
        ConnectorSettings::Sqlite(_) | ConnectorSettings::Webhook(_) => String::new(),
    }
}

/// A SQLite store: opened read-only when it exists (never created, migrated or seeded here).
fn sqlite(name: &str, settings: &SqliteSettings, canary: Option<&str>) -> Vec<Check> {
    let path = crate::human::path(&settings.path);
    let no_credentials = Check::skip(name, CheckKind::Credentials, "a local file: no credentials");
    if !settings.path.exists() {
        return vec![
            Check::warn(
                name,
                CheckKind::Connection,
                format!("{path} does not exist yet"),
                "nothing to do: the first `plan` or `run` creates it (from its seed files when \
                 `seed` is set)"
                    .to_owned(),
            ),
            no_credentials,
            Check::skip(name, CheckKind::Canary, "the store does not exist yet"),
        ];
    }
    let opened = SqliteStore::open_read_only(&settings.path)
        .map_err(|e| e.to_string())
        .and_then(|store| {
            let (attribute, _) = sqlite_match(settings)?;
            Ok(SqliteConnector::new(name, Arc::new(store), attribute))
        });
    match opened {
        Ok(connector) => vec![
            Check::ok(
                name,
                CheckKind::Connection,
                format!("opened {path} read-only"),
            ),
            no_credentials,
            canary_check(name, &connector, canary),
        ],
        Err(why) => vec![
            Check::fail(
                name,
                CheckKind::Connection,
                why,
                format!("correct `connectors.{name}.path`, or restore the file from a backup"),
            ),
            no_credentials,
            Check::skip(name, CheckKind::Canary, "the store could not be opened"),
        ],
    }
}

/// A webhook: reached, and its signing secret present; never called.
fn webhook(name: &str, settings: &WebhookSettings) -> Vec<Check> {
    let timeout = settings.timeout.map(|t| t.to_std());
    let (mut checks, _) = reach(&endpoint(
        name,
        format!("connectors.{name}.url"),
        &settings.url,
        timeout,
    ));
    checks.push(match &settings.secret_env {
        Some(var) => match secret_from_env(var, "webhook signing secret") {
            Ok(_) => Check::skip(
                name,
                CheckKind::Credentials,
                format!(
                    "the signing secret in {var} is set; not tried, since calling a webhook \
                     delivers a message"
                ),
            ),
            Err(why) => Check::fail(
                name,
                CheckKind::Credentials,
                why,
                format!("export {var} with the secret the receiver verifies signatures with"),
            ),
        },
        None => Check::warn(
            name,
            CheckKind::Credentials,
            "messages are not signed: no `secret_env`",
            format!("set `connectors.{name}.secret_env` so the receiver can verify messages"),
        ),
    });
    checks
}
