//! A sign-in factor enrolled on an account (an authenticator app, a phone number, a security
//! key), as read back: what resetting the factors takes away, each one named in the evidence.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One enrolled factor.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Factor {
    /// The kind of factor, as the system names it (`sms`, `push`, `token:software:totp`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Who provides it (`OKTA`, `GOOGLE`, `YUBICO`, ...).
    pub provider: String,
    /// The system's id of the enrollment.
    pub id: String,
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {})", self.kind, self.provider, self.id)
    }
}
