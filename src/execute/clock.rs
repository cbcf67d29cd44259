//! The engine's notion of "now". Deadlines and staged steps depend on it, so tests and rehearsals
//! can set it: `OFFBOARD_NOW` (RFC 3339) fixes the current time for the whole process.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The environment variable that overrides the current time.
pub const NOW_ENV: &str = "OFFBOARD_NOW";

/// The current time in UTC, or the time `OFFBOARD_NOW` gives.
pub fn now() -> Result<OffsetDateTime, String> {
    match std::env::var(NOW_ENV) {
        Ok(value) => OffsetDateTime::parse(&value, &Rfc3339)
            .map_err(|e| format!("{NOW_ENV}=`{value}` is not an RFC 3339 time: {e}")),
        Err(_) => Ok(OffsetDateTime::now_utc()),
    }
}
