//! A small builder for tests that drive the real `offboard` binary in a fresh temp directory.
//! On failure it prints the command, its directory, status, stdout and stderr.

#![allow(dead_code)]

pub mod acme;
pub mod journal;
pub mod peers;
pub mod repo;

use std::path::{Path, PathBuf};

/// The repository's `tests/fixtures` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copy the directory `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// One run of the binary.
pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    status: i32,
    stdout: Option<String>,
    envs: Vec<(String, String)>,
}

/// What the binary printed.
pub struct Output {
    /// The temp directory it ran in (kept alive for further runs).
    pub dir: tempfile::TempDir,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Test {
    /// An empty temp directory; expects exit status 0 unless told otherwise.
    pub fn new() -> Test {
        Test {
            dir: tempfile::tempdir().unwrap(),
            args: Vec::new(),
            status: 0,
            stdout: None,
            envs: Vec::new(),
        }
    }

    /// Run in an existing directory (e.g. from a previous [`Output`]).
    pub fn in_dir(dir: tempfile::TempDir) -> Test {
        Test { dir, ..Test::new() }
    }

    /// Give up the directory without running (to run another command in it).
    pub fn into_dir(self) -> tempfile::TempDir {
        self.dir
    }

    /// The directory the binary runs in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file (parents created).
    pub fn file(self, path: &str, contents: &str) -> Test {
        let target = self.dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
        self
    }

    /// Copy a fixture file or directory (relative to `tests/fixtures`) to `to`.
    pub fn fixture(self, from: &str, to: &str) -> Test {
        let source = fixtures().join(from);
        let target = self.dir.path().join(to);
        if source.is_dir() {
            copy_dir(&source, &target);
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, &target).unwrap();
        }
        self
    }

    /// Add arguments.
    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Expect this exit status.
    pub fn status(mut self, status: i32) -> Test {
        self.status = status;
        self
    }

    /// Expect exactly this stdout.
    pub fn stdout(mut self, stdout: &str) -> Test {
        self.stdout = Some(stdout.into());
        self
    }

    /// Run the binary and check status (and stdout when given).
    pub fn run(self) -> Output {
        let mut command = assert_cmd::Command::cargo_bin("offboard").unwrap();
        command
            .args(&self.args)
            .current_dir(self.dir.path())
            .env_remove("OFFBOARD_CONFIG")
            .env("NO_COLOR", "1");
        for (k, v) in &self.envs {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let status = output.status.code().unwrap_or(-1);
        let report = || {
            format!(
                "command: offboard {}\ndir: {}\nstatus: {status} (expected {})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
                self.args.join(" "),
                self.dir.path().display(),
                self.status
            )
        };
        assert_eq!(status, self.status, "{}", report());
        if let Some(expected) = &self.stdout {
            assert_eq!(&stdout, expected, "{}", report());
        }
        Output {
            dir: self.dir,
            stdout,
            stderr,
        }
    }
}
