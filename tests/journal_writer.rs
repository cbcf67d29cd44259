//! Writing, resuming and crash recovery of run journals, including real process aborts through
//! the `OFFBOARD_CRASH_AFTER_WRITES` hook.

mod common_journal;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use common_journal::{allowed, it_signer, roles, started};
use offboard::journal::{
    CRASH_AFTER_WRITES_ENV, Event, JournalError, RecordFields, Repair, RunJournal, RunStatus,
    VerifyReport, read_run, verify,
};

const CHILD_ENV: &str = "JOURNAL_CRASH_CHILD_DIR";

fn check(dir: &Path) -> VerifyReport {
    verify(dir, &allowed(), &roles(), None)
}

fn status_of(report: &VerifyReport, run: &str) -> RunStatus {
    report.runs.iter().find(|r| r.run == run).unwrap().status
}

#[test]
fn resume_continues_sequence_and_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut journal = RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    let applied = journal
        .append(RecordFields::new(Event::StepApplied).role("iam").step("a"))
        .unwrap();
    assert_eq!((applied.seq, applied.run.as_str()), (1, "r1"));
    drop(journal);

    let mut journal = RunJournal::open(dir, "r1", it_signer()).unwrap();
    assert_eq!(journal.records().len(), 2);
    assert_eq!(journal.records()[1].step.as_deref(), Some("a"));
    assert!(journal.repairs().is_empty());
    let next = journal
        .append(RecordFields::new(Event::StepSkipped).role("iam").step("b"))
        .unwrap();
    assert_eq!(next.seq, 2);
    let read = read_run(dir, "r1").unwrap();
    assert_eq!(next.prev, read.records[1].hash);
    assert!(check(dir).ok);
}

#[test]
fn torn_final_line_is_repaired_and_said() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut journal = RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    journal
        .append(RecordFields::new(Event::StepApplied).role("iam"))
        .unwrap();
    drop(journal);
    let path = dir.join("r1.jsonl");
    let mut bytes = fs::read(&path).unwrap();
    let good_len = bytes.len();
    bytes.extend_from_slice(br#"{"payload":"{\"v\":1,"#);
    fs::write(&path, &bytes).unwrap();
    assert!(!check(dir).ok);

    let mut journal = RunJournal::open(dir, "r1", it_signer()).unwrap();
    assert_eq!(
        journal.repairs(),
        [Repair::TornLineRemoved {
            path: path.clone(),
            line: 3,
            bytes: (bytes.len() - good_len) as u64
        }]
    );
    assert_eq!(fs::read(&path).unwrap().len(), good_len);
    let payload = journal
        .append(RecordFields::new(Event::StepSkipped).role("iam"))
        .unwrap();
    assert_eq!(payload.seq, 2);
    assert!(check(dir).ok);
}

