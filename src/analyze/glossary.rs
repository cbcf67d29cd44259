//! Checking `glossary.yaml` (statuses of the shared vocabulary, each raw code mapped once) and
//! `roles.yaml` (every role carries something, no entitlement listed twice).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, DiagnosticKind, Span};
use super::node::Node;
use super::reader::{Cx, Fields, check_version, with_root, with_root_partial};
use crate::playbook::{Glossary, Role, RoleMatrix, Status};

/// Check the glossary in `text`.
pub fn analyze_glossary(file: Arc<Path>, text: &str) -> (Option<Glossary>, Vec<Diagnostic>) {
    with_root(file, text, check_glossary)
}

/// Check the glossary like [`analyze_glossary`], and keep what could be read of it even when it
/// has problems: every status of the vocabulary it lists (a raw code mapped twice stays with its
/// first status). `None` when `statuses:` could not be read at all.
pub fn analyze_glossary_partial(
    file: Arc<Path>,
    text: &str,
) -> (Option<Glossary>, Vec<Diagnostic>) {
    with_root_partial(file, text, check_glossary)
}

fn check_glossary(cx: &mut Cx<'_>, root: &Node) -> Option<Glossary> {
    let fields = Fields::new(cx, root, "glossary", &["version", "statuses"])?;
    check_version(cx, &fields);
    let statuses_node = fields.required(cx, "statuses")?;
    let entries = cx.map("statuses", statuses_node)?;
    let mut statuses = BTreeMap::new();
    let mut descriptions = BTreeMap::new();
    let mut seen: HashMap<String, &'static str> = HashMap::new();
    for entry in entries {
        let status = Status::from_name(&entry.key);
        if status.is_none() {
            cx.report(
                DiagnosticKind::GlossaryUnknownStatus {
                    status: entry.key.clone(),
                },
                entry.key_span,
            );
        }
        let Some(body) = Fields::new(
            cx,
            &entry.value,
            "glossary status",
            &["codes", "description"],
        ) else {
            // Still a status of the glossary, for checking triggers against it.
            if let Some(s) = status {
                statuses.entry(s).or_insert_with(Vec::new);
            }
            continue;
        };
        let mut codes = Vec::new();
        if let Some(items) = body.required(cx, "codes").and_then(|n| cx.list("codes", n)) {
            for item in items {
                let Some(code) = cx.scalar_text("codes", item) else {
                    continue;
                };
                match seen.get(&code) {
                    Some(first) => cx.report(
                        DiagnosticKind::GlossaryCodeTwice {
                            code: code.clone(),
                            first_status: (*first).to_owned(),
                        },
                        item.span,
                    ),
                    None => {
                        seen.insert(code.clone(), status.map_or("?", Status::as_str));
                        codes.push(code);
                    }
                }
            }
        }
        if let Some(text) = body
            .get("description")
            .and_then(|n| cx.string("description", n))
            && let Some(s) = status
        {
            descriptions.insert(s, text.to_owned());
        }
        if let Some(s) = status {
            statuses.insert(s, codes);
        }
    }
    Some(Glossary::new(statuses, descriptions))
}

/// Check the role matrix in `text`.
pub fn analyze_roles(file: Arc<Path>, text: &str) -> (Option<RoleMatrix>, Vec<Diagnostic>) {
    with_root(file, text, check_roles)
}

fn check_roles(cx: &mut Cx<'_>, root: &Node) -> Option<RoleMatrix> {
    let fields = Fields::new(cx, root, "role matrix", &["version", "roles"])?;
    check_version(cx, &fields);
    let roles_node = fields.required(cx, "roles")?;
    let entries = cx.map("roles", roles_node)?;
    let mut roles = BTreeMap::new();
    for entry in entries {
        let Some(body) = Fields::new(cx, &entry.value, "role", &["groups", "licenses"]) else {
            continue;
        };
        let list = |cx: &mut Cx<'_>, key: &str| -> Vec<String> {
            let mut out: Vec<(String, Span)> = Vec::new();
            let Some(items) = body.get(key).and_then(|n| cx.list(key, n)) else {
                return Vec::new();
            };
            for item in items {
                let Some(name) = cx.scalar_text(key, item) else {
                    continue;
                };
                if out.iter().any(|(n, _)| *n == name) {
                    cx.report(
                        DiagnosticKind::DuplicateEntitlement {
                            role: entry.key.clone(),
                            entitlement: name,
                        },
                        item.span,
                    );
                } else {
                    out.push((name, item.span));
                }
            }
            out.into_iter().map(|(n, _)| n).collect()
        };
        let role = Role {
            groups: list(cx, "groups"),
            licenses: list(cx, "licenses"),
        };
        if role.groups.is_empty() && role.licenses.is_empty() {
            cx.report(
                DiagnosticKind::EmptyRole {
                    role: entry.key.clone(),
                },
                entry.key_span,
            );
        }
        roles.insert(entry.key.clone(), role);
    }
    Some(RoleMatrix { roles })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(diags: &[Diagnostic]) -> Vec<(&'static str, u32, u32)> {
        diags
            .iter()
            .map(|d| (d.code(), d.span.line, d.span.column))
            .collect()
    }

    #[test]
    fn glossary_rules() {
        let text = "version: 1\nstatuses:\n  resigned: { codes: [VOL, RET] }\n  fired: { codes: [X] }\n  terminated: { codes: [TERM, VOL] }\n";
        let (g, diags) = analyze_glossary(Path::new("g.yaml").into(), text);
        assert!(g.is_none());
        assert_eq!(codes(&diags), [("OB031", 4, 3), ("OB030", 5, 31)]);
        assert!(diags[1].message().contains("already mapped to `resigned`"));
        let (partial, again) = analyze_glossary_partial(Path::new("g.yaml").into(), text);
        assert_eq!(again, diags);
        let partial = partial.unwrap();
        assert!(partial.has(Status::Resigned) && partial.has(Status::Terminated));
        assert_eq!(partial.status_of("VOL"), Some(Status::Resigned));
        assert_eq!(partial.status_of("TERM"), Some(Status::Terminated));
    }

    #[test]
    fn valid_glossary_maps_codes() {
        let text = "version: 1\nstatuses:\n  resigned: { codes: [VOL], description: Left }\n";
        let (g, diags) = analyze_glossary(Path::new("g.yaml").into(), text);
        assert_eq!(diags, []);
        assert_eq!(g.unwrap().status_of("VOL"), Some(Status::Resigned));
    }

    #[test]
    fn role_rules() {
        let text = "version: 1\nroles:\n  eng:\n    groups: [a, b, a]\n  idle: {}\n";
        let (m, diags) = analyze_roles(Path::new("r.yaml").into(), text);
        assert!(m.is_none());
        assert_eq!(codes(&diags), [("OB040", 4, 20), ("OB040", 5, 3)]);
    }
}
