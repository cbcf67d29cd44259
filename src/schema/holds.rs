//! The shape of `holds.yaml`: employees under legal hold.

use schemars::JsonSchema;

/// offboard legal holds (format version 1): destructive steps are blocked for these employees.
#[derive(JsonSchema)]
#[schemars(title = "offboard legal holds", deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct HoldsShape {
    /// Format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// The holds in force.
    #[schemars(default)]
    holds: Vec<HoldShape>,
}

/// One hold.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct HoldShape {
    /// The employee id.
    employee: Scalar,
    /// Why (a matter or case reference).
    reason: String,
    /// Since when (a date, `2026-10-01`).
    #[schemars(default)]
    since: Option<String>,
}

/// A value written as text or as a number (`E1006`, `1006`).
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)]
enum Scalar {
    /// Text.
    Text(String),
    /// A number.
    Number(i64),
}
