//! The record fields every HR source carries, the [`ColumnMap`] that renames them to a source's
//! own column or key names, and the one set of value rules every source and every command
//! applies ([`check_row`], and [`check_sizes`] where no reader bounds a value's size): required
//! fields, the size of a value, identifiers, email, dates, `employment` and `legal_hold`. It
//! knows no file or protocol: sources hand it the values they found, by field, and word the
//! [`FieldProblem`] it returns with their own position (file and line, or URL and JSON
//! pointer).

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

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

/// Index of each field in [`FIELDS`].
pub(super) mod field {
    pub const EMPLOYEE_ID: usize = 0;
    pub const USERNAME: usize = 1;
    pub const EMAIL: usize = 2;
    pub const DISPLAY_NAME: usize = 3;
    pub const MANAGER_ID: usize = 4;
    pub const MANAGER_EMAIL: usize = 5;
    pub const DEPARTMENT: usize = 6;
    pub const COST_CENTRE: usize = 7;
    pub const ROLE: usize = 8;
    pub const NEW_ROLE: usize = 9;
    pub const STATUS: usize = 10;
    pub const EFFECTIVE_AT: usize = 11;
    pub const EMPLOYMENT: usize = 12;
    pub const LEGAL_HOLD: usize = 13;
}

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

    /// The column (or key) that holds `field`.
    pub(super) fn column<'a>(&'a self, field: &'a str) -> &'a str {
        self.overrides.get(field).map_or(field, String::as_str)
    }
}

/// What is wrong with one value of a row or item: the field and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's documented name, e.g. `legal_hold`.
    pub field: &'static str,
    /// Why the value is refused.
    pub problem: Problem,
}

/// Why a value is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A required field has no value.
    Empty,
    /// The value is this many bytes long, over [`CSV_FIELD`] ([`check_sizes`]).
    TooLong(usize),
    /// The value breaks the field's rule; the text quotes it and states the rule.
    Invalid(String),
}

impl FieldProblem {
    /// The problem worded after `place`, which names where the value is (e.g. "column
    /// `OnHold` (legal_hold)"): "PLACE is empty" or "PLACE: `maybe` must be ...".
    pub fn worded(&self, place: &str) -> String {
        match &self.problem {
            Problem::Empty => format!("{place} is empty"),
            Problem::TooLong(bytes) => format!("{place} is {bytes} bytes long, over {CSV_FIELD}"),
            Problem::Invalid(why) => format!("{place}: {why}"),
        }
    }
}

/// "column `NAME`", with the field it holds when the column is renamed.
pub(super) fn place(kind: &str, column: &str, field: &str) -> String {
    if column == field {
        format!("{kind} `{column}`")
    } else {
        format!("{kind} `{column}` ({field})")
    }
}

/// One row or item that passed every rule, borrowing its text from the source's buffer: what a
/// streaming reader hands on without allocating. [`HrRow::to_record`] makes the owned record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HrRow<'a> {
    values: [Option<&'a str>; FIELDS.len()],
    /// When the HR event takes effect.
    pub effective_at: Option<OffsetDateTime>,
    /// Employee or contractor.
    pub employment: Employment,
    /// Under legal hold according to HR.
    pub legal_hold: bool,
}

