//! The SCIM 2.0 wire types offboard reads and writes (RFC 7643 resources, RFC 7644 messages):
//! only the attributes it uses, every other attribute ignored. It owns their JSON shape and
//! never talks to a server.

use serde::{Deserialize, Serialize};

/// `urn:ietf:params:scim:api:messages:2.0:PatchOp`.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A User resource (RFC 7643 §4.1), as far as offboard reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The server's identifier.
    pub id: String,
    /// The login name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The identifier the provisioning client gave it.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Administrative status; absent means active (servers that never disable omit it).
    #[serde(default)]
    pub active: Option<bool>,
    /// The groups it belongs to, when the server computes this read-only attribute.
    #[serde(default)]
    pub groups: Option<Vec<GroupRef>>,
}

/// One entry of a User's `groups` attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GroupRef {
    /// The group's id.
    pub value: String,
    /// The group's display name, when the server gives it.
    #[serde(default)]
    pub display: Option<String>,
}

/// A Group resource (RFC 7643 §4.2), as far as offboard reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The server's identifier.
    pub id: String,
    /// The group's name: what playbooks and account states call it.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Its members, when the server includes them.
    #[serde(default)]
    pub members: Option<Vec<Member>>,
}

/// One entry of a Group's `members` attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Member {
    /// The member's id.
    pub value: String,
}

/// A query response (RFC 7644 §3.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Results matching the query in all pages.
    pub total_results: u64,
    /// 1-based index of this page's first result.
    #[serde(default)]
    pub start_index: Option<u64>,
    /// This page's results; servers may omit it when there are none.
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

/// A PATCH request body (RFC 7644 §3.5.2).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatchOp {
    /// Always [`PATCH_OP`].
    pub schemas: [&'static str; 1],
    /// The operations, applied in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

/// One PATCH operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatchOperation {
    /// `add`, `remove` or `replace`.
    pub op: &'static str,
    /// The attribute path, possibly with a value filter.
    pub path: String,
    /// The new value (absent for `remove`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

impl PatchOp {
    /// `replace active false`: deactivate a User.
    pub fn deactivate() -> PatchOp {
        PatchOp {
            schemas: [PATCH_OP],
            operations: vec![PatchOperation {
                op: "replace",
                path: "active".to_owned(),
                value: Some(serde_json::Value::Bool(false)),
            }],
        }
    }

    /// `remove members[value eq "<id>"]`: take a User out of a Group.
    pub fn remove_member(user_id: &str) -> PatchOp {
        PatchOp {
            schemas: [PATCH_OP],
            operations: vec![PatchOperation {
                op: "remove",
                path: super::filter::member(user_id),
                value: None,
            }],
        }
    }
}

/// An error response (RFC 7644 §3.12).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimErrorBody {
    /// The error's detail, written by the server for humans.
    #[serde(default)]
    pub detail: Option<String>,
    /// The SCIM error keyword, e.g. `invalidFilter`, `mutability`.
    #[serde(default)]
    pub scim_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_bodies_match_rfc_7644() {
        assert_eq!(
            serde_json::to_string(&PatchOp::deactivate()).unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"#
        );
        assert_eq!(
            serde_json::to_string(&PatchOp::remove_member(r#"u"1"#)).unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u\\\"1\"]"}]}"#
        );
    }

    #[test]
    fn list_response_without_resources_is_empty() {
        let list: ListResponse<User> =
            serde_json::from_str(r#"{"schemas":[],"totalResults":0}"#).unwrap();
        assert_eq!(list.total_results, 0);
        assert!(list.resources.is_empty());
        let user: User = serde_json::from_str(
            r#"{"id":"u1","userName":"a","groups":[{"value":"g1","display":"eng"}],"x":1}"#,
        )
        .unwrap();
        assert_eq!(user.active, None);
        assert_eq!(user.groups.unwrap()[0].display.as_deref(), Some("eng"));
    }
}
