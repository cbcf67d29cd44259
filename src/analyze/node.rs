//! The spanned YAML tree: every node and every mapping key keeps its line, column and byte span.
//! It owns parsing YAML text into that tree (with budgets so hostile input cannot exhaust
//! memory) and never interprets what the nodes mean; that is the checkers' job.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::diagnostic::Span;

/// Largest file the analyzer accepts, in bytes. Playbooks are a few kilobytes; anything this big
/// is a mistake or an attack.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

const MAX_EVENTS: usize = 200_000;
const MAX_NODES: usize = 100_000;
const MAX_DEPTH: usize = 32;
const MAX_ALIASES: usize = 1_000;
const MAX_ANCHORS: usize = 1_000;

/// One YAML node with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: Value,
    /// Where the node starts in the source.
    pub span: Span,
}

/// The content of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `~`, `null` or an empty value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string scalar (plain or quoted).
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, duplicates kept so they can be reported.
    Map(Vec<Entry>),
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key text.
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Value {
    /// The YAML type name, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Why a text is not a YAML tree.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// The parser's message, without position.
    pub message: String,
    /// Where the parser stopped.
    pub span: Span,
}

/// Parse `text` into a spanned tree. An empty document is a [`Value::Null`] node.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(SyntaxError {
            message: format!("file is larger than {MAX_FILE_BYTES} bytes"),
            span: Span::START,
        });
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = MAX_EVENTS;
    budget.max_nodes = MAX_NODES;
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ANCHORS;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        with_snippet: false,
    };
    match serde_saphyr::from_str_with_options::<Option<Spanned<Tree>>>(text, options) {
        Ok(Some(tree)) => Ok(node(tree)),
        Ok(None) => Ok(Node {
            value: Value::Null,
            span: Span::START,
        }),
        Err(error) => Err(syntax_error(text, &error)),
    }
}

fn syntax_error(text: &str, error: &serde_saphyr::Error) -> SyntaxError {
    let span = error
        .location()
        .map(|l| span_of(&l))
        .filter(|s| s.line > 0)
        .unwrap_or(Span::START);
    let span = fill_offset(text, span);
    let message = match error {
        serde_saphyr::Error::Budget { breach, .. } => budget_message(breach),
        _ => plain_message(&error.to_string()),
    };
    SyntaxError { message, span }
}

/// A budget breach in words, naming the limit.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Events { .. } => format!("the document has more than {MAX_EVENTS} parser events"),
        B::Nodes { .. } => format!("the document has more than {MAX_NODES} nodes"),
        B::Depth { .. } => format!("the document nests deeper than {MAX_DEPTH} levels"),
        B::Aliases { .. } | B::AliasAnchorRatio { .. } => {
            format!("the document uses more than {MAX_ALIASES} aliases")
        }
        B::Anchors { .. } => format!("the document defines more than {MAX_ANCHORS} anchors"),
        B::Documents { .. } => "the file holds more than one YAML document".to_owned(),
        B::ScalarBytes { .. } => {
            format!("the document's text values exceed {MAX_FILE_BYTES} bytes")
        }
        _ => "the document is too large or too complex to check".to_owned(),
    }
}

/// serde-saphyr appends " at line L, column C" to its messages; the diagnostic carries the
/// position itself.
fn plain_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or("invalid YAML").trim();
    let cut = first
        .find(" at line ")
        .map_or(first, |i| &first[..i])
        .trim_end_matches(':')
        .trim();
    if cut.is_empty() {
        "invalid YAML".to_owned()
    } else {
        cut.to_owned()
    }
}

/// When the parser gives line and column but no byte offset, compute it from the text.
fn fill_offset(text: &str, span: Span) -> Span {
    if span.offset > 0 || (span.line <= 1 && span.column <= 1) {
        return span;
    }
    let mut offset = 0usize;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index + 1 == span.line as usize {
            let col: usize = line
                .chars()
                .take(span.column.saturating_sub(1) as usize)
                .map(char::len_utf8)
                .sum();
            return Span {
                offset: offset + col,
                ..span
            };
        }
        offset += line.len();
    }
    span
}

