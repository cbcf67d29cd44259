//! A message step of the engine: deliver a finance notice or a notification through its
//! connector, idempotent by the run and step, and confirmed by the receipt read back. The
//! finance notice carries the seats this run's confirmed steps released (and kept), read from
//! the journal so that a resumed run sends the same figures.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::engine::Engine;
use super::outcome::StepState;
use super::run_log::{Observer, RunLog};
use super::step_record::Done;
use crate::connector::Message;
use crate::journal::Event;
use crate::playbook::{Action, Step};

impl Engine<'_> {
    /// Deliver a message step (finance notice, notification) once: a receipt already there
    /// confirms it without sending again.
    pub(super) fn message_step(
        &self,
        step: &Step,
        params: &BTreeMap<String, String>,
        log: &dyn RunLog,
        observer: &mut dyn Observer,
    ) -> Result<Done, String> {
        let target = self.target(step)?;
        let connector = target.messages()?;
        let key = format!("{}/{}", self.run_id, step.id);
        let target_json = (target.name.clone(), None);
        if let Some(receipt) = self.call(step, observer, || connector.receipt(&key))? {
            return Ok(Done::Confirmed {
                changed: false,
                target: Some(target_json),
                evidence: json!({ "receipt": receipt, "already_delivered": true }),
            });
        }
        if self.dry_run() {
            return Ok(Done::Planned(StepState::Planned {
                account: None,
                changes: Vec::new(),
                detail: format!("send {} through `{}`", step.kind, target.name),
                released_monthly_cost_cents: 0,
                seats: Vec::new(),
                params: params.clone(),
            }));
        }
        let body = self.message_body(step, params, log);
        let message = Message {
            key: key.clone(),
            topic: step.kind.to_string(),
            body,
        };
        self.call(step, observer, || connector.deliver(&message))?;
        let receipt = self
            .call(step, observer, || connector.receipt(&key))?
            .ok_or_else(|| format!("`{}` shows no delivery of {key} after sending", target.name))?;
        Ok(Done::Confirmed {
            changed: true,
            target: Some(target_json),
            evidence: json!({ "receipt": receipt, "message": message.body }),
        })
    }

    /// The message body: the rendered parameters, who it is about, and for finance the seats
    /// this run released (taken from the journal, so a resumed run sends the same numbers).
    fn message_body(
        &self,
        step: &Step,
        params: &BTreeMap<String, String>,
        log: &dyn RunLog,
    ) -> Value {
        let mut body = json!({
            "topic": step.kind.to_string(),
            "run": self.run_id,
            "employee": {
                "id": self.employee.id,
                "display_name": self.employee.display_name,
                "email": self.employee.email,
                "cost_centre": self.employee.cost_centre,
            },
            "params": params,
        });
        if step.kind == Action::FinanceNotifyReclamation {
            let (seats, total) = self.recorded_seats(log, "released_seats");
            body["seats"] = Value::Array(seats);
            body["monthly_cost_cents"] = json!(total);
            // Seats a step recorded as kept (`release: none`): still paid for.
            let (kept, kept_total) = self.recorded_seats(log, "kept_seats");
            if !kept.is_empty() {
                body["kept_seats"] = Value::Array(kept);
                body["kept_monthly_cost_cents"] = json!(kept_total);
            }
        }
        body
    }
    /// The seats the confirmed steps of this run list under `field` of their evidence, and
    /// their monthly cost in cents.
    fn recorded_seats(&self, log: &dyn RunLog, field: &str) -> (Vec<Value>, i64) {
        let mut seats = Vec::new();
        for other in &self.playbook.steps {
            for r in log.events_of(&other.id) {
                if r.event == Event::StepConfirmed
                    && let Some(Value::Array(listed)) = r.evidence.get(field)
                {
                    seats.extend(listed.iter().cloned());
                }
            }
        }
        let total = seats
            .iter()
            .filter_map(|s| s.get("monthly_cost_cents").and_then(Value::as_i64))
            .sum();
        (seats, total)
    }
}
