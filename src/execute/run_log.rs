//! What the engine works with and through, apart from the playbook: the connectors it calls
//! ([`Target`]), the run journal it reads and appends to ([`RunLog`], [`Entry`], [`Recorded`]),
//! the progress it reports ([`Observer`]), the sign-off it may ask for ([`SignOff`]), and whether
//! it changes anything ([`Mode`]). The application implements these; the engine never opens a
//! journal or prints.

use std::sync::Arc;

use serde_json::Value;

use super::outcome::StepOutcome;
use crate::connector::{Connector, ConnectorError, Messenger};
use crate::journal::Event;
use crate::playbook::{Action, Step, Template};

/// A connector as the engine uses it: the system, and how to find the employee in it.
#[derive(Clone)]
pub struct Target {
    /// The configured name.
    pub name: String,
    /// The system's accounts, when it holds any.
    pub accounts: Option<Arc<dyn Connector>>,
    /// The system's message delivery, when it takes messages.
    pub messages: Option<Arc<dyn Messenger>>,
    /// Renders to the value the connector matches accounts on.
    pub lookup: Template,
}

impl Target {
    /// The accounts connector, or an error saying the system holds none.
    pub fn accounts(&self) -> Result<&Arc<dyn Connector>, String> {
        self.accounts
            .as_ref()
            .ok_or_else(|| format!("connector `{}` holds no accounts", self.name))
    }

    /// The messenger, or an error saying the system takes no messages.
    pub fn messages(&self) -> Result<&Arc<dyn Messenger>, String> {
        self.messages
            .as_ref()
            .ok_or_else(|| format!("connector `{}` takes no messages", self.name))
    }
}

/// What the engine needs from the run's journal: the history of earlier invocations (for
/// resume), a signed append, and a way to make what it appended durable.
///
/// `record` must not return before the record is on disk, except for a step's confirmation
/// ([`Event::StepConfirmed`]): that one may wait for the next record or [`RunLog::durable`],
/// because losing it in a power cut leaves the journal a crash right before writing it would
/// leave (the step is read again and confirmed on resume). The engine calls `durable` before
/// every change it makes to a system, so no change depends on a record that is not on disk.
pub trait RunLog {
    /// Events recorded so far for `step`, oldest first.
    fn events_of(&self, step: &str) -> Vec<Recorded>;
    /// Append one signed record; durable when it returns, but for a step's confirmation.
    fn record(&mut self, entry: Entry) -> Result<(), String>;
    /// Make every record appended so far durable.
    fn durable(&mut self) -> Result<(), String>;
}

/// A record the engine reads back from the journal.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The event, e.g. [`Event::StepConfirmed`].
    pub event: Event,
    /// The evidence it carried.
    pub evidence: Value,
}

/// A record the engine asks the journal to append.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The event.
    pub event: Event,
    /// The step id.
    pub step: String,
    /// The action kind.
    pub action: Action,
    /// The step's owner role.
    pub role: String,
    /// The connector and the account concerned (`None` when it has none there).
    pub target: Option<(String, Option<String>)>,
    /// Before/after state, errors, reasons.
    pub evidence: Value,
    /// A person's note (manual sign-off).
    pub note: Option<String>,
}

/// Receives progress as the engine goes (for bars, lines or JSON events).
pub trait Observer {
    /// A step is about to be looked at (index in execution order, total steps).
    fn step_started(&mut self, index: usize, total: usize, step: &Step);
    /// A step reached an outcome.
    fn step_finished(&mut self, outcome: &StepOutcome);
    /// A connector call is being retried.
    fn retrying(&mut self, step: &str, attempt: u32, error: &str, wait: std::time::Duration);
    /// A connector call failed for good (permanent, unsupported, or out of retries). The
    /// default ignores it; the engine counts it for the step's record.
    fn gave_up(&mut self, _step: &str, _error: &ConnectorError) {}
}

/// Asks a person to sign off a manual step (the step, its task); returns their note.
pub type SignOff<'a> = dyn Fn(&Step, &str) -> Option<String> + 'a;

/// Whether a run changes anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Apply each step, read it back, and record it.
    Apply,
    /// Read every target and the journal, change nothing, record nothing: a plan.
    DryRun,
}
