//! The diagnostics as one SARIF 2.1.0 log (OASIS Static Analysis Results Interchange Format),
//! the format code-scanning services import (`offboard validate --format sarif`, a public
//! contract described in docs/ci.md). It writes the log; it never chooses the files.
//!
//! One run whose tool is `offboard` (with its version); one rule per diagnostic code that
//! occurs (`OB014`, ...); one result per diagnostic, level `error`, its message followed by
//! `hint: ...`, located by the file's path relative to the root of the git work tree holding it
//! (`uriBaseId` `%SRCROOT%`, so that uploaders resolve it against the checkout) and a region with
//! 1-based line and column (columns count Unicode code points) plus byte offset and length.

use std::collections::BTreeSet;
use std::io::Write;

use serde::Serialize;

use super::diagnostic::Diagnostic;

/// The schema the log names, the published SARIF 2.1.0 JSON schema.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location<'a>; 1],
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: &'a str,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    byte_offset: usize,
    byte_length: usize,
}

/// Write `diagnostics` (each with its path relative to its work tree, `/`-separated) as one
/// SARIF log.
pub fn write(out: &mut impl Write, diagnostics: &[(String, &Diagnostic)]) -> std::io::Result<()> {
    let codes: Vec<&'static str> = diagnostics
        .iter()
        .map(|(_, d)| d.code())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let results = diagnostics
        .iter()
        .map(|(uri, d)| SarifResult {
            rule_id: d.code(),
            rule_index: codes.binary_search(&d.code()).unwrap_or_default(),
            level: "error",
            message: Message {
                text: format!("{}\nhint: {}", d.message(), d.hint()),
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri,
                        uri_base_id: "%SRCROOT%",
                    },
                    region: Region {
                        start_line: d.span.line.max(1),
                        start_column: d.span.column.max(1),
                        byte_offset: d.span.offset,
                        byte_length: d.span.len,
                    },
                },
            }],
        })
        .collect();
    let rules = codes
        .iter()
        .map(|&id| Rule {
            id,
            default_configuration: Configuration { level: "error" },
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "offboard",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::other)?;
    writeln!(out)
}
