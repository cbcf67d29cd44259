//! Tampering with a real journal: every kind of mutation is detected and the first bad record
//! named.

mod common_journal;

use std::fs;
use std::path::PathBuf;

use common_journal::{FIN, IT, allowed, fin_signer, it_signer, roles, write_run};
use offboard::journal::{
    Event, Reason, RecordFields, RunJournal, RunReport, RunStatus, VerifyReport, trusted, verify,
    verify_runs,
};

struct Journal {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

/// r1: sealed (8 records), r2: sealed (6), r3: open (3), opened last.
fn journal() -> Journal {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    write_run(&dir, "r1", "e-1", 3, true);
    write_run(&dir, "r2", "e-2", 2, true);
    write_run(&dir, "r3", "e-3", 1, false);
    Journal { _tmp: tmp, dir }
}

impl Journal {
    fn file(&self, run: &str) -> PathBuf {
        self.dir.join(format!("{run}.jsonl"))
    }

    fn lines(&self, run: &str) -> Vec<String> {
        fs::read_to_string(self.file(run))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn write_lines(&self, run: &str, lines: &[String]) {
        fs::write(self.file(run), lines.join("\n") + "\n").unwrap();
    }

    fn verify(&self) -> VerifyReport {
        verify(&self.dir, &allowed(), &roles(), None)
    }
}

fn run<'a>(report: &'a VerifyReport, id: &str) -> &'a RunReport {
    report
        .runs
        .iter()
        .find(|r| r.run == id)
        .unwrap_or_else(|| panic!("no report for {id}: {report:#?}"))
}

/// Assert `id` is bad at `line` for `reason`, and every other run is fine.
fn assert_bad(report: &VerifyReport, id: &str, line: usize, reason: &Reason) {
    assert!(!report.ok);
    let bad = run(report, id);
    assert_eq!(bad.status, RunStatus::Bad, "{report:#?}");
    let error = bad.first_error.as_ref().unwrap();
    assert_eq!((error.line, &error.reason), (line, reason), "{report:#?}");
    for other in report.runs.iter().filter(|r| r.run != id) {
        assert_ne!(other.status, RunStatus::Bad, "{other:#?}");
    }
}

#[test]
fn untouched_journal_verifies() {
    let j = journal();
    let report = j.verify();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.records_checked, 8 + 6 + 3 + 5);
    assert_eq!(report.ledger.records, 5);
    let statuses: Vec<_> = report
        .runs
        .iter()
        .map(|r| (r.run.as_str(), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("r1", RunStatus::Sealed),
            ("r2", RunStatus::Sealed),
            ("r3", RunStatus::Open)
        ]
    );
}

#[test]
fn edited_payload_byte() {
    let j = journal();
    let mut lines = j.lines("r1");
    lines[2] = lines[2].replacen("step-0", "step-9", 1);
    j.write_lines("r1", &lines);
    assert_bad(&j.verify(), "r1", 3, &Reason::BadSignature);
}

#[test]
fn edited_signature() {
    let j = journal();
    let mut lines = j.lines("r1");
    let at = lines[1].rfind("=\\n-----END").unwrap() - 10;
    let mut bytes = lines[1].clone().into_bytes();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    lines[1] = String::from_utf8(bytes).unwrap();
    j.write_lines("r1", &lines);
    assert_bad(&j.verify(), "r1", 2, &Reason::BadSignature);
}

#[test]
fn reordered_lines() {
    let j = journal();
    let mut lines = j.lines("r1");
    lines.swap(2, 3);
    j.write_lines("r1", &lines);
    assert_bad(
        &j.verify(),
        "r1",
        3,
        &Reason::Seq {
            expected: 2,
            found: 3,
        },
    );
}

#[test]
fn dropped_line() {
    let j = journal();
    let mut lines = j.lines("r1");
    lines.remove(4);
    j.write_lines("r1", &lines);
    assert_bad(
        &j.verify(),
        "r1",
        5,
        &Reason::Seq {
            expected: 4,
            found: 5,
        },
    );
}

#[test]
fn duplicated_line() {
    let j = journal();
    let mut lines = j.lines("r1");
    let copy = lines[1].clone();
    lines.insert(2, copy);
    j.write_lines("r1", &lines);
    assert_bad(
        &j.verify(),
        "r1",
        3,
        &Reason::Seq {
            expected: 2,
            found: 1,
        },
    );
}

#[test]
fn truncated_mid_line() {
    let j = journal();
    let bytes = fs::read(j.file("r2")).unwrap();
    fs::write(j.file("r2"), &bytes[..bytes.len() - 40]).unwrap();
    assert_bad(&j.verify(), "r2", 6, &Reason::TornLine);
}

#[test]
fn truncated_at_a_line_boundary_of_a_sealed_run() {
    let j = journal();
    let lines = j.lines("r1");
    j.write_lines("r1", &lines[..5]);
    assert_bad(
        &j.verify(),
        "r1",
        5,
        &Reason::SealMismatch {
            sealed: 8,
            found: 5,
        },
    );
}

