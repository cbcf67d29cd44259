//! Resuming a run trusts only what verifies: signatures and chain of every record, the run's
//! ledger entries and the ledger's last record; a run without a complete first record is
//! abandoned, not resumed; and heads saved from `verify` catch the cuts a chain alone cannot.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::journal::{
    FIN, RunJournal, allowed, fin_signer, it_signer, roles, started, status_of, write_run,
};
use offboard::journal::{
    Anchor, Event, JournalError, Reason, RecordFields, RunStatus, read_run, verify, verify_anchored,
};

fn file(dir: &Path, run: &str) -> PathBuf {
    dir.join(format!("{run}.jsonl"))
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// A record appended to `run` that chains correctly, claims `signer`, and carries the signature
/// of line `sig_from` (0-based) of `sig_file`.
fn forge(dir: &Path, run: &str, signer: &str, sig_file: &Path, sig_from: usize) {
    let path = file(dir, run);
    let mut all = lines(&path);
    let last: serde_json::Value = serde_json::from_str(all.last().unwrap()).unwrap();
    let last_payload = last["payload"].as_str().unwrap();
    let payload = serde_json::json!({
        "v": 1, "run": run, "seq": all.len(), "prev": sha256(last_payload),
        "time": "2026-11-30T00:00:00Z", "signer": signer, "event": "step.confirmed",
        "employee": "e-3", "step": "step-9", "action": "iam.deactivate", "role": "iam",
    })
    .to_string();
    let donor: serde_json::Value = serde_json::from_str(&lines(sig_file)[sig_from]).unwrap();
    all.push(serde_json::json!({"payload": payload, "sig": donor["sig"]}).to_string());
    write_lines(&path, &all);
}

fn untrusted_at(result: Result<RunJournal, JournalError>) -> (PathBuf, usize, String) {
    match result {
        Err(JournalError::Untrusted {
            path,
            line,
            message,
        }) => (path, line, message),
        other => panic!("expected Untrusted, got {other:?}"),
    }
}

#[test]
fn a_forged_record_with_a_copied_signature_is_refused_with_its_line() {
    let by_it_as_fin = Reason::KeyNotAllowed {
        principal: FIN.to_owned(),
    };
    for (signer, reason) in [
        (crate::support::journal::IT, Reason::BadSignature),
        (FIN, by_it_as_fin),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_run(dir, "r3", "e-3", 1, false);
        forge(dir, "r3", signer, &file(dir, "r3"), 1);
        let before = fs::read(file(dir, "r3")).unwrap();

        let (path, line, message) =
            untrusted_at(RunJournal::resume(dir, "r3", it_signer(), &allowed()));
        assert_eq!((path, line), (file(dir, "r3"), 4), "{message}");
        assert_eq!(message, reason.to_string());
        let error = RunJournal::resume(dir, "r3", it_signer(), &allowed())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&format!("r3.jsonl:4: {reason}"))
                && error.contains("refusing to resume"),
            "{error}"
        );
        assert_eq!(
            fs::read(file(dir, "r3")).unwrap(),
            before,
            "nothing written"
        );
        // `verify` agrees on the line.
        let report = verify(dir, &allowed(), &roles(), None);
        let bad = report.runs[0].first_error.as_ref().unwrap();
        assert_eq!((bad.line, &bad.reason), (4, &reason));
    }
}

#[test]
fn a_record_by_an_unknown_signer_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, "r3", "e-3", 1, false);
    forge(dir, "r3", "mallory@evil.example", &file(dir, "r3"), 1);
    let (_, line, message) = untrusted_at(RunJournal::resume(dir, "r3", it_signer(), &allowed()));
    assert_eq!(line, 4);
    assert!(message.contains("mallory@evil.example"), "{message}");
}

#[test]
fn records_signed_by_other_allowed_signers_are_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, "r3", "e-3", 1, false);
    let mut by_finance = RunJournal::resume(dir, "r3", fin_signer(), &allowed()).unwrap();
    by_finance
        .append(
            RecordFields::new(Event::StepConfirmed)
                .step("pay")
                .role("finance"),
        )
        .unwrap();
    drop(by_finance);
    let journal = RunJournal::resume(dir, "r3", it_signer(), &allowed()).unwrap();
    assert_eq!(journal.records().len(), 4);
    assert_eq!(journal.records()[3].signer, FIN);
}

