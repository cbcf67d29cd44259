//! How to reach a Microsoft Entra tenant: the tenant and application, how the application
//! proves who it is, where the endpoints are (overridable for national clouds and tests), how
//! users are found, and what each SKU costs a month.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::connector::oauth::ClientCredential;

/// The token service of the public cloud.
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";
/// Microsoft Graph in the public cloud.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
/// The per-request timeout when the configuration gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The user property `match` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntraAttribute {
    /// `userPrincipalName`, the sign-in name.
    UserPrincipalName,
    /// `mail`, the primary SMTP address.
    Mail,
    /// `employeeId`, the HR system's id.
    EmployeeId,
}

impl EntraAttribute {
    /// Every attribute, as written in `match.attribute`.
    pub const NAMES: [&'static str; 3] = ["userPrincipalName", "mail", "employeeId"];

    /// The Graph property name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntraAttribute::UserPrincipalName => "userPrincipalName",
            EntraAttribute::Mail => "mail",
            EntraAttribute::EmployeeId => "employeeId",
        }
    }
}

impl fmt::Display for EntraAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntraAttribute {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "userPrincipalName" => Ok(EntraAttribute::UserPrincipalName),
            "mail" => Ok(EntraAttribute::Mail),
            "employeeId" => Ok(EntraAttribute::EmployeeId),
            other => Err(format!(
                "unknown match attribute {other:?} for an entra connector: expected {}",
                EntraAttribute::NAMES.join(", ")
            )),
        }
    }
}

/// Everything an [`EntraConnector`](super::EntraConnector) needs.
#[derive(Debug)]
pub struct EntraOptions {
    /// The tenant id or one of its verified domains.
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// How the application proves who it is.
    pub credential: ClientCredential,
    /// The token service, without the tenant (`https://login.microsoftonline.com`).
    pub login_url: String,
    /// Graph, without the version (`https://graph.microsoft.com`).
    pub graph_url: String,
    /// How users are found.
    pub attribute: EntraAttribute,
    /// Monthly cost of one seat, in cents, by SKU part number (`ENTERPRISEPACK`); SKUs not
    /// listed cost 0.
    pub seat_costs: BTreeMap<String, i64>,
    /// Per-request timeout (connect and answer).
    pub timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_attributes_round_trip_and_others_are_named() {
        for name in EntraAttribute::NAMES {
            assert_eq!(name.parse::<EntraAttribute>().unwrap().as_str(), name);
        }
        assert_eq!(
            "uid".parse::<EntraAttribute>().unwrap_err(),
            "unknown match attribute \"uid\" for an entra connector: expected \
             userPrincipalName, mail, employeeId"
        );
    }
}