impl<'a> HrRow<'a> {
    /// The employee id (a validated identifier).
    pub fn id(&self) -> &'a str {
        self.values[field::EMPLOYEE_ID].unwrap_or_default()
    }

    /// The login name (a validated identifier).
    pub fn username(&self) -> &'a str {
        self.values[field::USERNAME].unwrap_or_default()
    }

    /// The email address, as the row gives it.
    pub fn email(&self) -> &'a str {
        self.values[field::EMAIL].unwrap_or_default()
    }

    /// The HRIS status code, before glossary mapping.
    pub fn raw_status(&self) -> &'a str {
        self.values[field::STATUS].unwrap_or_default()
    }

    /// The job role, when given.
    pub fn role(&self) -> Option<&'a str> {
        self.values[field::ROLE]
    }

    /// The role after a transfer, when given.
    pub fn new_role(&self) -> Option<&'a str> {
        self.values[field::NEW_ROLE]
    }

    /// The text fields of the record, in the order [`super::row_store`] keeps them (the display
    /// name defaults to the username, as in [`HrRow::to_record`]).
    pub(super) fn text_fields(&self) -> [Option<&'a str>; 11] {
        let v = &self.values;
        [
            v[field::EMPLOYEE_ID],
            v[field::USERNAME],
            v[field::EMAIL],
            v[field::DISPLAY_NAME].or(v[field::USERNAME]),
            v[field::MANAGER_ID],
            v[field::MANAGER_EMAIL],
            v[field::DEPARTMENT],
            v[field::COST_CENTRE],
            v[field::ROLE],
            v[field::NEW_ROLE],
            v[field::STATUS],
        ]
    }

    /// The owned record.
    pub fn to_record(&self) -> HrRecord {
        let text = |i: usize| self.values[i].map(str::to_owned);
        HrRecord {
            id: self.id().to_owned(),
            username: self.username().to_owned(),
            email: self.email().to_owned(),
            display_name: text(field::DISPLAY_NAME).unwrap_or_else(|| self.username().to_owned()),
            manager_id: text(field::MANAGER_ID),
            manager_email: text(field::MANAGER_EMAIL),
            department: text(field::DEPARTMENT),
            cost_centre: text(field::COST_CENTRE),
            role: text(field::ROLE),
            new_role: text(field::NEW_ROLE),
            raw_status: self.raw_status().to_owned(),
            effective_at: self.effective_at,
            employment: self.employment,
            legal_hold: self.legal_hold,
        }
    }
}

/// The values of one row or item, by field (index into [`FIELDS`]): trimmed, `None` when empty.
pub(super) type Values<'a> = [Option<&'a str>; FIELDS.len()];

/// Check `values` against the rules every HR source shares, in field order: the first problem
/// is returned.
#[inline(always)] // Built in the caller's frame: a roster of millions is not copied around.
pub(super) fn check_row(values: Values<'_>) -> Result<HrRow<'_>, FieldProblem> {
    let invalid = |i: usize, why: String| FieldProblem {
        field: FIELDS[i].0,
        problem: Problem::Invalid(why),
    };
    for (&(field, required), value) in FIELDS.iter().zip(&values) {
        if required && value.is_none() {
            return Err(FieldProblem {
                field,
                problem: Problem::Empty,
            });
        }
    }
    for i in [field::EMPLOYEE_ID, field::USERNAME] {
        validate_identifier(values[i].unwrap_or_default()).map_err(|why| invalid(i, why))?;
    }
    let email = values[field::EMAIL].unwrap_or_default();
    if !is_address(email) {
        return Err(invalid(
            field::EMAIL,
            format!("`{}` is not an address", email.escape_debug()),
        ));
    }
    let effective_at = match values[field::EFFECTIVE_AT] {
        None => None,
        Some(text) => Some(parse_time(text).ok_or_else(|| {
            invalid(
                field::EFFECTIVE_AT,
                format!(
                    "`{}` is neither RFC 3339 nor YYYY-MM-DD",
                    text.escape_debug()
                ),
            )
        })?),
    };
    let employment = match values[field::EMPLOYMENT] {
        None | Some("employee") => Employment::Employee,
        Some("contractor") => Employment::Contractor,
        Some(other) => {
            return Err(invalid(
                field::EMPLOYMENT,
                format!(
                    "`{}` must be `employee` or `contractor`",
                    other.escape_debug()
                ),
            ));
        }
    };
    let legal_hold = match values[field::LEGAL_HOLD] {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(invalid(
                field::LEGAL_HOLD,
                format!("`{}` must be `true` or `false`", other.escape_debug()),
            ));
        }
    };
    Ok(HrRow {
        values,
        effective_at,
        employment,
        legal_hold,
    })
}

