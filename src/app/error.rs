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

    /// Any other request a use case refuses, in its own words.
    #[error("{0}")]
    Refused(String),
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
            | Error::Refused(_) => Exit::Usage,
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
