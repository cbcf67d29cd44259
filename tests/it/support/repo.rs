//! A playbook repository in a temp directory, for end-to-end tests of the commands that act on
//! one: a copy of `examples/acme` with the shipped playbooks beside it, committed with the real
//! `git` so runs need no `--allow-dirty`. Commands run the real binary with a fixed clock
//! (`OFFBOARD_NOW`); on an unexpected exit status the command, its directory, stdout and stderr
//! are printed. Readers of the store and the journal use plain `rusqlite` and `serde_json`,
//! independently of the code under test.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use super::journal::{payloads_of, runs};
use super::{Test, copy_dir, copy_example, files, git, source_root, store};

/// The clock of every command unless a test sets another: two days after mallory's
/// termination, three after bob's last day.
pub const NOW: &str = "2026-11-30T09:00:00Z";

/// The store file of the acme configuration, relative to the repository root.
pub const STORE: &str = "state/acme.db";

/// The journal directory of the acme configuration, relative to the repository root.
pub const JOURNAL: &str = "journal";

/// A playbook repository in its own temp directory.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// `examples/acme` and `playbooks/`, copied without any state, journal or HR write-back
    /// left from earlier use, with `playbooks:` pointing at the copy, committed.
    pub fn acme() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        copy_example("acme", dir.path());
        copy_dir(
            &source_root().join("playbooks"),
            &dir.path().join("playbooks"),
        );
        let config = dir.path().join("offboard.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        let rewritten: String = text
            .lines()
            .map(|line| match line.starts_with("playbooks:") {
                true => "playbooks: playbooks".to_owned(),
                false => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(
            text, rewritten,
            "offboard.yaml of acme has no `playbooks:` key"
        );
        std::fs::write(&config, rewritten + "\n").unwrap();
        std::fs::write(
            dir.path().join(".gitignore"),
            "/state/\n/journal/\n/hr.it-complete.csv\n",
        )
        .unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q"]);
        repo.commit("acme playbook repository");
        repo
    }

    /// The repository root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the repository.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Write a file (parents created).
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Read a file as text.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.join(relative))
            .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
    }

    /// Run `git` in the repository; panics unless it succeeds.
    pub fn git(&self, args: &[&str]) -> String {
        git(self.path(), args)
    }

    /// Stage everything and commit.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// A plain connection to the store file.
    pub fn db(&self) -> rusqlite::Connection {
        store::open(&self.join(STORE))
    }

    /// One integer from the store.
    pub fn count(&self, sql: &str, params: impl rusqlite::Params) -> i64 {
        store::count(&self.db(), sql, params)
    }

    /// The run ids in the journal, sorted.
    pub fn runs(&self) -> Vec<String> {
        runs(&self.join(JOURNAL))
    }

    /// The only run of `employee` (an id such as `E1002`).
    pub fn run_of(&self, employee: &str) -> String {
        let prefix = format!("{employee}-");
        let runs: Vec<String> = self
            .runs()
            .into_iter()
            .filter(|r| r.starts_with(&prefix))
            .collect();
        assert_eq!(runs.len(), 1, "runs of {employee}: {runs:?}");
        runs[0].clone()
    }

    /// The payloads of a run's journal, parsed from the `payload` string of each line.
    pub fn journal(&self, run: &str) -> Vec<Value> {
        payloads_of(&self.join(&format!("{JOURNAL}/{run}.jsonl")))
    }

    /// The payloads of `run` recording `event` for `step`.
    pub fn events(&self, run: &str, event: &str, step: &str) -> Vec<Value> {
        self.journal(run)
            .into_iter()
            .filter(|p| p["event"] == event && p["step"] == step)
            .collect()
    }

    /// The bytes of every file under `relative` (a file or a directory), by path, for
    /// "nothing was written" checks. Missing paths give an empty list.
    pub fn snapshot(&self, relative: &str) -> Vec<(PathBuf, Vec<u8>)> {
        files(&self.join(relative)).into_iter().collect()
    }

    /// `offboard ARGS` in the repository at a pseudo-terminal (`script` from util-linux), with
    /// `input` typed at once and the terminal then left open, as a person who types nothing more
    /// would. Returns the exit status and the screen; fails if the command has not ended within
    /// `limit`, since then it was waiting for input.
    pub fn at_terminal(
        &self,
        args: &str,
        input: &[u8],
        limit: std::time::Duration,
    ) -> (Option<i32>, String) {
        use std::io::{Read, Write};

        let command = format!("{} {args}", env!("CARGO_BIN_EXE_offboard"));
        let mut child = self
            .offboard(Vec::<&str>::new())
            .wrapper("script")
            .args(["-qec", &command, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut screen = Vec::new();
            let _ = stdout.read_to_end(&mut screen);
            String::from_utf8_lossy(&screen).into_owned()
        });
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                drop(stdin);
                panic!(
                    "`offboard {args}` still running after {limit:?} at a terminal: it waits for input\n{}",
                    reader.join().unwrap()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        drop(stdin);
        (status.code(), reader.join().unwrap())
    }

    /// The binary, run in the repository at [`NOW`], expected to exit 0.
    pub fn offboard<I, S>(&self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Test::at(self.path()).args(args).now(NOW)
    }
}
