//! The command-line grammar: every subcommand, flag and help text, as clap derive types. Parsing
//! only; nothing here touches files or systems.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Employee offboarding as a version-controlled, verifiable program.
///
/// offboard runs YAML playbooks kept in git against real systems (SCIM 2.0, LDAP, webhooks and an
/// embedded SQLite inventory), confirms every change by reading the target back, and records a
/// signed confirmation in a tamper-evident journal that stock OpenSSH can verify.
///
/// `offboard EMPLOYEE` is shorthand for `offboard run EMPLOYEE`; a first word close to a command
/// (`pln`) is refused as a typo, so an employee named like one is reached with `offboard run`.
#[derive(Debug, Parser)]
#[command(
    name = "offboard",
    version,
    subcommand_required = true,
    arg_required_else_help = true,
    after_help = EXIT_CODES_HELP,
)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run (`offboard EMPLOYEE` means `offboard run EMPLOYEE`).
    #[command(subcommand)]
    pub command: Command,
}

/// Insert `run` before the first positional argument when it is not a subcommand, so that
/// `offboard [OPTIONS] EMPLOYEE [RUN OPTIONS]` means `offboard [OPTIONS] run EMPLOYEE ...`.
/// An employee whose name equals a subcommand is reached with `offboard run NAME`.
///
/// A first word close to a subcommand (`pln`) is never taken as an employee: the error (a
/// usage error, before anything is read) names the subcommand meant and `offboard run NAME`
/// for an employee really named so.
pub fn with_shorthand(
    mut args: Vec<std::ffi::OsString>,
) -> Result<Vec<std::ffi::OsString>, String> {
    use clap::CommandFactory;
    let command = Cli::command();
    // Root (global) options: skipped, with their value when they take one.
    let mut global: Vec<(String, bool)> = Vec::new();
    for arg in command.get_arguments() {
        let takes = arg.get_action().takes_values();
        if let Some(long) = arg.get_long() {
            global.push((format!("--{long}"), takes));
        }
        if let Some(short) = arg.get_short() {
            global.push((format!("-{short}"), takes));
        }
    }
    global.extend([
        ("--help".into(), false),
        ("-h".into(), false),
        ("--version".into(), false),
        ("-V".into(), false),
    ]);
    let mut i = 1;
    while i < args.len() {
        let Some(arg) = args[i].to_str() else {
            return Ok(args);
        };
        let name = arg.split('=').next().unwrap_or(arg);
        if let Some((_, takes)) = global.iter().find(|(g, _)| g == name) {
            i += if *takes && !arg.contains('=') { 2 } else { 1 };
            continue;
        }
        if arg.starts_with('-')
            && arg.len() > 2
            && !arg.starts_with("--")
            && arg[1..].chars().all(|c| c == 'v' || c == 'q')
        {
            i += 1;
            continue;
        }
        let is_subcommand = arg == "help"
            || command
                .get_subcommands()
                .any(|c| c.get_name() == arg || c.get_all_aliases().any(|a| a == arg));
        if !is_subcommand {
            if !arg.starts_with('-')
                && let Some(meant) = near_subcommand(arg)
            {
                return Err(format!(
                    "`{word}` is not a command: did you mean `offboard {meant}`? Nothing was \
                     read or changed. To offboard an employee named `{word}`, use \
                     `offboard run {word}`",
                    word = arg.escape_debug()
                ));
            }
            args.insert(i, "run".into());
        }
        return Ok(args);
    }
    Ok(args)
}

/// The subcommand `word` most likely mistypes (by the edit distance `validate` suggests keys
/// with), or `None` when it is a subcommand or close to none.
pub fn near_subcommand(word: &str) -> Option<String> {
    use clap::CommandFactory;
    let command = Cli::command();
    let names: Vec<&str> = command
        .get_subcommands()
        .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_all_aliases()))
        .chain(["help"])
        .collect();
    if names.contains(&word) {
        return None;
    }
    crate::analyze::suggest(word, names).map(str::to_owned)
}

/// The exit codes, shown at the end of `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    done: everything asked for is complete
  1    findings: validate found errors, reconcile found orphans, verify found a bad record,
       doctor found a failing check
  2    usage or configuration error
  3    a step failed; run the same command again to resume
  4    waiting: manual confirmations, staged steps, or a legal hold
  130  interrupted; the journal is consistent and the run resumable";

/// How a batch's exit code is chosen, shown at the end of `offboard run --help`.
pub const BATCH_EXIT_HELP: &str = "\
Batches (several employees, or --from): every employee gets a row in the outcome table, and the
exit code is the most severe row, in this order (most severe first):
  130  interrupted
  3    a step failed (the run stopped at it; run the same command again to resume)
  2    the employee could not be started (skipped as unknown to HR, a run in progress, ...)
  4    waiting (sign-off, staged step, legal hold, or the rest of the batch after the canary)
  0    done
