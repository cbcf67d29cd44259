//! The directory connector (`type: ldap`): OpenLDAP, 389-ds and Active Directory over LDAPv3
//! (ldap3, synchronous), plain, `ldaps://` or StartTLS, with a simple bind. It owns finding an
//! account by one attribute, reading whether it exists, is active and which groups list it,
//! and three changes: disable (ppolicy lock, move to a disabled OU, or the AD
//! `userAccountControl` bit), leave groups, delete. It never retries, journals or reads the
//! playbook (the engine does), and the bind password reaches only the bind request.
//!
//! Every value from employee data that goes into a search filter is escaped (RFC 4515), and
//! attribute names from the configuration are checked to be names or OIDs, so no value can
//! change a filter's meaning.
//!
//! | change | what is written | already in effect when |
//! |---|---|---|
//! | deactivate, `ppolicy_lock` | `pwdAccountLockedTime: 000001010000Z` | that value is there |
//! | deactivate, `move_ou` | the entry moved under the OU, RDN kept | the entry is under the OU |
//! | deactivate, `ad_uac` | `userAccountControl` with bit 0x2 set | the bit is set |
//! | leave groups | the member value deleted from each named group (by `cn`) | no named group lists it |
//! | delete | the entry deleted | there is no entry |
//!
//! An account that no longer exists reads `exists: false, active: false`.
//!
//! For reconciliation it also lists every account entry (with whether it is active and its
//! `employeeNumber`) and every group with its members, by paged searches (see `list`).

mod account;
mod apply;
mod connector;
mod dn;
mod error;
mod list;
mod options;
mod session;
pub(crate) mod tls;
mod url;

pub use connector::LdapConnector;
pub use error::LdapConfigError;
pub use list::{
    EMPLOYEE_ID_ATTRIBUTE, LIST_PAGE_SIZE, ListedAccount, ListedGroup, Listing, member_key,
};
pub use options::{Bind, DEFAULT_TIMEOUT, DisableMethod, LdapOptions, MemberAttribute};
pub use url::{Endpoint, Security};
