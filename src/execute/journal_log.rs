//! The engine's view of a run journal's history: the records of one step as the engine reads
//! them to resume. Writing is the run lifecycle's (`app::lifecycle`).

use crate::journal::Payload;

use super::approval;
use super::engine::Recorded;

/// The events `records` hold for `step`, oldest first, as the engine reads them. An approval
/// signed by the run's own signer is left out: it does not count (four eyes).
pub fn events_of(records: &[Payload], step: &str) -> Vec<Recorded> {
    let signer = approval::run_signer(records);
    records
        .iter()
        .filter(|p| p.step.as_deref() == Some(step))
        .filter(|p| !approval::is_self_approval(p, signer))
        .map(|p| Recorded {
            event: p.event.clone(),
            evidence: p.evidence.clone().unwrap_or_default(),
        })
        .collect()
}
