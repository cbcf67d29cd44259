//! The validated playbook and its steps: what the planner and executor consume. Values here have
//! passed every rule of `validate`; the types never re-check them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::action::Action;
use super::confirm::Confirm;
use super::delay::StageDelay;
use super::glossary::Status;
use super::template::Template;

/// A validated playbook: one departure type's steps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Playbook {
    /// Unique name (`[a-z0-9-]+`), used by `--playbook NAME`.
    pub name: String,
    /// One line for people.
    pub description: Option<String>,
    /// Role -> the person or team that holds it.
    pub owners: BTreeMap<String, String>,
    /// HR statuses that select this playbook.
    pub triggers: Vec<Status>,
    /// The steps in file order. Every `after` names one of them and there is no cycle; use
    /// [`Playbook::order`] for an execution order.
    pub steps: Vec<Step>,
}

/// The approval rule, shared by `validate` (on a step being read) and the engine: a step must be
/// approved by a holder of its owner role before it applies when it is confirmed automatically
/// (a manual step is signed off instead), changes something (a step that only reads, such as
/// `hr.require_leaver_status`, has nothing to approve), and is marked `approval: true` or its
/// tier is gated by the policy's `required` tiers.
pub fn approval_gates(
    kind: Action,
    confirm: Confirm,
    marked: bool,
    risk: Risk,
    required: &[Risk],
) -> bool {
    confirm != Confirm::Manual && !kind.only_reads() && (marked || risk.gated_by(required))
}

/// One step of a playbook.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Unique within the playbook (`[a-z0-9-]+`).
    pub id: String,
    /// The catalogue action.
    pub kind: Action,
    /// The connector (a name under `connectors:` of the configuration). `None` for actions
    /// that take none; when the playbook omits it and a configuration is known, the analyzer
    /// fills in the only connector that can perform the action.
    pub connector: Option<String>,
    /// Parameters, each a template over the employee record.
    pub with: BTreeMap<String, Template>,
    /// Steps that must be confirmed first.
    pub after: Vec<String>,
    /// The owner role (a key of [`Playbook::owners`]).
    pub owner: String,
    /// Risk tier; sets the deadline.
    pub risk: Risk,
    /// Stage delay from the HR effective time.
    pub at: Option<StageDelay>,
    /// Destroys data: blocked while the employee is under legal hold.
    pub destructive: bool,
    /// Preserves the employee's data (declared, or implied by the action).
    pub preserves_data: bool,
    /// How the step is confirmed (the action's default when not written).
    pub confirm: Confirm,
    /// What the run does when the step fails.
    pub on_error: OnError,
    /// A person of the owner role must approve before it applies.
    pub approval: bool,
}

#[cfg(test)]
impl Step {
    /// A manual step owned by `iam`, standard risk, waiting for nothing: the base tests build
    /// their steps on.
    pub(crate) fn manual(id: &str) -> Step {
        Step {
            id: id.into(),
            kind: Action::Manual,
            connector: None,
            with: BTreeMap::new(),
            after: Vec::new(),
            owner: "iam".into(),
            risk: Risk::Standard,
            at: None,
            destructive: false,
            preserves_data: false,
            confirm: Confirm::Manual,
            on_error: OnError::Stop,
            approval: false,
        }
    }
}

impl Playbook {
    /// The step with id `id`.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Step indices in an order where every step comes after the steps it waits for; ties keep
    /// file order. The analyzer guarantees there is no cycle.
    pub fn order(&self) -> Vec<usize> {
        let index: BTreeMap<&str, usize> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut done = vec![false; self.steps.len()];
        let mut order = Vec::with_capacity(self.steps.len());
        while order.len() < self.steps.len() {
            let next = (0..self.steps.len()).find(|&i| {
                !done[i]
                    && self.steps[i]
                        .after
                        .iter()
                        .all(|a| index.get(a.as_str()).is_none_or(|&j| done[j]))
            });
            match next {
                Some(i) => {
                    done[i] = true;
                    order.push(i);
                }
                // Unreachable for analyzed playbooks; keep the rest in file order rather than loop.
                None => {
                    order.extend((0..self.steps.len()).filter(|&i| !done[i]));
                    break;
                }
            }
        }
        order
    }

    /// True when the playbook is selected by `status`.
    pub fn is_triggered_by(&self, status: Status) -> bool {
        self.triggers.contains(&status)
    }
}

/// Risk tier of a step; the configuration's policy gives each a deadline.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Must be done within minutes (e.g. disable access).
    Critical,
    /// Within hours.
    High,
    /// Within a day.
    #[default]
    Standard,
    /// Within days.
    Low,
}

impl Risk {
    /// True when a policy listing the `required` tiers gates this tier: listing a tier covers it
    /// and every more urgent tier (`[high]` gates `high` and `critical`).
    pub fn gated_by(self, required: &[Risk]) -> bool {
        // Variants are declared most urgent first.
        required.iter().any(|&listed| self <= listed)
    }

    /// Every tier, most urgent first.
    pub const ALL: [Risk; 4] = [Risk::Critical, Risk::High, Risk::Standard, Risk::Low];

    /// The name written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Critical => "critical",
            Risk::High => "high",
            Risk::Standard => "standard",
            Risk::Low => "low",
        }
    }

    /// The tier named `name`.
    pub fn from_name(name: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a run does when a step fails.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Stop the run at the step (resumable).
    #[default]
    Stop,
    /// Record the failure and go on with steps that do not depend on it.
    Continue,
}

impl OnError {
    /// The policy named `name`.
    pub fn from_name(name: &str) -> Option<OnError> {
        match name {
            "stop" => Some(OnError::Stop),
            "continue" => Some(OnError::Continue),
            _ => None,
        }
    }
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
            let got = Risk::ALL.map(|risk| risk.gated_by(required));
            assert_eq!(got, expected, "approval_required: {required:?}");
        }
    }

    fn step(id: &str, after: &[&str]) -> Step {
        Step {
            after: after.iter().map(|s| s.to_string()).collect(),
            ..Step::manual(id)
        }
    }

    #[test]
    fn order_respects_after_and_file_order() {
        let playbook = Playbook {
            name: "p".into(),
            description: None,
            owners: BTreeMap::new(),
            triggers: vec![Status::Resigned],
            steps: vec![
                step("c", &["b"]),
                step("a", &[]),
                step("b", &["a"]),
                step("d", &[]),
            ],
        };
        assert_eq!(playbook.order(), [1, 2, 0, 3]);
        assert_eq!(
            playbook.step("b").map(|s| s.after.clone()),
            Some(vec!["a".to_string()])
        );
    }
}
