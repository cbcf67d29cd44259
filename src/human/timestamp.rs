//! Times as people read them: to the second, in UTC, marked `Z` (RFC 3339 without fractions,
//! e.g. `2026-11-30T09:15:00Z`), the same in every command's human output. The journal, saved
//! files and JSON output keep the full RFC 3339 value; this never changes a stored time.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `time` to the second in UTC, e.g. `2026-11-30T09:15:00Z`.
pub fn time_of(time: OffsetDateTime) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    utc.format(&format)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// An RFC 3339 time as [`time_of`] shows it; anything else is shown as it is, made printable.
pub fn timestamp(text: &str) -> String {
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(time) => time_of(time),
        Err(_) => super::printable(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_in_utc() {
        for (given, shown) in [
            ("2026-12-07T17:19:56.038446164Z", "2026-12-07T17:19:56Z"),
            ("2026-11-30T09:15:00Z", "2026-11-30T09:15:00Z"),
            ("2026-11-30T10:15:00.9+01:00", "2026-11-30T09:15:00Z"),
            ("not a time\u{1b}", "not a time\u{241b}"),
            ("", ""),
        ] {
            assert_eq!(timestamp(given), shown, "{given}");
        }
    }
}
