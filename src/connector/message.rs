//! Message delivery: the [`Messenger`] trait that systems taking finance notices,
//! notifications and tickets implement, and what goes in and comes out of it. A messenger
//! finds no accounts; a system that holds both accounts and messages (the embedded store)
//! implements both traits.

use serde::{Deserialize, Serialize};

use super::ConnectorError;

/// A message to deliver: a finance notice, a notification or a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Idempotency key, stable across retries and resumes: delivering the same key twice
    /// delivers once.
    pub key: String,
    /// What the message is about, e.g. `finance.notify_reclamation`.
    pub topic: String,
    /// The message body.
    pub body: serde_json::Value,
}

/// Proof that a message was delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The idempotency key of the message.
    pub key: String,
    /// Where it was delivered (outbox row id, HTTP status and URL path).
    pub delivered_to: String,
    /// SHA-256 (hex) of the exact body bytes delivered.
    pub body_sha256: String,
}

/// A system that takes messages.
///
/// Rules implementors keep:
/// - `deliver` is idempotent by [`Message::key`]: delivering a key already delivered sends
///   nothing and returns the first receipt;
/// - `receipt` never sends anything;
/// - errors never contain secrets (signing keys, tokens, a URL's query);
/// - no retries inside: return [`ConnectorError::Transient`] and let the engine retry.
pub trait Messenger: Send + Sync {
    /// The name this system has in the configuration.
    fn name(&self) -> &str;

    /// Deliver a message.
    fn deliver(&self, message: &Message) -> Result<Receipt, ConnectorError>;

    /// Read back a delivered message by key: `Ok(None)` when it was never delivered.
    fn receipt(&self, key: &str) -> Result<Option<Receipt>, ConnectorError>;
}
