//! Static template checks: syntax; every variable read (by attribute or by subscript with a
//! literal key) is one the documentation lists; every filter, test and function is one the
//! run-time engine ([`Template::engine`]) provides. The check runs on the template text only;
//! nothing is rendered.

use std::collections::BTreeSet;

use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
use minijinja::syntax::SyntaxConfig;

use super::diagnostic::{DiagnosticKind, suggest};
use super::node::Node;
use super::reader::Cx;
use crate::playbook::Template;
use crate::playbook::template_variables;

/// Names minijinja documents as built-in filters; suggestions are drawn from those the engine
/// really provides.
const FILTER_NAMES: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "bool",
    "capitalize",
    "chain",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "tojson",
    "trim",
    "unique",
    "upper",
    "urlencode",
    "zip",
];

/// Names minijinja documents as built-in tests.
const TEST_NAMES: &[&str] = &[
    "boolean",
    "defined",
    "divisibleby",
    "endingwith",
    "eq",
    "equalto",
    "escaped",
    "even",
    "false",
    "filter",
    "float",
    "ge",
    "greaterthan",
    "gt",
    "in",
    "integer",
    "iterable",
    "le",
    "lessthan",
    "lower",
    "lt",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "safe",
    "sameas",
    "sequence",
    "startingwith",
    "string",
    "test",
    "true",
    "undefined",
    "upper",
];

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

/// True when the engine has a filter called `name`.
fn has_filter(name: &str) -> bool {
    let state = Template::engine().empty_state();
    !matches!(state.apply_filter(name, &[]), Err(e) if e.kind() == minijinja::ErrorKind::UnknownFilter)
}

/// True when the engine has a test called `name`.
fn has_test(name: &str) -> bool {
    let state = Template::engine().empty_state();
    !matches!(state.perform_test(name, &[]), Err(e) if e.kind() == minijinja::ErrorKind::UnknownTest)
}

/// True when the engine has a global (a function such as `range`, or a value) called `name`.
fn has_global(name: &str) -> bool {
    Template::engine().globals().any(|(n, _)| n == name)
}

/// Something a template names, found in its tokens.
#[derive(Debug, PartialEq)]
enum Use {
    /// `| name`, or `{% filter name %}`.
    Filter(String),
    /// `is name` or `is not name`.
    Test(String),
    /// `name(`, a call of a top-level name.
    Call(String),
    /// `a.b['c']`: a top-level name and the attributes and literal keys read below it.
    Path(String),
}

