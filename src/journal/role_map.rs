//! The role map from the configuration: which roles each signing principal holds, and which
//! roles are *operator roles* (their holders may run playbooks: start, finish and register runs).
//! It owns the questions "does this principal hold this role?" and "is this principal an
//! operator?" and never reads files or keys.

use std::collections::{BTreeMap, BTreeSet};

/// principal -> the roles it holds (from `signers:` in `offboard.yaml`), and the operator roles
/// (`policy.operator_roles`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMap {
    roles: BTreeMap<String, BTreeSet<String>>,
    operator_roles: BTreeSet<String>,
}

impl RoleMap {
    /// An empty role map: nobody holds any role, and no role is an operator role (so nobody may
    /// start a run: verification fails closed until [`Self::set_operator_roles`] is called).
    pub fn new() -> Self {
        Self::default()
    }

    /// Make `roles` the operator roles (replacing any set before).
    pub fn set_operator_roles<I, R>(&mut self, roles: I)
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        self.operator_roles = roles.into_iter().map(Into::into).collect();
    }

    /// [`Self::set_operator_roles`], by value.
    pub fn with_operator_roles<I, R>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        self.set_operator_roles(roles);
        self
    }

    /// The operator roles, sorted.
    pub fn operator_roles(&self) -> impl Iterator<Item = &str> {
        self.operator_roles.iter().map(String::as_str)
    }

    /// Whether `principal` holds an operator role.
    pub fn is_operator(&self, principal: &str) -> bool {
        self.roles
            .get(principal)
            .is_some_and(|held| !held.is_disjoint(&self.operator_roles))
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

    #[test]
    fn operators_hold_an_operator_role() {
        let map: RoleMap = [("it@acme", vec!["iam"]), ("fin@acme", vec!["finance"])]
            .into_iter()
            .collect();
        assert!(!map.is_operator("it@acme"), "no operator role set: nobody");
        let map = map.with_operator_roles(["iam", "it"]);
        assert!(map.is_operator("it@acme"));
        assert!(!map.is_operator("fin@acme"));
        assert!(!map.is_operator("nobody"));
        assert_eq!(map.operator_roles().collect::<Vec<_>>(), ["iam", "it"]);
    }
}
