//! How a step is confirmed: read back, signed off by a person, or not at all.

use serde::{Deserialize, Serialize};

/// How a step is confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confirm {
    /// Read the target back and check the post-condition.
    Readback,
    /// A person of the owner role signs off with `offboard confirm`.
    Manual,
    /// No confirmation (not allowed for critical and high steps).
    None,
}

impl Confirm {
    /// Every mode.
    pub const ALL: [Confirm; 3] = [Confirm::Readback, Confirm::Manual, Confirm::None];

    /// The name written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Confirm::Readback => "readback",
            Confirm::Manual => "manual",
            Confirm::None => "none",
        }
    }

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<Confirm> {
        Confirm::ALL.into_iter().find(|c| c.as_str() == name)
    }
}