A problem with the batch itself (over the limit, an employee named twice, an employee HR does
not know without --skip-unknown, an empty CSV) exits 2 before anything runs.";

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: offboard.yaml in the current directory or a parent; for
    /// `validate PATH`, the one at or above PATH first]
    #[arg(long, global = true, env = "OFFBOARD_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Output format. Some commands accept more: validate `github` and `sarif`, reconcile `csv`, report `md`
    /// and `html`.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Never draw progress bars, even on a terminal.
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// Print less: only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log more on stderr: -v each read and write against a system, -vv its detail, -vvv the
    /// libraries' traces too (never a secret).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: tables, colour on a terminal, source snippets.
    Human,
    /// For machines: JSON (one document, or one event per line while running).
    Json,
    /// GitHub Actions annotations (`validate`).
    Github,
    /// SARIF 2.1.0, for code-scanning services (`validate`).
    Sarif,
    /// Comma-separated values (`reconcile`).
    Csv,
    /// Markdown (`report`).
    Md,
    /// A self-contained HTML page (`report`).
    Html,
}

impl std::fmt::Display for Format {
    /// The value as written on the command line (`human`, `json`, `github`, ...).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_possible_value() {
            Some(value) => f.write_str(value.get_name()),
            None => write!(f, "{self:?}"),
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Execute the playbook for each employee.
    Run(RunArgs),
    /// Dry run: read every system and print the exact changes a run would make; changes nothing.
    ///
    /// Reads every system the playbook uses and the journal, and prints per step the exact change
    /// a run would make now (accounts to disable, groups to leave, seats to release with their
    /// monthly cost, messages to send with their rendered parameters), or that it is already done.
    /// No change is made to any system, the journal or HR. Like every command, its first use in a
    /// checkout creates the embedded store (e.g. `state/acme.db`) from its seed files.
    Plan(PlanArgs),
    /// Sign off a manual step (or approve a step that needs approval) with your own key.
    Confirm(ConfirmArgs),
    /// Open runs, pending steps, deadlines and breaches.
    Status(StatusArgs),
    /// Execute staged steps whose time has come (safe to run from cron every minute).
    Due(DueArgs),
    /// Check the journal: hash chains, signatures, signer roles (or an evidence pack).
    Verify(VerifyArgs),
    /// Remove finished runs older than the retention period, behind a signed ledger checkpoint.
    ///
    /// Removes the runs that finished before --before (or, without it, longer ago than
    /// policy.retention) after writing a signed `ledger.checkpoint` record that lists each
    /// one with the hash of its last record, so `offboard verify` still proves what remains
    /// and an evidence pack holding a removed run can still be checked. Unfinished runs are
    /// never removed. Refused (exit 4, every run named, nothing removed) when a run to remove
    /// is of an employee under legal hold; refused (exit 1) when the journal does not verify.
    Prune(PruneArgs),
    /// Lint playbooks, the glossary and the role matrix (for CI).
    Validate(ValidateArgs),
    /// Check every configured system, the signing key and the journal, reading only.
    ///
    /// For the HR source and each connector: the connection, TLS, the clock against the
    /// server's `Date` header, the credentials (an authenticated lookup) and the canary account
    /// `doctor.canary` names (found and read). Then the signing key and its validity window in
    /// `allowed_signers`, the signer's operator role, and the journal directory's permissions.
    /// One line per check with the fix under each failure; changes nothing anywhere.
    Doctor(DoctorArgs),
    /// Compare the HR roster with every system: orphaned and excess entitlements.
    Reconcile(ReconcileArgs),
    /// Metrics and evidence for leadership and auditors.
    Report(ReportArgs),
    /// Print the JSON Schema (draft-07) of a file format, for editors and CI, or write them all.
    Schema(SchemaArgs),
    /// Scaffold offboard.yaml, allowed_signers, a signing key and a first playbook.
    Init(InitArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print a man page (roff), or write all of them into a directory.
    Man(ManArgs),
}

/// `offboard run`.
#[derive(Debug, Args)]
#[command(after_help = BATCH_EXIT_HELP)]
pub struct RunArgs {
    /// Employees to offboard (ids or usernames from the HR source), each named once.
    #[arg(value_name = "EMPLOYEE", required_unless_present_any = ["from", "plan"])]
    pub employees: Vec<String>,

    /// Read the employees from a CSV of HR events (one employee per row, at least one row, each
    /// employee once).
    #[arg(long, value_name = "CSV")]
    pub from: Option<PathBuf>,

    /// Use this playbook instead of the one chosen by HR status (name or path).
    #[arg(long, value_name = "PLAYBOOK")]
    pub playbook: Option<String>,