#[test]
fn record_replayed_from_another_run() {
    let j = journal();
    let mut lines = j.lines("r1");
    lines[3] = j.lines("r2")[3].clone();
    j.write_lines("r1", &lines);
    let reason = Reason::WrongRun {
        expected: "r1".into(),
        found: "r2".into(),
    };
    assert_bad(&j.verify(), "r1", 4, &reason);
}

#[test]
fn whole_run_replayed_under_a_new_name() {
    let j = journal();
    fs::copy(j.file("r1"), j.file("r9")).unwrap();
    assert_bad(&j.verify(), "r9", 1, &Reason::NoLedgerEntry);
}

#[test]
fn deleted_run_file() {
    let j = journal();
    fs::remove_file(j.file("r2")).unwrap();
    let report = j.verify();
    let error = run(&report, "r2").first_error.clone().unwrap();
    assert_eq!(error.reason, Reason::DeletedRun { run: "r2".into() });
    assert_eq!((error.file, error.line), (j.dir.join("ledger.jsonl"), 3));
    assert!(!report.ok);
}

#[test]
fn emptied_run_file() {
    let j = journal();
    fs::write(j.file("r1"), "").unwrap();
    let report = j.verify();
    assert_eq!(
        run(&report, "r1").first_error.as_ref().unwrap().reason,
        Reason::DeletedRun { run: "r1".into() }
    );
}

#[test]
fn renamed_run_file() {
    let j = journal();
    fs::rename(j.file("r2"), j.file("r7")).unwrap();
    let report = j.verify();
    assert_eq!(run(&report, "r2").status, RunStatus::Bad);
    assert_eq!(
        run(&report, "r7").first_error.as_ref().unwrap().reason,
        Reason::NoLedgerEntry
    );
}

#[test]
fn deleted_ledger_line() {
    let j = journal();
    let ledger = j.dir.join("ledger.jsonl");
    let mut lines: Vec<String> = fs::read_to_string(&ledger)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.remove(2); // run.opened of r2
    fs::write(&ledger, lines.join("\n") + "\n").unwrap();
    let report = j.verify();
    assert!(!report.ok);
    let error = report.ledger.first_error.as_ref().unwrap();
    assert_eq!(
        (error.line, &error.reason),
        (
            3,
            &Reason::Seq {
                expected: 2,
                found: 3
            }
        )
    );
    // The run is not blamed: the ledger that should register it is what failed.
    let r2 = run(&report, "r2").first_error.as_ref().unwrap();
    assert_eq!(
        r2.reason,
        Reason::LedgerUnverified {
            ledger: ledger.clone(),
            line: 3
        }
    );
    assert_eq!(
        r2.message,
        format!(
            "the run could not be matched with the ledger: the ledger failed verification at {}:3",
            ledger.display()
        )
    );
}

#[test]
fn selected_runs_only() {
    let j = journal();
    fs::remove_file(j.file("r1")).unwrap();
    let report = verify(&j.dir, &allowed(), &roles(), Some(&["r2".to_owned()]));
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.runs.len(), 1);
    let report = verify(&j.dir, &allowed(), &roles(), Some(&["nope".to_owned()]));
    assert_eq!(
        run(&report, "nope").first_error.as_ref().unwrap().reason,
        Reason::UnknownRun
    );
}

#[test]
fn separation_of_duties() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut journal =
        RunJournal::create(dir, "r1", it_signer(), common_journal::started("e-1")).unwrap();
    // The engine records its own work on a finance step: allowed.
    journal
        .append(
            RecordFields::new(Event::StepWaiting)
                .step("reclaim")
                .role("finance"),
        )
        .unwrap();
    drop(journal);
    // A finance sign-off by the finance principal: allowed.
    let mut by_finance = RunJournal::open(dir, "r1", fin_signer()).unwrap();
    by_finance
        .append(
            RecordFields::new(Event::StepConfirmed)
                .step("reclaim")
                .role("finance"),
        )
        .unwrap();
    drop(by_finance);
    assert!(verify(dir, &allowed(), &roles(), None).ok);

    // The same sign-off by a principal holding only `iam`: refused.
    let mut by_it = RunJournal::open(dir, "r1", it_signer()).unwrap();
    by_it
        .append(
            RecordFields::new(Event::StepConfirmed)
                .step("reclaim")
                .role("finance"),
        )
        .unwrap();
    drop(by_it);
    let reason = Reason::SignerLacksRole {
        principal: IT.into(),
        role: "finance".into(),
    };
    assert_bad(&verify(dir, &allowed(), &roles(), None), "r1", 4, &reason);
}

