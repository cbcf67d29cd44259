//! Approvals: which automatic steps must be approved before they apply (the rule itself is
//! [`approval_gates`], shared with `validate`), and which `step.approved` records count: only one
//! signed by someone other than the run's own signer (four eyes). It never reads
//! files or writes records; the engine, `confirm`, `plan` and `verify` apply its answers.

use crate::journal::{Event, Payload};
use crate::playbook::{Risk, Step, approval_gates};

/// True when `step` must be approved before it applies under the policy's `required` tiers
/// (the rule is [`approval_gates`]).
pub fn needs_approval(step: &Step, required: &[Risk]) -> bool {
    approval_gates(step.kind, step.confirm, step.approval, step.risk, required)
}

/// The principal that signed the run's `run.started` (its first record), if `records` hold it.
pub fn run_signer(records: &[Payload]) -> Option<&str> {
    records
        .first()
        .filter(|p| p.event == Event::RunStarted)
        .map(|p| p.signer.as_str())
}

/// True when `record` is a `step.approved` signed by the run's own signer: an approval that adds
/// no second pair of eyes, which neither the engine nor `verify` accepts.
pub fn is_self_approval(record: &Payload, run_signer: Option<&str>) -> bool {
    record.event == Event::StepApproved && Some(record.signer.as_str()) == run_signer
}

/// The principal of the first approval of `step` in `records` that counts (not signed by the
/// run's own signer), if any.
pub fn approved_by<'a>(records: &'a [Payload], step: &str) -> Option<&'a str> {
    let signer = run_signer(records);
    records
        .iter()
        .filter(|p| p.event == Event::StepApproved && p.step.as_deref() == Some(step))
        .find(|p| !is_self_approval(p, signer))
        .map(|p| p.signer.as_str())
}
