//! Building the connectors a run needs from the configuration: one store per SQLite file shared
//! by every connector naming it, SCIM, LDAP and webhook connectors with their secrets read from
//! the environment, and each connector's lookup template. Errors name a secret's variable, never
//! its value.

use std::collections::HashMap;
use std::env::VarError;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretString;

use super::engine::Target;
use super::logged::{logged, logged_messenger};
use crate::connector::entra::{self, EntraConnector, EntraOptions};
use crate::connector::google::{self, GoogleConnector, GoogleOptions};
use crate::connector::ldap::{Bind, DisableMethod, LdapConnector, LdapOptions, MemberAttribute};
use crate::connector::oauth::{CertificateKey, ClientCredential, ServiceAccount};
use crate::connector::okta::{self, OktaConnector, OktaCredential, OktaOptions};
use crate::connector::scim::{self, ScimAttribute, ScimConnector, ScimOptions};
use crate::connector::sqlite::{MatchAttribute, SqliteConnector, SqliteStore};
use crate::connector::webhook::{self, WebhookConnector, WebhookOptions};
use crate::playbook::{
    Config, ConnectorSettings, EntraCredential, EntraSettings, GoogleWorkspaceSettings,
    LdapDisable, LdapSettings, OktaAuth, OktaSettings, Playbook, ScimSettings, SqliteSettings,
    Template, WebhookSettings,
};

/// Open the connectors `playbook` uses, by configured name, each wrapped so that its calls are
/// logged (`-v`).
pub fn build_targets(
    config: &Config,
    playbook: &Playbook,
) -> Result<HashMap<String, Target>, String> {
    let mut stores: HashMap<PathBuf, Arc<SqliteStore>> = HashMap::new();
    let mut targets = HashMap::new();
    for name in playbook.steps.iter().filter_map(|s| s.connector.as_deref()) {
        if targets.contains_key(name) {
            continue;
        }
        let connector = config.connector(name).ok_or_else(|| {
            format!(
                "connector `{name}` is not configured in {}",
                crate::human::path(&config.path)
            )
        })?;
        let target = match &connector.settings {
            ConnectorSettings::Sqlite(settings) => {
                let store = match stores.get(&settings.path) {
                    Some(store) => Arc::clone(store),
                    None => {
                        let store = SqliteStore::open(&settings.path, settings.seed.as_deref())
                            .map_err(|e| format!("connector `{name}`: {e}"))?;
                        let store = Arc::new(store);
                        stores.insert(settings.path.clone(), Arc::clone(&store));
                        store
                    }
                };
                let (attribute, lookup) =
                    sqlite_match(settings).map_err(|e| format!("connector `{name}`: {e}"))?;
                let sqlite = Arc::new(SqliteConnector::new(name, store, attribute));
                Target {
                    name: name.to_owned(),
                    accounts: Some(logged(sqlite.clone(), "sqlite")),
                    messages: Some(logged_messenger(sqlite, "sqlite")),
                    lookup,
                }
            }
            ConnectorSettings::Scim(settings) => Target {
                name: name.to_owned(),
                messages: None,
                accounts: Some(logged(
                    Arc::new(
                        scim_connector(name, settings)
                            .map_err(|e| format!("connector `{name}`: {e}"))?,
                    ),
                    "scim",
                )),
                lookup: settings.match_.value.clone(),
            },
            ConnectorSettings::Webhook(settings) => Target {
                name: name.to_owned(),
                accounts: None,
                messages: Some(logged_messenger(
                    Arc::new(webhook_connector(config, name, settings)?),
                    "webhook",
                )),
                // Messages find no account; the lookup is never rendered for them.
                lookup: Template::new("{{ employee.id }}"),
            },
            ConnectorSettings::Entra(settings) => Target {
                name: name.to_owned(),
                messages: None,
                accounts: Some(logged(
                    Arc::new(
                        entra_connector(name, settings)
                            .map_err(|e| format!("connector `{name}`: {e}"))?,
                    ),
                    "entra",
                )),
                lookup: settings.match_.value.clone(),
            },
            ConnectorSettings::GoogleWorkspace(settings) => Target {
                name: name.to_owned(),
                messages: None,
                accounts: Some(logged(
                    Arc::new(
                        google_connector(name, settings)
                            .map_err(|e| format!("connector `{name}`: {e}"))?,
                    ),
                    "google_workspace",
                )),
                lookup: settings.match_.value.clone(),
            },
            ConnectorSettings::Okta(settings) => Target {
                name: name.to_owned(),
                messages: None,
                accounts: Some(logged(
                    Arc::new(
                        okta_connector(name, settings)
                            .map_err(|e| format!("connector `{name}`: {e}"))?,
                    ),
                    "okta",
                )),
                lookup: settings.match_.value.clone(),
            },
            ConnectorSettings::Ldap(settings) => Target {
                name: name.to_owned(),
                messages: None,
                accounts: Some(logged(
                    Arc::new(
                        ldap_connector(name, settings)
                            .map_err(|e| format!("connector `{name}`: {e}"))?,
                    ),
                    "ldap",
                )),
                lookup: settings.match_.value.clone(),
            },
        };
        targets.insert(name.to_owned(), target);
    }
    Ok(targets)
}

