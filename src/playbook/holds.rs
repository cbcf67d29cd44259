//! Legal holds (`holds.yaml`): employees whose data must not be destroyed. Lookups only.

use serde::Serialize;

/// One employee under legal hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hold {
    /// HR employee id.
    pub employee: String,
    /// Why (case reference).
    pub reason: String,
    /// Since when, as written (`YYYY-MM-DD`).
    pub since: Option<String>,
}

/// Every hold of the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Holds {
    /// The holds, in file order.
    pub holds: Vec<Hold>,
}

impl Holds {
    /// The hold on `employee`, if any.
    pub fn hold_on(&self, employee: &str) -> Option<&Hold> {
        self.holds.iter().find(|h| h.employee == employee)
    }
}
