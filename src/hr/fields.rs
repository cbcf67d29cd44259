//! The record fields every HR source carries, the [`ColumnMap`] that renames them to a source's
//! own column or key names, and the strict parsing of one item's values into an [`HrRecord`].
//! It knows no file or protocol: sources hand it the values they found, by field.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::{Employment, HrRecord, validate_identifier};
use crate::fsio::CSV_FIELD;

/// Record field -> the column (CSV) or key (JSON) that holds it. Fields not overridden use
/// their own name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    overrides: HashMap<String, String>,
}

/// The record fields, in the documented order, and whether each is required.
pub(super) const FIELDS: [(&str, bool); 14] = [
    ("employee_id", true),
    ("username", true),
    ("email", true),
    ("display_name", false),
    ("manager_id", false),
    ("manager_email", false),
    ("department", false),
    ("cost_centre", false),
    ("role", false),
    ("new_role", false),
    ("status", true),
    ("effective_at", false),
    ("employment", false),
    ("legal_hold", false),
];

impl ColumnMap {
    /// A map with `overrides` (field -> column); unknown field names are an error.
    pub fn new(overrides: HashMap<String, String>) -> Result<Self, String> {
        // The config may say `id` for the employee id.
        let mut normalised = HashMap::new();
        for (field, column) in overrides {
            let field = if field == "id" {
                "employee_id".to_owned()
            } else {
                field
            };
            if !FIELDS.iter().any(|(f, _)| *f == field) {
                return Err(format!(
                    "unknown HR field `{field}`; fields are: {}",
                    FIELDS.map(|(f, _)| f).join(", ")
                ));
            }
            normalised.insert(field, column);
        }
        Ok(ColumnMap {
            overrides: normalised,
        })
    }

    pub(super) fn column<'a>(&'a self, field: &'a str) -> &'a str {
        self.overrides.get(field).map_or(field, String::as_str)
    }
}

/// Build a record from the field values `get(i)` returns (index into [`FIELDS`]).
pub(super) fn parse_record<'a>(get: impl Fn(usize) -> Option<&'a str>) -> Result<HrRecord, String> {
    for (i, (field, _)) in FIELDS.iter().enumerate() {
        if let Some(value) = get(i)
            && value.len() as u64 > CSV_FIELD.bytes
        {
            return Err(format!(
                "`{field}` is {} bytes long, over {CSV_FIELD}",
                value.len()
            ));
        }
    }
    let required = |i: usize| get(i).ok_or_else(|| format!("`{}` is empty", FIELDS[i].0));
    let text = |i: usize| get(i).map(str::to_owned);
    let id = required(0)?;
    validate_identifier(id).map_err(|e| format!("employee_id {e}"))?;
    let username = required(1)?;
    validate_identifier(username).map_err(|e| format!("username {e}"))?;
    let email = required(2)?;
    if !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(format!(
            "email `{}` is not an address",
            email.escape_debug()
        ));
    }
    let employment = match get(12) {
        None | Some("employee") => Employment::Employee,
        Some("contractor") => Employment::Contractor,
        Some(other) => {
            return Err(format!(
                "employment `{}` must be `employee` or `contractor`",
                other.escape_debug()
            ));
        }
    };
    let legal_hold = match get(13) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(format!(
                "legal_hold `{}` must be `true` or `false`",
                other.escape_debug()
            ));
        }
    };
    let effective_at = get(11).map(parse_time).transpose()?;
    Ok(HrRecord {
        id: id.to_owned(),
        username: username.to_owned(),
        email: email.to_owned(),
        display_name: text(3).unwrap_or_else(|| username.to_owned()),
        manager_id: text(4),
        manager_email: text(5),
        department: text(6),
        cost_centre: text(7),
        role: text(8),
        new_role: text(9),
        raw_status: required(10)?.to_owned(),
        effective_at,
        employment,
        legal_hold,
    })
}

/// Parse an RFC 3339 time, or a `YYYY-MM-DD` date as midnight UTC.
fn parse_time(value: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value, &format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            format!(
                "effective_at `{}` is neither RFC 3339 nor YYYY-MM-DD",
                value.escape_debug()
            )
        })
}
