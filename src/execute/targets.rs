//! Building the connectors a run needs from the configuration: one store per SQLite file shared
//! by every connector naming it, and each connector's lookup template.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::engine::Target;
use crate::connector::sqlite::{MatchAttribute, SqliteConnector, SqliteStore};
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
