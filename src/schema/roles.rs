//! The shape of `roles.yaml`: what each job role carries.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// offboard role matrix (format version 1): the groups and licenses each role carries.
#[derive(JsonSchema)]
#[schemars(title = "offboard role matrix", deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct RolesShape {
    /// Format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Role name -> what it carries.
    roles: BTreeMap<String, RoleShape>,
}

/// One role.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct RoleShape {
    /// Group names as the connectors know them.
    #[schemars(default)]
    groups: Vec<String>,
    /// License product ids of the inventory.
    #[schemars(default)]
    licenses: Vec<String>,
}
