//! The role matrix turned into numbers for the scan: each role gets a small id, so a million HR
//! rows hold a `u32` instead of a string, and "does this role carry that group?" is a scan of a
//! handful of names. It only answers questions; the matrix itself is the playbook model's.

use std::collections::HashMap;

use super::entitlement::EntitlementKind;
use crate::playbook::RoleMatrix;

/// A role id: an index into [`RoleIndex`], or one of the two sentinels.
pub type RoleId = u32;

/// The HR row names no role.
pub const NO_ROLE: RoleId = u32::MAX;

/// The HR row names a role the matrix does not have.
pub const UNKNOWN_ROLE: RoleId = u32::MAX - 1;

/// The role matrix, by role id.
#[derive(Clone, Debug, Default)]
pub struct RoleIndex {
    names: Vec<String>,
    by_name: HashMap<Vec<u8>, RoleId>,
    groups: Vec<Vec<String>>,
    licenses: Vec<Vec<String>>,
}

impl RoleIndex {
    /// Number the roles of `matrix` in name order.
    pub fn new(matrix: &RoleMatrix) -> RoleIndex {
        let mut index = RoleIndex::default();
        for (id, (name, role)) in (0..).zip(&matrix.roles) {
            index.names.push(name.clone());
            index.by_name.insert(name.as_bytes().to_vec(), id);
            index.groups.push(role.groups.clone());
            index.licenses.push(role.licenses.clone());
        }
        index
    }

    /// The id of the role named `name` (trimmed bytes of an HR field): [`NO_ROLE`] when empty,
    /// [`UNKNOWN_ROLE`] when the matrix lacks it.
    pub fn id(&self, name: &[u8]) -> RoleId {
        if name.is_empty() {
            return NO_ROLE;
        }
        self.by_name.get(name).copied().unwrap_or(UNKNOWN_ROLE)
    }

    /// The name of role `id`, when it is a role of the matrix.
    pub fn name(&self, id: RoleId) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// True when role `id` carries the group or license `name`. Accounts are carried by every
    /// role; an id that is not a matrix role carries nothing.
    pub fn carries(&self, id: RoleId, kind: EntitlementKind, name: &str) -> bool {
        let list = match kind {
            EntitlementKind::Account => return true,
            EntitlementKind::Group => self.groups.get(id as usize),
            EntitlementKind::License => self.licenses.get(id as usize),
        };
        list.is_some_and(|names| names.iter().any(|n| n == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Role;

    #[test]
    fn ids_and_carried_entitlements() {
        let mut matrix = RoleMatrix::default();
        matrix.roles.insert(
            "sales".into(),
            Role {
                groups: vec!["sales".into()],
                licenses: vec!["salesforce".into()],
            },
        );
        matrix.roles.insert(
            "engineer".into(),
            Role {
                groups: vec!["engineering".into()],
                licenses: vec!["github".into()],
            },
        );
        let index = RoleIndex::new(&matrix);
        let sales = index.id(b"sales");
        assert_eq!(index.id(b"engineer"), 0);
        assert_eq!(sales, 1);
        assert_eq!(index.id(b""), NO_ROLE);
        assert_eq!(index.id(b"pilot"), UNKNOWN_ROLE);
        assert_eq!(index.name(sales), Some("sales"));
        assert_eq!(index.name(UNKNOWN_ROLE), None);
        assert!(index.carries(sales, EntitlementKind::License, "salesforce"));
        assert!(!index.carries(sales, EntitlementKind::Group, "salesforce"));
        assert!(!index.carries(sales, EntitlementKind::License, "github"));
        assert!(!index.carries(UNKNOWN_ROLE, EntitlementKind::Group, "sales"));
        assert!(index.carries(sales, EntitlementKind::Account, "anything"));
    }
}