    /// Execute exactly this saved plan (`offboard plan --out`). The plan names its employee and
    /// playbook, so EMPLOYEE, --from and --playbook cannot be given with it. Refused, with the
    /// differences, if the playbook file changed or the live state drifted since it was made.
    #[arg(
        long,
        value_name = "PLAN_JSON",
        conflicts_with_all = ["employees", "from", "playbook"]
    )]
    pub plan: Option<PathBuf>,

    /// Run a playbook with uncommitted changes (recorded in the journal).
    #[arg(long)]
    pub allow_dirty: bool,

    /// Allow a batch of up to N employees (above the configured batch limit).
    #[arg(long, value_name = "N")]
    pub max: Option<usize>,

    /// Continue after the canary (without it a batch pauses there, exit 4, or asks with
    /// --interactive).
    #[arg(long)]
    pub yes: bool,

    /// In a batch, skip the employees HR does not know instead of refusing the whole batch:
    /// the others run, and each one skipped is named in a warning before anything runs and
    /// keeps its row in the outcome table (exit 2). Without it, any employee HR does not know
    /// stops the batch before anything runs (exit 2, every unknown name listed).
    #[arg(long)]
    pub skip_unknown: bool,

    /// Ask at the terminal: offer to sign off in place a manual step the run's signer may
    /// confirm, and, in a batch, whether to go on after the canary (a batch then runs one
    /// employee at a time). Without it a run never waits for input, terminal or not: a pending
    /// sign-off exits 4 (`offboard confirm`), and a batch pauses after the canary (`--yes`).
    #[arg(long)]
    pub interactive: bool,

    /// Run up to N employees of a batch at once [default: policy.batch_concurrency]. Each
    /// connector's `concurrency` still bounds its requests in flight.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,
}

/// `offboard plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Employee to plan for.
    #[arg(value_name = "EMPLOYEE")]
    pub employee: String,

    /// Use this playbook instead of the one chosen by HR status (name or path).
    #[arg(long, value_name = "PLAYBOOK")]
    pub playbook: Option<String>,

    /// Save the plan for `offboard run --plan`, with the playbook file's identity (git blob id
    /// of its content): the run refuses the plan if the playbook changed since.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// `offboard confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The run id (see `offboard status`); given an employee, the error names their run ids.
    #[arg(value_name = "RUN")]
    pub run: String,

    /// The id of the manual step to sign off.
    #[arg(value_name = "STEP")]
    pub step: String,

    /// What was done, recorded in the signed confirmation.
    #[arg(long, value_name = "TEXT")]
    pub note: String,

    /// Sign with this OpenSSH private key instead of the configured one.
    #[arg(long, value_name = "PATH")]
    pub key: Option<PathBuf>,

    /// The signer principal (as in allowed_signers) instead of the configured one.
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: Option<String>,
}

/// `offboard status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A run id or an employee; all open runs when omitted.
    #[arg(value_name = "RUN|EMPLOYEE")]
    pub target: Option<String>,
}

/// `offboard due`.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// Only list what is due; execute nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `offboard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Runs to verify; the whole journal and its ledger when omitted.
    #[arg(value_name = "RUN")]
    pub runs: Vec<String>,

    /// A head printed by an earlier `verify` (`SEQ:sha256:HEX` for the ledger,
    /// `RUN@SEQ:sha256:HEX` for a run): fail unless it is still in its chain (repeatable).
    #[arg(long = "head", value_name = "[RUN@]SEQ:HASH")]
    pub heads: Vec<crate::journal::Anchor>,

    /// Check an evidence pack (`offboard report --evidence DIR`) instead of the journal:
    /// `manifest.sig` must be signed by a key this repository's `signing.allowed_signers` lists
    /// for the manifest's signer (never a file inside the pack), every listed file must match
    /// its SHA-256 and size, and the pack must hold no file the manifest does not list. Exit 1
    /// naming every problem found.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["runs", "heads"])]
    pub evidence: Option<PathBuf>,
}

/// `offboard prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove runs that finished before this date (YYYY-MM-DD, midnight UTC, or an RFC 3339
    /// time) [default: now minus policy.retention].
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,

    /// Only list the runs that would be removed; write and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}
/// `offboard doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// `offboard validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or directories to check [default: the configured playbooks directory, or
    /// ./playbooks]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Only check playbooks changed since this git revision (uncommitted changes included);
    /// every playbook when the config, glossary, roles or holds file changed.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
}

