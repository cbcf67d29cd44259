//! The SCIM 2.0 connector (`type: scim`, RFC 7643/7644) for identity providers: Okta, Entra ID,
//! OneLogin, JumpCloud, Keycloak and any other service provider. It owns the SCIM wire types,
//! the quoting of filter values and the HTTP mapping of statuses to transient or permanent
//! errors; it never retries, journals or reads the playbook (the engine does).
//!
//! | change | request | success |
//! |---|---|---|
//! | find | `GET /Users?filter=<attribute> eq "<value>"` | 0 results: none; 1: the user; more: error |
//! | read | `GET /Users/{id}`, then `GET /Groups?filter=members[value eq "{id}"]` by pages unless the User lists its groups by name | 404: the account does not exist |
//! | deactivate | `PATCH /Users/{id}` `replace active false` | 200 with a body or 204; 404 |
//! | leave groups | `PATCH /Groups/{gid}` `remove members[value eq "{id}"]`, for each group named | 200, 204; 404 |
//! | delete | `DELETE /Users/{id}` | 204, 200; 404 (already deleted) |
//! | list (reconcile) | `GET /Users` and `GET /Groups` by pages of `startIndex`/`count` | 200; anything else is an error |
//!
//! Sessions, seats, assets and data retention are not SCIM operations: those changes answer
//! [`ConnectorError::Unsupported`](crate::connector::ConnectorError::Unsupported).

mod connector;
mod filter;
pub(crate) mod http;
mod list;
mod resource;

pub use connector::{
    DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, MAX_PAGES, PAGE_SIZE, ScimConnector, ScimOptions,
    ScimSetupError,
};
pub use filter::{ScimAttribute, UnknownScimAttribute, equals, member, quote};
pub use list::{LIST_PAGE_SIZE, Listed, MAX_LIST_PAGES, Pages};
pub use resource::{
    Group, GroupRef, ListResponse, Member, PATCH_OP, PatchOp, PatchOperation, ScimErrorBody, User,
};
