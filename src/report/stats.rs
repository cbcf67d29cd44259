//! Summary statistics of durations: count, median, p90 and max by the nearest-rank method. It
//! owns that definition; it never reads journals.
//!
//! Nearest rank: for `n` values sorted ascending, the p-th percentile is the value at 1-based rank
//! `ceil(p / 100 * n)`. Every reported figure is therefore one of the observed values; the median
//! of an even count is the lower of the two middle values.

use serde::Serialize;

/// Count, median, p90 and max of a set of durations in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// How many values.
    pub count: usize,
    /// Nearest-rank 50th percentile, in seconds.
    pub median_seconds: i64,
    /// Nearest-rank 90th percentile, in seconds.
    pub p90_seconds: i64,
    /// The largest value, in seconds.
    pub max_seconds: i64,
}

/// The nearest-rank `percent`-th percentile of `sorted` (ascending); `None` when empty.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (percent as usize * n).div_ceil(100).clamp(1, n);
    sorted.get(rank - 1).copied()
}

/// Summarise `values`; `None` when there are none.
pub fn summarize(values: &[i64]) -> Option<Summary> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Some(Summary {
        count: sorted.len(),
        median_seconds: nearest_rank(&sorted, 50)?,
        p90_seconds: nearest_rank(&sorted, 90)?,
        max_seconds: *sorted.last()?,
    })
}

/// A duration in seconds for people: `45s`, `10m`, `2h 5m`, `3d 4h`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_observed_values() {
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(5));
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        assert_eq!(nearest_rank(&ten, 100), Some(10));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
        let three = [600, 7200, 259_200];
        assert_eq!(nearest_rank(&three, 50), Some(7200));
        assert_eq!(nearest_rank(&three, 90), Some(259_200));
    }

    #[test]
    fn summary_sorts_first() {
        let s = summarize(&[259_200, 600, 7200]).unwrap();
        assert_eq!(
            s,
            Summary {
                count: 3,
                median_seconds: 7200,
                p90_seconds: 259_200,
                max_seconds: 259_200
            }
        );
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn durations_read_naturally() {
        for (s, text) in [
            (0, "0s"),
            (45, "45s"),
            (600, "10m"),
            (7200, "2h"),
            (7500, "2h 5m"),
            (259_200, "3d"),
            (273_600, "3d 4h"),
        ] {
            assert_eq!(human_duration(s), text);
        }
    }
}
