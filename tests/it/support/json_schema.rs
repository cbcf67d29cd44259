//! A real JSON Schema validator: the `jsonschema` package of the test peers' environment,
//! choosing the validator class the schema's `$schema` names.

use std::path::Path;
use std::process::{Command, Stdio};

use super::fork;
use super::peers::venv_bin;

const CHECK: &str = "\
import json, sys, datetime, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
with open(sys.argv[2]) as f:
    document = yaml.safe_load(f)
# YAML dates are text to offboard and to editors' YAML 1.2 parsers.
document = json.loads(json.dumps(document, default=str))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
for e in cls(schema).iter_errors(document):
    print(e.json_path, e.message)
";

/// The validator's complaints about the YAML or JSON `document` against the schema at
/// `schema` (none when it passes).
pub fn schema_errors(schema: &Path, document: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.yaml");
    std::fs::write(&file, document).unwrap();
    let output = fork::output(
        Command::new(venv_bin("python"))
            .args(["-c", CHECK])
            .arg(schema)
            .arg(&file)
            .stdin(Stdio::null()),
    )
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}
