//! Parameter templates: minijinja source over the employee record, rendered in strict mode so an
//! undefined variable is an error, never an empty string. This module renders; the analyzer
//! checks templates statically before they get here.

use std::fmt;
use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior};
use serde::{Serialize, Serializer};

/// The template variables a playbook may use (see docs/playbook-format.md, Templates).
pub const VARIABLES: &[&str] = &[
    "employee.id",
    "employee.username",
    "employee.email",
    "employee.display_name",
    "employee.manager_id",
    "employee.manager_email",
    "employee.department",
    "employee.cost_centre",
    "employee.role",
    "employee.new_role",
    "employee.status",
    "employee.raw_status",
    "employee.effective_at",
    "employee.employment",
    "employee.legal_hold",
    "run.id",
    "playbook.name",
];

/// A template as written in a playbook or configuration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Template {
    source: String,
}

/// Rendering failed: a syntax error or an undefined variable (strict mode).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("template `{template}`: {message}")]
pub struct TemplateError {
    /// The template source.
    pub template: String,
    /// The engine's message.
    pub message: String,
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env
    })
}

impl Template {
    /// A template with this source. Validity is checked by the analyzer, and again on render.
    pub fn new(source: impl Into<String>) -> Template {
        Template {
            source: source.into(),
        }
    }

    /// The engine every template renders with; the analyzer checks the filters, tests and
    /// functions a template uses against what it provides.
    pub(crate) fn engine() -> &'static Environment<'static> {
        environment()
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Render over `context`, e.g. `{"employee": {...}, "run": {"id": ...}, "playbook": {...}}`.
    pub fn render(&self, context: &serde_json::Value) -> Result<String, TemplateError> {
        environment()
            .render_str(&self.source, context)
            .map_err(|e| TemplateError {
                template: self.source.clone(),
                message: error_message(&e),
            })
    }

    /// Check the syntax and list the variables the template reads (dotted paths such as
    /// `employee.email`), sorted.
    pub fn variables(&self) -> Result<Vec<String>, TemplateError> {
        let template =
            environment()
                .template_from_str(&self.source)
                .map_err(|e| TemplateError {
                    template: self.source.clone(),
                    message: error_message(&e),
                })?;
        let mut names: Vec<String> = template.undeclared_variables(true).into_iter().collect();
        names.sort();
        Ok(names)
    }
}

/// The engine's message without its "(in template:line)" decoration.
fn error_message(error: &minijinja::Error) -> String {
    match (error.kind(), error.detail()) {
        (minijinja::ErrorKind::SyntaxError, Some(detail)) => detail.to_owned(),
        (kind, Some(detail)) => format!("{kind}: {detail}"),
        (kind, None) => kind.to_string(),
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_and_is_strict() {
        let ctx = json!({"employee": {"email": "ada@acme.example"}});
        let t = Template::new("Hand {{ employee.email }} over");
        assert_eq!(t.render(&ctx).unwrap(), "Hand ada@acme.example over");
        let undefined = Template::new("{{ employee.emial }}")
            .render(&ctx)
            .unwrap_err();
        assert!(
            undefined.message.contains("undefined"),
            "{}",
            undefined.message
        );
        assert_eq!(Template::new("<&>").render(&ctx).unwrap(), "<&>");
    }

    #[test]
    fn lists_variables() {
        let t = Template::new("{{ employee.email }} {{ run.id | upper }}");
        assert_eq!(t.variables().unwrap(), ["employee.email", "run.id"]);
        assert!(Template::new("{{ employee.email ").variables().is_err());
    }
}
