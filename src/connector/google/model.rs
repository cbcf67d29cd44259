//! The parts of Google's resources the connector reads, as our own serde types: a user, its
//! OAuth tokens and application-specific passwords, a group, and a license assignment.
//! Unknown properties are ignored (Google adds properties over time).

use serde::Deserialize;

/// A user (`admin#directory#user`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The unique id.
    pub id: String,
    /// The primary email address.
    pub primary_email: String,
    /// True once the user is suspended.
    #[serde(default)]
    pub suspended: bool,
    /// The customer the user belongs to.
    #[serde(default)]
    pub customer_id: String,
    /// When the user last signed in; Google's "never" is the Unix epoch.
    #[serde(default)]
    pub last_login_time: Option<String>,
    /// External ids (`[{"type", "value", "customType"}]`); Google describes the property as
    /// any JSON, so it is read leniently.
    #[serde(default)]
    pub external_ids: serde_json::Value,
}

impl User {
    /// The value of the first external id of type `organization` (the employee id HR
    /// systems sync), trimmed; empty when there is none.
    pub fn organization_id(&self) -> String {
        self.external_ids
            .as_array()
            .into_iter()
            .flatten()
            .find(|id| id["type"] == "organization")
            .and_then(|id| id["value"].as_str())
            .unwrap_or_default()
            .trim()
            .to_owned()
    }
}

/// An OAuth token a user granted to a client (`admin#directory#token`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// The client the token was issued to.
    pub client_id: String,
    /// The application's name, as the user saw it.
    #[serde(default)]
    pub display_text: Option<String>,
}

/// An application-specific password (`admin#directory#asp`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asp {
    /// Its id.
    pub code_id: i64,
    /// The name the user gave it.
    #[serde(default)]
    pub name: Option<String>,
}

/// A group (`admin#directory#group`).
#[derive(Clone, Debug, Deserialize)]
pub struct Group {
    /// The unique id.
    pub id: String,
    /// The group's email address: the name offboard shows and matches.
    pub email: String,
}

impl Token {
    /// How the token is named in a state: `oauth:<client id> (<application>)`.
    pub fn label(&self) -> String {
        match &self.display_text {
            Some(text) if !text.is_empty() => format!("oauth:{} ({text})", self.client_id),
            _ => format!("oauth:{}", self.client_id),
        }
    }
}

impl Asp {
    /// How the password is named in a state: `app-password:<id> (<name>)`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) if !name.is_empty() => format!("app-password:{} ({name})", self.code_id),
            _ => format!("app-password:{}", self.code_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_passwords_are_labelled_with_their_names() {
        let token: Token = serde_json::from_str(
            r#"{"clientId": "1234.apps.googleusercontent.com", "displayText": "Mail", "x": 1}"#,
        )
        .unwrap();
        assert_eq!(
            token.label(),
            "oauth:1234.apps.googleusercontent.com (Mail)"
        );
        let asp: Asp = serde_json::from_str(r#"{"codeId": 7}"#).unwrap();
        assert_eq!(asp.label(), "app-password:7");
        let user: User =
            serde_json::from_str(r#"{"id": "101", "primaryEmail": "pat@example.com"}"#).unwrap();
        assert!(!user.suspended);
    }
}
