//! `tracing` output as JSON lines, for `--format json`: a machine reading stderr gets one object
//! per line, as the command's own warnings are (`{"warning": ...}`). A warning's text is under
//! `warning`, an error's under `error`, anything else (with `-v`) under `log`; then `level`,
//! `module` (where it came from) and the event's other fields, as strings.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats each event as one JSON object on one line.
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        writeln!(
            writer,
            "{}",
            line(*metadata.level(), metadata.target(), fields)
        )
    }
}

/// The JSON line of an event at `level` from `target` with its recorded `fields`.
fn line(level: Level, target: &str, fields: Fields) -> String {
    let key = match level {
        Level::WARN => "warning",
        Level::ERROR => "error",
        _ => "log",
    };
    let mut object = Map::new();
    object.insert(key.to_owned(), Value::String(fields.message));
    object.insert(
        "level".to_owned(),
        Value::String(level.as_str().to_ascii_lowercase()),
    );
    object.insert("module".to_owned(), Value::String(target.to_owned()));
    for (name, value) in fields.others {
        object.entry(name).or_insert(Value::String(value));
    }
    Value::Object(object).to_string()
}

/// An event's message and its other fields, as text.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.others.push((field.name().to_owned(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_one_json_line_with_its_fields() {
        let fields = Fields {
            message: "removed a torn \"line\"\nhere".to_owned(),
            others: vec![
                ("path".to_owned(), "a b".to_owned()),
                ("level".to_owned(), "shadowed".to_owned()),
            ],
        };
        let text = line(Level::WARN, "offboard::journal", fields);
        assert!(!text.contains('\n'), "{text}");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "warning": "removed a torn \"line\"\nhere",
                "level": "warn",
                "module": "offboard::journal",
                "path": "a b",
            })
        );
        let error: Value =
            serde_json::from_str(&line(Level::ERROR, "t", Fields::default())).unwrap();
        assert_eq!(error["error"], "");
        assert_eq!(error["level"], "error");
    }
}
