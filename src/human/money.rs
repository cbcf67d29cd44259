//! Amounts of money as people read them.

/// Cents as `units.cents`, e.g. `76.64` (`-0.05` below zero).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(15974), "159.74");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-250), "-2.50");
    }
}
