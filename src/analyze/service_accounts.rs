//! Checking `service-accounts.yaml`, the allow-list `reconcile` consults before it reports an
//! account as unknown to HR: the shared structural rules (keys, types, version), a non-empty
//! `account` and `owner` per entry, no pattern that allows every account, no entry listed
//! twice. `validate` reports what it finds; `reconcile` refuses a list with any of it.

use std::path::Path;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, DiagnosticKind, Span};
use super::node::{Node, Value};
use super::reader::{Cx, Fields, check_version, with_root};
use crate::playbook::{AllowList, ServiceAccount, allows_everything};

/// Check the service-account allow-list in `text`.
pub fn analyze_service_accounts(
    file: Arc<Path>,
    text: &str,
) -> (Option<AllowList>, Vec<Diagnostic>) {
    with_root(file, text, check_allow_list)
}

fn check_allow_list(cx: &mut Cx<'_>, root: &Node) -> Option<AllowList> {
    let fields = Fields::new(
        cx,
        root,
        "service-account list",
        &["version", "service_accounts"],
    )?;
    check_version(cx, &fields);
    let items = match fields.get("service_accounts") {
        Some(node) if node.value != Value::Null => cx.list("service_accounts", node)?,
        _ => &[],
    };
    let mut entries = Vec::new();
    let mut seen: Vec<(String, Option<String>, Span)> = Vec::new();
    for item in items {
        let Some(f) = Fields::new(
            cx,
            item,
            "service account",
            &["account", "system", "owner", "reason"],
        ) else {
            continue;
        };
        let account = f.required(cx, "account").and_then(|n| {
            text(
                cx,
                "account",
                n,
                "the account name or a pattern such as `svc-*`",
            )
        });
        let owner = f
            .required(cx, "owner")
            .and_then(|n| text(cx, "owner", n, "the person or team that answers for it"));
        let system = f
            .get("system")
            .and_then(|n| text(cx, "system", n, "the system's name, or leave the key out"));
        let reason = f.get("reason").and_then(|n| cx.scalar_text("reason", n));
        let (Some((account, span)), Some((owner, _))) = (account, owner) else {
            continue;
        };
        if allows_everything(&account) {
            cx.report(
                DiagnosticKind::AllowsEveryAccount {
                    pattern: account.clone(),
                },
                span,
            );
            continue;
        }
        let system = system.map(|(s, _)| s);
        if let Some((_, _, first)) = seen.iter().find(|(a, s, _)| *a == account && *s == system) {
            cx.report(
                DiagnosticKind::ServiceAccountTwice {
                    account: account.clone(),
                    system: system.clone(),
                    first: *first,
                },
                span,
            );
            continue;
        }
        seen.push((account.clone(), system.clone(), span));
        entries.push(ServiceAccount {
            account,
            system,
            owner,
            reason,
        });
    }
    Some(AllowList { entries })
}

/// A scalar that must hold text (not only blanks), trimmed, with its position.
fn text(cx: &mut Cx<'_>, key: &str, node: &Node, expected: &'static str) -> Option<(String, Span)> {
    let value = cx.scalar_text(key, node)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        cx.report(
            DiagnosticKind::EmptyValue {
                key: key.to_owned(),
                expected,
            },
            node.span,
        );
        return None;
    }
    Some((trimmed.to_owned(), node.span))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Option<AllowList>, Vec<(&'static str, u32, u32)>) {
        let (list, diags) = analyze_service_accounts(Path::new("s.yaml").into(), text);
        let codes = diags
            .iter()
            .map(|d| (d.code(), d.span.line, d.span.column))
            .collect();
        (list, codes)
    }

    #[test]
    fn a_valid_list_matches_by_system() {
        let (list, codes) = check(
            "version: 1\nservice_accounts:\n  - account: svc-*\n    owner: it-ops\n    reason: jobs\n  - account: deploy\n    system: sso\n    owner: release\n",
        );
        assert_eq!(codes, []);
        let list = list.unwrap();
        assert_eq!(list.entries.len(), 2);
        assert!(list.permits("directory", "svc-ci"));
        assert!(list.permits("sso", "deploy"));
        assert!(!list.permits("directory", "deploy"));
        let (empty, codes) = check("version: 1\n");
        assert_eq!((empty.map(|l| l.entries.len()), codes), (Some(0), vec![]));
    }

    #[test]
    fn every_problem_is_positioned() {
        let (list, codes) = check(
            "version: 2\nservice_accounts:\n  - account: x\n  - account: '*'\n    owner: a\n  - account: svc\n    owner: ' '\n    colour: red\n  - account: y\n    owner: a\n  - account: y\n    owner: b\n  - account: y\n    system: sso\n    owner: c\n  - 3\n",
        );
        assert!(list.is_none());
        assert_eq!(
            codes,
            [
                ("OB007", 1, 10),
                ("OB004", 3, 5),
                ("OB060", 4, 14),
                ("OB002", 8, 5),
                ("OB006", 7, 12),
                ("OB060", 11, 14),
                ("OB005", 16, 5),
            ]
        );
    }
}