/// How a SQLite connector finds accounts: the attribute compared and the lookup template
/// (`username` equal to `{{ employee.username }}` unless `match` says otherwise).
pub fn sqlite_match(settings: &SqliteSettings) -> Result<(MatchAttribute, Template), String> {
    Ok(match &settings.match_ {
        Some(m) => (
            m.attribute
                .parse::<MatchAttribute>()
                .map_err(|e| e.to_string())?,
            m.value.clone(),
        ),
        None => (
            MatchAttribute::Username,
            Template::new("{{ employee.username }}"),
        ),
    })
}

/// The webhook connector `name` of `config`, its signing secret read from the variable
/// `secret_env` names and its deliveries recorded in `<journal>/webhooks/<name>.jsonl`. Errors
/// name the variable, never its value.
pub fn webhook_connector(
    config: &Config,
    name: &str,
    settings: &WebhookSettings,
) -> Result<WebhookConnector, String> {
    let secret = settings
        .secret_env
        .as_deref()
        .map(|var| secret_from_env(var, "webhook signing secret"))
        .transpose()
        .map_err(|e| format!("connector `{name}`: {e}"))?;
    let options = WebhookOptions {
        url: settings.url.clone(),
        secret,
        timeout: settings
            .timeout
            .map_or(webhook::DEFAULT_TIMEOUT, |t| t.to_std()),
        deliveries: config
            .journal
            .join("webhooks")
            .join(format!("{name}.jsonl")),
    };
    WebhookConnector::new(name, options).map_err(|e| format!("connector `{name}`: {e}"))
}

/// The secret in the environment variable `var`. The error names the variable and what it
/// should hold (`what`), never a value.
pub fn secret_from_env(var: &str, what: &str) -> Result<SecretString, String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(SecretString::from(value)),
        Ok(_) => Err(format!("environment variable {var} (the {what}) is empty")),
        Err(VarError::NotPresent) => Err(format!(
            "environment variable {var} (the {what}) is not set"
        )),
        Err(VarError::NotUnicode(_)) => Err(format!(
            "environment variable {var} (the {what}) is not valid UTF-8"
        )),
    }
}

/// A SCIM connector from its settings, the bearer token read from the variable `token_env`
/// names. Errors name the variable, never its value.
pub fn scim_connector(name: &str, settings: &ScimSettings) -> Result<ScimConnector, String> {
    let attribute = settings
        .match_
        .attribute
        .parse::<ScimAttribute>()
        .map_err(|e| e.to_string())?;
    let token = settings
        .token_env
        .as_deref()
        .map(|var| secret_from_env(var, "SCIM bearer token"))
        .transpose()?;
    let options = ScimOptions {
        base_url: settings.base_url.clone(),
        token,
        attribute,
        timeout: settings
            .timeout
            .map_or(scim::DEFAULT_TIMEOUT, |t| t.to_std()),
        concurrency: settings.concurrency.unwrap_or(scim::DEFAULT_CONCURRENCY),
    };
    ScimConnector::new(name, options).map_err(|e| e.to_string())
}

