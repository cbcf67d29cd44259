//! The JSON Schemas (draft-07) of every file a user edits, for editors (yaml-language-server)
//! and CI checks: playbooks, `offboard.yaml`, the glossary, the role matrix, the holds file and
//! the service-account allow-list. Each is generated from shape types that mirror
//! docs/playbook-format.md, carries an `$id`, and is committed under `schema/`; the analyzer,
//! not these schemas, is the authority on validity (it also checks references between files).

mod config;
mod glossary;
mod holds;
mod roles;
mod service_accounts;

use schemars::JsonSchema;

/// A file kind that has a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaKind {
    /// `playbooks/*.yaml`.
    Playbook,
    /// `offboard.yaml`.
    Config,
    /// `glossary.yaml`.
    Glossary,
    /// `roles.yaml`.
    Roles,
    /// `holds.yaml`.
    Holds,
    /// `service-accounts.yaml`.
    ServiceAccounts,
}

impl SchemaKind {
    /// Every kind, in the order `offboard schema --out` writes them.
    pub const ALL: [SchemaKind; 6] = [
        SchemaKind::Playbook,
        SchemaKind::Config,
        SchemaKind::Glossary,
        SchemaKind::Roles,
        SchemaKind::Holds,
        SchemaKind::ServiceAccounts,
    ];

    /// The name on the command line and in the schema's file name (`config`).
    pub fn name(self) -> &'static str {
        match self {
            SchemaKind::Playbook => "playbook",
            SchemaKind::Config => "config",
            SchemaKind::Glossary => "glossary",
            SchemaKind::Roles => "roles",
            SchemaKind::Holds => "holds",
            SchemaKind::ServiceAccounts => "service-accounts",
        }
    }

    /// The schema's file name under `schema/` (`config.schema.json`).
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// The schema's `$id`.
    pub fn id(self) -> String {
        format!("urn:offboard:schema:{}:1", self.name())
    }

    /// The schema as pretty-printed JSON.
    pub fn json(self) -> String {
        let mut schema = match self {
            SchemaKind::Playbook => crate::playbook::schema::root_schema(),
            SchemaKind::Config => root::<config::ConfigShape>(),
            SchemaKind::Glossary => root::<glossary::GlossaryShape>(),
            SchemaKind::Roles => root::<roles::RolesShape>(),
            SchemaKind::Holds => root::<holds::HoldsShape>(),
            SchemaKind::ServiceAccounts => root::<service_accounts::ServiceAccountsShape>(),
        };
        schema.insert("$id".to_owned(), self.id().into());
        serde_json::to_string_pretty(&schema).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// The draft-07 root schema of `T`.
fn root<T: JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>()
}

#[cfg(test)]
mod tests {
    use super::SchemaKind;

    #[test]
    fn every_schema_is_draft07_closed_and_named() {
        for kind in SchemaKind::ALL {
            let schema: serde_json::Value = serde_json::from_str(&kind.json()).unwrap();
            assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
            assert_eq!(schema["$id"], kind.id());
            assert_eq!(schema["additionalProperties"], false, "{}", kind.name());
        }
    }
}
