//! Legal holds as a run sees them: whether an employee is under one (an entry of the
//! repository's holds file, or the `legal_hold` flag of their HR record), how the hold is named in
//! the journal and in a plan (its reason and where it is recorded), and what a plan foresees for
//! a destructive step of an employee under hold. It reads and describes only: the engine alone
//! decides to block a step, and nothing here ever writes to the journal.

use std::fmt;

use crate::execute::outcome::StepState;
use crate::hr::HrRecord;
use crate::playbook::{Holds, Step};

/// A legal hold on one employee: destructive steps are blocked while it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalHold {
    /// Why (the case reference written in the holds file, or a fixed text for the HR flag).
    pub reason: String,
    /// Where the hold is recorded.
    pub source: HoldSource,
}

/// Where a legal hold is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldSource {
    /// An entry of the repository's holds file.
    HoldsFile {
        /// The file name, e.g. `holds.yaml`.
        file: String,
        /// Since when, as written there.
        since: Option<String>,
    },
    /// The `legal_hold` flag of the HR record.
    Hr,
}

/// The hold on `employee`: an entry of `holds` (read from the file named `file`) first, then the
/// HR flag; `None` when neither holds them.
pub fn legal_hold(holds: &Holds, file: &str, employee: &HrRecord) -> Option<LegalHold> {
    if let Some(hold) = holds.hold_on(&employee.id) {
        return Some(LegalHold {
            reason: hold.reason.clone(),
            source: HoldSource::HoldsFile {
                file: file.to_owned(),
                since: hold.since.clone(),
            },
        });
    }
    employee.legal_hold.then(|| LegalHold {
        reason: "legal hold flagged in HR".to_owned(),
        source: HoldSource::Hr,
    })
}

/// The hold as the journal's `step.blocked` evidence and a plan name it: the reason, then where
/// it is recorded, e.g. `Litigation 2026-117 [holds.yaml, since 2026-11-02]`.
impl fmt::Display for LegalHold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            HoldSource::HoldsFile { file, since } => {
                write!(f, "{} [{file}", self.reason.trim_end())?;
                if let Some(since) = since {
                    write!(f, ", since {since}")?;
                }
                f.write_str("]")
            }
            HoldSource::Hr => write!(f, "{} [HR record, legal_hold]", self.reason),
        }
    }
}

/// Dry run only: what a plan shows for `step`, whose state the engine worked out as `state`.
/// A destructive step of an employee under hold (`hold`, as [`LegalHold`] displays it) that is
/// still pending on an earlier step, or scheduled for later, will be blocked by the hold when it
/// is reached; the plan says so now, with the hold and what the step waits for first.
pub fn foreseen(step: &Step, hold: Option<&str>, state: StepState) -> StepState {
    let (true, Some(hold)) = (step.destructive, hold) else {
        return state;
    };
    match state {
        StepState::Pending { on } => StepState::Blocked {
            reason: format!("{hold}; it also waits for {on}"),
        },
        StepState::Scheduled { due_at, .. } => StepState::Blocked {
            reason: format!("{hold}; due {}", crate::human::timestamp(&due_at)),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Hold;

    fn employee(id: &str, flagged: bool) -> HrRecord {
        HrRecord {
            id: id.into(),
            username: "heidi".into(),
            email: "heidi@acme.example".into(),
            display_name: "Heidi".into(),
            manager_id: None,
            manager_email: None,
            department: None,
            cost_centre: None,
            role: None,
            new_role: None,
            raw_status: "VOL".into(),
            effective_at: None,
            employment: crate::hr::Employment::Employee,
            legal_hold: flagged,
        }
    }

    #[test]
    fn the_holds_file_comes_first_and_names_itself() {
        let holds = Holds {
            holds: vec![Hold {
                employee: "E1009".into(),
                reason: "Case 42 ".into(),
                since: Some("2026-11-02".into()),
            }],
        };
        let hold = legal_hold(&holds, "holds.yaml", &employee("E1009", true)).unwrap();
        assert_eq!(hold.to_string(), "Case 42 [holds.yaml, since 2026-11-02]");
        let flagged = legal_hold(&Holds::default(), "holds.yaml", &employee("E1009", true));
        assert_eq!(
            flagged.unwrap().to_string(),
            "legal hold flagged in HR [HR record, legal_hold]"
        );
        assert_eq!(
            legal_hold(&holds, "holds.yaml", &employee("E1001", false)),
            None
        );
    }
}
