//! Building the connectors a run needs from the configuration: one store per SQLite file shared
//! by every connector naming it, and each connector's lookup template.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::engine::Target;
use secrecy::SecretString;

use crate::connector::ldap::{Bind, DisableMethod, LdapConnector, LdapOptions, MemberAttribute};
use crate::connector::sqlite::{MatchAttribute, SqliteConnector, SqliteStore};
use crate::playbook::{Config, ConnectorSettings, LdapDisable, LdapSettings, Playbook, Template};

/// Open the connectors `playbook` uses, by configured name.
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
                config.path.display()
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
                let (attribute, lookup) = match &settings.match_ {
                    Some(m) => (
                        m.attribute
                            .parse::<MatchAttribute>()
                            .map_err(|e| format!("connector `{name}`: {e}"))?,
                        m.value.clone(),
                    ),
                    None => (
                        MatchAttribute::Username,
                        Template::new("{{ employee.username }}"),
                    ),
                };
                Target {
                    connector: Arc::new(SqliteConnector::new(name, store, attribute)),
                    lookup,
                }
            }
            ConnectorSettings::Ldap(settings) => Target {
                connector: Arc::new(
                    ldap_connector(name, settings)
                        .map_err(|e| format!("connector `{name}`: {e}"))?,
                ),
                lookup: settings.match_.value.clone(),
            },
            _ => {
                return Err(format!(
                    "connector `{name}`: type `{}` is not supported by this build yet",
                    connector.connector_type().as_str()
                ));
            }
        };
        targets.insert(name.to_owned(), target);
    }
    Ok(targets)
}

/// An LDAP connector from its settings, the bind password read from the variable `password_env`
/// names. Errors name the variable, never its value.
fn ldap_connector(name: &str, settings: &LdapSettings) -> Result<LdapConnector, String> {
    let bind = match (&settings.bind_dn, &settings.password_env) {
        (Some(dn), Some(variable)) => Some(Bind {
            dn: dn.clone(),
            password: password_from_env(variable)?,
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

/// The secret held by environment variable `variable`; an error naming the variable when it is
/// unset, empty (an empty password makes a simple bind anonymous) or not UTF-8.
fn password_from_env(variable: &str) -> Result<SecretString, String> {
    match std::env::var(variable) {
        Ok(value) if value.is_empty() => Err(format!(
            "environment variable {variable} (password_env) is empty"
        )),
        Ok(value) => Ok(SecretString::from(value)),
        Err(std::env::VarError::NotPresent) => Err(format!(
            "environment variable {variable} (password_env) is not set"
        )),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!(
            "environment variable {variable} (password_env) is not valid UTF-8"
        )),
    }
}
