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

    /// `policy.require_signed_playbooks` is on and the playbook's last commit is not signed by
    /// a key of `policy.playbook_signers`.
    #[error(
        "playbook {} is not signed as policy.require_signed_playbooks requires: {reason}. Commit \
         it signed (`git commit -S` with `gpg.format ssh`) by a key that {} lists. Nothing was \
         written",
        crate::human::path(.file),
        crate::human::path(.signers)
    )]
    UnsignedPlaybook {
        /// The playbook file.
        file: PathBuf,
        /// Why it is not signed as required.
        reason: super::playbook_signature::Unsigned,
        /// The allowed-signers file of playbook commits.
        signers: PathBuf,
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

    /// Request input that is not acceptable, with where it is: a row of an events CSV, a saved
    /// plan, an inventory export.
    #[error("{at}: {problem}")]
    Input {
        /// The file, and its line when known (`events.csv:3`).
        at: String,
        /// What is wrong there.
        problem: String,
    },

    /// An employee key (id or username) that cannot be one.
    #[error("employee {0}")]
    BadKey(String),

    /// A run id that cannot be one.
    #[error("{0}")]
    BadRunId(crate::journal::JournalError),

    /// An events CSV with a header and no rows.
    #[error("no employees in {}: it has no rows below its header", .file.display())]
    NoEmployees {
        /// The events file.
        file: PathBuf,
    },

    /// A file given as a saved plan that does not read as one.
    #[error("{} is not a saved plan: {reason}", crate::human::path(.file))]
    NotAPlan {
        /// The file.
        file: PathBuf,
        /// Why it does not read.
        reason: String,
    },

    /// A file or directory the request names does not exist.
    #[error("{what}{} does not exist{hint}", crate::human::path(.path))]
    Missing {
        /// What it was meant to be, with a trailing space (`configuration `), or empty.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// What it means, with its leading punctuation, or empty.
        hint: &'static str,
    },

    /// `--config` names a directory.
    #[error(
        "configuration {} is a directory; pass the offboard.yaml file in it",
        crate::human::path(.path)
    )]
    ConfigIsDirectory {
        /// The directory.
        path: PathBuf,
    },

    /// No configuration was given or found.
    #[error(
        "no {} in {} or its parents; pass --config PATH or run `offboard init`",
        crate::load::CONFIG_FILE,
        crate::human::path(.dir)
    )]
    NoConfig {
        /// Where the search started.
        dir: PathBuf,
    },

    /// `validate PATH` where PATH holds no YAML file and no configuration was found.
    #[error("no playbook found in {place}: it holds no .yaml or .yml file")]
    NoPlaybookFiles {
        /// The paths given.
        place: String,
    },

    /// `validate` without PATH, and no playbooks directory to check.
    #[error("no PATH given and {} is not a directory", crate::human::path(.dir))]
    NoPlaybooksDir {
        /// The directory that would have been checked.
        dir: PathBuf,
    },

    /// The revision of `--changed-since` cannot be compared with.
    #[error("{0}")]
    ChangedSince(crate::Error),

    /// HR could not be read, or a key names two people.
    #[error("{0}")]
    Hr(crate::hr::HrError),

    /// An employee's HR status the glossary does not map.
    #[error(
        "HR status `{}` of {employee} is not in the glossary {}",
        crate::human::printable(.status),
        crate::human::path(.glossary)
    )]
    UnmappedStatus {
        /// The raw status.
        status: String,
        /// The employee id.
        employee: String,
        /// The glossary file.
        glossary: PathBuf,
    },

    /// `status KEY` where KEY is neither a run nor an employee.
    #[error("no run or employee `{key}` in the journal {}", crate::human::path(.journal))]
    NoRunOrEmployee {
        /// The key given.
        key: String,
        /// The journal directory.
        journal: PathBuf,
    },

    /// No run the request names is in the journal.
    #[error(
        "no run {} in the journal {} (neither a run file nor a ledger entry)",
        .runs.join(", "),
        crate::human::path(.journal)
    )]
    NoSuchRuns {
        /// The runs named that are missing.
        runs: Vec<String>,
        /// The journal directory.
        journal: PathBuf,
    },

    /// A run's journal has no `run.started` record.
    #[error("run {run} has no run.started record")]
    RunNotStarted {
        /// The run.
        run: String,
    },

    /// The playbook a run executes is no longer where it was.
    #[error("run {run} executes playbook `{playbook}`, which is not in {place}")]
    RunPlaybookGone {
        /// The run.
        run: String,
        /// The playbook's name.
        playbook: String,
        /// Where it was looked for.
        place: String,
    },

    /// `confirm` given an employee instead of a run id; the message names their runs.
    #[error("{0}")]
    NotARun(String),

    /// A connector or a step's target could not be set up from the configuration.
    #[error("{0}")]
    Setup(String),

    /// A step names no configured connector.
    #[error("step `{step}` names no configured connector")]
    NoConnector {
        /// The step.
        step: String,
    },

    /// A step's template could not be rendered.
    #[error("{0}")]
    Template(crate::playbook::TemplateError),

    /// A connector call failed.
    #[error("connector `{connector}`: {error}")]
    Connector {
        /// The connector's name.
        connector: String,
        /// What went wrong.
        error: crate::connector::ConnectorError,
    },

    /// After returning assets, the inventory still shows some on loan.
    #[error(
        "read-back of {account} in `{connector}` still shows assets on loan: {}",
        .assets.join(", ")
    )]
    AssetsOnLoan {
        /// The account.
        account: String,
        /// The connector.
        connector: String,
        /// The assets still shown.
        assets: Vec<String>,
    },

    /// An `init` principal that cannot be written into `allowed_signers`.
    #[error(
        "principal `{}` must be one word without quotes, e.g. it-ops@example.com",
        .principal.escape_debug()
    )]
    BadPrincipal {
        /// The principal given.
        principal: String,
    },

    /// A key could not be generated, or a key or message encoded.
    #[error("cannot {action}: {reason}")]
    Cannot {
        /// What was being done (`encode the alert`).
        action: &'static str,
        /// Why it failed.
        reason: String,
    },

    /// A value could not be written as JSON.
    #[error("{0}")]
    Json(serde_json::Error),

    /// Files `init` would have to overwrite.
    #[error("refusing to overwrite: {files}")]
    WouldOverwrite {
        /// The files, comma-separated.
        files: String,
    },

    /// The engine stopped on an error it could not record as a step's outcome.
    #[error("{0}")]
    Engine(String),

    /// The current time could not be read (`OFFBOARD_NOW` is not a time).
    #[error("{0}")]
    Clock(String),

    /// The journal failed (a record that does not verify is [`crate::Error::UntrustedJournal`]).
    #[error("journal: {}", with_causes(.0))]
    Journal(crate::journal::JournalError),

    /// The employee's lock could not be taken for another reason than another run holding it.
    #[error("{}", with_causes(.0))]
    Lock(crate::journal::JournalError),

    /// The report could not be made.
    #[error("report: {0}")]
    Report(crate::report::ReportError),

    /// The evidence pack could not be checked.
    #[error("verify --evidence: {0}")]
    EvidencePack(crate::report::ReportError),

    /// Reconciling failed (other than a file that cannot be read).
    #[error("{0}")]
    Reconcile(crate::reconcile::ReconcileError),

    /// `reconcile --alert` without `reconcile.alert` in the configuration.
    #[error(
        "`reconcile --alert` needs an alert webhook: add `reconcile: {{ alert: CONNECTOR }}` to {}, naming a `type: webhook` connector",
        crate::human::path(.config)
    )]
    NoAlertWebhook {
        /// The configuration file.
        config: PathBuf,
    },

    /// `offboard prune` without `--before` and without `policy.retention`.
    #[error(
        "offboard prune needs a cut-off: pass --before DATE, or set policy.retention (e.g. `7y`) in {}",
        crate::human::path(.config)
    )]
    NoRetention {
        /// The configuration file.
        config: PathBuf,
    },

    /// `--before` is not a date.
    #[error("--before `{}`: not a date (YYYY-MM-DD, or an RFC 3339 time)", .value.escape_debug())]
    BadDate {
        /// The value as given.
        value: String,
    },

    /// Runs the cut-off would remove belong to employees under legal hold.
    #[error(
        "refusing to prune: {} run(s) of employees under legal hold would be removed: {}. \
         Nothing was removed; lift the hold, or choose an earlier --before",
        .runs.len(),
        .runs.iter().map(|r| format!("{} (employee {}: {})", r.run, r.employee, r.hold)).collect::<Vec<_>>().join("; ")
    )]
    HeldRuns {
        /// Every such run, with its employee and hold.
        runs: Vec<HeldRun>,
    },

    /// `reconcile.alert` names a connector that is not a webhook.
    #[error(
        "`reconcile.alert` in {} names `{name}`, which is not a webhook connector",
        crate::human::path(.config)
    )]
    AlertNotWebhook {
        /// The configuration file.
        config: PathBuf,
        /// The connector named.
        name: String,
    },
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> Exit {
        match self {
            Error::Lib(error) => error.exit(),
            Error::UnknownEmployee { .. }
            | Error::DirtyPlaybook { .. }
            | Error::UnsignedPlaybook { .. }
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
            | Error::SamePerson { .. }
            | Error::Input { .. }
            | Error::BadKey(_)
            | Error::BadRunId(_)
            | Error::NoEmployees { .. }
            | Error::NotAPlan { .. }
            | Error::Missing { .. }
            | Error::ConfigIsDirectory { .. }
            | Error::NoConfig { .. }
            | Error::NoPlaybookFiles { .. }
            | Error::NoPlaybooksDir { .. }
            | Error::ChangedSince(_)
            | Error::Hr(_)
            | Error::UnmappedStatus { .. }
            | Error::NoRunOrEmployee { .. }
            | Error::NoSuchRuns { .. }
            | Error::RunNotStarted { .. }
            | Error::RunPlaybookGone { .. }
            | Error::NotARun(_)
            | Error::Setup(_)
            | Error::NoConnector { .. }
            | Error::Template(_)
            | Error::Connector { .. }
            | Error::AssetsOnLoan { .. }
            | Error::BadPrincipal { .. }
            | Error::Cannot { .. }
            | Error::Json(_)
            | Error::WouldOverwrite { .. }
            | Error::Engine(_)
            | Error::Clock(_)
            | Error::Journal(_)
            | Error::Lock(_)
            | Error::Report(_)
            | Error::EvidencePack(_)
            | Error::Reconcile(_)
            | Error::NoAlertWebhook { .. }
            | Error::AlertNotWebhook { .. }
            | Error::NoRetention { .. }
            | Error::BadDate { .. } => Exit::Usage,
            Error::HeldRuns { .. } => Exit::Waiting,
        }
    }

    /// True when another process holds the employee's lock (the run was not started).
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Lib(crate::Error::Busy(_)))
    }
}

/// A journal failure as the command's error: a record that does not verify is a finding
/// (exit 1), anything else a usage error.
pub fn journal_err(error: crate::journal::JournalError) -> Error {
    match error {
        crate::journal::JournalError::Untrusted { .. } => {
            crate::Error::UntrustedJournal(format!("journal: {error}")).into()
        }
        other => Error::Journal(other),
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

/// A run of an employee under legal hold that a prune's cut-off would remove.
#[derive(Debug, Clone)]
pub struct HeldRun {
    /// The run id.
    pub run: String,
    /// The employee.
    pub employee: String,
    /// The hold and where it is recorded.
    pub hold: String,
}

/// Result with the use cases' [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