#[test]
fn a_sealed_run_cut_short_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, "r1", "e-1", 2, true);
    let path = file(dir, "r1");
    let mut all = lines(&path);
    all.pop();
    write_lines(&path, &all);
    let (at, line, message) = untrusted_at(RunJournal::resume(dir, "r1", it_signer(), &allowed()));
    assert_eq!((at, line), (path, 5), "{message}");
    assert!(
        message.contains("sealed this run at 6 records"),
        "{message}"
    );
}

#[test]
fn a_run_the_ledger_does_not_register_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, "r1", "e-1", 1, false);
    write_run(dir, "r2", "e-2", 1, false);
    // r2's file replaced by r1's records renamed: chain and signatures of each line are fine.
    fs::copy(file(dir, "r1"), file(dir, "r2")).unwrap();
    let error = RunJournal::resume(dir, "r2", it_signer(), &allowed()).unwrap_err();
    assert!(
        matches!(error, JournalError::Corrupt { .. }),
        "a record of another run: {error}"
    );
    // A run file the ledger never opened, well signed and chained (made in another journal).
    let elsewhere = tempfile::tempdir().unwrap();
    write_run(elsewhere.path(), "r9", "e-9", 1, false);
    fs::copy(file(elsewhere.path(), "r9"), file(dir, "r9")).unwrap();
    let (path, line, message) =
        untrusted_at(RunJournal::resume(dir, "r9", it_signer(), &allowed()));
    assert_eq!((path, line), (file(dir, "r9"), 1));
    assert!(
        message.contains("not registered in the ledger"),
        "{message}"
    );
}

#[test]
fn a_damaged_ledger_stops_the_resume_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, "r3", "e-3", 1, false);
    let ledger = dir.join("ledger.jsonl");
    let good = lines(&ledger);

    let mut junk = good.clone();
    junk.push("not a record".to_owned());
    write_lines(&ledger, &junk);
    let error = RunJournal::resume(dir, "r3", it_signer(), &allowed()).unwrap_err();
    assert!(
        matches!(&error, JournalError::Corrupt { line: 2, path, .. } if path == &ledger),
        "{error}"
    );

    // The last ledger record carrying the signature of a run record.
    let mut resigned = good.clone();
    let mut record: serde_json::Value = serde_json::from_str(&resigned[0]).unwrap();
    let donor: serde_json::Value = serde_json::from_str(&lines(&file(dir, "r3"))[0]).unwrap();
    record["sig"] = donor["sig"].clone();
    resigned[0] = record.to_string();
    write_lines(&ledger, &resigned);
    let (path, line, _) = untrusted_at(RunJournal::resume(dir, "r3", it_signer(), &allowed()));
    assert_eq!((path, line), (ledger, 1));
    assert_eq!(lines(&file(dir, "r3")).len(), 3, "nothing appended");
}

#[test]
fn a_run_without_a_complete_first_record_reads_empty_and_is_abandoned() {
    for leftover in [&b""[..], &b"{\"payload\":\"{\\\"v\\\":1,"[..]] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_run(dir, "r1", "e-1", 1, true);
        // What a crash between the ledger's run.opened and the first run write leaves: the
        // ledger registers r2 and r2's file is empty or torn.
        let r2 = RunJournal::create(dir, "r2", it_signer(), started("e-2")).unwrap();
        drop(r2);
        fs::write(file(dir, "r2"), leftover).unwrap();

        let read = read_run(dir, "r2").unwrap();
        assert!(read.records.is_empty());
        assert_eq!(read.torn_tail, !leftover.is_empty());
        assert!(matches!(
            RunJournal::resume(dir, "r2", it_signer(), &allowed()),
            Err(JournalError::RunInterrupted { .. })
        ));
        let report = verify(dir, &allowed(), &roles(), None);
        if leftover.is_empty() {
            assert!(report.ok, "{report:#?}");
            assert_eq!(status_of(&report, "r2"), RunStatus::Interrupted);
        } else {
            let bad = report.runs.iter().find(|r| r.run == "r2").unwrap();
            let error = bad.first_error.as_ref().unwrap();
            assert_eq!((error.line, &error.reason), (1, &Reason::TornLine));
        }

        // The next run abandons it in the ledger and removes the leftover.
        RunJournal::create(dir, "r3", it_signer(), started("e-3")).unwrap();
        assert!(!file(dir, "r2").exists());
        let report = verify(dir, &allowed(), &roles(), None);
        assert!(report.ok, "{report:#?}");
        assert_eq!(status_of(&report, "r2"), RunStatus::Abandoned);
    }
}

