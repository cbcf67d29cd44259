//! The role map from the configuration: which roles each signing principal holds. It owns the
//! question "does this principal hold this role?" and never reads files or keys.

use std::collections::{BTreeMap, BTreeSet};

/// principal -> the roles it holds (from `signers:` in `offboard.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMap {
    roles: BTreeMap<String, BTreeSet<String>>,
}

impl RoleMap {
    /// An empty role map: nobody holds any role.
    pub fn new() -> Self {
        Self::default()
    }

    /// Grant `roles` to `principal` (in addition to any it already holds).
    pub fn insert<I, R>(&mut self, principal: impl Into<String>, roles: I)
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        self.roles
            .entry(principal.into())
            .or_default()
            .extend(roles.into_iter().map(Into::into));
    }

    /// Whether `principal` holds `role`.
    pub fn holds(&self, principal: &str, role: &str) -> bool {
        self.roles
            .get(principal)
            .is_some_and(|roles| roles.contains(role))
    }

    /// The roles `principal` holds, sorted.
    pub fn roles_of(&self, principal: &str) -> impl Iterator<Item = &str> {
        self.roles
            .get(principal)
            .into_iter()
            .flat_map(|roles| roles.iter().map(String::as_str))
    }
}

impl<P, I, R> FromIterator<(P, I)> for RoleMap
where
    P: Into<String>,
    I: IntoIterator<Item = R>,
    R: Into<String>,
{
    fn from_iter<T: IntoIterator<Item = (P, I)>>(iter: T) -> Self {
        let mut map = RoleMap::new();
        for (principal, roles) in iter {
            map.insert(principal, roles);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_only_granted_roles() {
        let map: RoleMap = [
            ("it@acme", vec!["iam"]),
            ("fin@acme", vec!["finance", "hr"]),
        ]
        .into_iter()
        .collect();
        assert!(map.holds("it@acme", "iam"));
        assert!(!map.holds("it@acme", "finance"));
        assert!(!map.holds("nobody", "iam"));
        assert_eq!(
            map.roles_of("fin@acme").collect::<Vec<_>>(),
            ["finance", "hr"]
        );
    }
}
