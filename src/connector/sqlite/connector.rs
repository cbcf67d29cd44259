//! The [`Connector`] and [`Messenger`] over a [`SqliteStore`]: a name from the configuration, the shared store and
//! the match attribute. It only translates between the trait and the store; every rule lives in
//! the store's modules.

use std::sync::Arc;

use super::account::MatchAttribute;
use super::store::SqliteStore;
use crate::connector::{
    AccountState, Change, Connector, ConnectorError, Message, Messenger, Principal, Receipt,
};

/// A `type: sqlite` connector. Several connectors of a configuration (e.g. `directory`,
/// `inventory`, `finance`) may share one store.
#[derive(Clone, Debug)]
pub struct SqliteConnector {
    name: String,
    store: Arc<SqliteStore>,
    attribute: MatchAttribute,
}

impl SqliteConnector {
    /// A connector named `name` over `store`, finding accounts by `attribute`.
    pub fn new(
        name: impl Into<String>,
        store: Arc<SqliteStore>,
        attribute: MatchAttribute,
    ) -> Self {
        SqliteConnector {
            name: name.into(),
            store,
            attribute,
        }
    }

    /// The store this connector works on.
    pub fn store(&self) -> &Arc<SqliteStore> {
        &self.store
    }

    /// The attribute `find` matches against.
    pub fn match_attribute(&self) -> MatchAttribute {
        self.attribute
    }
}

impl Connector for SqliteConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        Ok(self.store.find(self.attribute, key)?)
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        Ok(self.store.read(&principal.id)?)
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        if matches!(
            change,
            Change::SetAutoReply { .. } | Change::TransferData { .. } | Change::ResetFactors
        ) {
            return Err(ConnectorError::Unsupported {
                connector: self.name.clone(),
                change: change.to_string(),
            });
        }
        self.store.apply(&principal.id, change)?;
        Ok(())
    }
}

/// The store's outbox: finance notices and notifications for systems with no API.
impl Messenger for SqliteConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver(&self, message: &Message) -> Result<Receipt, ConnectorError> {
        Ok(self.store.deliver(message)?)
    }

    fn receipt(&self, key: &str) -> Result<Option<Receipt>, ConnectorError> {
        Ok(self.store.receipt(key)?)
    }
}
