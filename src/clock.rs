//! The process's notion of "now". Deadlines and staged steps depend on it, so tests and rehearsals
//! can set it: `OFFBOARD_NOW` (RFC 3339) fixes the current time for the whole process: the
//! journal's records, the embedded store's timestamps and delivery logs all read it here.

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

/// [`now`] for timestamps written as a side record (store rows, delivery logs): a malformed
/// `OFFBOARD_NOW` falls back to the wall clock here, since every command that writes anything
/// has already refused it through [`now`].
pub fn now_or_wall() -> OffsetDateTime {
    now().unwrap_or_else(|_| OffsetDateTime::now_utc())
}

/// [`now_or_wall`] in RFC 3339, as records, store rows and delivery logs write it.
pub fn now_rfc3339() -> String {
    rfc3339(now_or_wall())
}

/// `time` in RFC 3339 (UTC as `Z`).
pub fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}
