//! A throw-away copy of the Acme demo repository for tests that drive `offboard run` and
//! `offboard verify`: `examples/acme` and `playbooks/` laid out as in the source tree (so the
//! configuration's `playbooks: ../../playbooks` resolves), committed in a fresh git repository
//! (`run` refuses uncommitted playbooks). Helpers read what a run left behind with plain SQL and
//! plain JSON parsing, never through the library under test.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use super::journal::{payloads_of, runs};
use super::{Output, Test, copy_dir, copy_example, files, git, source_root, store};

/// Mallory's employee id: the demo's involuntary leaver.
pub const MALLORY: &str = "E1007";
/// The ten steps of the involuntary-leaver playbook.
pub const INVOLUNTARY_STEPS: [&str; 10] = [
    "confirm-termination",
    "disable-account",
    "revoke-sessions",
    "notify-security",
    "retain-data",
    "remove-groups",
    "release-seats",
    "notify-finance",
    "notify-manager",
    "mark-complete",
];

/// A committed copy of the demo repository in a temp directory.
pub struct Acme {
    tmp: tempfile::TempDir,
}

impl Acme {
    /// Copy `examples/acme` and `playbooks/` from the source tree (without any state, journal or
    /// HR write-back a local demo run left there), `git init` and commit.
    pub fn new() -> Acme {
        let acme = Acme::untracked();
        let root = acme.root();
        std::fs::write(
            root.join(".gitignore"),
            "/examples/*/state/\n/examples/*/journal/\n",
        )
        .unwrap();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "Acme playbook repository"]);
        acme
    }

    /// The same copy of the demo repository, in no git repository. Commands must be run with
    /// [`Acme::outside_git`] in their environment, so that a repository holding the temp
    /// directory (if any) is not found.
    pub fn untracked() -> Acme {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        copy_dir(&source_root().join("playbooks"), &root.join("playbooks"));
        copy_example("acme", &root.join("examples/acme"));
        Acme { tmp }
    }

    /// `GIT_CEILING_DIRECTORIES` set to the directory holding this copy: git (and offboard)
    /// stop looking for a repository there.
    pub fn outside_git(&self) -> (&'static str, String) {
        let parent = self.root().parent().unwrap_or(self.root());
        ("GIT_CEILING_DIRECTORIES", parent.display().to_string())
    }

    /// A fresh copy of this repository (git history, state and journal included).
    pub fn duplicate(&self) -> Acme {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(self.root(), tmp.path());
        Acme { tmp }
    }

    /// The repository root (holding `playbooks/` and `examples/`).
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// `examples/acme`.
    pub fn dir(&self) -> PathBuf {
        self.root().join("examples/acme")
    }

    /// The configuration file.
    pub fn config(&self) -> PathBuf {
        self.dir().join("offboard.yaml")
    }

    /// The journal directory.
    pub fn journal(&self) -> PathBuf {
        self.dir().join("journal")
    }

    /// The embedded store.
    pub fn db_path(&self) -> PathBuf {
        self.dir().join("state/acme.db")
    }

    /// The HR write-back file.
    pub fn writeback(&self) -> PathBuf {
        self.dir().join("hr.it-complete.csv")
    }

    /// `offboard --config CONFIG ARGS` in `examples/acme`, any exit status accepted (see
    /// [`Output::expect`]).
    pub fn offboard<S: AsRef<OsStr>>(&self, args: &[S]) -> Test {
        Test::at(self.dir())
            .arg("--config")
            .arg(self.config())
            .args(args)
            .any_status()
    }

    /// The binary, configured for this repository, with a clean environment.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Command {
        self.offboard(args).envs(envs).command()
    }

    /// Run the binary to the end.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Output {
        self.offboard(args).envs(envs).run()
    }

    /// Start the binary without waiting.
    pub fn spawn<S: AsRef<OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Child {
        self.offboard(args).envs(envs).spawn()
    }

    /// The store, opened with plain rusqlite.
    pub fn db(&self) -> rusqlite::Connection {
        store::open(&self.db_path())
    }

    /// Run ids: the journal's `*.jsonl` files other than the ledger.
    pub fn runs(&self) -> Vec<String> {
        runs(&self.journal())
    }

    /// The only run there is.
    #[track_caller]
    pub fn only_run(&self) -> String {
        let runs = self.runs();
        assert_eq!(runs.len(), 1, "runs: {runs:?}");
        runs[0].clone()
    }

    /// The run file of `run`.
    pub fn run_file(&self, run: &str) -> PathBuf {
        self.journal().join(format!("{run}.jsonl"))
    }

    /// The ledger file.
    pub fn ledger(&self) -> PathBuf {
        self.journal().join("ledger.jsonl")
    }

    /// The payloads of `run`'s records, parsed from the envelopes' payload strings.
    pub fn payloads(&self, run: &str) -> Vec<serde_json::Value> {
        payloads_of(&self.run_file(run))
    }

    /// Every file under `state/` and `journal/` (lock files aside) and the HR write-back, with
    /// their bytes: what a run that does nothing must leave untouched.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut snapshot = files(&self.dir().join("state"));
        snapshot.extend(files(&self.journal()));
        snapshot.extend(files(&self.writeback()));
        snapshot.retain(|path, _| path.extension().is_none_or(|e| e != "lock"));
        snapshot
    }

    /// The store's audit trail: `(account, change)` in order of application.
    pub fn changes(&self) -> Vec<(String, String)> {
        store::changes(&self.db())
    }

    /// The outbox: `(key, topic, body)` in order of delivery.
    pub fn outbox(&self) -> Vec<(String, String, serde_json::Value)> {
        store::outbox(&self.db())
    }

    /// Rows of the HR write-back file (header aside).
    pub fn writeback_rows(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.writeback()).unwrap_or_default();
        text.lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    }
}
