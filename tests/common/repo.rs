//! A playbook repository in a temp directory, for end-to-end tests of the commands that act on
//! one: a copy of `examples/acme` with the shipped playbooks beside it, committed with the real
//! `git` so runs need no `--allow-dirty`. Commands run the real binary with a fixed clock
//! (`OFFBOARD_NOW`); on an unexpected exit status the command, its directory, stdout and stderr
//! are printed. Readers of the store and the journal use plain `rusqlite` and `serde_json`,
//! independently of the code under test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The clock of every command unless a test sets another: two days after mallory's
/// termination, three after bob's last day.
pub const NOW: &str = "2026-11-30T09:00:00Z";

/// The store file of the acme configuration, relative to the repository root.
pub const STORE: &str = "state/acme.db";

/// The journal directory of the acme configuration, relative to the repository root.
pub const JOURNAL: &str = "journal";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A playbook repository in its own temp directory.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// `examples/acme` and `playbooks/`, copied without any state, journal or HR write-back
    /// left from earlier use, with `playbooks:` pointing at the copy, committed.
    pub fn acme() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        copy_clean(&root().join("examples/acme"), dir.path());
        super::copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
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
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=Offboard Tests",
                "-c",
                "user.email=tests@acme.example",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stage everything and commit.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// A plain connection to the store file.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.join(STORE)).unwrap()
    }

    /// One integer from the store.
    pub fn count(&self, sql: &str, params: impl rusqlite::Params) -> i64 {
        self.db().query_row(sql, params, |row| row.get(0)).unwrap()
    }

    /// The run ids in the journal, sorted.
    pub fn runs(&self) -> Vec<String> {
        let dir = self.join(JOURNAL);
        let mut runs: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".jsonl") && n != "ledger.jsonl")
                .map(|n| n.trim_end_matches(".jsonl").to_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        runs.sort();
        runs
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
        self.read(&format!("{JOURNAL}/{run}.jsonl"))
            .lines()
            .map(|line| {
                let envelope: Value = serde_json::from_str(line).unwrap();
                serde_json::from_str(envelope["payload"].as_str().unwrap()).unwrap()
            })
            .collect()
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
        let mut files = Vec::new();
        collect(&self.join(relative), &mut files);
        files.sort();
        files
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
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(self.path())
            .env("OFFBOARD_NOW", NOW)
            .env("NO_COLOR", "1")
            .env_remove("OFFBOARD_CONFIG")
            .env_remove("OFFBOARD_SIGNING_KEY")
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
    pub fn offboard<I, S>(&self, args: I) -> Cmd<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cmd {
            repo: self,
            args: args.into_iter().map(Into::into).collect(),
            envs: vec![("OFFBOARD_NOW".to_owned(), NOW.to_owned())],
            status: 0,
        }
    }
}

/// One command of the binary in a [`Repo`].
pub struct Cmd<'r> {
    repo: &'r Repo,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    status: i32,
}

/// What a command printed, and how it exited.
#[derive(Debug)]
pub struct Out {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status (-1 when killed by a signal).
    pub status: i32,
}

impl Out {
    /// Standard output parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Cmd<'_> {
    /// Set an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Run at this time (RFC 3339).
    pub fn now(self, now: &str) -> Self {
        self.env("OFFBOARD_NOW", now)
    }

    /// Expect this exit status.
    pub fn status(mut self, status: i32) -> Self {
        self.status = status;
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_offboard"));
        command
            .args(&self.args)
            .current_dir(self.repo.path())
            .env_remove("OFFBOARD_CONFIG")
            .env_remove("OFFBOARD_SIGNING_KEY")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            command.env(k, v);
        }
        command
    }

    /// Start the command without waiting (stdout and stderr piped); finish with [`finish`].
    pub fn spawn(&self) -> Child {
        self.command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Run and check the exit status.
    pub fn run(self) -> Out {
        let output = self.command().output().unwrap();
        let out = Out {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code().unwrap_or(-1),
        };
        self.check(&out);
        out
    }

    /// Wait for a command started with [`spawn`] and check its exit status.
    pub fn finish(&self, child: Child) -> Out {
        let output = child.wait_with_output().unwrap();
        let out = Out {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code().unwrap_or(-1),
        };
        self.check(&out);
        out
    }

    fn check(&self, out: &Out) {
        assert_eq!(
            out.status,
            self.status,
            "command: offboard {}\ndir: {}\nenv: {:?}\nstatus: {} (expected {})\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.repo.path().display(),
            self.envs,
            out.status,
            self.status,
            out.stdout,
            out.stderr
        );
    }
}

/// Copy `from` into `to`, leaving out what earlier use of the example left behind.
fn copy_clean(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["state", "journal", "hr.it-complete.csv"].contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            super::copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn collect(path: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            collect(&entry.unwrap().path(), files);
        }
    } else if path.is_file() {
        files.push((path.to_path_buf(), std::fs::read(path).unwrap()));
    }
}