#[test]
fn damage_other_than_a_torn_tail_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut journal = RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    journal
        .append(RecordFields::new(Event::StepApplied).role("iam"))
        .unwrap();
    journal
        .append(RecordFields::new(Event::StepApplied).role("iam"))
        .unwrap();
    drop(journal);
    let path = dir.join("r1.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    fs::write(&path, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
    match RunJournal::open(dir, "r1", it_signer()) {
        Err(JournalError::Corrupt { line, message, .. }) => {
            assert_eq!(line, 2);
            assert_eq!(message, "seq 2 where 1 was expected");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn misuse_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(matches!(
        RunJournal::create(
            dir,
            "r1",
            it_signer(),
            RecordFields::new(Event::StepApplied).role("iam")
        ),
        Err(JournalError::MisplacedRunStarted { .. })
    ));
    assert!(matches!(
        RunJournal::create(dir, "../x", it_signer(), started("e")),
        Err(JournalError::InvalidId { .. })
    ));
    assert!(matches!(
        RunJournal::open(dir, "r1", it_signer()),
        Err(JournalError::RunNotFound { .. })
    ));
    let mut journal = RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    assert!(matches!(
        RunJournal::open(dir, "r1", it_signer()),
        Err(JournalError::RunBusy { .. })
    ));
    assert!(matches!(
        journal.append(started("e-1")),
        Err(JournalError::MisplacedRunStarted { .. })
    ));
    journal
        .append(RecordFields::new(Event::RunFinished))
        .unwrap();
    assert!(journal.is_finished());
    assert!(matches!(
        journal.append(RecordFields::new(Event::StepApplied).role("iam")),
        Err(JournalError::RunFinished { .. })
    ));
    drop(journal);
    assert!(matches!(
        RunJournal::create(dir, "r1", it_signer(), started("e-1")),
        Err(JournalError::RunExists { .. })
    ));
    assert_eq!(status_of(&check(dir), "r1"), RunStatus::Sealed);
}

/// Runs in a child process only: writes run r1 (ledger open, run.started, step.applied,
/// run.finished, ledger seal: 5 durable writes) and then marks completion.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut journal = RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    journal
        .append(RecordFields::new(Event::StepApplied).role("iam"))
        .unwrap();
    journal
        .append(RecordFields::new(Event::RunFinished))
        .unwrap();
    fs::write(dir.join("completed"), "").unwrap();
}

fn crash_after(writes: u32) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, tmp.path())
        .env(CRASH_AFTER_WRITES_ENV, writes.to_string())
        .output()
        .unwrap();
    assert_eq!(
        output.status.signal(),
        Some(6),
        "child should abort: {output:?}"
    );
    assert!(!tmp.path().join("completed").exists());
    tmp
}

#[test]
fn crash_after_ledger_open_before_first_record() {
    let tmp = crash_after(1);
    let dir = tmp.path();
    assert!(!dir.join("r1.jsonl").exists() || fs::read(dir.join("r1.jsonl")).unwrap().is_empty());
    let report = check(dir);
    assert!(report.ok, "{report:#?}");
    assert_eq!(status_of(&report, "r1"), RunStatus::Interrupted);

    // The next run marks it abandoned; everything still verifies.
    RunJournal::create(dir, "r2", it_signer(), started("e-2")).unwrap();
    let report = check(dir);
    assert!(report.ok, "{report:#?}");
    assert_eq!(status_of(&report, "r1"), RunStatus::Abandoned);
    assert_eq!(status_of(&report, "r2"), RunStatus::Open);
    assert_eq!(report.ledger.records, 3);

    // The abandoned id may be started again.
    RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    let report = check(dir);
    assert!(report.ok, "{report:#?}");
    assert_eq!(status_of(&report, "r1"), RunStatus::Open);
}

#[test]
fn crash_mid_run_resumes_without_loss() {
    let tmp = crash_after(3);
    let dir = tmp.path();
    assert_eq!(status_of(&check(dir), "r1"), RunStatus::Open);
    let mut journal = RunJournal::open(dir, "r1", it_signer()).unwrap();
    assert_eq!(journal.records().len(), 2);
    assert_eq!(journal.records()[1].event, Event::StepApplied);
    journal
        .append(RecordFields::new(Event::RunFinished))
        .unwrap();
    let report = check(dir);
    assert!(report.ok, "{report:#?}");
    assert_eq!(status_of(&report, "r1"), RunStatus::Sealed);
}

#[test]
fn crash_before_the_seal_is_repaired_on_resume() {
    let tmp = crash_after(4);
    let dir = tmp.path();
    let report = check(dir);
    assert!(report.ok, "{report:#?}");
    assert_eq!(status_of(&report, "r1"), RunStatus::Unsealed);
    let journal = RunJournal::open(dir, "r1", it_signer()).unwrap();
    assert_eq!(journal.repairs(), [Repair::SealWritten]);
    drop(journal);
    assert_eq!(status_of(&check(dir), "r1"), RunStatus::Sealed);
}
