//! The HR status vocabulary and the glossary that maps raw HRIS codes onto it. Lookups only; the
//! analyzer guarantees a raw code maps to exactly one status.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

/// The shared HR status vocabulary.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Involuntary termination.
    Terminated,
    /// Resignation or retirement.
    Resigned,
    /// Move to another role (mover).
    Transferred,
    /// Leave of absence.
    OnLeave,
    /// End of a contractor engagement.
    ContractorEnded,
    /// Employed and active.
    Active,
}

impl Status {
    /// The whole vocabulary, in documentation order.
    pub const ALL: [Status; 6] = [
        Status::Terminated,
        Status::Resigned,
        Status::Transferred,
        Status::OnLeave,
        Status::ContractorEnded,
        Status::Active,
    ];

    /// The name written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Terminated => "terminated",
            Status::Resigned => "resigned",
            Status::Transferred => "transferred",
            Status::OnLeave => "on_leave",
            Status::ContractorEnded => "contractor_ended",
            Status::Active => "active",
        }
    }

    /// The status named `name`.
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// True for the statuses that end access (everything but `active`).
    pub fn is_leaver(self) -> bool {
        !matches!(self, Status::Active)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The glossary: which raw HRIS codes mean which status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Glossary {
    /// Status -> its raw codes, in file order.
    pub statuses: BTreeMap<Status, Vec<String>>,
    /// Status -> optional description.
    pub descriptions: BTreeMap<Status, String>,
    #[serde(skip)]
    by_code: HashMap<String, Status>,
}

impl Glossary {
    /// Build from status -> codes; the caller guarantees each code appears once.
    pub fn new(
        statuses: BTreeMap<Status, Vec<String>>,
        descriptions: BTreeMap<Status, String>,
    ) -> Glossary {
        let by_code = statuses
            .iter()
            .flat_map(|(status, codes)| codes.iter().map(move |c| (c.clone(), *status)))
            .collect();
        Glossary {
            statuses,
            descriptions,
            by_code,
        }
    }

    /// The status a raw HRIS code maps to (exact match).
    pub fn status_of(&self, raw_code: &str) -> Option<Status> {
        self.by_code.get(raw_code).copied()
    }

    /// True when the glossary defines `status`.
    pub fn has(&self, status: Status) -> bool {
        self.statuses.contains_key(&status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_codes() {
        let mut statuses = BTreeMap::new();
        statuses.insert(
            Status::Resigned,
            vec!["RESIGN".to_string(), "VOL".to_string()],
        );
        let g = Glossary::new(statuses, BTreeMap::new());
        assert_eq!(g.status_of("VOL"), Some(Status::Resigned));
        assert_eq!(g.status_of("vol"), None);
        assert!(g.has(Status::Resigned));
        assert!(!g.has(Status::Active));
        assert_eq!(Status::from_name("on_leave"), Some(Status::OnLeave));
    }
}
