//! `policy.retention`: how long finished runs stay in the journal before `offboard prune` may
//! remove them, written `N` followed by `d` (days), `w` (weeks) or `y` (calendar years, so
//! that `7y` keeps a run seven years to the day, leap days included). Parsing and the cut-off
//! date only.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

use super::delay::BadDuration;

/// A retention period, e.g. `7y` or `400d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    amount: u32,
    unit: char,
}

impl Retention {
    /// The cut-off at `now`: runs that finished before it are older than the period. `None`
    /// when it falls before year 1 or the calendar cannot express it.
    pub fn cutoff(self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let days = |n: u32| now.checked_sub(time::Duration::days(i64::from(n)));
        match self.unit {
            'd' => days(self.amount),
            'w' => days(self.amount.checked_mul(7)?),
            _ => {
                let year = now.year().checked_sub(i32::try_from(self.amount).ok()?)?;
                let date = now.date();
                // 29 February of a year that has none becomes 28 February.
                let day = date
                    .day()
                    .min(time::util::days_in_month(date.month(), year));
                let then = time::Date::from_calendar_date(year, date.month(), day).ok()?;
                Some(now.replace_date(then))
            }
        }
    }
}

impl FromStr for Retention {
    type Err = BadDuration;

    /// Parse `N[dwy]`, e.g. `7y`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadDuration(s.to_owned());
        let unit = s
            .chars()
            .last()
            .filter(|u| "dwy".contains(*u))
            .ok_or_else(bad)?;
        let digits = &s[..s.len() - 1];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let amount = digits.parse().map_err(|_| bad())?;
        Ok(Retention { amount, unit })
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit)
    }
}

impl Serialize for Retention {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn cutoffs_count_days_weeks_and_calendar_years() {
        let table = [
            ("400d", "2026-12-08T10:00:00Z", "2025-11-03T10:00:00Z"),
            ("2w", "2026-12-08T10:00:00Z", "2026-11-24T10:00:00Z"),
            ("7y", "2026-12-08T10:00:00Z", "2019-12-08T10:00:00Z"),
            ("1y", "2028-02-29T00:00:00Z", "2027-02-28T00:00:00Z"),
        ];
        for (retention, now, cutoff) in table {
            let retention: Retention = retention.parse().unwrap();
            assert_eq!(retention.cutoff(at(now)), Some(at(cutoff)), "{retention}");
        }
    }

    #[test]
    fn only_days_weeks_and_years_parse() {
        for bad in ["", "y", "7", "7m", "-1y", "1.5y", "7Y", "99999999999d"] {
            assert!(bad.parse::<Retention>().is_err(), "{bad}");
        }
        assert_eq!("90d".parse::<Retention>().unwrap().to_string(), "90d");
    }
}
