//! Amounts of money as people read them.

/// Cents as `units.cents`, e.g. `76.64` (`-0.05` below zero).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}
