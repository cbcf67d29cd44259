//! The JSON answers of the HTTP HR source: a JSON array of employee objects, or a page
//! `{"employees": [...], "next": URL|null}`. Each object is read by the same field rules as a CSV
//! row ([`super::fields`]); errors locate the item as `URL#/json/pointer`. It only parses: it
//! never sends a request.

use serde_json::{Map, Value};

use super::fields::{ColumnMap, FIELDS, check_row, check_sizes};
use super::{HrError, HrRecord, validate_identifier};

/// Removes secrets from text a server sent back before it is quoted in a message.
pub(super) type Redact<'a> = &'a dyn Fn(&str) -> String;

/// The key of a paged answer holding the employees.
const EMPLOYEES: &str = "employees";
/// The key of a paged answer holding the next page's URL.
const NEXT: &str = "next";

/// Why a body is not JSON, with its (redacted) start.
pub(super) fn not_json(error: &serde_json::Error, body: &[u8], redact: Redact<'_>) -> String {
    let text = redact(String::from_utf8_lossy(body).trim());
    if text.is_empty() {
        return "the body is empty, not JSON".to_owned();
    }
    format!(
        "the body is not JSON ({error}); it starts with `{}`",
        truncate(&text, 80).escape_debug()
    )
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// One answer of the listing: its employees, each with its location (`URL#/pointer`), and the
/// next page's link.
#[derive(Debug)]
pub(super) struct Page {
    /// The employees, each with its location.
    pub items: Vec<(String, HrRecord)>,
    /// The next page's link, as written.
    pub next: Option<String>,
}

/// Parse one answer of the listing at `url`: a JSON array of employees, or an object with
/// `employees` (an array) and `next` (a URL, or null, absent or empty on the last page). Text of
/// the body quoted in an error goes through `redact` first.
pub(super) fn parse_page(
    url: &str,
    body: &[u8],
    columns: &ColumnMap,
    redact: Redact<'_>,
) -> Result<Page, HrError> {
    let shape_error = |message: String| HrError::Body {
        url: url.to_owned(),
        message,
    };
    let value: Value =
        serde_json::from_slice(body).map_err(|e| shape_error(not_json(&e, body, redact)))?;
    let (items, prefix, next) = match value {
        Value::Array(items) => (items, "", None),
        Value::Object(mut page) => {
            let Some(Value::Array(items)) = page.remove(EMPLOYEES) else {
                return Err(shape_error(format!(
                    "expected a JSON array of employees, or an object whose `{EMPLOYEES}` is one"
                )));
            };
            let next = match page.remove(NEXT) {
                None | Some(Value::Null) => None,
                Some(Value::String(next)) if next.trim().is_empty() => None,
                Some(Value::String(next)) => Some(next),
                Some(_) => {
                    return Err(shape_error(format!("`{NEXT}` must be a URL or null")));
                }
            };
            (items, "/employees", next)
        }
        _ => {
            return Err(shape_error(format!(
                "expected a JSON array of employees, or an object whose `{EMPLOYEES}` is one"
            )));
        }
    };
    let items = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let location = format!("{url}#{prefix}/{index}");
            let Value::Object(item) = item else {
                return Err(HrError::Item {
                    location,
                    employee: None,
                    message: "an employee must be a JSON object".to_owned(),
                });
            };
            let record = parse_item(item, columns).map_err(|message| HrError::Item {
                location: location.clone(),
                employee: item_id(item, columns),
                message,
            })?;
            Ok((location, record))
        })
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next })
}

/// The record of one employee object: each field read from its key (renamed by `columns`).
/// Values are strings (trimmed; empty means absent), or null for absent; whole numbers are
/// taken as their decimal text and `legal_hold` may be a JSON boolean. Unknown keys are ignored.
fn parse_item(item: &Map<String, Value>, columns: &ColumnMap) -> Result<HrRecord, String> {
    let mut values: [Option<String>; FIELDS.len()] = Default::default();
    for (slot, (field, _)) in values.iter_mut().zip(FIELDS) {
        let key = columns.column(field);
        *slot = match item.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            Some(Value::Bool(flag)) if field == "legal_hold" => Some(flag.to_string()),
            Some(_) => {
                let what = if field == "legal_hold" {
                    "true or false"
                } else {
                    "a string"
                };
                return Err(if key == field {
                    format!("`{field}` must be {what}")
                } else {
                    format!("`{key}` (for `{field}`) must be {what}")
                });
            }
        };
    }
    let values = std::array::from_fn(|i| values[i].as_deref());
    check_sizes(&values)
        .and_then(|()| check_row(values))
        .map(|row| row.to_record())
        .map_err(|problem| {
            let key = columns.column(problem.field);
            let place = if key == problem.field {
                format!("`{key}`")
            } else {
                format!("`{key}` (for `{}`)", problem.field)
            };
            problem.worded(&place)
        })
}

