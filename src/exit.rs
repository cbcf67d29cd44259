//! Exit codes: the stable, documented contract between `offboard` and the scripts, CI jobs and
//! schedulers that call it. This module owns the numbers; nothing else in the crate may pick one.

use std::fmt;

/// How a command ended. Every command maps its outcome to exactly one of these.
///
/// | code | meaning |
/// |---|---|
/// | 0 | done: everything asked for is complete |
/// | 1 | findings: `validate` found errors, `reconcile` found orphans, `verify` found a bad record, `doctor` found a failing check |
/// | 2 | usage or configuration error: bad flags, bad config, unknown employee, unknown playbook |
/// | 3 | a step failed; the run stopped at it and is resumable by running the same command again |
/// | 4 | the run is waiting: manual confirmations, staged steps, or a legal hold |
/// | 130 | interrupted (Ctrl-C); the journal is consistent and the run resumable |
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exit {
    /// Everything asked for is complete.
    Done,
    /// A check found something: lint errors, orphaned entitlements, a bad journal record.
    Findings,
    /// Bad flags, bad configuration, unknown employee or playbook.
    Usage,
    /// A step failed; the run stopped at it and can be resumed.
    StepFailed,
    /// The run waits for people or time: manual sign-off, staged steps, a legal hold.
    Waiting,
    /// Interrupted by the user; the journal is consistent.
    Interrupted,
}

impl Exit {
    /// Every outcome, in the order of their codes (for documentation: `--help`, man pages).
    pub const ALL: [Exit; 6] = [
        Exit::Done,
        Exit::Findings,
        Exit::Usage,
        Exit::StepFailed,
        Exit::Waiting,
        Exit::Interrupted,
    ];

    /// What the code means to a caller, as the README's exit code table says it.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Done => "done: everything asked for is complete",
            Exit::Findings => {
                "findings: validate found errors, reconcile found orphans, verify found a bad record, doctor found a failing check"
            }
            Exit::Usage => {
                "usage or configuration error: bad flags, bad config, unknown employee, unknown playbook"
            }
            Exit::StepFailed => {
                "a step failed; the run stopped at it and is resumable by running the same command again"
            }
            Exit::Waiting => {
                "the run is waiting: manual confirmations pending, staged steps scheduled, or blocked by a legal hold"
            }
            Exit::Interrupted => {
                "interrupted (Ctrl-C); the journal is consistent and the run resumable"
            }
        }
    }

    /// The process exit status for this outcome.
    pub fn code(self) -> u8 {
        match self {
            Exit::Done => 0,
            Exit::Findings => 1,
            Exit::Usage => 2,
            Exit::StepFailed => 3,
            Exit::Waiting => 4,
            Exit::Interrupted => 130,
        }
    }

    /// The outcome whose process exit status is `code`, if any.
    pub fn from_code(code: u8) -> Option<Exit> {
        Exit::ALL.into_iter().find(|e| e.code() == code)
    }

    /// End the process at once with this outcome's code, skipping every destructor.
    ///
    /// Only for the one place that cannot return to `main`: a second Ctrl-C, which the user
    /// means as "stop now". Everything else returns its [`Exit`] to `main`.
    pub fn terminate(self) -> ! {
        std::process::exit(i32::from(self.code()))
    }

    /// The more severe of two outcomes, for commands that handle several items (batches, `due`).
    ///
    /// Severity, lowest first: done, waiting, findings, usage, step failed, interrupted. A failed
    /// step ranks above an item that could not start (usage): it leaves changes half made in a
    /// system, which the operator must resume, while the other item changed nothing.
    pub fn worst(self, other: Exit) -> Exit {
        fn rank(e: Exit) -> u8 {
            match e {
                Exit::Done => 0,
                Exit::Waiting => 1,
                Exit::Findings => 2,
                Exit::Usage => 3,
                Exit::StepFailed => 4,
                Exit::Interrupted => 5,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let table = [
            (Exit::Done, 0),
            (Exit::Findings, 1),
            (Exit::Usage, 2),
            (Exit::StepFailed, 3),
            (Exit::Waiting, 4),
            (Exit::Interrupted, 130),
        ];
        for (exit, code) in table {
            assert_eq!(exit.code(), code, "{exit:?}");
        }
        assert_eq!(Exit::ALL.map(Exit::code), table.map(|(_, code)| code));
    }

    #[test]
    fn worst_prefers_failures_over_waiting() {
        assert_eq!(Exit::Done.worst(Exit::Waiting), Exit::Waiting);
        assert_eq!(Exit::StepFailed.worst(Exit::Waiting), Exit::StepFailed);
        assert_eq!(Exit::Usage.worst(Exit::Done), Exit::Usage);
        assert_eq!(Exit::Usage.worst(Exit::StepFailed), Exit::StepFailed);
        assert_eq!(Exit::StepFailed.worst(Exit::Usage), Exit::StepFailed);
        assert_eq!(Exit::Waiting.worst(Exit::Usage), Exit::Usage);
        assert_eq!(Exit::StepFailed.worst(Exit::Interrupted), Exit::Interrupted);
    }
}
