//! A step as the analyzer reads it, before it is known to be valid: what the rules across steps
//! (ids, dependencies, ordering, confirmation) are checked on.

use std::collections::{BTreeMap, HashMap};

use super::diagnostic::Span;
use crate::playbook::{Action, Confirm, OnError, Risk, StageDelay, Template};

/// A step as far as it could be read; rules across steps run on these even when some fields
/// are invalid, so one mistake does not hide another.
pub(super) struct RawStep {
    pub(super) id: Option<(String, Span)>,
    pub(super) kind: Option<(Action, Span)>,
    pub(super) connector: Option<String>,
    pub(super) with: BTreeMap<String, Template>,
    pub(super) after: Vec<(String, Span)>,
    pub(super) owner: Option<String>,
    pub(super) risk: Risk,
    pub(super) at: Option<StageDelay>,
    pub(super) destructive: bool,
    pub(super) preserves_data: bool,
    pub(super) confirm: Option<Confirm>,
    pub(super) on_error: OnError,
    pub(super) approval: bool,
}

impl RawStep {
    pub(super) fn preserves(&self) -> bool {
        self.preserves_data || self.kind.is_some_and(|(k, _)| k.preserves_data())
    }

    pub(super) fn is_disable_on(&self, connector: &Option<String>) -> bool {
        self.kind.is_some_and(|(k, _)| k.is_disable()) && &self.connector == connector
    }

    pub(super) fn connector(&self) -> &Option<String> {
        &self.connector
    }

    pub(super) fn destructive(&self) -> bool {
        self.destructive
    }
}

/// Step index by id (the first step with that id).
pub(super) fn index(steps: &[RawStep]) -> HashMap<&str, usize> {
    let mut index = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        if let Some((id, _)) = &step.id {
            index.entry(id.as_str()).or_insert(i);
        }
    }
    index
}
