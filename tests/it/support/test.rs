//! The one builder that runs the real `offboard` binary: in a fresh temp directory of its own
//! ([`Test::new`]) or in a scratch repository a test keeps ([`Test::at`], which
//! [`Acme`](super::acme::Acme) and [`Repo`](super::repo::Repo) use), with arguments, environment
//! and the exit status it must end with. The environment is clean: no `OFFBOARD_*` variable or
//! `RUST_LOG` of the test process reaches the binary, only what the test sets, and `NO_COLOR=1`;
//! standard input is empty. On an unexpected status it prints the command, its directory, its
//! environment, the status, stdout and stderr. It never sets anything in the test process
//! itself, which other tests share.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::{copy_dir, fixtures, fork};

/// Where a command runs: a temp directory the test owns through the builder, or a directory
/// someone else keeps alive.
pub enum Dir {
    /// Removed when dropped.
    Temp(tempfile::TempDir),
    /// Kept by its owner (a scratch repository).
    At(PathBuf),
}

impl Dir {
    /// The directory.
    pub fn path(&self) -> &Path {
        match self {
            Dir::Temp(dir) => dir.path(),
            Dir::At(path) => path,
        }
    }
}

impl std::fmt::Debug for Dir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path().display())
    }
}

impl From<tempfile::TempDir> for Dir {
    fn from(dir: tempfile::TempDir) -> Dir {
        Dir::Temp(dir)
    }
}

/// One command of the binary, to be run once.
pub struct Test {
    dir: Dir,
    args: Vec<OsString>,
    envs: Vec<(String, String)>,
    status: Option<i32>,
    stdout: Option<String>,
}

/// What the binary printed, and how it ended.
#[derive(Debug)]
pub struct Output {
    /// The directory it ran in (a temp directory is kept alive for further commands).
    pub dir: Dir,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// The signal that ended the process, if one did.
    pub signal: Option<i32>,
    /// The command as typed, for messages.
    command: String,
}

impl Test {
    /// An empty temp directory; expects exit status 0 unless told otherwise.
    pub fn new() -> Test {
        Test::in_dir(tempfile::tempdir().unwrap())
    }

    /// Run in an existing directory (e.g. from a previous [`Output`]); expects exit status 0.
    pub fn in_dir(dir: impl Into<Dir>) -> Test {
        Test {
            dir: dir.into(),
            args: Vec::new(),
            envs: Vec::new(),
            status: Some(0),
            stdout: None,
        }
    }

    /// Run in `dir`, which the caller keeps alive; expects exit status 0.
    pub fn at(dir: impl Into<PathBuf>) -> Test {
        Test::in_dir(Dir::At(dir.into()))
    }

    /// Give up the directory without running (to run another command in it).
    pub fn into_dir(self) -> Dir {
        self.dir
    }

    /// The directory the binary runs in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file (parents created).
    pub fn file(self, path: &str, contents: &str) -> Test {
        let target = self.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
        self
    }

    /// Copy a fixture file or directory (relative to `tests/fixtures`) to `to`.
    pub fn fixture(self, from: &str, to: &str) -> Test {
        let source = fixtures().join(from);
        let target = self.path().join(to);
        if source.is_dir() {
            copy_dir(&source, &target);
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, &target).unwrap();
        }
        self
    }

    /// Add one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Test {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Add arguments.
    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Set an environment variable (the last value set for a name wins).
    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Set environment variables.
    pub fn envs(self, envs: &[(&str, &str)]) -> Test {
        envs.iter().fold(self, |test, (k, v)| test.env(k, v))
    }

    /// Run at this time (RFC 3339), through `OFFBOARD_NOW`.
    pub fn now(self, now: &str) -> Test {
        self.env("OFFBOARD_NOW", now)
    }

    /// Expect this exit status.
    pub fn status(mut self, status: i32) -> Test {
        self.status = Some(status);
        self
    }

    /// Accept any way of ending; the test looks at [`Output::code`] and [`Output::signal`]
    /// itself (or calls [`Output::expect`]).
    pub fn any_status(mut self) -> Test {
        self.status = None;
        self
    }

    /// Expect exactly this stdout.
    pub fn stdout(mut self, stdout: &str) -> Test {
        self.stdout = Some(stdout.into());
        self
    }

    /// The command, not started: clean environment, empty standard input.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_offboard"));
        command
            .args(&self.args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("OFFBOARD_") {
                command.env_remove(key);
            }
        }
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        command
    }

    /// `program` instead of the binary, in the binary's directory with its environment and empty
    /// standard input: for wrappers such as `sh -c` or `script` that then start the binary.
    pub fn wrapper(&self, program: &str) -> Command {
        let offboard = self.command();
        let mut command = Command::new(program);
        command.current_dir(self.path()).stdin(Stdio::null());
        for (key, value) in offboard.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        command
    }

    /// Start the command without waiting (stdout and stderr piped); end with [`Test::finish`].
    pub fn spawn(&self) -> Child {
        fork::spawn(self.command().stdout(Stdio::piped()).stderr(Stdio::piped())).unwrap()
    }

    /// Run the command to the end and give what it printed and its status, checking nothing.
    pub fn output(&self) -> std::process::Output {
        fork::output(&mut self.command()).unwrap()
    }

    /// Wait for a command started with [`Test::spawn`] and check how it ended.
    #[track_caller]
    pub fn finish(self, child: Child) -> Output {
        let output = child.wait_with_output().unwrap();
        self.check(output)
    }

    /// Run the binary to the end and check how it ended (and stdout, when given).
    #[track_caller]
    pub fn run(self) -> Output {
        let output = self.output();
        self.check(output)
    }

    #[track_caller]
    fn check(self, output: std::process::Output) -> Output {
        let args: Vec<_> = self.args.iter().map(|a| a.to_string_lossy()).collect();
        let envs: Vec<_> = self.envs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let command = format!("offboard {}\nenv: {}", args.join(" "), envs.join(" "));
        let out = Output::new(command, self.dir, output);
        if let Some(status) = self.status {
            out.expect_ref(status);
        }
        if let Some(expected) = &self.stdout {
            assert_eq!(&out.stdout, expected, "{out}");
        }
        out
    }
}

impl Output {
    /// What `output` of `command`, run in `dir`, printed and how it ended.
    pub fn new(command: String, dir: Dir, output: std::process::Output) -> Output {
        use std::os::unix::process::ExitStatusExt;
        Output {
            dir,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
            signal: output.status.signal(),
            command,
        }
    }

    /// Insist on exit code `code`, showing everything otherwise.
    #[track_caller]
    pub fn expect(self, code: i32) -> Output {
        self.expect_ref(code);
        self
    }

    #[track_caller]
    fn expect_ref(&self, code: i32) {
        assert_eq!(self.code, Some(code), "expected exit {code}\n{self}");
    }

    /// Standard output parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\ndir: {}\nexit {:?} signal {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.command,
            self.dir.path().display(),
            self.code,
            self.signal,
            self.stdout,
            self.stderr
        )
    }
}
