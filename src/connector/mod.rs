//! Connectors to the systems offboard changes: the traits connectors implement ([`Connector`]
//! for accounts, [`Messenger`] for messages) and one module per protocol. A connector knows
//! only these traits and its own protocol, never the journal, the playbook or the CLI. Retries,
//! timing and journaling belong to the engine.

pub mod entra;
mod factor;
pub mod google;
pub(crate) mod http_body;
pub(crate) mod http_errors;
pub mod ldap;
mod message;
pub mod oauth;
pub mod okta;
mod probe;
pub mod scim;
pub mod sqlite;
mod transfer;
mod url;
pub mod webhook;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use factor::Factor;
pub use message::{Message, Messenger, Receipt};
pub use probe::{PROBE_KEY, Probe, probe_by_lookup};
pub use transfer::{DataTransfer, TransferStatus, latest_to};

/// An account found in a target system: how the connector addresses it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The system's own identifier (SQLite account id, SCIM `id`, LDAP DN).
    pub id: String,
    /// The login or user name the system shows for it.
    pub name: String,
}

/// A license seat held by an account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Seat {
    /// The product id, e.g. `github`.
    pub product: String,
    /// Monthly cost of one seat, in cents of the inventory's currency.
    pub monthly_cost_cents: i64,
}

/// What a system holds for one account, as read back: the evidence of every confirmation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    /// False once the account is hard-deleted.
    pub exists: bool,
    /// False once the account is disabled or suspended.
    pub active: bool,
    /// Group names the account is a member of, sorted.
    pub groups: Vec<String>,
    /// Seats assigned to the account, sorted. Empty where the system keeps no inventory.
    pub seats: Vec<Seat>,
    /// Open sessions or tokens, where the system can tell.
    pub sessions: Option<u32>,
    /// The OAuth tokens and app passwords the account granted, named, sorted, where the system
    /// lists them (and the step read them): what revoking sessions takes away.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<String>,
    /// The sign-in factors enrolled on the account, sorted, where the system lists them (and
    /// the step read them): what resetting the factors takes away.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<Factor>,
    /// Data transfers from the account to others, where the system runs them (and the step
    /// read them), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<DataTransfer>,
    /// Assets on loan (laptop, token), where the system keeps them, sorted.
    pub assets: Vec<String>,
    /// Whether the account's data (mailbox, files) is under retention, where the system can tell.
    pub data_retained: Option<bool>,
    /// True when this read left group memberships out (the step did not need them and listing
    /// them costs the system requests): `groups` is then empty, not known to be empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub groups_skipped: bool,
    /// Memberships and seats the account holds that the system will not let offboard change
    /// (a dynamic group, a group synced from on-premises, a license a group assigns), each
    /// with the reason: reported, never silently left. Not part of `groups` or `seats`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Kept>,
    /// The automatic reply the mailbox sends, when one is on; read only by the steps that set
    /// it (where the system has mailboxes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_reply: Option<String>,
    /// The account's manager as the system records it (a sign-in name), read with the
    /// automatic reply and kept in its evidence for the notices that follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
}

/// A membership or seat offboard cannot remove in a system, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Kept {
    /// What it is.
    pub kind: KeptKind,
    /// The group name or the product id.
    pub name: String,
    /// Why it stays, and what a person must change instead.
    pub reason: String,
}

/// What a [`Kept`] entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptKind {
    /// A group membership.
    Group,
    /// A license seat.
    Seat,
}

impl fmt::Display for KeptKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeptKind::Group => "group",
            KeptKind::Seat => "seat",
        })
    }
}

/// What a step needs to read of an account. Systems where a part costs extra requests may
/// leave out what is not needed, and say so in the state they return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadScope {
    /// Group memberships.
    pub groups: bool,
    /// Sessions and the tokens granted (systems that need extra requests or rights to list
    /// them read them only when asked).
    pub sessions: bool,
    /// Data transfers from the account.
    pub transfers: bool,
    /// The mailbox's automatic reply, and the manager.
    pub mailbox: bool,
    /// The enrolled sign-in factors.
    pub factors: bool,
}

impl ReadScope {
    /// Everything but the mailbox (read only by the steps that change it: a user without a
    /// mailbox has none to read).
    pub const ALL: ReadScope = ReadScope {
        groups: true,
        sessions: true,
        transfers: true,
        mailbox: false,
        factors: true,
    };
}

/// One change a step asks a connector to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Disable the account (reversible).
    Deactivate,
    /// Revoke every session and token.
    RevokeSessions,
    /// Leave these groups.
    RemoveGroups {
        /// Group names.
        groups: Vec<String>,
    },
    /// Release these license seats.
    ReleaseSeats {
        /// Product ids.
        products: Vec<String>,
    },
    /// Record that these assets were returned.
    ReturnAssets {
        /// Asset tags.
        assets: Vec<String>,
    },
    /// Place the account's data (mailbox, files) under retention so later removals lose nothing.
    RetainData,
    /// Hand the account's data (files, calendars) over to another account. The system runs it
    /// asynchronously: in effect once a read shows the transfer completed.
    TransferData {
        /// Who receives it (an email address).
        to: String,
    },
    /// Delete the account for good.
    Delete,
    /// Turn on the mailbox's automatic reply with this text.
    SetAutoReply {
        /// The reply, rendered from the step's template.
        message: String,
    },
    /// Remove every sign-in factor enrolled on the account.
    ResetFactors,
}

