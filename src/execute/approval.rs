//! Approvals: which automatic steps must be approved before they apply, and which `step.approved`
//! records count. It owns the two rules of the policy: a tier listed in
//! `policy.approval_required` gates that tier and every more urgent one, and an approval counts
//! only when signed by someone other than the run's own signer (four eyes). It never reads
//! files or writes records; the engine, `confirm`, `plan` and `verify` apply its answers.

use crate::journal::{Event, Payload};
use crate::playbook::{Confirm, Risk, Step};

/// True when the policy's `required` tiers gate a step of tier `risk`: listing a tier covers it
/// and every more urgent tier (`[high]` gates `high` and `critical` steps), since a critical step
/// is at least as risky as a high one.
pub fn tier_is_gated(required: &[Risk], risk: Risk) -> bool {
    risk.gated_by(required)
}

/// True when `step` must be approved by a holder of its owner role before it applies: it is
/// confirmed automatically (a manual step is signed off instead), it changes something (a step
/// that only reads, such as `hr.require_leaver_status`, has nothing to approve) and it is marked
/// `approval: true` or its tier is gated by the policy's `required` tiers.
pub fn needs_approval(step: &Step, required: &[Risk]) -> bool {
    step.confirm != Confirm::Manual
        && !step.kind.only_reads()
        && (step.approval || tier_is_gated(required, step.risk))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_tier_gates_itself_and_every_more_urgent_tier() {
        use Risk::*;
        let cases: [(&[Risk], [bool; 4]); 5] = [
            (&[], [false, false, false, false]),
            (&[Critical], [true, false, false, false]),
            (&[High], [true, true, false, false]),
            (&[Standard], [true, true, true, false]),
            (&[Low, Critical], [true, true, true, true]),
        ];
        for (required, expected) in cases {
            let got = Risk::ALL.map(|risk| tier_is_gated(required, risk));
            assert_eq!(got, expected, "approval_required: {required:?}");
        }
    }
}
