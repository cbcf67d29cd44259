//! Reading the spanned tree field by field while collecting diagnostics: wrong types, unknown,
//! duplicate and missing keys. Every checker goes through these helpers so the same mistake is
//! worded the same way in every file. Helpers report and return `None`; they never stop.

use std::path::Path;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, DiagnosticKind, Span, suggest};
use super::node::{Entry, Node, Value};

/// The diagnostics collected for one file, with its text for locating positions inside scalars.
pub(crate) struct Cx<'t> {
    file: Arc<Path>,
    text: &'t str,
    /// Everything reported so far, in order.
    pub diags: Vec<Diagnostic>,
}

impl<'t> Cx<'t> {
    pub(crate) fn new(file: Arc<Path>, text: &'t str) -> Cx<'t> {
        Cx {
            file,
            text,
            diags: Vec::new(),
        }
    }

    pub(crate) fn report(&mut self, kind: DiagnosticKind, span: Span) {
        self.diags.push(Diagnostic {
            kind,
            file: self.file.clone(),
            span,
        });
    }

    pub(crate) fn wrong_type(&mut self, key: &str, expected: &'static str, node: &Node) {
        self.report(
            DiagnosticKind::WrongType {
                key: key.to_owned(),
                expected,
                found: node.value.type_name(),
            },
            node.span,
        );
    }

    pub(crate) fn invalid(
        &mut self,
        key: &str,
        value: &str,
        expected: impl Into<String>,
        span: Span,
    ) {
        self.report(
            DiagnosticKind::InvalidValue {
                key: key.to_owned(),
                value: value.to_owned(),
                expected: expected.into(),
                suggestion: None,
            },
            span,
        );
    }

    /// Report `value` as not one of `options` (with a suggestion when it looks like a typo).
    pub(crate) fn choice(&mut self, key: &str, value: &str, options: &[&str], span: Span) {
        self.report(
            DiagnosticKind::InvalidValue {
                key: key.to_owned(),
                value: value.to_owned(),
                expected: one_of(options),
                suggestion: suggest(value, options.iter().copied()).map(str::to_owned),
            },
            span,
        );
    }

    pub(crate) fn string<'n>(&mut self, key: &str, node: &'n Node) -> Option<&'n str> {
        match &node.value {
            Value::String(s) => Some(s),
            _ => {
                self.wrong_type(key, "a string", node);
                None
            }
        }
    }

    /// A scalar read as text: strings as they are, numbers and booleans as written.
    pub(crate) fn scalar_text(&mut self, key: &str, node: &Node) -> Option<String> {
        match &node.value {
            Value::String(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.wrong_type(key, "a string", node);
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, key: &str, node: &Node) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(key, "`true` or `false`", node);
                None
            }
        }
    }

    pub(crate) fn uint(&mut self, key: &str, node: &Node, min: u32) -> Option<u32> {
        match node.value {
            Value::Int(i) => match u32::try_from(i) {
                Ok(n) if n >= min => Some(n),
                _ => {
                    self.invalid(
                        key,
                        &i.to_string(),
                        format!("a whole number of at least {min}"),
                        node.span,
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(key, "an integer", node);
                None
            }
        }
    }

    pub(crate) fn list<'n>(&mut self, key: &str, node: &'n Node) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.wrong_type(key, "a list", node);
                None
            }
        }
    }

    /// A list of strings with their positions; non-strings are reported and skipped.
    pub(crate) fn strings<'n>(
        &mut self,
        key: &str,
        node: &'n Node,
    ) -> Option<Vec<(&'n str, Span)>> {
        let items = self.list(key, node)?;
        Some(
            items
                .iter()
                .filter_map(|item| self.string(key, item).map(|s| (s, item.span)))
                .collect(),
        )
    }

    /// A mapping with free keys (names chosen by the user): duplicates are reported and dropped.
    pub(crate) fn map<'n>(&mut self, key: &str, node: &'n Node) -> Option<Vec<&'n Entry>> {
        let Value::Map(entries) = &node.value else {
            if node.value == Value::Null {
                return Some(Vec::new());
            }
            self.wrong_type(key, "a mapping", node);
            return None;
        };
        let mut kept: Vec<&Entry> = Vec::with_capacity(entries.len());
        for entry in entries {
            match kept.iter().find(|k| k.key == entry.key) {
                Some(first) => {
                    let first = first.key_span;
                    self.report(
                        DiagnosticKind::DuplicateKey {
                            key: entry.key.clone(),
                            first,
                        },
                        entry.key_span,
                    );
                }
                None => kept.push(entry),
            }
        }
        Some(kept)
    }

    /// The position of `needle` inside the scalar at `span`, or `span` itself when the scalar's
    /// source text does not contain it verbatim (escapes, folding).
    pub(crate) fn locate(&self, span: Span, needle: &str) -> Span {
        let start = span.offset.min(self.text.len());
        let end = if span.len > 0 {
            (span.offset + span.len).min(self.text.len())
        } else {
            self.text[start..]
                .find('\n')
                .map_or(self.text.len(), |i| start + i)
        };
        let Some(hay) = self.text.get(start..end) else {
            return span;
        };
        let Some(found) = hay.find(needle) else {
            return span;
        };
        let before = &hay[..found];
        let (line, column) = match before.rfind('\n') {
            Some(nl) => (
                span.line + before.matches('\n').count() as u32,
                before[nl + 1..].chars().count() as u32 + 1,
            ),
            None => (span.line, span.column + before.chars().count() as u32),
        };
        Span {
            line,
            column,
            offset: start + found,
            len: needle.len(),
        }
    }
}

