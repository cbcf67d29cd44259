//! The errors of the use cases: every refusal a use case makes is a variant with the facts it
//! names, worded once in its `Display`, and each knows its exit code ([`Error::exit_code`]).
//! Failures of the stages below (loading, the journal, HR, git) pass through unchanged as
//! [`Error::Lib`].

use std::path::PathBuf;

use crate::exit::Exit;

/// Why a use case ended without doing what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure of a lower stage (configuration, files, the journal, HR, git, a lock).
    #[error(transparent)]
    Lib(#[from] crate::Error),

    /// HR lists no employee whose id or username is `key`.
    #[error(
        "unknown employee `{}`: no employee id or username in {location} matches{}",
        key.escape_debug(),
        meant.as_ref().map(|m| format!("; did you mean `offboard {m}`?")).unwrap_or_default()
    )]
    UnknownEmployee {
        /// The key as given.
        key: String,
        /// Where HR was read.
        location: String,
        /// The subcommand the key most likely mistypes, when it looks like one.
        meant: Option<String>,
    },

    /// The playbook file has uncommitted changes and `--allow-dirty` was not given.
    #[error(
        "playbook {} has uncommitted changes; commit them, or pass --allow-dirty (recorded in the journal)",
        crate::human::path(.file)
    )]
    DirtyPlaybook {
        /// The playbook file.
        file: PathBuf,
    },

    /// What a saved plan would do differs from what a run would do now.
    #[error(
        "the live state drifted since {} was made; nothing was executed. Differences (saved -> now):\n{}",
        crate::human::path(.plan),
        .differences.join("\n")
    )]
    Drift {
        /// The saved plan.
        plan: PathBuf,
        /// One line per difference.
        differences: Vec<String>,
    },

    /// The signer may not run playbooks: it holds no operator role.
    #[error(
        "signer {principal} may not run playbooks: it holds {}, and only a holder of an operator \
         role ({}; policy.operator_roles in {}) may. Sign with an operator's key (signing.key and \
         signing.principal, or {}), or make one of its roles an operator role. Nothing was written",
        roles_held(.held),
        .operator_roles.join(", "),
        .config.display(),
        super::workspace::SIGNING_KEY_ENV
    )]
    NotOperator {
        /// The signer's principal.
        principal: String,
        /// The roles it holds.
        held: Vec<String>,
        /// The operator roles of the policy.
        operator_roles: Vec<String>,
        /// The configuration file.
        config: PathBuf,
    },

    /// The signer lacks the role owning an automatic step of the playbook it would run.
    #[error(
        "signer {principal} does not hold role `{role}`, which owns automatic step `{step}` of \
         {playbook}; automatic steps are confirmed by the signer that runs them"
    )]
    StepOwner {
        /// The signer's principal.
        principal: String,
        /// The role owning the step.
        role: String,
        /// The step.
        step: String,
        /// The playbook.
        playbook: String,
    },

    /// A batch larger than the limit, without `--max` to allow it.
    #[error(
        "refusing a batch of {size} employees: the limit is {limit} (policy.batch_limit \
         {policy_limit}); pass --max {size} if this many departures are intended"
    )]
    BatchTooLarge {
        /// Employees in the batch.
        size: usize,
        /// The limit in force (`--max`, else the policy's).
        limit: usize,
        /// `policy.batch_limit`.
        policy_limit: u32,
    },

    /// Employees of a batch HR does not know, without `--skip-unknown`.
    #[error(
        "{count} employee(s) of this batch are not in {location}: {names}; nothing was run. \
         Correct the names, or pass --skip-unknown to run the others"
    )]
    UnknownInBatch {
        /// How many.
        count: usize,
        /// Where HR was read.
        location: String,
        /// The keys, quoted, with a hint where one looks like a subcommand.
        names: String,
    },

    /// The signer does not hold the role that owns the step it would sign off.
    #[error(
        "separation of duties: {principal} holds {} but step `{step}` is owned by `{owner}`; it \
         must be confirmed by a holder of that role with their own key",
        roles_held(.held)
    )]
    SeparationOfDuties {
        /// The signer's principal.
        principal: String,
        /// The roles it holds.
        held: Vec<String>,
        /// The step.
        step: String,
        /// The role owning it.
        owner: String,
    },

    /// The run's own signer tries to approve one of its steps.
    #[error(
        "four-eyes: {principal} signed run {run} (its run.started), and the run's own signer \
         cannot approve its steps; step `{step}` must be approved by another holder of role \
         `{owner}` with their own key (--key, --principal). Nothing was written"
    )]
    FourEyes {
        /// The signer's principal.
        principal: String,
        /// The run.
        run: String,
        /// The step.
        step: String,
        /// The role owning it.
        owner: String,
    },

    /// `--playbook` names no playbook of the repository.
    #[error("unknown playbook `{name}`; playbooks are: {}", .known.join(", "))]
    UnknownPlaybook {
        /// The name given.
        name: String,
        /// The playbooks there are.
        known: Vec<String>,
    },

    /// No playbook is triggered by the employee's status, and none was named.
    #[error(
        "no playbook is triggered by status `{status}` of {employee}; choose one with --playbook"
    )]
    NoPlaybook {
        /// The status, as the glossary names it.
        status: String,
        /// The employee id.
        employee: String,
    },

    /// Several playbooks are triggered by the employee's status, and none was named.
    #[error(
        "several playbooks are triggered by status `{status}`: {}; choose one with --playbook",
        .playbooks.join(", ")
    )]
    SeveralPlaybooks {
        /// The status, as the glossary names it.
        status: String,
        /// The playbooks it triggers.
        playbooks: Vec<String>,
    },

    /// A saved plan from an earlier version, which does not pin the playbook content.
    #[error(
        "{} does not record which playbook content it was made with (it was saved by an \
         earlier version); nothing was executed. Make it again with `offboard plan {employee} --out {}`",
        crate::human::path(.plan),
        crate::human::path(.plan)
    )]
    PlanUnpinned {
        /// The plan file.
        plan: PathBuf,
        /// Its employee.
        employee: String,
    },

    /// The playbook a saved plan was made with is no longer in the repository.
    #[error(
        "{}: playbook `{playbook}` no longer exists; nothing was executed",
        crate::human::path(.plan)
    )]
    PlanPlaybookGone {
        /// The plan file.
        plan: PathBuf,
        /// The playbook's name.
        playbook: String,
    },

    /// The playbook's content changed since the saved plan was made.
    #[error(
        "playbook {playbook} changed since {} was made; nothing was executed. Review the change \
         and make the plan again (`offboard plan {employee} --out {}`). Changes (plan -> now):\n{changes}",
        crate::human::path(.plan),
        crate::human::path(.plan)
    )]
    PlaybookChanged {
        /// The plan file.
        plan: PathBuf,
        /// The playbook's name.
        playbook: String,
        /// Its employee.
        employee: String,
        /// What changed, one line each.
        changes: String,
    },

    /// The run's playbook has no such step.
    #[error("playbook `{playbook}` has no step `{step}`; steps are: {}", .steps.join(", "))]
    NoSuchStep {
        /// The playbook.
        playbook: String,
        /// The step named.
        step: String,
        /// Its steps.
        steps: Vec<String>,
    },

    /// An approval asked for a step that is confirmed by read-back without one.
    #[error("step `{step}` is confirmed automatically by read-back and needs no approval")]
    NoApprovalNeeded {
        /// The step.
        step: String,
    },

    /// A manual sign-off before the run reached the step.
    #[error(
        "step `{step}` of run {run} is not waiting for sign-off yet (the steps it follows are \
         not done); run `offboard status {run}`"
    )]
    NotWaiting {
        /// The step.
        step: String,
        /// The run.
        run: String,
    },

    /// A sign-off without a note.
    #[error("--note must say what was done")]
    NoNote,

    /// The same key twice on the command line.
    #[error(
        "employee `{}` is named twice on the command line; name each employee once",
        .key.escape_debug()
    )]
    NamedTwice {
        /// The key.
        key: String,
    },

    /// A key on the command line also listed in the events file.
    #[error(
        "employee `{}` is named on the command line and listed in {}; name each employee once",
        .key.escape_debug(),
        crate::human::path(.file)
    )]
    NamedAndListed {
        /// The key.
        key: String,
        /// The events file.
        file: PathBuf,
    },

    /// Two keys of a batch (id and username) that are the same person.
    #[error(
        "`{}` and `{}` are the same employee ({employee}); name each employee once",
        .first.escape_debug(),
        .second.escape_debug()
    )]
    SamePerson {
        /// The key given first.
        first: String,
        /// The key given second.
        second: String,
        /// Their employee id.
        employee: String,
    },
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> Exit {
        match self {
            Error::Lib(error) => error.exit(),
            Error::UnknownEmployee { .. }
            | Error::DirtyPlaybook { .. }
            | Error::Drift { .. }
            | Error::NotOperator { .. }
            | Error::StepOwner { .. }
            | Error::BatchTooLarge { .. }
            | Error::UnknownInBatch { .. }
            | Error::SeparationOfDuties { .. }
            | Error::FourEyes { .. }
            | Error::UnknownPlaybook { .. }
            | Error::NoPlaybook { .. }
            | Error::SeveralPlaybooks { .. }
            | Error::PlanUnpinned { .. }
            | Error::PlanPlaybookGone { .. }
            | Error::PlaybookChanged { .. }
            | Error::NoSuchStep { .. }
            | Error::NoApprovalNeeded { .. }
            | Error::NotWaiting { .. }
            | Error::NoNote
            | Error::NamedTwice { .. }
            | Error::NamedAndListed { .. }
            | Error::SamePerson { .. } => Exit::Usage,
        }
    }

    /// True when another process holds the employee's lock (the run was not started).
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Lib(crate::Error::Busy(_)))
    }
}

/// A journal failure as the command's error: a record that does not verify is a finding
/// (exit 1), anything else a usage error.
pub fn journal_err(error: crate::journal::JournalError) -> crate::Error {
    match error {
        crate::journal::JournalError::Untrusted { .. } => {
            crate::Error::UntrustedJournal(format!("journal: {error}"))
        }
        other => crate::Error::Usage(format!("journal: {}", with_causes(&other))),
    }
}

/// `error` followed by its causes, `: `-separated, for an error passed on as text (the
/// operating system's reason behind "cannot open FILE" must not be lost).
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// `no role`, or `roles a, b`.
fn roles_held(held: &[String]) -> String {
    if held.is_empty() {
        "no role".to_owned()
    } else {
        format!("roles {}", held.join(", "))
    }
}

/// Result with the use cases' [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
