//! Journals forged with a key that `allowed_signers` lists for another role: the Acme demo's
//! `procurement@acme.example`, which holds only `procurement`, writes runs, step records and
//! ledger records for Grace (E1008). `offboard verify` names the forged record, and `offboard
//! grace` refuses to take the forged journal as done: exit 1, nothing written, her account still
//! active.

use crate::support::journal::RunJournal;

use offboard::journal::{Event, PlaybookRef, RecordFields, Signer, Vcs, payload_hash};

use super::mallory::account;
use crate::support::acme::{Acme, INVOLUNTARY_STEPS};
use crate::support::journal::payloads_of;

const PROCUREMENT: &str = "procurement@acme.example";
const SIGABRT: i32 = 6;

/// The demo's procurement key, as the attacker holds it.
fn procurement(acme: &Acme) -> Signer {
    Signer::from_openssh_file(acme.dir().join("keys/procurement"), PROCUREMENT).unwrap()
}

/// A `run.started` for Grace's involuntary-leaver run, as the engine writes it.
fn started() -> RecordFields {
    RecordFields::new(Event::RunStarted)
        .employee("E1008")
        .playbook(PlaybookRef {
            path: "playbooks/involuntary-leaver.yaml".into(),
            commit: None,
            blob: None,
            dirty: false,
            vcs: Some(Vcs::Git),
            signed_by: None,
        })
        .evidence(serde_json::json!({
            "playbook_name": "involuntary-leaver",
            "status": "terminated",
        }))
}

/// A `step.skipped` for `step`, with `role` when given.
fn skipped(step: &str, role: Option<&str>) -> RecordFields {
    let fields = RecordFields::new(Event::StepSkipped)
        .employee("E1008")
        .step(step)
        .evidence(serde_json::json!({"reason": "no account: nothing to revoke"}));
    match role {
        Some(role) => fields.role(role),
        None => fields,
    }
}

/// Append a whole run for Grace signed by procurement: `run.started`, every step skipped,
/// `run.finished`, with the ledger's `run.opened` and `run.sealed` (signed by the same key).
fn forge_finished_run(acme: &Acme, run: &str) {
    let mut journal =
        RunJournal::create(&acme.journal(), run, procurement(acme), started()).unwrap();
    for step in &INVOLUNTARY_STEPS[1..] {
        journal.append(skipped(step, None)).unwrap();
    }
    journal
        .append(RecordFields::new(Event::RunFinished).employee("E1008"))
        .unwrap();
}

/// A repository where Mallory was offboarded and Grace's run crashed after its first step
/// (`run.opened`, `run.started`, the confirmed HR check): Grace's run is open and the newest.
pub fn grace_interrupted() -> (Acme, String) {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    let crashed = acme.run(&["grace"], &[("OFFBOARD_CRASH_AFTER_WRITES", "3")]);
    assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");
    let run = acme
        .runs()
        .into_iter()
        .find(|r| r.starts_with("E1008-"))
        .unwrap();
    assert_eq!(acme.payloads(&run).len(), 2);
    assert_eq!(account(&acme, "grace").0, 1);
    (acme, run)
}

/// `offboard grace` refuses (exit 1), naming `at` and pointing at `verify`; nothing is written
/// and Grace's account is still active.
#[track_caller]
fn grace_is_refused(acme: &Acme, at: &str, why: &str) {
    let before = acme.snapshot();
    let refused = acme.run(&["grace"], &[]).expect(1);
    assert!(
        refused.stderr.contains(at)
            && refused.stderr.contains(why)
            && refused.stderr.contains("offboard verify"),
        "{refused}"
    );
    assert!(!refused.stdout.contains("already finished"), "{refused}");
    assert!(!refused.stdout.contains("complete"), "{refused}");
    assert!(acme.snapshot() == before, "the refused run wrote something");
    assert_eq!(account(acme, "grace").0, 1, "Grace is still active");
    assert!(
        acme.writeback_rows().iter().all(|row| row[0] != "E1008"),
        "Grace is not reported offboarded to HR"
    );
}

/// `offboard verify` fails (exit 1) naming `at` and `why`.
#[track_caller]
fn verify_names(acme: &Acme, at: &str, why: &str) {
    let verify = acme.run(&["verify"], &[]).expect(1);
    let line = verify
        .stdout
        .lines()
        .find(|l| l.contains(at))
        .unwrap_or_else(|| panic!("{at} not named\n{verify}"));
    assert!(line.contains("BAD") && line.contains(why), "{verify}");
}

