//! What one thread of a scan accumulates: its findings and its counts, and the entitlements it
//! read that wait to be judged in a batch. Tallies of several threads and sources are merged at
//! the end; a tally never judges anything itself.

use super::finding::Finding;
use super::pending::Pending;

/// Findings and counts of one scanning thread.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Findings, in the order met.
    pub findings: Vec<Finding>,
    /// Entitlements read.
    pub entitlements: u64,
    /// Entitlements of allow-listed service accounts.
    pub service_account_entitlements: u64,
    /// Groups and licenses whose holder's role is absent from the role matrix.
    pub unjudged_entitlements: u64,
    /// Entitlements read and counted, not judged yet ([`super::Judge::flush`] judges them).
    pub(super) pending: Pending,
}

impl Tally {
    /// Add `other` into `self`; both have been flushed (nothing pending).
    pub fn merge(&mut self, other: Tally) {
        debug_assert!(
            other.pending.is_empty(),
            "a tally is merged before it is flushed"
        );
        self.findings.extend(other.findings);
        self.entitlements += other.entitlements;
        self.service_account_entitlements += other.service_account_entitlements;
        self.unjudged_entitlements += other.unjudged_entitlements;
    }
}
