//! A throw-away copy of the Acme demo repository for tests that drive `offboard run` and
//! `offboard verify`: `examples/acme` and `playbooks/` laid out as in the source tree (so the
//! configuration's `playbooks: ../../playbooks` resolves), committed in a fresh git repository
//! (`run` refuses uncommitted playbooks). Helpers read what a run left behind with plain SQL and
//! plain JSON parsing, never through the library under test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use super::copy_dir;

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

/// The source tree.
pub fn source_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `git` in `dir` and insist it succeeds.
pub fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Offboard Tests",
            "-c",
            "user.email=tests@acme.example",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What one invocation of the binary did.
#[derive(Debug)]
pub struct Ran {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// The signal that ended the process, if one did.
    pub signal: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Ran {
    fn from_output(output: Output) -> Ran {
        use std::os::unix::process::ExitStatusExt;
        Ran {
            code: output.status.code(),
            signal: output.status.signal(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Insist on exit code `code`, showing everything printed otherwise.
    #[track_caller]
    pub fn expect(self, code: i32) -> Ran {
        assert_eq!(self.code, Some(code), "{self}");
        self
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} signal {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.signal, self.stdout, self.stderr
        )
    }
}

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
        let acme = root.join("examples/acme");
        copy_dir(&source_root().join("examples/acme"), &acme);
        for generated in ["state", "journal"] {
            let _ = std::fs::remove_dir_all(acme.join(generated));
        }
        let _ = std::fs::remove_file(acme.join("hr.it-complete.csv"));
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

    /// The binary, configured for this repository, with a clean environment.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_offboard"));
        command
            .arg("--config")
            .arg(self.config())
            .args(args)
            .current_dir(self.dir())
            .env("NO_COLOR", "1")
            .env_remove("OFFBOARD_CONFIG")
            .env_remove("OFFBOARD_SIGNING_KEY")
            .env_remove("OFFBOARD_NOW")
            .env_remove("OFFBOARD_CRASH_AFTER_WRITES")
            .env_remove("RUST_LOG");
        for (key, value) in envs {
            command.env(key, value);
        }
        command
    }

    /// Run the binary to the end.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Ran {
        let output = self
            .command(args, envs)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Ran::from_output(output)
    }

    /// Start the binary without waiting.
    pub fn spawn<S: AsRef<std::ffi::OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Child {
        self.command(args, envs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// The store, opened with plain rusqlite.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).unwrap()
    }

    /// Run ids: the journal's `*.jsonl` files other than the ledger.
    pub fn runs(&self) -> Vec<String> {
        let mut runs: Vec<String> = std::fs::read_dir(self.journal())
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter_map(|n| n.strip_suffix(".jsonl").map(str::to_owned))
                    .filter(|n| n != "ledger")
                    .collect()
            })
            .unwrap_or_default();
        runs.sort();
        runs
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
        let mut files = BTreeMap::new();
        for dir in [self.dir().join("state"), self.journal()] {
            collect(&dir, &mut files);
        }
        if let Ok(bytes) = std::fs::read(self.writeback()) {
            files.insert(self.writeback(), bytes);
        }
        files.retain(|path, _| path.extension().is_none_or(|e| e != "lock"));
        files
    }

    /// The store's audit trail: `(account, change)` in order of application.
    pub fn changes(&self) -> Vec<(String, String)> {
        let db = self.db();
        let mut stmt = db
            .prepare("SELECT account_id, change FROM changes ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The outbox: `(key, topic, body)` in order of delivery.
    pub fn outbox(&self) -> Vec<(String, String, serde_json::Value)> {
        let db = self.db();
        let mut stmt = db
            .prepare("SELECT key, topic, body FROM outbox ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| {
            let body: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&body).unwrap()))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
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

/// The payloads of the records in a journal file.
pub fn payloads_of(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| {
            let envelope: serde_json::Value = serde_json::from_str(line).unwrap();
            serde_json::from_str(envelope["payload"].as_str().unwrap()).unwrap()
        })
        .collect()
}

/// `(event, step)` of every payload.
pub fn events(payloads: &[serde_json::Value]) -> Vec<(String, Option<String>)> {
    payloads
        .iter()
        .map(|p| {
            (
                p["event"].as_str().unwrap().to_owned(),
                p["step"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn collect(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
}
