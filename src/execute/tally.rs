//! What one step's connector calls went through, for the step's record: the retries made, the
//! time they waited, and the kind of failure when a connector gave up. It passes every event on
//! to the observer it wraps; it never writes a record itself.

use std::time::Duration;

use serde_json::{Value, json};

use super::outcome::StepOutcome;
use super::run_log::Observer;
use crate::connector::ConnectorError;
use crate::playbook::Step;

/// The `kind` of a failure the step found itself (a read-back that does not show the change, a
/// parameter that does not render, HR not showing a leaver), not a connector.
const STEP_KIND: &str = "step";

/// An [`Observer`] that counts what the connector calls of one step went through.
pub(super) struct Tally<'o> {
    inner: &'o mut dyn Observer,
    facts: CallFacts,
}

impl<'o> Tally<'o> {
    /// Count the calls of one step, passing every event on to `inner`.
    pub(super) fn new(inner: &'o mut dyn Observer) -> Self {
        Tally {
            inner,
            facts: CallFacts::default(),
        }
    }

    /// What was counted.
    pub(super) fn facts(&self) -> &CallFacts {
        &self.facts
    }
}

impl Observer for Tally<'_> {
    fn step_started(&mut self, index: usize, total: usize, step: &Step) {
        self.inner.step_started(index, total, step);
    }

    fn step_finished(&mut self, outcome: &StepOutcome) {
        self.inner.step_finished(outcome);
    }

    fn retrying(&mut self, step: &str, attempt: u32, error: &str, wait: Duration) {
        self.facts.retries += 1;
        self.facts.waited += wait;
        self.inner.retrying(step, attempt, error, wait);
    }

    fn gave_up(&mut self, step: &str, error: &ConnectorError) {
        self.facts.gave_up = Some((error.kind(), error.to_string()));
        self.inner.gave_up(step, error);
    }
}

/// The retries of one step's connector calls and the failure a connector gave up with.
#[derive(Debug, Default, PartialEq)]
pub(super) struct CallFacts {
    retries: u32,
    waited: Duration,
    gave_up: Option<(&'static str, String)>,
}

impl CallFacts {
    /// `evidence` with `retries` and `retry_wait_ms` added when a call was retried (a `null`
    /// evidence becomes an object; any other non-object is left as it is).
    pub(super) fn annotate(&self, evidence: Value) -> Value {
        if self.retries == 0 {
            return evidence;
        }
        let mut evidence = match evidence {
            Value::Null => json!({}),
            other => other,
        };
        if let Some(object) = evidence.as_object_mut() {
            object.insert("retries".into(), json!(self.retries));
            object.insert(
                "retry_wait_ms".into(),
                json!(u64::try_from(self.waited.as_millis()).unwrap_or(u64::MAX)),
            );
        }
        evidence
    }

    /// The kind of the step's failure `error`: the connector's, when a connector gave up with
    /// the error the step failed with, else [`STEP_KIND`].
    pub(super) fn kind_of(&self, error: &str) -> &'static str {
        match &self.gave_up {
            Some((kind, message)) if error.contains(message.as_str()) => kind,
            _ => STEP_KIND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl Observer for Nothing {
        fn step_started(&mut self, _: usize, _: usize, _: &Step) {}
        fn step_finished(&mut self, _: &StepOutcome) {}
        fn retrying(&mut self, _: &str, _: u32, _: &str, _: Duration) {}
    }

    #[test]
    fn retries_and_the_last_connector_failure_are_counted() {
        let mut inner = Nothing;
        let mut tally = Tally::new(&mut inner);
        assert_eq!(tally.facts().annotate(json!({"a": 1})), json!({"a": 1}));
        assert_eq!(tally.facts().kind_of("anything"), "step");
        tally.retrying("s", 1, "503", Duration::from_millis(250));
        tally.retrying("s", 2, "503", Duration::from_millis(500));
        let error = ConnectorError::Permanent {
            message: "403 Forbidden".into(),
        };
        tally.gave_up("s", &error);
        let facts = tally.facts();
        assert_eq!(
            facts.annotate(json!({"a": 1})),
            json!({"a": 1, "retries": 2, "retry_wait_ms": 750})
        );
        assert_eq!(
            facts.annotate(Value::Null),
            json!({"retries": 2, "retry_wait_ms": 750})
        );
        assert_eq!(facts.kind_of("PATCH: 403 Forbidden"), "permanent");
        assert_eq!(facts.kind_of("read-back does not show it"), "step");
    }
}
