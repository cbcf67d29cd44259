//! The parts of Okta's resources the connector reads, as our own serde types: a user, a group it
//! is a member of, and an app link (one per app assignment). Unknown properties are ignored.

use serde::Deserialize;

/// A user (`User`).
#[derive(Clone, Debug, Deserialize)]
pub struct User {
    /// The user's id (`00u...`).
    pub id: String,
    /// `ACTIVE`, `SUSPENDED`, `DEPROVISIONED`, ...
    pub status: String,
    /// The profile: the login and the employee number are read.
    pub profile: Profile,
    /// When the user last signed in; absent (or null) when never.
    #[serde(default, rename = "lastLogin")]
    pub last_login: Option<String>,
}

impl User {
    /// True once deactivated (Okta's disable).
    pub fn deprovisioned(&self) -> bool {
        self.status == "DEPROVISIONED"
    }
}

/// The part of a user's profile the connector reads.
#[derive(Clone, Debug, Deserialize)]
pub struct Profile {
    /// The sign-in name.
    pub login: String,
    /// The HR employee number, when the org records it.
    #[serde(default, rename = "employeeNumber")]
    pub employee_number: Option<String>,
}

/// A group the user is a member of.
#[derive(Clone, Debug, Deserialize)]
pub struct Group {
    /// The group's id (`00g...`).
    pub id: String,
    /// `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The profile: its name.
    pub profile: GroupProfile,
}

impl Group {
    /// Why the membership cannot be changed through the API, for the groups that cannot.
    pub fn kept_because(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "OKTA_GROUP" => None,
            "APP_GROUP" => {
                Some("an app group: its members are imported from the app; remove the user there")
            }
            "BUILT_IN" => Some("a built-in group (Everyone): Okta manages its members"),
            _ => Some("a group type offboard does not know; check it in Okta"),
        }
    }
}

/// A group's profile.
#[derive(Clone, Debug, Deserialize)]
pub struct GroupProfile {
    /// The group's name.
    pub name: String,
}

/// An OAuth client the user holds grants or tokens for (`OAuth2Client`).
#[derive(Clone, Debug, Deserialize)]
pub struct Client {
    /// The client's id.
    pub client_id: String,
}

/// One app the user is assigned (`AppLink`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppLink {
    /// The app's id (`0oa...`).
    pub app_instance_id: String,
    /// The app's label, as users see it.
    pub label: String,
}

/// A factor enrolled on the user (`UserFactor`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFactor {
    /// The enrollment's id.
    pub id: String,
    /// `sms`, `push`, `token:software:totp`, `webauthn`, ...
    pub factor_type: String,
    /// `OKTA`, `GOOGLE`, `YUBICO`, ...; absent in some answers.
    #[serde(default)]
    pub provider: String,
}
