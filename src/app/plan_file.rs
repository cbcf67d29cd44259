//! The saved plan (`offboard plan --out plan.json`): the public format `offboard run --plan`
//! reads. A plan pins the playbook content it was made with, and lists per step the outcome a
//! run would have now, with the approval each gated step needs.

use serde::{Deserialize, Serialize};

use crate::execute::outcome::StepState;
use crate::plan::identity::PlaybookIdentity;

/// A saved plan (`--out plan.json`): the public format `offboard run --plan` reads.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Format version of this file.
    pub version: u32,
    /// Employee id.
    pub employee: String,
    /// Playbook name.
    pub playbook: String,
    /// The playbook file and the git blob id of its content when the plan was made; `run --plan`
    /// refuses the plan when it changed since. Absent from plans made by earlier versions, which
    /// `run --plan` refuses for that reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook_file: Option<PlaybookIdentity>,
    /// The run this plan continues, when one is open.
    pub run: Option<String>,
    /// When the plan was made (RFC 3339).
    pub planned_at: String,
    /// Every step, in execution order, with what it would do.
    pub steps: Vec<PlanStep>,
    /// Seats the plan would release, and their monthly cost in cents.
    pub totals: Totals,
}

/// One step of a plan: its planned outcome, and the approval it needs when the policy gates it.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Step id.
    pub step: String,
    /// What the step would do now.
    #[serde(flatten)]
    pub state: StepState,
    /// Present when the step needs an approval before it applies (absent from plans made by
    /// earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalNeed>,
}

/// The approval a gated step needs (`policy.approval_required` or `approval: true`).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalNeed {
    /// Always true: the step may not apply without an approval.
    pub required: bool,
    /// The role whose holder must approve it (the step's owner role), with a key other than
    /// the run's signer's.
    pub role: String,
    /// True when the journal of the open run already holds an approval that counts.
    pub approved: bool,
    /// Who approved it, when `approved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

impl ApprovalNeed {
    /// True when the step still waits for its approval.
    pub fn is_pending(&self) -> bool {
        self.required && !self.approved
    }
}

/// What a plan would reclaim.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Steps that would change something.
    pub changes: usize,
    /// License seats that would be released.
    pub seats: usize,
    /// Their monthly cost, in cents.
    pub monthly_cost_cents: i64,
    /// Steps not done yet that need an approval not given yet.
    #[serde(default)]
    pub approvals_needed: usize,
}