/// An Entra connector from its settings, the client secret read from the variable
/// `client_secret_env` names, or the certificate and its key from their files. Errors name the
/// variable or the file, never a secret.
pub fn entra_connector(name: &str, settings: &EntraSettings) -> Result<EntraConnector, String> {
    let credential = match &settings.credential {
        EntraCredential::ClientSecretEnv(var) => {
            ClientCredential::Secret(secret_from_env(var, "Entra client secret")?)
        }
        EntraCredential::Certificate {
            certificate,
            private_key,
        } => {
            let read = |path: &std::path::Path, what: &str| {
                std::fs::read(path).map_err(|e| {
                    format!("cannot read the {what} {}: {e}", crate::human::path(path))
                })
            };
            let cert = read(certificate, "certificate")?;
            let key = String::from_utf8(read(private_key, "private key")?).map_err(|_| {
                format!(
                    "the private key {} is not PEM text",
                    crate::human::path(private_key)
                )
            })?;
            let key = CertificateKey::from_pem(&cert, &SecretString::from(key))
                .map_err(|e| format!("{}: {e}", crate::human::path(private_key)))?;
            ClientCredential::Certificate(Box::new(key))
        }
    };
    let options = EntraOptions {
        tenant: settings.tenant.clone(),
        client_id: settings.client_id.clone(),
        credential,
        login_url: settings
            .login_url
            .clone()
            .unwrap_or_else(|| entra::DEFAULT_LOGIN_URL.to_owned()),
        graph_url: settings
            .graph_url
            .clone()
            .unwrap_or_else(|| entra::DEFAULT_GRAPH_URL.to_owned()),
        attribute: settings.match_.attribute.parse().map_err(|e: String| e)?,
        seat_costs: settings
            .monthly_cost_cents
            .iter()
            .map(|(sku, cents)| (sku.clone(), i64::from(*cents)))
            .collect(),
        timeout: settings
            .timeout
            .map_or(entra::DEFAULT_TIMEOUT, |t| t.to_std()),
    };
    EntraConnector::new(name, options).map_err(|e| e.to_string())
}

/// An Okta connector from its settings, the API token read from the variable `api_token_env`
/// names, or the service app's key from its file. Errors name the variable or the file, never a
/// secret.
pub fn okta_connector(name: &str, settings: &OktaSettings) -> Result<OktaConnector, String> {
    let credential = match &settings.credential {
        OktaAuth::ApiTokenEnv(var) => {
            OktaCredential::ApiToken(secret_from_env(var, "Okta API token")?)
        }
        OktaAuth::ServiceApp {
            client_id,
            private_key,
            scopes,
        } => {
            let shown = crate::human::path(private_key);
            let pem = std::fs::read(private_key)
                .map_err(|e| format!("cannot read the private key {shown}: {e}"))?;
            let pem = String::from_utf8(pem)
                .map_err(|_| format!("the private key {shown} is not PEM text"))?;
            let key = CertificateKey::from_key_pem(&SecretString::from(pem))
                .map_err(|e| format!("{shown}: {e}"))?;
            OktaCredential::ServiceApp {
                client_id: client_id.clone(),
                key: Box::new(key),
                scopes: scopes.clone(),
            }
        }
    };
    let options = OktaOptions {
        org_url: settings.org_url.clone(),
        credential,
        app_costs: settings
            .monthly_cost_cents
            .iter()
            .map(|(app, cents)| (app.clone(), i64::from(*cents)))
            .collect(),
        timeout: settings
            .timeout
            .map_or(okta::DEFAULT_TIMEOUT, |t| t.to_std()),
    };
    OktaConnector::new(name, options).map_err(|e| e.to_string())
}

/// A Google Workspace connector from its settings, the service account read from its key
/// file. Errors name the file, never the key.
pub fn google_connector(
    name: &str,
    settings: &GoogleWorkspaceSettings,
) -> Result<GoogleConnector, String> {
    let path = &settings.service_account_key;
    let shown = crate::human::path(path);
    let json = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the service account key {shown}: {e}"))?;
    let account = ServiceAccount::from_key_file(&SecretString::from(json))
        .map_err(|e| format!("{shown}: {e}"))?;
    let or =
        |value: &Option<String>, default: &str| value.clone().unwrap_or_else(|| default.to_owned());
    let options = GoogleOptions {
        account: Arc::new(account),
        admin_subject: settings.admin_subject.clone(),
        token_url: or(&settings.token_url, google::DEFAULT_TOKEN_URL),
        admin_url: or(&settings.admin_url, google::DEFAULT_ADMIN_URL),
        licensing_url: or(&settings.licensing_url, google::DEFAULT_LICENSING_URL),
        licenses: settings
            .licenses
            .iter()
            .map(|l| google::License {
                product: l.product.clone(),
                sku: l.sku.clone(),
                monthly_cost_cents: i64::from(l.monthly_cost_cents),
            })
            .collect(),
        timeout: settings
            .timeout
            .map_or(google::DEFAULT_TIMEOUT, |t| t.to_std()),
    };
    GoogleConnector::new(name, options).map_err(|e| e.to_string())
}

