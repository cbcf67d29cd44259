//! The log line of every read and write against a system (`-v`): which system, through which
//! kind of connector, what operation on what target, how it ended and how long it took. One
//! format for connector calls ([`crate::execute::logged`]), HR reads and write-backs and
//! reconcile's listings. At `-vv` a second line gives the detail (the state read, the change,
//! the receipt, the error).
//!
//! Targets, details and errors come from data (account and group names, HR fields), so they
//! pass through [`printable`] like every other output for people: a line cannot drive the
//! terminal or start a line of its own.
//!
//! It must never log a secret: targets are account names, match keys, message keys and URLs
//! without credentials, and details are states, changes, receipts and connector errors, which
//! by the connector contract never hold one. Tokens, passwords and signing secrets are not in
//! anything it is given.

use std::fmt::Display;
use std::time::Instant;

use crate::human::printable;

/// The `tracing` target of these lines, under the crate's own, so that `-v` shows them without
/// the libraries' traces.
pub const TARGET: &str = "offboard::calls";

/// One call against a system, described before it is made.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The system's name in the configuration (connector name, or `hr`).
    pub system: &'a str,
    /// The kind of connector or source: `sqlite`, `scim`, `ldap`, `webhook`, `csv`, `http`...
    pub connector: &'a str,
    /// The operation: `find`, `read`, `apply`, `deliver`, `receipt`, `list`, `load`...
    pub op: &'a str,
    /// What it is about: a match key, an account, a message key, a file or URL.
    pub target: &'a str,
}

impl Call<'_> {
    /// Make the call `f`, then log it: `outcome` names how a success ended (e.g. `found`,
    /// `not_found`, `ok`), `detail` describes it for `-vv`. A failure logs `error` and the
    /// error's text.
    pub fn run<T, E: Display>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
        outcome: impl FnOnce(&T) -> &'static str,
        detail: impl FnOnce(&T) -> String,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = f();
        let duration_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(value) => {
                tracing::info!(
                    target: TARGET,
                    system = %self.system,
                    connector = %self.connector,
                    op = %self.op,
                    target = %printable(self.target),
                    outcome = %outcome(value),
                    duration_ms,
                    "call"
                );
                if tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
                    tracing::debug!(
                        target: TARGET,
                        system = %self.system,
                        op = %self.op,
                        target = %printable(self.target),
                        detail = %printable(&detail(value)),
                        "call detail"
                    );
                }
            }
            Err(error) => {
                tracing::info!(
                    target: TARGET,
                    system = %self.system,
                    connector = %self.connector,
                    op = %self.op,
                    target = %printable(self.target),
                    outcome = %"error",
                    duration_ms,
                    error = %printable(&error.to_string()),
                    "call"
                );
            }
        }
        result
    }
}
