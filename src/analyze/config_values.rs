//! Reading the values `offboard.yaml` is made of, shared by its sections: paths resolved
//! against the file's directory, URLs, environment variable names, optional keys and
//! durations. Each reports what is wrong with the value where it is; none echoes a secret.

use std::path::{Path, PathBuf};

use super::diagnostic::DiagnosticKind;
use super::node::Node;
use super::reader::{Cx, Fields};
use crate::playbook::Duration;

/// Resolves and checks the paths the configuration names.
pub(super) struct Paths<'a> {
    pub(super) dir: PathBuf,
    pub(super) exists: &'a dyn Fn(&Path) -> bool,
}

impl Paths<'_> {
    pub(super) fn resolve(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }

    /// A path key: resolved, and reported when `must_exist` and absent.
    pub(super) fn path(
        &self,
        cx: &mut Cx<'_>,
        key: &str,
        node: &Node,
        must_exist: bool,
    ) -> Option<PathBuf> {
        let text = cx.string(key, node)?;
        let path = self.resolve(text);
        if must_exist && !(self.exists)(&path) {
            cx.report(
                DiagnosticKind::InvalidConfig {
                    message: format!("`{key}` names `{text}`, which does not exist"),
                },
                node.span,
            );
            return None;
        }
        Some(path)
    }
}

pub(super) fn url(cx: &mut Cx<'_>, key: &str, node: &Node, schemes: &[&str]) -> Option<String> {
    let text = cx.string(key, node)?;
    if schemes
        .iter()
        .any(|s| text.starts_with(s) && text.len() > s.len())
    {
        Some(text.to_owned())
    } else {
        cx.report(
            DiagnosticKind::InvalidConfig {
                message: format!(
                    "`{key}` must be a URL starting with {}",
                    schemes.join(" or ")
                ),
            },
            node.span,
        );
        None
    }
}

/// An optional `*_env` key: must name an environment variable. The value is not echoed, in case
/// it is a secret pasted by mistake.
pub(super) fn env_name(cx: &mut Cx<'_>, f: &Fields<'_>, key: &str) -> Option<Option<String>> {
    let Some(node) = f.get(key) else {
        return Some(None);
    };
    let text = cx.string(key, node)?;
    let valid = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Some(Some(text.to_owned()))
    } else {
        cx.report(
            DiagnosticKind::InvalidConfig {
                message: format!(
                    "`{key}` must name an environment variable (letters, digits, `_`), not hold a secret"
                ),
            },
            node.span,
        );
        None
    }
}

/// An optional key: `Some(None)` when absent, `None` when present and invalid.
pub(super) fn opt<T>(
    cx: &mut Cx<'_>,
    f: &Fields<'_>,
    key: &str,
    read: impl FnOnce(&mut Cx<'_>, &Node) -> Option<T>,
) -> Option<Option<T>> {
    match f.get(key) {
        Some(n) => read(cx, n).map(Some),
        None => Some(None),
    }
}

pub(super) fn duration(cx: &mut Cx<'_>, key: &str, node: &Node) -> Option<Duration> {
    let text = cx.string(key, node)?;
    let parsed = text.parse::<Duration>().ok();
    if parsed.is_none() {
        cx.invalid(
            "duration",
            text,
            "a number followed by s, m, h, d or w, e.g. `15m`",
            node.span,
        );
    }
    parsed
}

/// `policy.retention`: `N` days, weeks or years.
pub(super) fn retention(cx: &mut Cx<'_>, node: &Node) -> Option<crate::playbook::Retention> {
    let text = cx.string("retention", node)?;
    let parsed = text.parse().ok();
    if parsed.is_none() {
        cx.invalid(
            "retention",
            text,
            "a number followed by d, w or y, e.g. `7y` or `400d`",
            node.span,
        );
    }
    parsed
}
