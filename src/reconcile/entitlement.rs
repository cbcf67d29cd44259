//! What reconciliation reads from a system: one entitlement (an enabled account, a group
//! membership or a license seat, with the account's last sign-in where the system records it) at
//! a time. It owns the shape of the stream; it never judges an
//! entitlement (see `judge`); the trait every source implements is in `source`.

use std::fmt;

use serde::Serialize;

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
    /// When the account last signed in (Unix seconds), for an enabled account of a system that
    /// records it; `None` when the account is disabled, never signed in, or the system does not
    /// say. Only a seat with a known, old enough sign-in can be found dormant.
    pub last_sign_in: Option<i64>,
}
