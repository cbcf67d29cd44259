//! Interpreter overhead per step: a full run of the demo's involuntary-leaver playbook for
//! Mallory (10 steps on the embedded SQLite store), in process through the run use case (`offboard::app::run::run`),
//! against the bare cost of the durable journal writes that run makes.
//!
//! - Measured: loading the repository and running Mallory, as `offboard run mallory` does, everything included (loading and validating
//!   the repository, git provenance, the employee lock, opening the store, every connector read
//!   and write with SQLite's own commits, signing, the journal and ledger writes, the HR
//!   write-back), divided by its number of steps.
//! - Baseline: in the same temp dir, append as many lines as the run made durable journal
//!   writes (run records and ledger records, counted by `offboard::journal::durable_writes`),
//!   each line the average size of those records, with `sync_data` after each; divided by the
//!   same number of steps.
//!
//! - Second baseline, every durable write: as many synced appends as the run makes durable
//!   writes of any kind: the journal's, one per store commit (the store commits synchronously,
//!   one transaction per change and per message) and two for the HR write-back (the replaced
//!   file and its directory). Its ratio is what the interpreter adds beyond the disk syncs the
//!   run cannot do without.
//!
//! The ratio is run / baseline. Each iteration starts from the same steady state, restored
//! outside the timed region: a seeded store, and a journal and HR write-back that already hold
//! one completed run (Frank's), as in a repository that has offboarded someone before. Run with
//! `cargo bench --bench run`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use std::sync::atomic::AtomicBool;

use offboard::app::run::{RunRequest, run};
use offboard::app::workspace::load_workspace;
use offboard::app::{Context, Silent};
use offboard::connector::sqlite::SqliteStore;
use offboard::exit::Exit;

const ITERATIONS: usize = 30;
const STEPS: u64 = 10;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            copy_synced(&entry.path(), &target);
        }
    }
    std::fs::File::open(to)
        .and_then(|d| d.sync_all())
        .expect("sync dir");
}

/// Copy a file and make the copy durable, so that no timed fsync pays for writing it out.
fn copy_synced(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy");
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .expect("sync copy");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@acme.example",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// A committed copy of the demo repository; returns `examples/acme` in it.
fn demo_repository(root: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&source.join("playbooks"), &root.join("playbooks"));
    let acme = root.join("examples/acme");
    copy_dir(&source.join("examples/acme"), &acme);
    for generated in ["state", "journal"] {
        let _ = std::fs::remove_dir_all(acme.join(generated));
    }
    let _ = std::fs::remove_file(acme.join("hr.it-complete.csv"));
    std::fs::write(
        root.join(".gitignore"),
        "/examples/*/state/\n/examples/*/journal/\n",
    )
    .expect("gitignore");
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "demo"]);
    acme
}

/// The bytes of every journal file (run journals and the ledger) in `dir`.
fn journal_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("journal")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum()
}