/// An LDAP connector from its settings, the bind password read from the variable `password_env`
/// names. Errors name the variable, never its value.
pub fn ldap_connector(name: &str, settings: &LdapSettings) -> Result<LdapConnector, String> {
    let bind = match (&settings.bind_dn, &settings.password_env) {
        (Some(dn), Some(variable)) => Some(Bind {
            dn: dn.clone(),
            password: secret_from_env(variable, "LDAP bind password")?,
        }),
        (Some(_), None) => {
            return Err(
                "bind_dn is set but password_env is not (name the variable holding the \
                        bind password)"
                    .to_owned(),
            );
        }
        (None, Some(variable)) => {
            return Err(format!(
                "password_env names {variable} but bind_dn is not set"
            ));
        }
        (None, None) => None,
    };
    let disable = match &settings.disable {
        LdapDisable::PpolicyLock => DisableMethod::PpolicyLock,
        LdapDisable::MoveOu { ou } => DisableMethod::MoveOu { ou: ou.clone() },
        LdapDisable::AdUac => DisableMethod::AdUac,
    };
    let member_attribute = settings
        .group_member_attribute
        .parse::<MemberAttribute>()
        .map_err(|e| e.to_string())?;
    let mut options = LdapOptions::new(
        &settings.url,
        bind,
        &settings.base_dn,
        &settings.match_.attribute,
        disable,
        member_attribute,
    )
    .map_err(|e| e.to_string())?;
    if let Some(timeout) = settings.timeout {
        options = options.with_timeout(timeout.to_std());
    }
    LdapConnector::new(name, options).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::connector::Connector;
    use crate::playbook::Match;

    fn settings(bind_dn: Option<&str>, password_env: Option<&str>) -> LdapSettings {
        LdapSettings {
            url: "ldap://127.0.0.1:3890".to_owned(),
            bind_dn: bind_dn.map(str::to_owned),
            password_env: password_env.map(str::to_owned),
            base_dn: "ou=people,dc=acme,dc=example".to_owned(),
            match_: Match {
                attribute: "uid".to_owned(),
                value: Template::new("{{ employee.username }}"),
            },
            disable: LdapDisable::MoveOu {
                ou: "ou=disabled,dc=acme,dc=example".to_owned(),
            },
            group_member_attribute: "memberUid".to_owned(),
            timeout: None,
        }
    }

    const ADMIN: &str = "cn=admin,dc=acme,dc=example";

    #[test]
    fn an_unset_password_variable_is_named() {
        let variable = "OFFBOARD_TEST_LDAP_PASSWORD_NEVER_SET_7F3A";
        let error = ldap_connector("ldap", &settings(Some(ADMIN), Some(variable))).err();
        assert_eq!(
            error.as_deref(),
            Some(
                "environment variable OFFBOARD_TEST_LDAP_PASSWORD_NEVER_SET_7F3A \
                 (the LDAP bind password) is not set"
            )
        );
    }

    #[test]
    fn the_password_comes_from_the_variable_and_is_never_shown() {
        // PATH is always set: it stands in for a password variable.
        let value = std::env::var("PATH").unwrap_or_default();
        assert!(!value.is_empty());
        let connector = ldap_connector("ldap", &settings(Some(ADMIN), Some("PATH")));
        let Ok(connector) = connector else {
            panic!("{:?}", connector.err());
        };
        assert_eq!(connector.name(), "ldap");
        let shown = format!("{connector:?}");
        assert!(!shown.contains(&value), "{shown}");
        assert!(shown.contains(ADMIN), "{shown}");
        assert_eq!(
            connector
                .options()
                .bind
                .as_ref()
                .map(|b| b.password.expose_secret()),
            Some(value.as_str())
        );
    }

    #[test]
    fn half_a_bind_is_refused() {
        let error = ldap_connector("ldap", &settings(Some(ADMIN), None)).err();
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.starts_with("bind_dn is set but password_env is not")),
            "{error:?}"
        );
        let error = ldap_connector("ldap", &settings(None, Some("LDAP_PASSWORD"))).err();
        assert_eq!(
            error.as_deref(),
            Some("password_env names LDAP_PASSWORD but bind_dn is not set")
        );
        assert!(ldap_connector("ldap", &settings(None, None)).is_ok());
    }

    #[test]
    fn bad_ldap_settings_are_reported() {
        let mut bad = settings(None, None);
        bad.group_member_attribute = "members".to_owned();
        assert_eq!(
            ldap_connector("ldap", &bad).err().as_deref(),
            Some(
                "group_member_attribute \"members\" is not one of member, uniqueMember, memberUid"
            )
        );
        let mut bad = settings(None, None);
        bad.url = "ldap://127.0.0.1/????x-bindpw=hunter2".to_owned();
        let error = ldap_connector("ldap", &bad).err().unwrap_or_default();
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn missing_secrets_name_the_variable_only() {
        let error =
            secret_from_env("OFFBOARD_TEST_UNSET_VARIABLE_91", "SCIM bearer token").unwrap_err();
        assert_eq!(
            error,
            "environment variable OFFBOARD_TEST_UNSET_VARIABLE_91 (the SCIM bearer token) is not set"
        );
    }
}
