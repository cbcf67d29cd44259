//! What reconciliation reads from a system: one entitlement (an enabled account, a group
//! membership or a license seat) at a time, and the trait every source of them implements. It
//! owns the shape of the stream; it never judges an entitlement (see `judge`).

use std::fmt;

use serde::Serialize;

use super::error::ReconcileError;
use super::tally::Tally;

/// What kind of access an entitlement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntitlementKind {
    /// An enabled account: access in itself, whatever it holds. Disabled accounts are not
    /// listed as entitlements (their groups and seats still are).
    Account,
    /// Membership of a group.
    Group,
    /// A license seat of a product.
    License,
}

impl EntitlementKind {
    /// The name used in inventory CSV files and in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            EntitlementKind::Account => "account",
            EntitlementKind::Group => "group",
            EntitlementKind::License => "license",
        }
    }

    /// The kind named `name` (`account`, `group` or `license`).
    pub fn from_name(name: &str) -> Option<EntitlementKind> {
        match name {
            "account" => Some(EntitlementKind::Account),
            "group" => Some(EntitlementKind::Group),
            "license" => Some(EntitlementKind::License),
            _ => None,
        }
    }
}

impl fmt::Display for EntitlementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entitlement as a source lists it, borrowed from the source's buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entitlement<'a> {
    /// The system holding it (a connector name, or the `system` column of an export).
    pub system: &'a str,
    /// The account's login name in that system.
    pub account: &'a str,
    /// The HR employee id the system records for the account; empty when it records none
    /// (service accounts, or accounts nobody linked).
    pub employee_id: &'a str,
    /// Account, group or license.
    pub kind: EntitlementKind,
    /// The group name or license product id; the account name for [`EntitlementKind::Account`].
    pub name: &'a str,
    /// What it costs a month, in cents (seats; usually 0 for accounts and groups).
    pub monthly_cost_cents: i64,
}

/// A system that can list every entitlement it holds: the embedded store, an inventory export,
/// a SCIM service provider or an LDAP directory.
///
/// Rules implementors keep:
/// - listing only reads; it never changes the system;
/// - every entitlement is visited exactly once per call, whatever the number of threads;
/// - memory stays bounded whatever the system's size: stream, never collect the listing (a
///   directory may keep a compact map of its accounts to name its groups' members);
/// - errors name the source (the connector, for a remote system) and, for files, the line;
///   a system that cannot be read is an error, never an empty listing.
pub trait EntitlementSource: Send + Sync {
    /// A short description for messages, e.g. `inventory.csv` or `sqlite state/acme.db`.
    fn describe(&self) -> String;

    /// Call `visit` with every entitlement, in the source's order, on the calling thread.
    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError>;

    /// Call `visit` with every entitlement using up to `threads` threads, each with a
    /// [`Tally`] of its own, and return those tallies. The default visits on the calling
    /// thread only; sources that can split their listing override it.
    fn scan(
        &self,
        threads: usize,
        visit: &(dyn Fn(&mut Tally, &Entitlement<'_>) + Sync),
    ) -> Result<Vec<Tally>, ReconcileError> {
        let _ = threads;
        let mut tally = Tally::default();
        self.for_each(&mut |entitlement| visit(&mut tally, entitlement))?;
        Ok(vec![tally])
    }
}