impl Change {
    /// The change's kind in one word: its `change` tag (`deactivate`, `remove_groups`, ...),
    /// as operation names and the embedded store's `changes` table write it.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Deactivate => "deactivate",
            Change::RevokeSessions => "revoke_sessions",
            Change::RemoveGroups { .. } => "remove_groups",
            Change::ReleaseSeats { .. } => "release_seats",
            Change::ReturnAssets { .. } => "return_assets",
            Change::RetainData => "retain_data",
            Change::TransferData { .. } => "transfer_data",
            Change::Delete => "delete",
            Change::SetAutoReply { .. } => "set_auto_reply",
            Change::ResetFactors => "reset_factors",
        }
    }

    /// True when `state` shows this change is in effect: the post-condition the engine checks
    /// after applying it, and before re-applying an interrupted one.
    pub fn is_satisfied_by(&self, state: &AccountState) -> bool {
        match self {
            Change::Deactivate => !state.exists || !state.active,
            Change::RevokeSessions => !state.exists || state.sessions.unwrap_or(0) == 0,
            Change::RemoveGroups { groups } => groups.iter().all(|g| !state.groups.contains(g)),
            Change::ReleaseSeats { products } => products
                .iter()
                .all(|p| !state.seats.iter().any(|s| &s.product == p)),
            Change::ReturnAssets { assets } => assets.iter().all(|a| !state.assets.contains(a)),
            Change::RetainData => !state.exists || state.data_retained == Some(true),
            Change::TransferData { to } => latest_to(&state.transfers, to)
                .is_some_and(|t| t.status == TransferStatus::Completed),
            Change::Delete => !state.exists,
            Change::SetAutoReply { message } => {
                !state.exists || reply_says(state.auto_reply.as_deref(), message)
            }
            Change::ResetFactors => !state.exists || state.factors.is_empty(),
        }
    }
}

/// True when the automatic reply a system holds says `message`. Runs of white space count as
/// one space: mail systems re-wrap and re-indent the text they store.
pub fn reply_says(held: Option<&str>, message: &str) -> bool {
    held.is_some_and(|held| held.split_whitespace().eq(message.split_whitespace()))
}

/// Why a connector call failed. The engine retries [`ConnectorError::Transient`] with backoff and
/// stops the run on [`ConnectorError::Permanent`].
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// Worth retrying: a timeout, a 5xx, a 429, a dropped connection, a busy database.
    #[error("{message}")]
    Transient {
        /// What failed. Never contains a secret.
        message: String,
        /// How long the system asked us to wait (e.g. `Retry-After`), when it said.
        retry_after: Option<std::time::Duration>,
    },
    /// Not worth retrying: refused, invalid, forbidden.
    #[error("{message}")]
    Permanent {
        /// What failed. Never contains a secret.
        message: String,
    },
    /// The connector does not support this change.
    #[error("{connector} cannot {change}")]
    Unsupported {
        /// Connector name.
        connector: String,
        /// The change asked for.
        change: String,
    },
}

impl ConnectorError {
    /// The kind of failure as the journal records it on `step.failed`: `transient` (worth
    /// retrying, and the retries ran out), `permanent` or `unsupported`.
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorError::Transient { .. } => "transient",
            ConnectorError::Permanent { .. } => "permanent",
            ConnectorError::Unsupported { .. } => "unsupported",
        }
    }
}

/// A system that holds accounts of employees. What a system can do is what its connector
/// implements: this trait for accounts, [`Messenger`] for messages; a change a system cannot
/// make is refused by `apply` with [`ConnectorError::Unsupported`].
///
/// Rules implementors keep:
/// - `find`, `read` and `probe` never change anything;
/// - `apply` is idempotent: applying a change already in effect succeeds and changes nothing;
/// - errors never contain secrets (tokens, passwords, signing keys);
/// - no retries inside: return [`ConnectorError::Transient`] and let the engine retry.
pub trait Connector: Send + Sync {
    /// The name this connector has in the configuration.
    fn name(&self) -> &str;

    /// Find the account whose correlation attribute equals `key` (the rendered `match` value).
    /// `Ok(None)` means "no account": nothing to revoke, reported as such.
    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError>;

    /// Read the current state of an account.
    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError>;

    /// Read what `scope` asks for of an account; the default reads everything.
    fn read_scoped(
        &self,
        principal: &Principal,
        scope: ReadScope,
    ) -> Result<AccountState, ConnectorError> {
        let _ = scope;
        self.read(principal)
    }

    /// Make one change. Idempotent.
    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError>;

    /// Check, reading only, that the system answers and accepts the credentials, and, when a
    /// `canary` key is given, that the account it names can be found and read with everything a
    /// step reads: what `offboard doctor` reports. The default looks up the canary (or
    /// [`PROBE_KEY`], which names no account) with [`Connector::find`] and reads what it finds.
    fn probe(&self, canary: Option<&str>) -> Result<Probe, ConnectorError> {
        probe_by_lookup(self, canary)
    }

    /// What a plan should add about `change` in this system, beyond the change itself (for
    /// example how long a deleted account can still be restored). None by default.
    fn plan_note(&self, change: &Change) -> Option<&'static str> {
        let _ = change;
        None
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Deactivate => f.write_str("deactivate the account"),
            Change::RevokeSessions => f.write_str("revoke sessions"),
            Change::RemoveGroups { groups } => write!(f, "leave groups {}", groups.join(", ")),
            Change::ReleaseSeats { products } => {
                write!(f, "release seats {}", products.join(", "))
            }
            Change::ReturnAssets { assets } => write!(f, "record return of {}", assets.join(", ")),
            Change::RetainData => f.write_str("place the account's data under retention"),
            Change::TransferData { to } => write!(f, "hand the account's data over to {to}"),
            Change::Delete => f.write_str("delete the account"),
            Change::SetAutoReply { .. } => f.write_str("turn on the automatic reply"),
            Change::ResetFactors => f.write_str("reset the sign-in factors"),
        }
    }
}
