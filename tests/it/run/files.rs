//! How offboard creates and reads files: never through a planted symbolic link, owner-only
//! whatever the umask, regular files only (a FIFO or a device where a file is expected fails
//! fast), and every input bounded, with an error naming the file, the line and the limit.

use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::acme::{Acme, MALLORY};
use crate::support::test::Dir;
use crate::support::{Output, Test};

/// Long enough for a loaded machine, short enough that a hang fails the test.
const PATIENCE: Duration = Duration::from_secs(60);

/// What a planted link points at; it must never change.
const PRECIOUS: &str = "precious, not offboard's\n";

/// `sh -c '<prelude>; exec offboard --config CONFIG ARGS'` in the demo directory, with the
/// clean environment of [`Acme::command`]: `$$` in the prelude is the pid offboard runs as.
fn wrapped(acme: &Acme, prelude: &str, args: &[&str]) -> Command {
    let offboard = acme.offboard(args);
    let mut command = offboard.wrapper("sh");
    let binary = offboard.command();
    command
        .arg("-c")
        .arg(format!("{prelude}; exec \"$0\" \"$@\""))
        .arg(binary.get_program())
        .args(binary.get_args());
    command
}

/// Start `command` and wait at most [`PATIENCE`] for it; a hang fails the test.
#[track_caller]
fn within_patience(mut command: Command) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let dir = command
        .get_current_dir()
        .unwrap_or(Path::new(""))
        .to_owned();
    finish(child, &format!("{command:?}"), dir)
}

#[track_caller]
fn finish(mut child: Child, what: &str, dir: PathBuf) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    Output::new(what.to_owned(), Dir::At(dir), output)
}

/// `offboard ARGS` in the demo, within [`PATIENCE`].
#[track_caller]
fn offboard(acme: &Acme, args: &[&str]) -> Output {
    within_patience(acme.command(args, &[]))
}

/// A file outside offboard's reach, and a link at `link` to it.
fn plant_link(acme: &Acme, link: &Path) -> PathBuf {
    let victim = acme.root().join("victim.txt");
    std::fs::write(&victim, PRECIOUS).unwrap();
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    symlink(&victim, link).unwrap();
    victim
}

/// The store's audit trail, or nothing when no store was ever created.
fn store_changes(acme: &Acme) -> Vec<(String, String)> {
    if acme.db_path().exists() {
        acme.changes()
    } else {
        Vec::new()
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_planted_lock_file_link_is_refused_and_its_target_untouched() {
    let acme = Acme::new();
    let victim = plant_link(&acme, &acme.journal().join(format!("locks/{MALLORY}.lock")));
    let ran = offboard(&acme, &["mallory"]).expect(2);
    assert!(ran.stderr.contains("symbolic link"), "{ran}");
    assert!(ran.stderr.contains(&format!("{MALLORY}.lock")), "{ran}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), PRECIOUS);
    assert!(acme.runs().is_empty(), "nothing ran: {:?}", acme.runs());
    assert!(store_changes(&acme).is_empty());
}

#[test]
fn a_planted_link_at_the_write_back_temporary_file_is_not_written_through() {
    let acme = Acme::new();
    let victim = plant_link(&acme, &acme.dir().join("hr.it-complete.csv.tmp"));
    offboard(&acme, &["mallory"]).expect(0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), PRECIOUS);
    let rows = acme.writeback_rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], MALLORY);
    let writeback = std::fs::symlink_metadata(acme.writeback()).unwrap();
    assert!(writeback.is_file(), "the write-back is a file of its own");
}

#[test]
fn a_planted_link_at_the_reconcile_temporary_file_is_not_written_through() {
    let acme = Acme::new();
    let journal = acme.journal();
    std::fs::create_dir_all(&journal).unwrap();
    let victim = acme.root().join("victim.txt");
    std::fs::write(&victim, PRECIOUS).unwrap();
    // The name the result used to be written to: `.reconcile.json.<pid>.tmp`.
    let prelude = format!(
        "ln -s '{}' \"journal/.reconcile.json.$$.tmp\"",
        victim.display()
    );
    let ran = within_patience(wrapped(&acme, &prelude, &["reconcile"])).expect(1);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), PRECIOUS, "{ran}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(journal.join("reconcile.json")).unwrap())
            .unwrap();
    assert!(saved["totals"]["count"].as_u64().unwrap() > 0, "{saved}");
}