#[test]
fn non_run_signer_needs_the_role_and_confirmations_need_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    RunJournal::create(dir, "r1", it_signer(), common_journal::started("e-1")).unwrap();
    let mut by_finance = RunJournal::open(dir, "r1", fin_signer()).unwrap();
    by_finance
        .append(RecordFields::new(Event::StepApplied).step("x").role("iam"))
        .unwrap();
    drop(by_finance);
    let reason = Reason::SignerLacksRole {
        principal: FIN.into(),
        role: "iam".into(),
    };
    assert_bad(&verify(dir, &allowed(), &roles(), None), "r1", 2, &reason);

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut journal =
        RunJournal::create(dir, "r1", it_signer(), common_journal::started("e-1")).unwrap();
    journal
        .append(RecordFields::new(Event::StepConfirmed).step("x"))
        .unwrap();
    let reason = Reason::MissingRole {
        event: "step.confirmed".into(),
    };
    assert_bad(&verify(dir, &allowed(), &roles(), None), "r1", 2, &reason);
}

#[test]
fn unknown_signer_and_foreign_key() {
    let j = journal();
    let stranger = offboard::journal::Signer::from_seed([99; 32], IT);
    let mut journal = RunJournal::open(&j.dir, "r3", stranger).unwrap();
    journal
        .append(RecordFields::new(Event::StepSkipped).step("s"))
        .unwrap();
    drop(journal);
    let reason = Reason::KeyNotAllowed {
        principal: IT.into(),
    };
    assert_bad(&j.verify(), "r3", 4, &reason);
}

/// Flip one bit of every byte of a small journal, one at a time: each edit is caught, at the
/// edited line of the edited file.
#[test]
fn one_byte_edit_at_every_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("j");
    let mut journal =
        RunJournal::create(&dir, "r", it_signer(), common_journal::started("e")).unwrap();
    journal
        .append(RecordFields::new(Event::RunFinished))
        .unwrap();
    drop(journal);
    let allowed = allowed();
    let roles = roles();
    assert!(verify(&dir, &allowed, &roles, None).ok);

    for (path, is_ledger) in [
        (dir.join("r.jsonl"), false),
        (dir.join("ledger.jsonl"), true),
    ] {
        let original = fs::read(&path).unwrap();
        for offset in 0..original.len() {
            let mut edited = original.clone();
            edited[offset] ^= 0x01;
            fs::write(&path, &edited).unwrap();
            let report = verify(&dir, &allowed, &roles, None);
            let line = original[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            let error = if is_ledger {
                report.ledger.first_error.clone()
            } else {
                report.runs[0].first_error.clone()
            };
            let error =
                error.unwrap_or_else(|| panic!("offset {offset} of {path:?}: not detected"));
            assert!(!report.ok);
            assert_eq!(error.line, line, "offset {offset} of {path:?}: {error}");
        }
        fs::write(&path, &original).unwrap();
        assert!(verify(&dir, &allowed, &roles, None).ok);
    }
}

/// `verify_runs`, what commands check before they trust a run, judges the runs it is given as
/// `verify` does, reading only their records and their own ledger entries.
#[test]
fn verifying_chosen_runs_agrees_with_verify() {
    let j = journal();
    let ids = ["r1", "r2", "r3"].map(String::from);
    let chosen = |ids: &[String]| verify_runs(&j.dir, &allowed(), &roles(), ids);
    let statuses: Vec<_> = chosen(&ids).iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [RunStatus::Sealed, RunStatus::Sealed, RunStatus::Open]
    );

    // An edited record is named as `verify` names it; the other runs are not read.
    let mut lines = j.lines("r2");
    lines[2] = lines[2].replacen("step-0", "step-9", 1);
    j.write_lines("r2", &lines);
    let full = j.verify();
    let report = &chosen(&ids[1..2])[0];
    assert!(!trusted(report));
    assert_eq!(report.first_error, run(&full, "r2").first_error);
    assert!(trusted(&chosen(&ids[..1])[0]));

    // A run whose records verify but whose ledger entry does not: the ledger record is named.
    let ledger = j.dir.join("ledger.jsonl");
    let mut ledger_lines: Vec<String> = fs::read_to_string(&ledger)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let sig_of_another =
        serde_json::from_str::<serde_json::Value>(&ledger_lines[1]).unwrap()["sig"].clone();
    let mut first: serde_json::Value = serde_json::from_str(&ledger_lines[0]).unwrap();
    first["sig"] = sig_of_another;
    ledger_lines[0] = first.to_string();
    fs::write(&ledger, ledger_lines.join("\n") + "\n").unwrap();
    let report = &chosen(&ids[..1])[0];
    let error = report.first_error.as_ref().unwrap();
    assert_eq!(
        (error.file.as_path(), error.line, &error.reason),
        (ledger.as_path(), 1, &Reason::BadSignature),
        "{report:#?}"
    );

    // A torn tail is left to the resume that removes it; a run that does not exist is not bad
    // for the caller to trust, only unknown.
    let mut bytes = fs::read(j.file("r3")).unwrap();
    bytes.extend_from_slice(br#"{"payload":"{\"v\":1,"#);
    fs::write(j.file("r3"), bytes).unwrap();
    let report = &chosen(&ids[2..])[0];
    assert_eq!(report.status, RunStatus::Open, "{report:#?}");
    let unknown = &chosen(&["nope".to_owned()])[0];
    assert_eq!(
        unknown.first_error.as_ref().unwrap().reason,
        Reason::UnknownRun
    );
    assert!(trusted(unknown));
}
