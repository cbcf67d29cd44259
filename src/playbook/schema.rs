//! The JSON Schema (draft-07) of the playbook format, for editors via yaml-language-server. The
//! shapes below mirror docs/playbook-format.md and exist only to generate the schema; the
//! analyzer, not this schema, is the authority on validity.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use super::action::Action;
use super::confirm::Confirm;
use super::glossary::Status;
use super::model::{OnError, Risk};

/// An offboard playbook (format version 1): the steps that offboard one departure type.
#[derive(JsonSchema)]
#[schemars(title = "offboard playbook", deny_unknown_fields)]
#[allow(dead_code)]
struct PlaybookShape {
    /// Format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Unique name, used by `--playbook NAME`.
    #[schemars(regex(pattern = r"^[a-z0-9-]+$"))]
    name: String,
    /// One line for people.
    #[schemars(default)]
    description: Option<String>,
    /// Role -> the person or team that holds it.
    owners: BTreeMap<String, String>,
    /// HR statuses (glossary vocabulary) that select this playbook.
    triggers: Vec<Status>,
    /// The steps; at least one.
    #[schemars(length(min = 1))]
    steps: Vec<StepShape>,
}

/// One step of a playbook.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct StepShape {
    /// Unique within the playbook.
    #[schemars(regex(pattern = r"^[a-z0-9-]+$"))]
    id: String,
    /// The action, from the catalogue.
    kind: Action,
    /// A connector named in offboard.yaml whose type can perform the action.
    #[schemars(default)]
    connector: Option<String>,
    /// Parameters; each value is a template over the employee record, e.g. `{{ employee.email }}`.
    #[schemars(default)]
    with: BTreeMap<String, ParamShape>,
    /// Ids of steps that must be confirmed first.
    #[schemars(default)]
    after: Vec<String>,
    /// The owner role: a key of `owners`; signs manual confirmation.
    owner: String,
    /// Risk tier; sets the deadline (default `standard`).
    #[schemars(default)]
    risk: Option<Risk>,
    /// Stage delay from the HR effective time, e.g. `+30d`.
    #[schemars(default, regex(pattern = r"^\+[0-9]+[mhdw]$"))]
    at: Option<String>,
    /// Destroys data; blocked while the employee is under legal hold.
    #[schemars(default)]
    destructive: Option<bool>,
    /// The step preserves the employee's data (mailbox, files, hold copy).
    #[schemars(default)]
    preserves_data: Option<bool>,
    /// How the step is confirmed (default `readback`; `manual` for manual steps).
    #[schemars(default)]
    confirm: Option<Confirm>,
    /// What the run does when the step fails (default `stop`).
    #[schemars(default)]
    on_error: Option<OnError>,
    /// A person of the owner role must approve before it applies.
    #[schemars(default)]
    approval: Option<bool>,
}

/// A parameter value: a template string (numbers and booleans are taken as their text).
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)]
enum ParamShape {
    /// A template.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Flag(bool),
}

/// The draft-07 root schema (`crate::schema` adds its `$id` and prints it).
pub fn root_schema() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<PlaybookShape>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_draft07_and_closed() {
        let text = serde_json::to_string(&root_schema()).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
        let required = schema["required"].as_array().unwrap();
        for key in ["version", "name", "owners", "triggers", "steps"] {
            assert!(required.iter().any(|r| r == key), "{key} required");
        }
        assert!(text.contains("iam.delete"));
        assert!(text.contains("contractor_ended"));
    }
}
