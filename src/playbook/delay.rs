//! Durations as written in the files: stage delays (`at: +30d`) and policy deadlines and timeouts
//! (`15m`, `10s`). Parsing only; the scheduler decides what a delay means for a run.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A length of time written `N` followed by a unit: `s` seconds, `m` minutes, `h` hours, `d` days,
/// `w` weeks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    amount: u32,
    unit: char,
}

impl Duration {
    /// `amount` of `unit` (one of `smhdw`), for defaults written in code.
    pub(super) const fn of(amount: u32, unit: char) -> Duration {
        Duration { amount, unit }
    }

    /// The duration in seconds.
    pub fn as_secs(self) -> u64 {
        let per = match self.unit {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => 604_800,
        };
        u64::from(self.amount) * per
    }

    /// As a standard library duration.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.as_secs())
    }

    fn parse_with_units(s: &str, units: &str) -> Option<Duration> {
        let unit = s.chars().last()?;
        if !units.contains(unit) {
            return None;
        }
        let digits = &s[..s.len() - unit.len_utf8()];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let amount = digits.parse().ok()?;
        Some(Duration { amount, unit })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration")]
pub struct BadDuration(pub String);

impl FromStr for Duration {
    type Err = BadDuration;

    /// Parse `N[smhdw]`, e.g. `15m`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse_with_units(s, "smhdw").ok_or_else(|| BadDuration(s.to_owned()))
    }
}

/// A stage delay: how long after the HR effective time a step becomes due, written `+N[mhdw]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StageDelay(Duration);

impl StageDelay {
    /// The delay as a duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl fmt::Display for StageDelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

impl Serialize for StageDelay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for StageDelay {
    type Err = BadDuration;

    /// Parse `+N[mhdw]`, e.g. `+30d`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix('+')
            .and_then(|rest| Duration::parse_with_units(rest, "mhdw"))
            .map(StageDelay)
            .ok_or_else(|| BadDuration(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let table = [
            ("+30d", Some(30 * 86_400)),
            ("+15m", Some(900)),
            ("+2w", Some(1_209_600)),
            ("+1h", Some(3_600)),
            ("30d", None),
            ("+30s", None),
            ("+d", None),
            ("+-1d", None),
            ("+1.5d", None),
            ("", None),
            ("+99999999999d", None),
        ];
        for (text, secs) in table {
            let parsed = text
                .parse::<StageDelay>()
                .ok()
                .map(|d| d.duration().as_secs());
            assert_eq!(parsed, secs, "{text}");
        }
        assert_eq!("10s".parse::<Duration>().map(Duration::as_secs), Ok(10));
        assert_eq!("+30d".parse::<StageDelay>().unwrap().to_string(), "+30d");
    }
}