/// The employee id of a bad item, for its error message, when it has a plain one.
fn item_id(item: &Map<String, Value>, columns: &ColumnMap) -> Option<String> {
    match item.get(columns.column("employee_id"))? {
        Value::String(id) if validate_identifier(id.trim()).is_ok() => Some(id.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hr::Employment;

    const URL: &str = "http://hr.test/api/employees";

    fn page(body: &str) -> Result<Page, HrError> {
        parse_page(URL, body.as_bytes(), &ColumnMap::default(), &str::to_owned)
    }

    fn ids(page: &Page) -> Vec<(&str, &str)> {
        page.items
            .iter()
            .map(|(at, r)| (at.as_str(), r.id.as_str()))
            .collect()
    }

    #[test]
    fn reads_an_array_or_a_page_with_next() {
        let array = page(
            r#"[{"employee_id":"E1","username":"alice","email":"a@x.example","status":"TERM",
                 "display_name":"Zoë O'Brien","effective_at":"2026-11-28","legal_hold":true,
                 "employment":"contractor","manager_id":null,"salary":90000},
                {"employee_id":1002,"username":" bob ","email":"b@x.example","status":"ACT",
                 "legal_hold":"false","effective_at":"2026-11-28T09:30:00Z","role":""}]"#,
        )
        .unwrap();
        assert_eq!(
            ids(&array),
            [
                (format!("{URL}#/0").as_str(), "E1"),
                (&format!("{URL}#/1"), "1002")
            ]
        );
        assert_eq!(array.next, None);
        let alice = &array.items[0].1;
        assert_eq!(alice.display_name, "Zoë O'Brien");
        assert!(alice.legal_hold);
        assert_eq!(alice.employment, Employment::Contractor);
        assert_eq!(alice.manager_id, None);
        let bob = &array.items[1].1;
        assert_eq!(bob.username, "bob");
        assert_eq!(bob.display_name, "bob");
        assert!(!bob.legal_hold);
        assert_eq!(bob.role, None);
        assert_eq!(
            bob.effective_at.unwrap().to_string(),
            "2026-11-28 9:30:00.0 +00:00:00"
        );

        let paged = page(
            r#"{"employees":[{"employee_id":"E3","username":"c","email":"c@x","status":"A"}],
                "next":"/api/employees?page=2","total":9}"#,
        )
        .unwrap();
        assert_eq!(
            ids(&paged),
            [(format!("{URL}#/employees/0").as_str(), "E3")]
        );
        assert_eq!(paged.next.as_deref(), Some("/api/employees?page=2"));
        for last in [
            r#"{"employees":[]}"#,
            r#"{"employees":[],"next":null}"#,
            r#"{"employees":[],"next":""}"#,
        ] {
            let last = page(last).unwrap();
            assert!(last.items.is_empty() && last.next.is_none(), "{last:?}");
        }
    }

    #[test]
    fn keys_follow_the_column_map() {
        let columns = ColumnMap::new(
            [
                ("id".to_owned(), "personId".to_owned()),
                ("status".to_owned(), "hrStatus".to_owned()),
            ]
            .into(),
        )
        .unwrap();
        let body = r#"[{"personId":"X9","username":"zed","email":"z@x","hrStatus":"TERM","status":"ignored"}]"#;
        let page = parse_page(URL, body.as_bytes(), &columns, &str::to_owned).unwrap();
        assert_eq!(page.items[0].1.id, "X9");
        assert_eq!(page.items[0].1.raw_status, "TERM");
        let err = parse_page(
            URL,
            br#"[{"personId":"X9","username":"z","email":"z@x","hrStatus":7.5}]"#,
            &columns,
            &str::to_owned,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`hrStatus` (for `status`) must be a string"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_url_item_and_problem() {
        let cases = [
            (
                "<html>oops</html>",
                "http://hr.test/api/employees: the body is not JSON",
            ),
            ("<html>oops</html>", "it starts with `<html>oops</html>`"),
            ("", "the body is empty, not JSON"),
            (
                "{\"people\":[]}",
                "expected a JSON array of employees, or an object",
            ),
            ("\"E1\"", "expected a JSON array of employees"),
            (
                "{\"employees\":[],\"next\":3}",
                "`next` must be a URL or null",
            ),
            ("[1]", "employees#/0: an employee must be a JSON object"),
            (
                r#"[{"employee_id":"E1","username":"al ice","email":"a@x","status":"T"}]"#,
                "employees#/0 (employee `E1`): `username`: `al ice` contains ` `",
            ),
            (
                r#"{"employees":[{"employee_id":"E1","username":"a","email":"a@x","status":"T"},
                    {"employee_id":"../E2","username":"b","email":"b@x","status":"T"}]}"#,
                "employees#/employees/1: `employee_id`: `../E2` must not start with",
            ),
            (
                r#"[{"employee_id":"E1","email":"a@x","status":"T"}]"#,
                "#/0 (employee `E1`): `username` is empty",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x"}]"#,
                "`status` is empty",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"nope","status":"T"}]"#,
                "`email`: `nope` is not an address",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x","status":"T","legal_hold":"maybe"}]"#,
                "`legal_hold`: `maybe` must be `true` or `false`",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x","status":"T","legal_hold":1.5}]"#,
                "`legal_hold` must be true or false",
            ),
            (
                r#"[{"employee_id":"E1","username":["a"],"email":"a@x","status":"T"}]"#,
                "`username` must be a string",
            ),
            (
                r#"[{"employee_id":"E1","username":"a","email":"a@x","status":"T","effective_at":"soon"}]"#,
                "`effective_at`: `soon` is neither RFC 3339 nor YYYY-MM-DD",
            ),
        ];
        for (body, expected) in cases {
            let err = page(body).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{body}: `{err}` should contain `{expected}`"
            );
        }
    }

    #[test]
    fn quoted_bodies_are_redacted() {
        let redact = |text: &str| text.replace("tok3n", "[redacted]");
        let err = parse_page(URL, b"<html>tok3n</html>", &ColumnMap::default(), &redact)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[redacted]") && !err.contains("tok3n"),
            "{err}"
        );
    }
}
