//! The Okta connector (`type: okta`): users, their sessions, factors, group memberships and app
//! assignments over Okta's management API (`/api/v1`), with an API token (`SSWS`) or as an
//! OAuth 2.0 service app (client credentials with a `private_key_jwt` assertion,
//! [`crate::connector::oauth`]). Our own serde types, no Okta SDK. It never retries, journals or
//! reads the playbook (the engine does).
//!
//! | change | Okta call | read back |
//! |---|---|---|
//! | deactivate | `POST /users/{id}/lifecycle/deactivate` | `status` `DEPROVISIONED` |
//! | revoke sessions | `DELETE /users/{id}/sessions?oauthTokens=true` | no client left in `/users/{id}/clients` |
//! | leave groups | `DELETE /groups/{gid}/users/{id}` per `OKTA_GROUP` | `/users/{id}/groups` |
//! | release seats (app assignments) | `DELETE /apps/{appId}/users/{id}` | `/users/{id}/appLinks` |
//! | reset factors | `DELETE /users/{id}/factors/{factorId}` each | `/users/{id}/factors` empty |
//! | delete | deactivate first, then `DELETE /users/{id}` (for good) | 404 |
//!
//! Users are found by login (`GET /users/{login}`). The seats are the user's app assignments,
//! named by the app's label and costed from the configuration. Groups of type `APP_GROUP`
//! (imported from an app, managed there) and `BUILT_IN` (Everyone) cannot be left through the
//! API: they are read as kept, with the reason. Okta's rate limit (429) is waited out until
//! `X-Rate-Limit-Reset`. For `offboard reconcile` it lists the whole org, one page of users at
//! a time, with each user's groups and app assignments ([`UserListing`]).

mod api;
mod connector;
mod listing;
mod model;
mod options;

pub use connector::{OktaConnector, OktaSetupError};
pub use listing::{OrgUser, UserListing};
pub use options::{DEFAULT_SCOPES, DEFAULT_TIMEOUT, OktaCredential, OktaOptions};