/// Check that no value of `values` is longer than [`CSV_FIELD`], the limit every source shares.
/// The CSV reader needs no such check ([`crate::fsio::CsvGuard`] stops a longer field before
/// it is read whole, naming its line), so a source calls it only when it has no such bound.
pub(super) fn check_sizes(values: &Values<'_>) -> Result<(), FieldProblem> {
    for (&(field, _), value) in FIELDS.iter().zip(values) {
        if let Some(text) = value
            && text.len() as u64 > CSV_FIELD.bytes
        {
            return Err(FieldProblem {
                field,
                problem: Problem::TooLong(text.len()),
            });
        }
    }
    Ok(())
}

/// `value` without leading and trailing whitespace, as [`str::trim`] gives it; a value that
/// starts and ends with a visible ASCII character, the common case, is returned as it is
/// without decoding anything.
pub(super) fn trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => value,
        _ => value.trim(),
    }
}

/// Byte classes for [`is_address`].
const AT: u8 = 1;
const BLANK: u8 = 2;
const WIDE: u8 = 4;
static CLASS: [u8; 256] = {
    let mut table = [0; 256];
    table[b'@' as usize] = AT;
    let blanks = [b' ', b'\t', b'\n', b'\x0B', b'\x0C', b'\r'];
    let mut i = 0;
    while i < blanks.len() {
        table[blanks[i] as usize] = BLANK;
        i += 1;
    }
    let mut b = 0x80;
    while b < 256 {
        table[b] = WIDE;
        b += 1;
    }
    table
};

/// True when `email` holds an `@` and no whitespace ([`char::is_whitespace`]). One pass over
/// the bytes: a roster checks millions of addresses; non-ASCII text is checked by characters.
fn is_address(email: &str) -> bool {
    let seen = email
        .bytes()
        .fold(0, |seen, b| seen | CLASS[usize::from(b)]);
    if seen & WIDE != 0 {
        return email.contains('@') && !email.contains(char::is_whitespace);
    }
    seen & AT != 0 && seen & BLANK == 0
}