#[test]
fn a_fifo_or_a_device_link_named_like_a_run_fails_fast() {
    let acme = Acme::new();
    offboard(&acme, &["mallory"]).expect(0);
    let run = acme.only_run();
    let fifo = acme.journal().join("E1999-fifo.jsonl");
    mkfifo(&fifo);
    for (args, code) in [
        (&["verify"][..], 1),
        (&["status"][..], 2),
        (&["report"][..], 2),
    ] {
        let ran = offboard(&acme, args);
        assert_eq!(ran.code, Some(code), "{args:?}: {ran}");
        let printed = format!("{}{}", ran.stdout, ran.stderr);
        assert!(printed.contains("E1999-fifo.jsonl"), "{args:?}: {ran}");
        assert!(printed.contains("FIFO"), "{args:?}: {ran}");
    }
    std::fs::remove_file(&fifo).unwrap();

    symlink("/dev/zero", acme.journal().join("E1999-zero.jsonl")).unwrap();
    for (args, code) in [
        (&["verify"][..], 1),
        (&["status"][..], 2),
        (&["report"][..], 2),
    ] {
        let ran = offboard(&acme, args);
        assert_eq!(ran.code, Some(code), "{args:?}: {ran}");
        let printed = format!("{}{}", ran.stdout, ran.stderr);
        assert!(printed.contains("E1999-zero.jsonl"), "{args:?}: {ran}");
        assert!(printed.contains("symbolic link"), "{args:?}: {ran}");
    }
    // The real run is untouched and still verifies on its own.
    offboard(&acme, &["verify", &run]).expect(0);
}

/// Every file and directory under `dir`, with its permission bits (links not followed).
fn modes(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        out.push((path.clone(), meta.mode() & 0o7777));
        if meta.is_dir() {
            modes(&path, out);
        }
    }
}

/// The paths in `written` whose mode is not owner-only (0600 for files, 0700 for directories).
fn not_owner_only(written: &[(PathBuf, u32)]) -> Vec<String> {
    written
        .iter()
        .filter(|(path, mode)| {
            let is_dir = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
            *mode != if is_dir { 0o700 } else { 0o600 }
        })
        .map(|(path, mode)| format!("{mode:o} {}", path.display()))
        .collect()
}

#[test]
fn under_umask_000_everything_offboard_writes_is_owner_only() {
    let acme = Acme::new();
    let umask = "umask 000";
    let dir = acme.dir();
    // A run cut short leaves the store's -wal and -shm behind: they must be owner-only too.
    let mut crashed = wrapped(&acme, umask, &["mallory"]);
    crashed.env("OFFBOARD_CRASH_AFTER_WRITES", "6");
    let ran = within_patience(crashed);
    assert_eq!(ran.signal, Some(6), "{ran}");
    let mut written = Vec::new();
    modes(&dir.join("state"), &mut written);
    for sidecar in ["acme.db-wal", "acme.db-shm"] {
        assert!(
            written.iter().any(|(p, _)| p.ends_with(sidecar)),
            "{sidecar} left by the crash: {written:?}"
        );
    }
    let open = not_owner_only(&written);
    assert!(open.is_empty(), "not owner-only:\n{}", open.join("\n"));

    within_patience(wrapped(&acme, umask, &["mallory"])).expect(0);
    within_patience(wrapped(&acme, umask, &["report", "--evidence", "evidence"])).expect(0);
    within_patience(wrapped(
        &acme,
        umask,
        &["plan", "E1008", "--out", "plan.json"],
    ))
    .expect(0);
    within_patience(wrapped(&acme, umask, &["reconcile"])).expect(1);

    let mut written = Vec::new();
    for top in [
        "state",
        "journal",
        "evidence",
        "hr.it-complete.csv",
        "plan.json",
    ] {
        let top = dir.join(top);
        let mode = std::fs::symlink_metadata(&top).unwrap().mode() & 0o7777;
        written.push((top.clone(), mode));
        modes(&top, &mut written);
    }
    let journal = acme.journal();
    for expected in [
        journal.join("ledger.jsonl"),
        journal.join("reconcile.json"),
        journal.join(format!("locks/{MALLORY}.lock")),
        dir.join("evidence/evidence.csv"),
        dir.join("evidence/journal/ledger.jsonl"),
        dir.join("state/acme.db"),
    ] {
        assert!(
            written.iter().any(|(p, _)| *p == expected),
            "{} was written",
            expected.display()
        );
    }
    let open = not_owner_only(&written);
    assert!(open.is_empty(), "not owner-only:\n{}", open.join("\n"));
}

