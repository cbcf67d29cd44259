//! The shape of `glossary.yaml`: the shared status vocabulary and the raw HR codes of each.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::playbook::Status;

/// offboard glossary (format version 1): which raw HR codes mean which status.
#[derive(JsonSchema)]
#[schemars(title = "offboard glossary", deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct GlossaryShape {
    /// Format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Status -> its raw codes; a raw code maps to exactly one status.
    statuses: BTreeMap<Status, StatusShape>,
}

/// One status of the vocabulary.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct StatusShape {
    /// The raw codes HR exports for this status, e.g. `[TERM, INVOL]`.
    codes: Vec<String>,
    /// One line for people.
    #[schemars(default)]
    description: Option<String>,
}