/// Parse a `YYYY-MM-DD` date (midnight UTC) or an RFC 3339 time. The date form, the common
/// one in exports, is read without the general parser: a million-row roster pays for it.
pub(crate) fn parse_time(value: &str) -> Option<OffsetDateTime> {
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *value.as_bytes() {
        let digit = |b: u8| b.is_ascii_digit().then(|| i32::from(b - b'0'));
        let year = digit(y0)? * 1000 + digit(y1)? * 100 + digit(y2)? * 10 + digit(y3)?;
        let month = u8::try_from(digit(m0)? * 10 + digit(m1)?).ok()?;
        let day = u8::try_from(digit(d0)? * 10 + digit(d1)?).ok()?;
        let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
        return Some(date.midnight().assume_utc());
    }
    OffsetDateTime::parse(value, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(given: &[(usize, &'static str)]) -> Result<HrRow<'static>, FieldProblem> {
        let mut values = [None; FIELDS.len()];
        for (field, value) in given {
            values[*field] = Some(*value);
        }
        check_row(values)
    }

    const BASE: [(usize, &str); 4] = [
        (field::EMPLOYEE_ID, "E1"),
        (field::USERNAME, "alice"),
        (field::EMAIL, "alice@x.example"),
        (field::STATUS, "TERM"),
    ];

    fn with(extra: (usize, &'static str)) -> Vec<(usize, &'static str)> {
        let mut values: Vec<_> = BASE
            .iter()
            .copied()
            .filter(|(f, _)| *f != extra.0)
            .collect();
        values.push(extra);
        values
    }

    #[test]
    fn a_complete_row_becomes_a_record() {
        let checked = row(&with((field::LEGAL_HOLD, "true"))).unwrap();
        let record = checked.to_record();
        assert_eq!(record.id, "E1");
        assert_eq!(record.display_name, "alice");
        assert!(record.legal_hold);
        assert_eq!(record.employment, Employment::Employee);
        assert_eq!(checked.raw_status(), "TERM");
    }

    #[test]
    fn every_rule_names_its_field() {
        let cases = [
            (vec![BASE[0], BASE[1], BASE[3]], "email", "is empty"),
            (
                with((field::USERNAME, "al ice")),
                "username",
                "contains ` `",
            ),
            (
                with((field::EMPLOYEE_ID, "-rf")),
                "employee_id",
                "must not start",
            ),
            (
                with((field::EMAIL, "nope")),
                "email",
                "`nope` is not an address",
            ),
            (
                with((field::EFFECTIVE_AT, "2026-02-30")),
                "effective_at",
                "`2026-02-30` is neither RFC 3339 nor YYYY-MM-DD",
            ),
            (
                with((field::EMPLOYMENT, "pirate")),
                "employment",
                "`pirate` must be `employee` or `contractor`",
            ),
            (
                with((field::LEGAL_HOLD, "maybe")),
                "legal_hold",
                "`maybe` must be `true` or `false`",
            ),
        ];
        for (values, field, why) in cases {
            let problem = row(&values).unwrap_err();
            assert_eq!(problem.field, field);
            let text = problem.worded(&place("column", field, field));
            assert!(text.contains(why), "{text} should contain {why}");
        }
    }

    #[test]
    fn a_value_over_the_field_limit_is_refused_with_its_size() {
        let long: &'static str = "n".repeat(CSV_FIELD.bytes as usize + 1).leak();
        let values = |value| {
            let mut values = [None; FIELDS.len()];
            values[field::DISPLAY_NAME] = Some(value);
            values
        };
        let problem = check_sizes(&values(long)).unwrap_err();
        assert_eq!(problem.field, "display_name");
        assert_eq!(
            problem.worded("`display_name`"),
            "`display_name` is 65537 bytes long, over the 64 KiB limit for a field"
        );
        let fits: &'static str = "n".repeat(CSV_FIELD.bytes as usize).leak();
        assert_eq!(check_sizes(&values(fits)), Ok(()));
    }

    #[test]
    fn trimming_and_addresses_agree_with_the_standard_library() {
        for value in [
            "",
            " ",
            "a",
            " a ",
            "\ta\n",
            "a b",
            "\u{a0}x\u{a0}",
            "x\u{2003}",
            "é",
            " é ",
            "\x0Bx",
            "a\x0C",
        ] {
            assert_eq!(trim(value), value.trim(), "{value:?}");
            let address = format!("a{value}@b");
            assert_eq!(
                is_address(&address),
                !address.contains(char::is_whitespace),
                "{address:?}"
            );
            assert_eq!(
                is_address(value),
                value.contains('@') && !value.contains(char::is_whitespace),
                "{value:?}"
            );
        }
    }

    #[test]
    fn places_name_renamed_columns_with_their_field() {
        assert_eq!(place("column", "status", "status"), "column `status`");
        assert_eq!(
            place("column", "EmpNo", "employee_id"),
            "column `EmpNo` (employee_id)"
        );
    }

    #[test]
    fn dates_parse_strictly() {
        let secs = |s: &str| parse_time(s).map(OffsetDateTime::unix_timestamp);
        assert_eq!(secs("1970-01-02"), Some(86_400));
        assert_eq!(secs("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(
            secs("2026-09-30T10:00:00+02:00"),
            Some(1_790_726_400 + 8 * 3600)
        );
        for bad in ["1970-13-01", "19x0-01-01", "yesterday", "", "2026-02-30"] {
            assert_eq!(secs(bad), None, "{bad:?}");
        }
    }
}