fn span_of(location: &serde_saphyr::Location) -> Span {
    let s = location.span();
    Span {
        line: u32::try_from(location.line()).unwrap_or(u32::MAX),
        column: u32::try_from(location.column()).unwrap_or(u32::MAX),
        offset: s
            .byte_offset()
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or(0),
        len: s
            .byte_len()
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or(0),
    }
}

/// The deserialization target: a tree whose children keep their serde-saphyr spans.
enum Tree {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Spanned<Tree>>),
    Map(Vec<(Spanned<String>, Spanned<Tree>)>),
}

fn node(spanned: Spanned<Tree>) -> Node {
    let span = span_of(&spanned.referenced);
    let value = match spanned.value {
        Tree::Null => Value::Null,
        Tree::Bool(b) => Value::Bool(b),
        Tree::Int(i) => Value::Int(i),
        Tree::Float(f) => Value::Float(f),
        Tree::String(s) => Value::String(s),
        Tree::Seq(items) => Value::Seq(items.into_iter().map(node).collect()),
        Tree::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| Entry {
                    key_span: span_of(&key.referenced),
                    key: key.value,
                    value: node(value),
                })
                .collect(),
        ),
    };
    Node { value, span }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Tree, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tree, E> {
        Ok(Tree::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tree, E> {
        Ok(i64::try_from(v).map_or(Tree::Float(v as f64), Tree::Int))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Tree, E> {
        Ok(i64::try_from(v).map_or(Tree::Float(v as f64), Tree::Int))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Tree, E> {
        Ok(i64::try_from(v).map_or(Tree::Float(v as f64), Tree::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tree, E> {
        Ok(Tree::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Tree, E> {
        Ok(Tree::String(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Tree>>()? {
            items.push(item);
        }
        Ok(Tree::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Tree>>()?;
            entries.push((key, value));
        }
        Ok(Tree::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[Entry] {
        match &node.value {
            Value::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn keys_and_values_carry_positions() {
        let text = "version: 1\nsteps:\n  - id: a\n    after: [b, \"c\"]\n";
        let root = parse(text).unwrap();
        let entries = map(&root);
        assert_eq!(entries[0].key, "version");
        assert_eq!(
            (entries[0].key_span.line, entries[0].key_span.column),
            (1, 1)
        );
        assert_eq!(entries[0].value.value, Value::Int(1));
        assert_eq!(
            (entries[0].value.span.line, entries[0].value.span.column),
            (1, 10)
        );
        let Value::Seq(steps) = &entries[1].value.value else {
            panic!("steps")
        };
        let step = map(&steps[0]);
        assert_eq!((step[0].key_span.line, step[0].key_span.column), (3, 5));
        assert_eq!(step[0].key_span.offset, text.find("id: a").unwrap());
        let Value::Seq(after) = &step[1].value.value else {
            panic!("after")
        };
        assert_eq!(after[1].value, Value::String("c".into()));
        assert_eq!((after[1].span.line, after[1].span.column), (4, 16));
        assert_eq!(after[1].span.offset, text.find("\"c\"").unwrap());
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let root = parse("a: 1\nb: 2\na: 3\n").unwrap();
        let keys: Vec<_> = map(&root)
            .iter()
            .map(|e| (e.key.as_str(), e.key_span.line))
            .collect();
        assert_eq!(keys, [("a", 1), ("b", 2), ("a", 3)]);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.span.line >= 2, "{err:?}");
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    #[test]
    fn empty_text_is_null() {
        assert_eq!(parse("").unwrap().value, Value::Null);
        assert_eq!(parse("# only a comment\n").unwrap().value, Value::Null);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn budget_breaches_are_worded_for_people() {
        let text = format!("[{}]", "1,".repeat(MAX_NODES + 10));
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "the document has more than 100000 nodes");
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            parse(&deep).unwrap_err().message,
            "the document nests deeper than 32 levels"
        );
    }
}
