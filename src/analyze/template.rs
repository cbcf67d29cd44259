//! Static template checks: syntax, and that every variable read is one the documentation lists.
//! The check runs on the template text only; nothing is rendered.

use super::diagnostic::{DiagnosticKind, suggest};
use super::node::Node;
use super::reader::Cx;
use crate::playbook::Template;
use crate::playbook::template_variables;

/// True when `name` (a dotted path) is a documented variable, one of the objects holding them,
/// or an attribute chain below a documented variable.
fn is_known(name: &str) -> bool {
    template_variables().iter().any(|known| {
        name == *known
            || name
                .strip_prefix(known)
                .is_some_and(|rest| rest.starts_with('.'))
            || known
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Check the template `source`, written at `node`; report problems and return it when valid.
pub(crate) fn check(cx: &mut Cx<'_>, source: &str, node: &Node) -> Option<Template> {
    let template = Template::new(source);
    match template.variables() {
        Err(error) => {
            cx.report(
                DiagnosticKind::TemplateSyntax {
                    message: error.message,
                },
                node.span,
            );
            None
        }
        Ok(names) => {
            let mut ok = true;
            for name in names.iter().filter(|n| !is_known(n)) {
                ok = false;
                let span = cx.locate(node.span, name);
                cx.report(
                    DiagnosticKind::UndefinedVariable {
                        name: name.clone(),
                        suggestion: suggest(name, template_variables().iter().copied()),
                    },
                    span,
                );
            }
            ok.then_some(template)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_variables() {
        for (name, known) in [
            ("employee.email", true),
            ("employee", true),
            ("employee.email.split", true),
            ("run.id", true),
            ("employee.emial", false),
            ("secret", false),
            ("employees.email", false),
        ] {
            assert_eq!(is_known(name), known, "{name}");
        }
    }
}
