//! A throw-away copy of the Acme demo repository for tests that drive `offboard run` and
//! `offboard verify`: `examples/acme` and `playbooks/` laid out as in the source tree (so the
//! configuration's `playbooks: ../../playbooks` resolves), committed in a fresh git repository
//! (`run` refuses uncommitted playbooks). Helpers read what a run left behind with plain SQL and
//! plain JSON parsing, never through the library under test.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use super::{Output, Test, copy_dir};

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

/// A committed copy of the demo repository in a temp directory.
pub struct Acme {
    tmp: tempfile::TempDir,
}

impl Acme {
    /// Copy `examples/acme` and `playbooks/` from the source tree (without any state, journal or
    /// HR write-back a local demo run left there), `git init` and commit.
    pub fn new() -> Acme {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        copy_dir(&source_root().join("playbooks"), &root.join("playbooks"));
        let acme = root.join("examples/acme");
        copy_dir(&source_root().join("examples/acme"), &acme);
        for generated in ["state", "journal"] {
            let _ = std::fs::remove_dir_all(acme.join(generated));
        }
        let _ = std::fs::remove_file(acme.join("hr.it-complete.csv"));
        std::fs::write(
            root.join(".gitignore"),
            "/examples/*/state/\n/examples/*/journal/\n",
        )
        .unwrap();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "Acme playbook repository"]);
        Acme { tmp }
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