/// The fields of a mapping with a fixed set of keys. Creating it reports a non-mapping, unknown
/// keys (with a suggestion) and duplicates (the first one is used).
pub(crate) struct Fields<'n> {
    entries: Vec<&'n Entry>,
    span: Span,
    context: &'static str,
}

impl<'n> Fields<'n> {
    pub(crate) fn new(
        cx: &mut Cx<'_>,
        node: &'n Node,
        context: &'static str,
        known: &'static [&'static str],
    ) -> Option<Fields<'n>> {
        let entries = cx.map(context, node)?;
        let mut kept = Vec::with_capacity(entries.len());
        for entry in entries {
            if known.contains(&entry.key.as_str()) {
                kept.push(entry);
            } else {
                cx.report(
                    DiagnosticKind::UnknownKey {
                        key: entry.key.clone(),
                        context,
                        suggestion: suggest(&entry.key, known.iter().copied()),
                    },
                    entry.key_span,
                );
            }
        }
        Some(Fields {
            entries: kept,
            span: node.span,
            context,
        })
    }

    pub(crate) fn entry(&self, key: &str) -> Option<&'n Entry> {
        self.entries.iter().copied().find(|e| e.key == key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub(crate) fn required(&self, cx: &mut Cx<'_>, key: &'static str) -> Option<&'n Node> {
        let node = self.get(key);
        if node.is_none() {
            cx.report(
                DiagnosticKind::MissingKey {
                    key,
                    context: self.context,
                },
                self.span,
            );
        }
        node
    }

    pub(crate) fn span(&self) -> Span {
        self.span
    }
}

/// Check `version:`: required, an integer, and 1.
pub(crate) fn check_version(cx: &mut Cx<'_>, fields: &Fields<'_>) {
    let Some(node) = fields.required(cx, "version") else {
        return;
    };
    match node.value {
        Value::Int(1) => {}
        Value::Int(found) => cx.report(DiagnosticKind::UnsupportedVersion { found }, node.span),
        _ => cx.wrong_type("version", "an integer", node),
    }
}

/// `a, b or c`.
pub(crate) fn one_of(options: &[&str]) -> String {
    match options {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// True for ids and names: `[a-z0-9-]+`.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Parse `text` and run `check` over the root, collecting diagnostics; a syntax error is the
/// only diagnostic when the text is not YAML. The value is kept only when there is no
/// diagnostic.
pub(crate) fn with_root<T>(
    file: Arc<Path>,
    text: &str,
    check: impl FnOnce(&mut Cx<'_>, &Node) -> Option<T>,
) -> (Option<T>, Vec<Diagnostic>) {
    let (value, diags) = with_root_partial(file, text, check);
    if diags.is_empty() {
        (value, diags)
    } else {
        (None, diags)
    }
}

/// Like [`with_root`], but the value `check` returns is kept even when there are diagnostics
/// (what could be read of a file with problems).
pub(crate) fn with_root_partial<T>(
    file: Arc<Path>,
    text: &str,
    check: impl FnOnce(&mut Cx<'_>, &Node) -> Option<T>,
) -> (Option<T>, Vec<Diagnostic>) {
    let mut cx = Cx::new(file, text);
    let value = match super::node::parse(text) {
        Ok(root) => check(&mut cx, &root),
        Err(error) => {
            cx.report(
                DiagnosticKind::Syntax {
                    message: error.message,
                },
                error.span,
            );
            None
        }
    };
    (value, cx.diags)
}