/// The filters, tests, calls and variable paths in `source` (already known to parse).
fn uses(source: &str) -> Vec<Use> {
    let tokens: Vec<Token<'_>> = tokenize(source, false, SyntaxConfig, WhitespaceConfig::default())
        .filter_map(|t| t.ok().map(|(token, _)| token))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let previous = i.checked_sub(1).map(|p| &tokens[p]);
        let Token::Ident(name) = &tokens[i] else {
            i += 1;
            continue;
        };
        let name = *name;
        match previous {
            Some(Token::Pipe) => out.push(Use::Filter(name.to_owned())),
            Some(Token::Ident("filter"))
                if i >= 2 && matches!(tokens[i - 2], Token::BlockStart) =>
            {
                out.push(Use::Filter(name.to_owned()))
            }
            Some(Token::Ident("is")) if name != "not" => out.push(Use::Test(name.to_owned())),
            Some(Token::Ident("not")) if i >= 2 && matches!(tokens[i - 2], Token::Ident("is")) => {
                out.push(Use::Test(name.to_owned()))
            }
            Some(Token::Dot) => {}
            _ if matches!(tokens.get(i + 1), Some(Token::ParenOpen)) => {
                out.push(Use::Call(name.to_owned()))
            }
            _ => {
                let mut path = name.to_owned();
                let mut j = i + 1;
                loop {
                    match (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2)) {
                        (Some(Token::Dot), Some(Token::Ident(attr)), _) => {
                            path.push('.');
                            path.push_str(attr);
                            j += 2;
                        }
                        (
                            Some(Token::BracketOpen),
                            Some(Token::Str(key)),
                            Some(Token::BracketClose),
                        ) => {
                            path.push('.');
                            path.push_str(key);
                            j += 3;
                        }
                        (
                            Some(Token::BracketOpen),
                            Some(Token::String(key)),
                            Some(Token::BracketClose),
                        ) => {
                            path.push('.');
                            path.push_str(key);
                            j += 3;
                        }
                        _ => break,
                    }
                }
                out.push(Use::Path(path));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// True when `source` holds template syntax (an expression, a statement or a comment), rather
/// than being taken as the text it is.
pub(crate) fn is_template(source: &str) -> bool {
    ["{{", "{%", "{#"].iter().any(|open| source.contains(open))
}

/// Check the template `source`, written at `node`; report problems and return it when valid.
pub(crate) fn check(cx: &mut Cx<'_>, source: &str, node: &Node) -> Option<Template> {
    let template = Template::new(source);
    let names = match template.variables() {
        Ok(names) => names,
        Err(error) => {
            cx.report(
                DiagnosticKind::TemplateSyntax {
                    message: error.message,
                },
                node.span,
            );
            return None;
        }
    };
    // The top-level names the template reads from its context (not set inside it).
    let roots: BTreeSet<&str> = names
        .iter()
        .filter_map(|n| n.split('.').next())
        .filter(|root| !has_global(root))
        .collect();
    let mut reported = BTreeSet::new();
    let mut ok = true;
    let mut undefined = |cx: &mut Cx<'_>, name: &str| {
        if reported.insert(name.to_owned()) {
            // Written as a dotted path, or else (a subscript) at its last key.
            let whole = cx.locate(node.span, name);
            let span = if whole == node.span {
                cx.locate(node.span, name.rsplit('.').next().unwrap_or(name))
            } else {
                whole
            };
            cx.report(
                DiagnosticKind::UndefinedVariable {
                    name: name.to_owned(),
                    suggestion: suggest(name, template_variables().iter().copied()),
                },
                span,
            );
        }
    };
    for name in &names {
        let root = name.split('.').next().unwrap_or(name);
        if roots.contains(root) && !is_known(name) {
            ok = false;
            undefined(cx, name);
        }
    }
    for found in uses(source) {
        let (what, name, provided, candidates) = match &found {
            Use::Path(path) => {
                let root = path.split('.').next().unwrap_or(path);
                if roots.contains(root) && !is_known(path) {
                    ok = false;
                    undefined(cx, path);
                }
                continue;
            }
            // A called name that is not a global is a variable read, reported above.
            Use::Call(_) => continue,
            Use::Filter(name) => ("filter", name, has_filter(name), FILTER_NAMES),
            Use::Test(name) => ("test", name, has_test(name), TEST_NAMES),
        };
        if provided {
            continue;
        }
        ok = false;
        let span = cx.locate(node.span, name);
        let suggestion = suggest(
            name,
            candidates.iter().copied().filter(|c| {
                if what == "filter" {
                    has_filter(c)
                } else {
                    has_test(c)
                }
            }),
        )
        .map(str::to_owned);
        cx.report(
            DiagnosticKind::UnknownTemplateName {
                what,
                name: name.clone(),
                suggestion,
            },
            span,
        );
    }
    ok.then_some(template)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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

    fn problems(source: &str) -> Vec<(&'static str, String)> {
        let yaml = format!("v: {source:?}\n");
        let root = super::super::node::parse(&yaml).unwrap();
        let super::super::node::Value::Map(entries) = &root.value else {
            panic!("map")
        };
        let mut cx = Cx::new(Path::new("t.yaml").into(), &yaml);
        let valid = check(&mut cx, source, &entries[0].value).is_some();
        assert_eq!(valid, cx.diags.is_empty(), "{source}");
        cx.diags.iter().map(|d| (d.code(), d.message())).collect()
    }

    #[test]
    fn builtins_of_the_engine_are_not_variables() {
        for source in [
            "{{ range(10) | list | length }}",
            "{% for i in range(3) %}{{ i }}{% endfor %}",
            "{{ employee.email | upper | replace('@', ' at ') }}",
            "{{ employee.legal_hold is defined and employee.status is not none }}",
            "{% filter upper %}{{ employee.email }}{% endfilter %}",
            "{{ dict(a=1).a }} {{ employee['email'] }} {{ employee.email.split('@')[0] }}",
            "{% set x = employee.email %}{{ x }}",
        ] {
            assert_eq!(problems(source), [], "{source}");
        }
    }

    #[test]
    fn unknown_filters_tests_and_subscripts_are_reported() {
        assert_eq!(
            problems("{{ employee.email | nosuchfilter }}"),
            [("OB024", "unknown template filter `nosuchfilter`".to_owned())]
        );
        assert_eq!(
            problems("{{ employee.email is nosuchtest }}"),
            [("OB024", "unknown template test `nosuchtest`".to_owned())]
        );
        assert_eq!(
            problems("{{ employee['emial'] }}"),
            [(
                "OB017",
                "undefined template variable `employee.emial`".to_owned()
            )]
        );
        assert_eq!(
            problems("{{ nope(1) }}"),
            [("OB017", "undefined template variable `nope`".to_owned())]
        );
        let typo = problems("{{ employee.email | uper }}");
        assert_eq!(typo[0].0, "OB024");
        let mut cx = Cx::new(Path::new("t.yaml").into(), "");
        let node = Node {
            value: super::super::node::Value::Null,
            span: super::super::diagnostic::Span::START,
        };
        check(&mut cx, "{{ employee.email | uper }}", &node);
        assert_eq!(cx.diags[0].hint(), "did you mean `upper`?");
    }
}
