//! Building the connectors a run needs from the configuration: one store per SQLite file shared
//! by every connector naming it, SCIM and webhook connectors with their secrets read from the
//! environment, and each connector's lookup template. Errors name a secret's variable, never its
//! value.

use std::collections::HashMap;
use std::env::VarError;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretString;

use super::engine::Target;
use crate::connector::scim::{self, ScimAttribute, ScimConnector, ScimOptions};
use crate::connector::sqlite::{MatchAttribute, SqliteConnector, SqliteStore};
use crate::connector::webhook::{self, WebhookConnector, WebhookOptions};
use crate::playbook::{Config, ConnectorSettings, Playbook, Template};

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
            ConnectorSettings::Scim(settings) => {
                let attribute = settings
                    .match_
                    .attribute
                    .parse::<ScimAttribute>()
                    .map_err(|e| format!("connector `{name}`: {e}"))?;
                let token = settings
                    .token_env
                    .as_deref()
                    .map(|var| secret_from_env(name, var, "SCIM bearer token"))
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
                let connector = ScimConnector::new(name, options)
                    .map_err(|e| format!("connector `{name}`: {e}"))?;
                Target {
                    connector: Arc::new(connector),
                    lookup: settings.match_.value.clone(),
                }
            }
            ConnectorSettings::Webhook(settings) => {
                let secret = settings
                    .secret_env
                    .as_deref()
                    .map(|var| secret_from_env(name, var, "webhook signing secret"))
                    .transpose()?;
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
                let connector = WebhookConnector::new(name, options)
                    .map_err(|e| format!("connector `{name}`: {e}"))?;
                Target {
                    connector: Arc::new(connector),
                    // Messages find no account; the lookup is never rendered for them.
                    lookup: Template::new("{{ employee.id }}"),
                }
            }
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

/// The secret in the environment variable `var`, for connector `connector`. The error names the
/// variable and what it should hold, never a value.
fn secret_from_env(connector: &str, var: &str, what: &str) -> Result<SecretString, String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(SecretString::from(value)),
        Ok(_) => Err(format!(
            "connector `{connector}`: environment variable {var} (the {what}) is empty"
        )),
        Err(VarError::NotPresent) => Err(format!(
            "connector `{connector}`: environment variable {var} (the {what}) is not set"
        )),
        Err(VarError::NotUnicode(_)) => Err(format!(
            "connector `{connector}`: environment variable {var} (the {what}) is not valid UTF-8"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::secret_from_env;

    #[test]
    fn missing_secrets_name_the_variable_only() {
        let error = secret_from_env(
            "idp",
            "OFFBOARD_TEST_UNSET_VARIABLE_91",
            "SCIM bearer token",
        )
        .unwrap_err();
        assert_eq!(
            error,
            "connector `idp`: environment variable OFFBOARD_TEST_UNSET_VARIABLE_91 \
             (the SCIM bearer token) is not set"
        );
    }
}
