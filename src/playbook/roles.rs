//! The role matrix: which groups and licenses each job role carries. Movers lose what their new
//! role does not carry; the matrix only answers what a role holds.

use std::collections::BTreeMap;

use serde::Serialize;

/// What one job role carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Role {
    /// Group names (as the connectors name them).
    pub groups: Vec<String>,
    /// License product ids.
    pub licenses: Vec<String>,
}

/// Job role -> entitlements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoleMatrix {
    /// Every role, by name.
    pub roles: BTreeMap<String, Role>,
}

impl RoleMatrix {
    /// The role named `name`.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// Groups held now that the role `new_role` does not carry (all of them for an unknown role).
    pub fn excess_groups<'a>(&self, new_role: &str, held: &'a [String]) -> Vec<&'a String> {
        let keep = self
            .role(new_role)
            .map(|r| r.groups.as_slice())
            .unwrap_or(&[]);
        held.iter().filter(|g| !keep.contains(g)).collect()
    }

    /// Licenses held now that the role `new_role` does not carry.
    pub fn excess_licenses<'a>(&self, new_role: &str, held: &'a [String]) -> Vec<&'a String> {
        let keep = self
            .role(new_role)
            .map(|r| r.licenses.as_slice())
            .unwrap_or(&[]);
        held.iter().filter(|l| !keep.contains(l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excess_is_what_the_new_role_lacks() {
        let mut roles = BTreeMap::new();
        roles.insert(
            "sales".to_string(),
            Role {
                groups: vec!["sales".into(), "vpn".into()],
                licenses: vec!["salesforce".into()],
            },
        );
        let m = RoleMatrix { roles };
        let held = vec!["engineering".to_string(), "vpn".to_string()];
        assert_eq!(
            m.excess_groups("sales", &held),
            [&"engineering".to_string()]
        );
        assert_eq!(m.excess_groups("nobody", &held).len(), 2);
        let lic = vec!["github".to_string(), "salesforce".to_string()];
        assert_eq!(m.excess_licenses("sales", &lic), [&"github".to_string()]);
    }
}