#[test]
fn hr_path_dev_zero_is_refused_quickly() {
    let acme = Acme::new();
    let config = std::fs::read_to_string(acme.config()).unwrap();
    std::fs::write(
        acme.config(),
        config.replace("path: hr.csv", "path: /dev/zero"),
    )
    .unwrap();
    let ran = offboard(&acme, &["plan", "mallory"]).expect(2);
    assert!(ran.stderr.contains("/dev/zero"), "{ran}");
    assert!(ran.stderr.contains("a device, not a regular file"), "{ran}");
}

#[test]
fn an_oversized_employee_in_a_saved_plan_is_refused_quickly() {
    let acme = Acme::new();
    offboard(&acme, &["plan", "E1008", "--out", "plan.json"]).expect(0);
    let path = acme.dir().join("plan.json");
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    plan["employee"] = "x".repeat(10 << 20).into();
    std::fs::write(&path, plan.to_string()).unwrap();
    let start = Instant::now();
    let ran = offboard(&acme, &["run", "--plan", "plan.json"]).expect(2);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(ran.stderr.contains("plan.json"), "{ran}");
    assert!(
        ran.stderr
            .contains("over the 256 bytes limit for an employee id or name"),
        "{ran}"
    );
    assert!(ran.stderr.len() < 1000, "the name is not echoed whole");
    assert!(acme.runs().is_empty());
    assert!(store_changes(&acme).is_empty());
}

#[test]
fn an_oversized_field_in_a_batch_file_is_refused_with_its_line() {
    let acme = Acme::new();
    let mut events = String::from("employee_id,note\nE1007,ok\nE1008,");
    events.push_str(&"n".repeat(1 << 20));
    events.push('\n');
    std::fs::write(acme.dir().join("events.csv"), events).unwrap();
    let ran = offboard(&acme, &["run", "--from", "events.csv", "--yes"]).expect(2);
    assert!(
        ran.stderr
            .contains("events.csv:3: a field is longer than the 64 KiB limit for a field"),
        "{ran}"
    );
    assert!(acme.runs().is_empty());
    assert!(store_changes(&acme).is_empty());

    // A batch file far over its own limit is refused before it is read.
    let big = std::fs::File::create(acme.dir().join("huge.csv")).unwrap();
    big.set_len(64 << 20).unwrap();
    let ran = offboard(&acme, &["run", "--from", "huge.csv", "--yes"]).expect(2);
    assert!(ran.stderr.contains("huge.csv"), "{ran}");
    assert!(ran.stderr.contains("over the 16 MiB limit"), "{ran}");
}

#[test]
fn a_batch_file_with_an_unterminated_quote_is_refused_and_nothing_runs() {
    let acme = Acme::new();
    std::fs::write(
        acme.dir().join("events.csv"),
        "employee_id,event\nE1007,termination\nE1008,\"termination\nE1012,termination\n",
    )
    .unwrap();
    let ran = offboard(&acme, &["run", "--from", "events.csv", "--yes"]).expect(2);
    assert!(ran.stderr.contains("events.csv:3:"), "{ran}");
    assert!(ran.stderr.contains("never closed"), "{ran}");
    assert!(acme.runs().is_empty(), "{:?}", acme.runs());
    assert!(store_changes(&acme).is_empty());
    assert!(!acme.writeback().exists());
}

#[test]
fn an_oversized_field_in_the_hr_export_names_its_line() {
    let acme = Acme::new();
    let hr = acme.dir().join("hr.csv");
    let text = std::fs::read_to_string(&hr).unwrap();
    let line = text.lines().position(|l| l.starts_with(MALLORY)).unwrap() + 1;
    let long = format!("Mallory {}", "x".repeat(70 * 1024));
    std::fs::write(&hr, text.replacen("Mallory Hartmann", &long, 1)).unwrap();
    let ran = offboard(&acme, &["plan", "mallory"]).expect(2);
    assert!(
        ran.stderr.contains(&format!(
            "hr.csv:{line}: a field is longer than the 64 KiB limit for a field"
        )),
        "{ran}"
    );
}

