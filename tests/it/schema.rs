//! The JSON Schemas of every file a user edits: committed and current, named by a modeline in
//! every shipped file, and every shipped file passing its schema in a real validator, which
//! catches a planted typo.

use std::path::{Path, PathBuf};

use crate::support::json_schema::schema_errors;
use crate::support::{Test, source_root};

/// The schema (`config`, ...) a YAML file of that name is checked against.
fn kind_of(path: &Path) -> &'static str {
    let name = path.file_name().unwrap().to_str().unwrap();
    match name {
        "offboard.yaml" => "config",
        "glossary.yaml" => "glossary",
        "roles.yaml" => "roles",
        "holds.yaml" => "holds",
        "service-accounts.yaml" => "service-accounts",
        _ if path.parent().unwrap().ends_with("playbooks") => "playbook",
        _ => panic!("no schema for {}", path.display()),
    }
}

/// Every YAML file the repository ships for users (playbooks, the examples) and every one a
/// new repository from `offboard init` holds, which lives in `scaffold`.
fn shipped_files(scaffold: &Path) -> Vec<PathBuf> {
    let root = source_root();
    let dirs = [
        root.join("playbooks"),
        root.join("examples/acme"),
        root.join("examples/northwind"),
        root.join("examples/northwind/playbooks"),
        root.join("examples/contoso"),
        root.join("examples/contoso/playbooks"),
        root.join("examples/fabrikam"),
        root.join("examples/fabrikam/playbooks"),
        root.join("examples/acme-okta"),
        root.join("examples/acme-okta/playbooks"),
        root.join("examples/acme-google-workspace"),
        root.join("examples/acme-google-workspace/playbooks"),
        scaffold.to_path_buf(),
        scaffold.join("playbooks"),
    ];
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn committed_schemas_are_current() {
    let out = Test::new().args(["schema", "--out", "schemas"]).run();
    let written = out.dir.path().join("schemas");
    let mut names: Vec<String> = std::fs::read_dir(&written)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "config.schema.json",
            "glossary.schema.json",
            "holds.schema.json",
            "playbook.schema.json",
            "roles.schema.json",
            "service-accounts.schema.json"
        ]
    );
    for name in names {
        let committed = std::fs::read_to_string(source_root().join("schema").join(&name)).unwrap();
        let current = std::fs::read_to_string(written.join(&name)).unwrap();
        assert_eq!(
            current, committed,
            "schema/{name} is stale: run `offboard schema --out schema`"
        );
        let schema: serde_json::Value = serde_json::from_str(&current).unwrap();
        assert!(
            schema["$id"]
                .as_str()
                .unwrap()
                .starts_with("urn:offboard:schema:")
        );
    }
    // One schema printed alone is the same document.
    let config = Test::new().args(["schema", "config"]).run();
    assert_eq!(
        config.stdout,
        std::fs::read_to_string(source_root().join("schema/config.schema.json")).unwrap()
    );
}

#[test]
fn every_shipped_file_names_and_passes_its_schema() {
    let scaffold = Test::new().args(["init", "."]).run();
    let files = shipped_files(scaffold.dir.path());
    assert!(files.len() >= 20, "{files:?}");
    for path in files {
        let kind = kind_of(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let modeline = text.lines().next().unwrap_or_default();
        let target = modeline
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{} has no modeline", path.display()));
        let schema = path.parent().unwrap().join(target);
        assert!(
            schema.ends_with(format!("{kind}.schema.json")),
            "{}: modeline names {}",
            path.display(),
            schema.display()
        );
        let schema = schema
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), schema.display()));
        assert_eq!(
            schema_errors(&schema, &text),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_planted_typo_fails_its_schema() {
    let root = source_root();
    let cases = [
        (
            "examples/acme/offboard.yaml",
            "config",
            "batch_limit:",
            "batch_limt:",
        ),
        (
            "examples/acme/offboard.yaml",
            "config",
            "type: sqlite",
            "type: sqlit",
        ),
        ("examples/acme/glossary.yaml", "glossary", "codes:", "code:"),
        (
            "examples/acme/roles.yaml",
            "roles",
            "licenses:",
            "licences:",
        ),
        ("examples/acme/holds.yaml", "holds", "reason:", "reasons:"),
        (
            "examples/acme/service-accounts.yaml",
            "service-accounts",
            "owner:",
            "owners:",
        ),
        (
            "playbooks/involuntary-leaver.yaml",
            "playbook",
            "risk: critical",
            "risk: urgent",
        ),
    ];
    for (file, kind, from, to) in cases {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(text.contains(from), "{file} has no `{from}`");
        let schema = root.join("schema").join(format!("{kind}.schema.json"));
        let errors = schema_errors(&schema, &text.replacen(from, to, 1));
        assert!(!errors.is_empty(), "{file} with `{to}` passed its schema");
    }
}