#[test]
fn sealing_another_run_abandons_an_interrupted_one_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut r1 = RunJournal::create(dir, "r1", it_signer(), started("e-1")).unwrap();
    // Another process opens r2 and dies before its first record.
    drop(RunJournal::create(dir, "r2", it_signer(), started("e-2")).unwrap());
    fs::write(file(dir, "r2"), b"").unwrap();
    // r1 finishes: its seal would leave r2's run.opened in the middle of the ledger, which
    // `verify` calls a deleted run, unless r2 is marked abandoned first.
    r1.append(RecordFields::new(Event::RunFinished)).unwrap();
    let report = verify(dir, &allowed(), &roles(), None);
    assert!(report.ok, "{report:#?}");
    assert_eq!(status_of(&report, "r2"), RunStatus::Abandoned);
    assert_eq!(status_of(&report, "r1"), RunStatus::Sealed);
}

#[test]
fn saved_heads_catch_what_the_chain_alone_cannot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, "r1", "e-1", 1, true);
    write_run(dir, "r2", "e-2", 2, false);
    write_run(dir, "r3", "e-3", 1, false);
    let report = verify(dir, &allowed(), &roles(), None);
    assert!(report.ok, "{report:#?}");
    let ledger_head = report.ledger.head.clone().unwrap();
    assert_eq!(ledger_head.seq, 3);
    let r2 = report.runs.iter().find(|r| r.run == "r2").unwrap();
    let r2_head = r2.head.clone().unwrap();
    assert_eq!(r2_head.seq, 4);
    let anchors = [
        Anchor::of(None, &ledger_head),
        Anchor::of(Some("r2"), &r2_head),
    ];
    let checked = verify_anchored(dir, &allowed(), &roles(), None, &anchors);
    assert!(
        checked.ok && checked.anchors.iter().all(|a| a.ok),
        "{checked:#?}"
    );

    // Records cut off the end of open run r2, and the newest run deleted with its ledger line:
    // the chain is still sound, so only the saved heads tell.
    let r2_lines = lines(&file(dir, "r2"));
    write_lines(&file(dir, "r2"), &r2_lines[..3]);
    fs::remove_file(file(dir, "r3")).unwrap();
    let ledger = dir.join("ledger.jsonl");
    let ledger_lines = lines(&ledger);
    write_lines(&ledger, &ledger_lines[..3]);
    let plain = verify(dir, &allowed(), &roles(), None);
    assert!(plain.ok, "the documented limit: {plain:#?}");

    let checked = verify_anchored(dir, &allowed(), &roles(), None, &anchors);
    assert!(!checked.ok);
    assert_eq!(checked.anchors.len(), 2);
    assert!(checked.anchors.iter().all(|a| !a.ok), "{checked:#?}");
    assert!(
        checked.anchors[0]
            .message
            .contains("the ledger has 3 records"),
        "{:?}",
        checked.anchors[0]
    );
    assert!(
        checked.anchors[1].message.contains("run r2 has 3 records"),
        "{:?}",
        checked.anchors[1]
    );
    // A head from before the cut is still found.
    let older = Anchor {
        run: None,
        seq: 1,
        hash: sha256(
            serde_json::from_str::<serde_json::Value>(&ledger_lines[1]).unwrap()["payload"]
                .as_str()
                .unwrap(),
        ),
    };
    let checked = verify_anchored(dir, &allowed(), &roles(), None, &[older]);
    assert!(checked.ok, "{checked:#?}");
}
