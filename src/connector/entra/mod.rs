//! The Microsoft Entra ID connector (`type: entra`): users, group memberships and Microsoft 365
//! licenses over Microsoft Graph v1.0, with the application's own identity (OAuth 2.0 client
//! credentials, [`crate::connector::oauth`]). Our own serde types, no Graph SDK. It never
//! retries, journals or reads the playbook (the engine does).
//!
//! | change | Graph call | read back |
//! |---|---|---|
//! | deactivate | `PATCH /users/{id}` `accountEnabled: false` | `accountEnabled` |
//! | revoke sessions | `POST /users/{id}/revokeSignInSessions` | `signInSessionsValidFromDateTime` at or after the request |
//! | leave groups | `DELETE /groups/{gid}/members/{id}/$ref` per direct, changeable group | `memberOf` |
//! | release seats | `POST /users/{id}/assignLicense` with `removeLicenses` | `licenseAssignmentStates` |
//! | delete | `DELETE /users/{id}` (Entra keeps it 30 days among deleted users) | 404 |
//! | automatic reply | `PATCH /users/{id}/mailboxSettings` (`automaticRepliesSetting`) | the reply on, with the text; the manager (`/manager`) read with it |
//!
//! Users are found with `$filter=<attribute> eq '<value>'`, the value escaped
//! (`filter.rs`). Seats are the licenses assigned directly, named by SKU part number
//! (`subscribedSkus`) and costed from the configuration. Dynamic groups, groups synced from
//! on-premises and licenses a group assigns cannot be changed here: they are read as kept,
//! with the reason. Graph is eventually consistent: after a write the connector re-reads the
//! user until the change shows, for a bounded time, so the engine's read-back never judges a
//! stale copy. For `offboard reconcile` it lists every user of the tenant (`listing.rs`).

mod connector;
mod filter;
mod graph;
mod listing;
mod mailbox;
mod model;
mod options;
mod permissions;
mod recent;

pub use connector::{EntraConnector, EntraSetupError};
pub use listing::{DirectoryUser, UserListing};
pub use options::{
    DEFAULT_GRAPH_URL, DEFAULT_LOGIN_URL, DEFAULT_TIMEOUT, EntraAttribute, EntraOptions,
};