/// Load the repository of `config` and run `employee` through the run use case, quietly.
fn run_employee(config: &Path, employee: &str) -> Exit {
    let workspace = load_workspace(Some(config)).expect("repository");
    let interrupted = AtomicBool::new(false);
    let ctx = Context {
        workspace: &workspace,
        interaction: &Silent,
        interrupted: &interrupted,
    };
    let request = RunRequest {
        employee,
        playbook: None,
        allow_dirty: false,
        interactive: false,
    };
    run(ctx, &request).expect("run").exit()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let acme = demo_repository(tmp.path());
    let state = acme.join("state");
    let journal = acme.join("journal");
    let writeback = acme.join("hr.it-complete.csv");
    drop(SqliteStore::open(state.join("acme.db"), Some(&acme.join("data"))).expect("seed"));
    let config = acme.join("offboard.yaml");
    let earlier = run_employee(&config, "frank");
    assert_eq!(earlier.code(), 0, "the earlier run did not complete");
    let pristine = tmp.path().join("pristine");
    copy_dir(&state, &pristine.join("state"));
    copy_dir(&journal, &pristine.join("journal"));
    std::fs::copy(&writeback, pristine.join("writeback.csv")).expect("copy write-back");

    let mut runs = Vec::with_capacity(ITERATIONS);
    let mut writes = 0;
    let mut bytes = 0;
    for _ in 0..ITERATIONS {
        let _ = std::fs::remove_dir_all(&journal);
        let _ = std::fs::remove_dir_all(&state);
        let _ = std::fs::remove_file(&writeback);
        copy_dir(&pristine.join("state"), &state);
        copy_dir(&pristine.join("journal"), &journal);
        copy_synced(&pristine.join("writeback.csv"), &writeback);
        let before = offboard::journal::durable_writes();
        let started = Instant::now();
        let exit = run_employee(&config, "mallory");
        runs.push(started.elapsed());
        assert_eq!(exit.code(), 0, "the run did not complete");
        writes = offboard::journal::durable_writes() - before;
        bytes = journal_bytes(&journal) - journal_bytes(&pristine.join("journal"));
    }
    let line_len = (bytes / writes) as usize;
    let line = vec![b'x'; line_len.saturating_sub(1)];
    let store_commits = store_commits(&state) - store_commits(&pristine.join("state"));
    // The HR write-back replaces its file: the new file's sync and its directory's.
    let all_durable = writes as usize + store_commits + 2;

    let mut journal_only = Vec::with_capacity(ITERATIONS);
    let mut every_write = Vec::with_capacity(ITERATIONS);
    for i in 0..ITERATIONS {
        let path = tmp.path().join(format!("baseline-{i}.jsonl"));
        journal_only.push(synced_appends(&path, writes as usize, &line));
        let path = tmp.path().join(format!("baseline-all-{i}.jsonl"));
        every_write.push(synced_appends(&path, all_durable, &line));
    }

    let run = median(runs);
    let baseline = median(journal_only);
    let all = median(every_write);
    let per_step = |d: Duration| d / STEPS as u32;
    println!("run bench: involuntary-leaver for mallory, {STEPS} steps, median of {ITERATIONS}");
    println!("  durable journal writes per run: {writes} ({line_len} bytes a line on average)");
    println!(
        "  other durable writes per run: {store_commits} store commits (synchronous), 2 for the HR write-back"
    );
    println!(
        "  full run:  {:>10.3?} per run, {:>9.3?} per step",
        run,
        per_step(run)
    );
    println!(
        "  baseline:  {:>10.3?} for {writes} appends + sync_data, {:>9.3?} per step",
        baseline,
        per_step(baseline)
    );
    println!(
        "  every durable write: {:>10.3?} for {all_durable} appends + sync_data",
        all
    );
    println!(
        "  overhead beyond the journal's fsyncs: {:.3?} per step",
        per_step(run.saturating_sub(baseline))
    );
    println!(
        "  overhead beyond every durable write: {:.3?} per step",
        per_step(run.saturating_sub(all))
    );
    println!(
        "  ratio run / baseline: {:.2}x (target <= 2x)",
        run.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  ratio run / every durable write: {:.2}x",
        run.as_secs_f64() / all.as_secs_f64()
    );
}

/// Append `count` copies of `line` to a new file at `path`, each followed by `sync_data`.
fn synced_appends(path: &Path, count: usize, line: &[u8]) -> Duration {
    let started = Instant::now();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("baseline file");
    for _ in 0..count {
        file.write_all(line).expect("write");
        file.write_all(b"\n").expect("write");
        file.sync_data().expect("sync");
    }
    started.elapsed()
}

/// How many write transactions the store in `state` has committed for runs: one per change
/// (`changes`) and one per message (`outbox`).
fn store_commits(state: &Path) -> usize {
    let conn = rusqlite::Connection::open_with_flags(
        state.join("acme.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("store");
    let count = |table: &str| -> usize {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get::<_, i64>(0)
        })
        .expect("count") as usize
    };
    count("changes") + count("outbox")
}