/// One reader reads the HR export for every command: a field over its limit, a quote never
/// closed and a device where the export should be are refused by `run`, `plan`, `status` and
/// `reconcile` alike, with the same error, and nothing is run, written back or saved.
#[test]
fn every_command_reading_the_hr_export_refuses_what_its_limits_refuse() {
    let acme = Acme::new();
    let hr = acme.dir().join("hr.csv");
    let text = std::fs::read_to_string(&hr).unwrap();
    let mallory = text.lines().position(|l| l.starts_with(MALLORY)).unwrap() + 1;
    let last = text.lines().count() + 1;
    let long = format!("Mallory {}", "x".repeat(70 * 1024));
    let unclosed =
        "E1099,zed,zed@acme.example,\"Zed,E1010,,R&D,CC-100,engineer,,ACT,,employee,false\n";
    let config = std::fs::read_to_string(acme.config()).unwrap();
    let cases = [
        (
            text.replacen("Mallory Hartmann", &long, 1),
            config.clone(),
            format!("hr.csv:{mallory}: a field is longer than the 64 KiB limit for a field"),
        ),
        (
            format!("{text}{unclosed}"),
            config.clone(),
            format!("hr.csv:{last}: a quoted field opened on this line is never closed"),
        ),
        (
            text.clone(),
            config.replace("path: hr.csv", "path: /dev/zero"),
            "cannot read HR export /dev/zero: it is a device, not a regular file".to_owned(),
        ),
    ];
    for (export, config, expected) in cases {
        std::fs::write(&hr, export).unwrap();
        std::fs::write(acme.config(), config).unwrap();
        for args in [
            &["plan", "mallory"][..],
            &["run", "mallory"],
            &["status", "mallory"],
            &["reconcile"],
        ] {
            let ran = offboard(&acme, args).expect(2);
            assert!(ran.stderr.contains(&expected), "{args:?}: {ran}");
            assert!(ran.stdout.is_empty(), "{args:?}: {ran}");
        }
        assert!(acme.runs().is_empty(), "{:?}", acme.runs());
        assert!(store_changes(&acme).is_empty());
        assert!(!acme.writeback().exists());
        assert!(!acme.journal().join("reconcile.json").exists());
    }
}

#[test]
fn an_oversized_journal_line_is_a_bad_record_naming_the_limit() {
    let acme = Acme::new();
    offboard(&acme, &["mallory"]).expect(0);
    let run = acme.only_run();
    let file = acme.run_file(&run);
    let records = acme.payloads(&run).len();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend(vec![b'x'; 2 << 20]);
    bytes.push(b'\n');
    std::fs::write(&file, bytes).unwrap();
    let ran = offboard(&acme, &["verify"]).expect(1);
    assert!(
        ran.stdout.contains(&format!("{run}.jsonl:{}", records + 1)),
        "{ran}"
    );
    assert!(
        ran.stdout
            .contains("over the 1 MiB limit for a journal line"),
        "{ran}"
    );
}

#[test]
fn a_fifo_where_the_configuration_or_a_playbook_is_expected_is_refused() {
    let acme = Acme::new();
    let playbook = acme.root().join("playbooks/waiting.yaml");
    mkfifo(&playbook);
    let ran = offboard(&acme, &["validate"]).expect(2);
    assert!(
        ran.stderr
            .contains("waiting.yaml: it is a FIFO (named pipe), not a regular file"),
        "{ran}"
    );
    std::fs::remove_file(&playbook).unwrap();

    let config = acme.root().join("fifo.yaml");
    mkfifo(&config);
    let command = Test::at(acme.dir())
        .arg("--config")
        .arg(&config)
        .arg("status")
        .command();
    let ran = within_patience(command).expect(2);
    assert!(
        ran.stderr.contains(&format!(
            "configuration {}: it is a FIFO (named pipe), not a regular file",
            config.display()
        )),
        "{ran}"
    );
}
