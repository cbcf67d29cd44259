//! What one thread of a scan accumulates: its findings and its counts. Tallies of several
//! threads and sources are merged at the end; a tally never judges anything itself.

use super::finding::Finding;

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
}

impl Tally {
    /// Add `other` into `self`.
    pub fn merge(&mut self, other: Tally) {
        self.findings.extend(other.findings);
        self.entitlements += other.entitlements;
        self.service_account_entitlements += other.service_account_entitlements;
        self.unjudged_entitlements += other.unjudged_entitlements;
    }
}
