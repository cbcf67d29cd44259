//! The `--since` period: a whole number of hours, days or weeks (`24h`, `90d`, `12w`). It owns
//! parsing it; it never reads the clock.

use time::Duration;

use super::error::ReportError;

/// Parse `value` as a period: digits followed by `h`, `d` or `w`.
pub fn parse_period(value: &str) -> Result<Duration, ReportError> {
    let fail = |reason: &str| ReportError::Period {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = value.trim();
    let Some(unit) = trimmed.chars().last() else {
        return Err(fail("it is empty"));
    };
    let digits = &trimmed[..trimmed.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("expected a whole number before the unit"));
    }
    let count: i64 = digits
        .parse()
        .map_err(|_| fail("the number is too large"))?;
    let hours_per_unit = match unit {
        'h' => 1,
        'd' => 24,
        'w' => 24 * 7,
        _ => return Err(fail("the unit must be h (hours), d (days) or w (weeks)")),
    };
    count
        .checked_mul(hours_per_unit)
        .filter(|hours| *hours <= 24 * 365 * 1000)
        .map(Duration::hours)
        .ok_or_else(|| fail("the period is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_to_hours() {
        for (text, hours) in [("24h", 24), ("90d", 90 * 24), ("12w", 12 * 168), ("0d", 0)] {
            assert_eq!(
                parse_period(text).unwrap(),
                Duration::hours(hours),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_periods_say_why() {
        for (text, why) in [
            ("", "empty"),
            ("d", "whole number"),
            ("-3d", "whole number"),
            ("1.5d", "whole number"),
            ("3m", "unit must be"),
            ("99999999999999999999d", "too large"),
            ("9999999w", "too long"),
        ] {
            let err = parse_period(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