/// `offboard reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Post the findings to the webhook connector named by `reconcile.alert` in offboard.yaml
    /// (signed like any webhook message). Sent only when something is found; identical findings
    /// already delivered are not sent again. Exit 3 when it cannot be delivered.
    #[arg(long)]
    pub alert: bool,

    /// Start offboarding the leavers whose access remains (orphaned and suspend-expected
    /// findings; unknown holders, excess grants and dormant seats are left to a person),
    /// through the guarded batch path of `offboard run --from`: batch limit, canary and
    /// confirmation apply.
    #[arg(long)]
    pub offboard: bool,

    /// With --offboard: continue after the canary without asking (passed to the batch).
    #[arg(long, requires = "offboard")]
    pub yes: bool,

    /// With --offboard: allow a batch of up to N employees, above the configured batch limit
    /// (passed to the batch).
    #[arg(long, value_name = "N", requires = "offboard")]
    pub max: Option<usize>,

    /// Also read this CSV inventory export (repeatable).
    #[arg(long, value_name = "CSV")]
    pub inventory: Vec<PathBuf>,

    /// Do not save the findings to `<journal>/reconcile.json`, where `offboard report` reads the
    /// orphan rate (saved by default).
    #[arg(long)]
    pub no_save: bool,
}

/// `offboard report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only runs started within this period, e.g. 90d, 12w, 24h.
    #[arg(long, value_name = "PERIOD", default_value = "90d")]
    pub since: String,

    /// Add the debrief of the period: failures and retries by system, step and kind (recurring
    /// first, with the time lost to each), and the steps that missed their deadline with what
    /// they waited on.
    #[arg(long)]
    pub debrief: bool,

    /// Write the auditor evidence pack (CSV, journals, signed manifest) into this directory;
    /// `offboard verify --evidence DIR` checks it. With `--encrypt-to`, the new file to write
    /// the pack to, encrypted.
    #[arg(long, value_name = "PATH")]
    pub evidence: Option<PathBuf>,

    /// Encrypt the evidence pack to this recipient, an age public key (age1...) or an SSH
    /// public key (ssh-ed25519 ...); repeat for several. The pack is then one age file (a tar
    /// of the pack inside) and nothing unencrypted is written.
    #[arg(long = "encrypt-to", value_name = "RECIPIENT", requires = "evidence")]
    pub encrypt_to: Vec<String>,
}

/// `offboard init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to scaffold in.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// The signer principal for the new key, e.g. it-admin@example.com.
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: Option<String>,

    /// Also write a CI workflow that validates the repository on every pull request
    /// (`github`: .github/workflows/offboard.yml). In a directory that already holds an
    /// offboard.yaml, only the workflow is written.
    #[arg(long, value_enum, value_name = "CI")]
    pub ci: Option<Ci>,
}

/// The CI systems `offboard init --ci` writes a workflow for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Ci {
    /// GitHub Actions.
    Github,
}

/// `offboard schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The file whose schema to print.
    #[arg(value_enum, default_value_t = SchemaFile::Playbook)]
    pub file: SchemaFile,

    /// Write every schema (`KIND.schema.json`) into this directory instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "file")]
    pub out: Option<PathBuf>,
}

/// The files that have a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaFile {
    /// A playbook (playbooks/*.yaml).
    Playbook,
    /// The configuration (offboard.yaml).
    Config,
    /// The status vocabulary (glossary.yaml).
    Glossary,
    /// The role matrix (roles.yaml).
    Roles,
    /// The legal holds (holds.yaml).
    Holds,
    /// The service-account allow-list (service-accounts.yaml).
    ServiceAccounts,
}

/// `offboard completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `offboard man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print, e.g. `validate` for offboard-validate(1)
    /// [default: offboard(1)]
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "out")]
    pub page: Option<String>,

    /// Write offboard.1 and offboard-SUBCOMMAND.1 for every subcommand into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::with_shorthand;

    fn expand(line: &str) -> String {
        let args = line.split(' ').map(Into::into).collect();
        with_shorthand(args)
            .unwrap()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn employee_shorthand_becomes_run() {
        let table = [
            ("offboard mallory", "offboard run mallory"),
            (
                "offboard --config c.yaml mallory --allow-dirty",
                "offboard --config c.yaml run mallory --allow-dirty",
            ),
            (
                "offboard --format json -q bob",
                "offboard --format json -q run bob",
            ),
            (
                "offboard --config c.yaml verify",
                "offboard --config c.yaml verify",
            ),
            ("offboard validate playbooks", "offboard validate playbooks"),
            ("offboard run verify", "offboard run verify"),
            ("offboard help", "offboard help"),
            ("offboard --version", "offboard --version"),
            (
                "offboard --playbook mover carol",
                "offboard run --playbook mover carol",
            ),
            (
                "offboard -vv --format=json carol",
                "offboard -vv --format=json run carol",
            ),
        ];
        for (given, expected) in table {
            assert_eq!(expand(given), expected, "{given}");
        }
    }
}
