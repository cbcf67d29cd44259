//! The Google Workspace connector (`type: google_workspace`): users, group memberships, OAuth
//! tokens and app passwords over the Admin SDK Directory API, and licenses over the Enterprise
//! License Manager, as a service account with domain-wide delegation acting for an admin (the
//! JWT bearer grant, [`crate::connector::oauth`]). Our own serde types, no Google SDK. It never
//! retries, journals or reads the playbook (the engine does).
//!
//! | change | call | read back |
//! |---|---|---|
//! | deactivate | `users.patch` `suspended: true` | `suspended` |
//! | revoke sessions | `users.signOut`, then `tokens.delete` and `asps.delete` for each | no token or app password left, signed out by this run |
//! | leave groups | `members.delete` per group | `groups.list` by `userKey` |
//! | release seats | `licenseAssignments.delete` per configured product and SKU held | `licenseAssignments.get` 404 |
//! | transfer data | `transfers.insert`: Drive and Docs, and Calendar, to the receiver | `transfers.list` by old owner: completed |
//! | delete | `users.delete` (Google keeps it 20 days among deleted users), refused while a transfer runs | 404 |
//!
//! Users are found with `users.get` by primary email (an alias finds its user too). Seats are
//! the configured SKUs the user holds, named by SKU id and costed from the configuration.
//! Every call asks for a token of the one scope it needs (`scopes.rs`). `offboard reconcile`
//! lists the whole customer (`listing.rs`).

mod api;
mod connector;
mod listing;
mod model;
mod options;
mod scopes;
mod transfers;

pub use connector::{DELETED_USERS_NOTE, GoogleConnector, GoogleSetupError};
pub use listing::{CustomerUser, HolderListing, UserListing};
pub use options::{
    DEFAULT_ADMIN_URL, DEFAULT_LICENSING_URL, DEFAULT_TIMEOUT, DEFAULT_TOKEN_URL, GoogleOptions,
    License,
};
pub use scopes::ALL as SCOPES;