#[test]
fn a_whole_run_forged_with_another_roles_key_is_not_taken_as_done() {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    let run = "E1008-involuntary-leaver-20261001T090000Z";
    forge_finished_run(&acme, run);

    let why = format!("run.started is signed by {PROCUREMENT}, who holds no operator role");
    verify_names(&acme, &format!("{run}.jsonl:1 (seq 0)"), &why);
    // Its ledger records are forged too: the first is named.
    verify_names(
        &acme,
        "ledger.jsonl:3 (seq 2)",
        &format!("run.opened is signed by {PROCUREMENT}"),
    );
    let json = acme.run(&["verify", "--format", "json"], &[]).expect(1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let bad = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run"] == run)
        .unwrap();
    assert_eq!(
        bad["first_error"]["reason"]["kind"], "not_operator",
        "{bad}"
    );
    assert_eq!(bad["first_error"]["reason"]["principal"], PROCUREMENT);
    assert_eq!(
        bad["first_error"]["reason"]["operator_roles"],
        serde_json::json!(["iam"])
    );

    grace_is_refused(&acme, &format!("{run}.jsonl:1 (seq 0)"), &why);
    // Nor does a batch: Grace's row is refused, Mallory's run is still finished.
    let batch = acme.run(&["run", "grace", "mallory"], &[]).expect(1);
    assert!(batch.stderr.contains(&why), "{batch}");
    assert!(
        batch
            .stdout
            .contains("E1007: involuntary-leaver already finished"),
        "{batch}"
    );
    assert_eq!(account(&acme, "grace").0, 1);
    // status and plan do not take it as done either.
    let status = acme.run(&["status", "grace"], &[]).expect(1);
    assert!(status.stderr.contains(&why), "{status}");
    let plan = acme.run(&["plan", "grace"], &[]).expect(1);
    assert!(plan.stderr.contains(&why), "{plan}");
    // confirm does not sign into it.
    let before = acme.snapshot();
    let confirm = acme
        .run(&["confirm", run, "disable-account", "--note", "done"], &[])
        .expect(1);
    assert!(confirm.stderr.contains(&why), "{confirm}");
    assert!(acme.snapshot() == before, "confirm wrote something");
    // report neither counts it nor signs evidence over it.
    let report = acme.run(&["report"], &[]).expect(1);
    assert!(report.stderr.contains(&why), "{report}");
    let pack = acme.dir().join("pack");
    let evidence = acme
        .run(&["report", "--evidence", pack.to_str().unwrap()], &[])
        .expect(1);
    assert!(evidence.stderr.contains(&why), "{evidence}");
    assert!(
        !pack.exists(),
        "an evidence pack was written over a forged run"
    );
}

#[test]
fn the_newest_run_rewritten_with_another_roles_key_is_not_taken_as_done() {
    let (acme, run) = grace_interrupted();
    // Grace's real run, and its ledger lines (the last), replaced by a forged finished one.
    let ledger = acme.ledger();
    let text = std::fs::read_to_string(&ledger).unwrap();
    let kept: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    assert_eq!(text.lines().count(), 3, "{text}");
    std::fs::write(&ledger, kept).unwrap();
    std::fs::remove_file(acme.run_file(&run)).unwrap();
    forge_finished_run(&acme, &run);

    let why = format!("run.started is signed by {PROCUREMENT}, who holds no operator role");
    verify_names(&acme, &format!("{run}.jsonl:1 (seq 0)"), &why);
    grace_is_refused(&acme, &format!("{run}.jsonl:1 (seq 0)"), &why);
}

#[test]
fn step_records_signed_by_a_non_holder_are_rejected() {
    let (template, run) = grace_interrupted();

    // Without a role, as `step.skipped` used to be accepted from anyone: the run would have
    // taken every step as done, and finished with Grace's account active.
    let acme = template.duplicate();
    let mut journal = RunJournal::open(&acme.journal(), &run, procurement(&acme)).unwrap();
    for step in &INVOLUNTARY_STEPS[1..] {
        journal.append(skipped(step, None)).unwrap();
    }
    drop(journal);
    let why = "step.skipped without the step's owner role";
    verify_names(&acme, &format!("{run}.jsonl:3 (seq 2)"), why);
    grace_is_refused(&acme, &format!("{run}.jsonl:3 (seq 2)"), why);

    // With the step's owner role, which procurement does not hold.
    let acme = template.duplicate();
    let mut journal = RunJournal::open(&acme.journal(), &run, procurement(&acme)).unwrap();
    journal
        .append(skipped("disable-account", Some("iam")))
        .unwrap();
    drop(journal);
    let why = format!("signer {PROCUREMENT} does not hold role iam");
    verify_names(&acme, &format!("{run}.jsonl:3 (seq 2)"), &why);
    grace_is_refused(&acme, &format!("{run}.jsonl:3 (seq 2)"), &why);

    // With a role procurement holds, but not the one the playbook gives the step: the record
    // is well signed for what it claims, and the run still does not believe it.
    let acme = template.duplicate();
    let mut journal = RunJournal::open(&acme.journal(), &run, procurement(&acme)).unwrap();
    journal
        .append(skipped("disable-account", Some("procurement")))
        .unwrap();
    drop(journal);
    grace_is_refused(
        &acme,
        &format!("{run}.jsonl:3 (seq 2)"),
        "step.skipped of step `disable-account` carries role `procurement`, but playbook \
         `involuntary-leaver`",
    );
}

#[test]
fn ledger_records_signed_by_a_non_operator_are_rejected() {
    let (acme, run) = grace_interrupted();
    // A seal of Grace's open run, signed by procurement, appended to the ledger.
    let ledger = acme.ledger();
    let text = std::fs::read_to_string(&ledger).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let last_payload = last["payload"].as_str().unwrap();
    let run_lines = std::fs::read_to_string(acme.run_file(&run)).unwrap();
    let run_last: serde_json::Value =
        serde_json::from_str(run_lines.lines().last().unwrap()).unwrap();
    let payload = serde_json::json!({
        "v": 1,
        "seq": 3,
        "prev": payload_hash(last_payload),
        "time": "2026-12-01T00:00:00Z",
        "signer": PROCUREMENT,
        "event": "run.sealed",
        "run": run,
        "hash": payload_hash(run_last["payload"].as_str().unwrap()),
        "records": 2,
    })
    .to_string();
    let sig = procurement(&acme).sign(payload.as_bytes());
    let line = serde_json::json!({"payload": payload, "sig": sig}).to_string();
    std::fs::write(&ledger, format!("{text}{line}\n")).unwrap();
    assert_eq!(payloads_of(&ledger).len(), 4);

    let why = format!("run.sealed is signed by {PROCUREMENT}, who holds no operator role");
    verify_names(&acme, "ledger.jsonl:4 (seq 3)", &why);
    grace_is_refused(&acme, "ledger.jsonl:4 (seq 3)", &why);
}
