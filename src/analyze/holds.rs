//! Checking `holds.yaml`: a list of employees under legal hold with a reason.

use std::path::Path;
use std::sync::Arc;

use super::diagnostic::Diagnostic;
use super::node::Node;
use super::reader::{Cx, Fields, check_version, with_root};
use crate::playbook::{Hold, Holds};

/// Check the legal holds in `text`.
pub fn analyze_holds(file: Arc<Path>, text: &str) -> (Option<Holds>, Vec<Diagnostic>) {
    with_root(file, text, check_holds)
}

fn check_holds(cx: &mut Cx<'_>, root: &Node) -> Option<Holds> {
    let fields = Fields::new(cx, root, "holds file", &["version", "holds"])?;
    check_version(cx, &fields);
    let items = match fields.get("holds") {
        Some(node) if node.value != super::node::Value::Null => cx.list("holds", node)?,
        _ => &[],
    };
    let mut holds = Vec::new();
    for item in items {
        let Some(f) = Fields::new(cx, item, "hold", &["employee", "reason", "since"]) else {
            continue;
        };
        let employee = f
            .required(cx, "employee")
            .and_then(|n| cx.scalar_text("employee", n));
        let reason = f
            .required(cx, "reason")
            .and_then(|n| cx.scalar_text("reason", n));
        let since = f.get("since").and_then(|n| cx.scalar_text("since", n));
        if let (Some(employee), Some(reason)) = (employee, reason) {
            holds.push(Hold {
                employee,
                reason,
                since,
            });
        }
    }
    Some(Holds { holds })
}
