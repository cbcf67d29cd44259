//! What the tests share: the builder that runs the binary ([`Test`]), the scratch repositories
//! it runs in ([`acme::Acme`], [`repo::Repo`]), journal crafting and reading ([`journal`]), plain
//! SQL reads of the store ([`store`]) and the test peers ([`peers`]); here, the fixtures, copies
//! of the examples, `git` and `sh`. Nothing here reads the journal or the store through the
//! library under test, and nothing changes the test process's environment or directory.

pub mod acme;
pub mod fork;
pub mod journal;
pub mod json_schema;
pub mod peers;
pub mod repo;
pub mod store;
pub mod test;

pub use test::{Output, Test};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The source tree.
pub fn source_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

/// What a local run of an example leaves in its folder (ignored by git, absent from a clean
/// clone): copies of the examples leave it out.
pub const GENERATED: [&str; 3] = ["state", "journal", "hr.it-complete.csv"];

/// Copy `examples/NAME` into `to`, leaving out [`GENERATED`].
pub fn copy_example(name: &str, to: &Path) {
    let from = source_root().join("examples").join(name);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if GENERATED.contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every regular file at or under `path` with its bytes, by path; nothing when it is missing.
pub fn files(path: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn collect(path: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                collect(&entry.unwrap().path(), files);
            }
        } else if path.is_file() {
            files.insert(path.to_owned(), std::fs::read(path).unwrap());
        }
    }
    let mut files = BTreeMap::new();
    collect(path, &mut files);
    files
}

/// Run `git ARGS` in `dir` as a fixed test identity, unsigned, `main` as the first branch;
/// insist it succeeds and return its stdout.
/// Make `root` a git repository ignoring `ignore` (`.gitignore` lines), with everything in it
/// committed on `main`.
pub fn commit_all(root: &Path, ignore: &str, message: &str) {
    std::fs::write(root.join(".gitignore"), ignore).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", message]);
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = fork::output(
        Command::new("git")
            .stdin(Stdio::null())
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
            .current_dir(dir),
    )
    .unwrap();
    assert!(
        output.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Lower-case hex of `bytes`, as digests and signatures are printed.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Run `script` with `sh -c` in `dir`; what it printed goes to the test's output.
pub fn sh(dir: &Path, script: &str) -> std::process::Output {
    let output = fork::output(
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .stdin(Stdio::null()),
    )
    .unwrap();
    eprintln!(
        "$ {script}\nstatus {}\nstdout {}\nstderr {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
