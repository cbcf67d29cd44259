//! Crash safety: abort after every durable journal write and in the middle of every one (a torn
//! line), for every playbook the Acme demo runs; kill -9 at arbitrary times; Ctrl-C; then run the
//! same command again. Every effect must happen exactly once and the journal must verify. A
//! resume trusts no record that does not verify.

use std::time::Duration;

use super::mallory::{assert_finished_exactly_once, baseline_changes};
use crate::support::acme::Acme;
use crate::support::journal::payloads_of;

const SIGINT: i32 = 2;
const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;

/// Durable journal writes of an uninterrupted run: its records plus the ledger's.
fn durable_writes(acme: &Acme) -> usize {
    acme.payloads(&acme.only_run()).len() + payloads_of(&acme.ledger()).len()
}

#[test]
fn a_crash_after_any_durable_write_resumes_to_exactly_one_of_each_effect() {
    let template = Acme::new();
    let base = template.duplicate();
    base.run(&["mallory"], &[]).expect(0);
    let changes = base.changes();
    let total = durable_writes(&base);
    assert!(total >= 14, "{total} durable writes");

    // One past the last write, the hook never fires: this pins the count.
    let whole = template.duplicate();
    let limit = (total + 1).to_string();
    whole
        .run(&["mallory"], &[("OFFBOARD_CRASH_AFTER_WRITES", &limit)])
        .expect(0);

    for n in 1..=total {
        let acme = template.duplicate();
        let limit = n.to_string();
        let crashed = acme.run(&["mallory"], &[("OFFBOARD_CRASH_AFTER_WRITES", &limit)]);
        assert_eq!(
            crashed.signal,
            Some(SIGABRT),
            "crash after write {n}: {crashed}"
        );
        let resumed = acme.run(&["mallory"], &[]);
        assert_eq!(resumed.code, Some(0), "resume after write {n}: {resumed}");
        assert_finished_exactly_once(&acme, &changes, &format!("crash after write {n}"));
        let again = acme.run(&["mallory"], &[]).expect(0);
        assert!(
            again.stdout.contains("nothing left to do"),
            "after write {n}: {again}"
        );
    }
}

#[test]
fn a_crash_during_the_resume_is_resumed_too() {
    let template = Acme::new();
    let changes = baseline_changes(&template);
    // Crash after 3 writes, then the resume crashes after 2 of its own, and so on.
    let acme = template.duplicate();
    for n in [3, 2, 4, 1, 5] {
        let limit = n.to_string();
        let ran = acme.run(&["mallory"], &[("OFFBOARD_CRASH_AFTER_WRITES", &limit)]);
        assert!(
            ran.signal == Some(SIGABRT) || ran.code == Some(0),
            "limit {n}: {ran}"
        );
    }
    acme.run(&["mallory"], &[]).expect(0);
    assert_finished_exactly_once(&acme, &changes, "chained crashes");
}

/// Kill -9 after `delay`; true when the kill landed before the run ended by itself.
fn kill_after(acme: &Acme, delay: Duration) -> bool {
    let mut child = acme.spawn(&["mallory"], &[]);
    std::thread::sleep(delay);
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    match output.status.signal() {
        Some(SIGKILL) => true,
        other => {
            assert_eq!(
                output.status.code(),
                Some(0),
                "signal {other:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            false
        }
    }
}

#[test]
fn kill_9_at_arbitrary_moments_then_resume() {
    let template = Acme::new();
    let changes = baseline_changes(&template);
    let mut killed = 0;
    // Fresh runs killed at increasing delays; whatever the moment, the resume finishes the job.
    for ms in [0, 2, 5, 10, 20, 35, 50, 80, 120, 200] {
        let acme = template.duplicate();
        if kill_after(&acme, Duration::from_millis(ms)) {
            killed += 1;
        }
        let resumed = acme.run(&["mallory"], &[]);
        assert_eq!(resumed.code, Some(0), "killed after {ms} ms: {resumed}");
        assert_finished_exactly_once(&acme, &changes, &format!("killed after {ms} ms"));
    }
    // One run killed again and again while it resumes.
    let acme = template.duplicate();
    for ms in [15, 25, 40, 60, 90] {
        if kill_after(&acme, Duration::from_millis(ms)) {
            killed += 1;
        }
    }
    acme.run(&["mallory"], &[]).expect(0);
    assert_finished_exactly_once(&acme, &changes, "killed repeatedly");
    assert!(killed > 0, "no kill landed before a run finished");
}

#[test]
fn ctrl_c_stops_after_the_current_step_and_the_run_resumes() {
    let template = Acme::new();
    let changes = baseline_changes(&template);
    for ms in [30, 80, 150, 250] {
        let acme = template.duplicate();
        let child = acme.spawn(&["mallory"], &[]);
        std::thread::sleep(Duration::from_millis(ms));
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        use std::os::unix::process::ExitStatusExt;
        let stdout = String::from_utf8_lossy(&output.stdout);
        match (output.status.code(), output.status.signal()) {
            // Stopped between steps.
            (Some(130), _) => assert!(
                stdout.contains("interrupted; run the same command again to resume"),
                "{stdout}"
            ),
            // Finished before the signal came.
            (Some(0), _) => assert!(stdout.contains("complete"), "{stdout}"),
            // Before the handler was installed: the default action, nothing written yet.
            (None, Some(SIGINT)) => {}
            other => panic!(
                "after {ms} ms: {other:?}\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            ),
        }
        if !acme.runs().is_empty() {
            let verify = acme.run(&["verify"], &[]);
            assert_eq!(verify.code, Some(0), "after {ms} ms: {verify}");
        }
        acme.run(&["mallory"], &[]).expect(0);
        assert_finished_exactly_once(&acme, &changes, &format!("Ctrl-C after {ms} ms"));
    }
}

/// Where a crash leaves `step`'s effect in the store but not its confirmation in the journal:
/// the durable writes up to and including the last record before the effect.
fn writes_before_effect(base: &Acme, step: &str) -> usize {
    let payloads = base.payloads(&base.only_run());
    let first = payloads.iter().position(|p| p["step"] == step).unwrap();
    let ahead = usize::from(payloads[first]["event"] == "step.started");
    // The ledger's run.opened, then the run's records.
    1 + first + ahead
}

#[test]
fn an_effect_whose_confirmation_was_lost_is_confirmed_with_its_original_evidence() {
    let template = Acme::new();
    let base = template.duplicate();
    base.run(&["mallory"], &[]).expect(0);
    let changes = base.changes();
    let detail = |change: &str| -> String {
        base.db()
            .query_row(
                "SELECT detail FROM changes WHERE change = ?1",
                [change],
                |r| r.get(0),
            )
            .unwrap()
    };
    // (step, what the connector does in the store, its audit row)
    let effects = [
        (
            "remove-groups",
            "DELETE FROM memberships WHERE account_id = 'acct-1007'",
            "remove_groups",
        ),
        (
            "release-seats",
            "DELETE FROM seats WHERE account_id = 'acct-1007'",
            "release_seats",
        ),
    ];
    for (step, sql, change) in effects {
        let acme = template.duplicate();
        let limit = writes_before_effect(&base, step).to_string();
        let crashed = acme.run(&["mallory"], &[("OFFBOARD_CRASH_AFTER_WRITES", &limit)]);
        assert_eq!(crashed.signal, Some(SIGABRT), "{step}: {crashed}");
        // The effect landed just before the process died.
        acme.db()
            .execute_batch(&format!(
                "{sql}; INSERT INTO changes (account_id, change, detail, changed_at)
                 VALUES ('acct-1007', '{change}', '{}', '2026-11-30T00:00:00Z')",
                detail(change)
            ))
            .unwrap();
        acme.run(&["mallory"], &[]).expect(0);
        assert_finished_exactly_once(&acme, &changes, &format!("{step} applied, unconfirmed"));
        let payloads = acme.payloads(&acme.only_run());
        let evidence = &payloads
            .iter()
            .find(|p| p["event"] == "step.confirmed" && p["step"] == step)
            .unwrap()["evidence"];
        match step {
            "release-seats" => {
                assert_eq!(evidence["released_monthly_cost_cents"], 7664, "{evidence}");
                assert_eq!(evidence["released_seats"].as_array().unwrap().len(), 5);
            }
            _ => assert_eq!(
                evidence["before"]["groups"].as_array().unwrap().len(),
                4,
                "{evidence}"
            ),
        }
    }
}

/// What an uninterrupted run of one playbook leaves behind, to compare a crashed-and-resumed
/// run with: its exit code, the store's audit trail and outbox topics (sorted), the HR
/// write-back rows, and how many durable journal writes it makes.
struct Baseline {
    employee: &'static str,
    code: i32,
    changes: Vec<(String, String)>,
    topics: Vec<String>,
    writeback: Vec<String>,
    writes: usize,
}

fn topics(acme: &Acme) -> Vec<String> {
    let mut topics: Vec<String> = acme.outbox().into_iter().map(|(_, t, _)| t).collect();
    topics.sort();
    topics
}

fn writeback_ids(acme: &Acme) -> Vec<String> {
    acme.writeback_rows()
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

fn baseline(template: &Acme, employee: &'static str, code: i32) -> Baseline {
    let base = template.duplicate();
    base.run(&[employee], &[]).expect(code);
    let mut changes = base.changes();
    changes.sort();
    assert!(
        !changes.is_empty(),
        "{employee} changes nothing in the store"
    );
    Baseline {
        employee,
        code,
        changes,
        topics: topics(&base),
        writeback: writeback_ids(&base),
        writes: durable_writes(&base),
    }
}

/// Crash `base.employee`'s run at durable write `n` (after it, or `torn`: in the middle of it),
/// resume, and check: every effect exactly once, `verify` exits 0, a third run changes nothing.
fn crash_and_resume(template: &Acme, base: &Baseline, n: usize, torn: bool) {
    let acme = template.duplicate();
    let limit = n.to_string();
    let mut env = vec![("OFFBOARD_CRASH_AFTER_WRITES", limit.as_str())];
    if torn {
        env.push(("OFFBOARD_CRASH_TORN", "1"));
    }
    let context = format!(
        "{} crashed {} write {n} of {}",
        base.employee,
        if torn { "in the middle of" } else { "after" },
        base.writes
    );
    let crashed = acme.run(&[base.employee], &env);
    assert_eq!(crashed.signal, Some(SIGABRT), "{context}: {crashed}");
    let resumed = acme.run(&[base.employee], &[]);
    assert_eq!(
        resumed.code,
        Some(base.code),
        "{context}: resume: {resumed}"
    );
    let mut changes = acme.changes();
    changes.sort();
    assert_eq!(changes, base.changes, "{context}: the store's audit trail");
    assert_eq!(topics(&acme), base.topics, "{context}: the outbox");
    assert_eq!(
        writeback_ids(&acme),
        base.writeback,
        "{context}: HR write-back"
    );
    let verify = acme.run(&["verify"], &[]);
    assert_eq!(verify.code, Some(0), "{context}: verify: {verify}");
    assert_eq!(acme.runs().len(), 1, "{context}: runs {:?}", acme.runs());
    let before = acme.snapshot();
    let third = acme.run(&[base.employee], &[]);
    assert_eq!(third.code, Some(base.code), "{context}: third run: {third}");
    assert!(
        acme.snapshot() == before,
        "{context}: a third run changed files: {third}"
    );
}

/// Crash `employee`'s run after each of its durable writes and in the middle of each.
fn crash_matrix(employee: &'static str, code: i32) {
    let template = Acme::new();
    let base = baseline(&template, employee, code);
    assert!(
        base.writes >= 8,
        "{employee}: {} durable writes",
        base.writes
    );
    for n in 1..=base.writes {
        crash_and_resume(&template, &base, n, false);
        crash_and_resume(&template, &base, n, true);
    }
}

#[test]
fn involuntary_leaver_torn_at_every_write_resumes_exactly_once() {
    let template = Acme::new();
    let base = baseline(&template, "mallory", 0);
    for n in 1..=base.writes {
        crash_and_resume(&template, &base, n, true);
    }
}

#[test]
fn mover_crashed_after_and_during_every_write_resumes_exactly_once() {
    crash_matrix("carol", 0);
}

#[test]
fn voluntary_leaver_crashed_after_and_during_every_write_resumes_exactly_once() {
    crash_matrix("bob", 4);
}

#[test]
fn contractor_end_crashed_after_and_during_every_write_resumes_exactly_once() {
    crash_matrix("erin", 4);
}

#[test]
fn leave_of_absence_crashed_after_and_during_every_write_resumes_exactly_once() {
    crash_matrix("dave", 0);
}

/// The run file exists but its first record never completed (the state `strace`'s fault
/// injection produced): the employee is not stuck; `verify` names the torn line until the next
/// run abandons the attempt in the ledger and starts afresh.
#[test]
fn a_torn_first_record_does_not_leave_the_employee_stuck() {
    let template = Acme::new();
    let changes = baseline_changes(&template);
    let acme = template.duplicate();
    let crashed = acme.run(
        &["mallory"],
        &[
            ("OFFBOARD_CRASH_AFTER_WRITES", "2"),
            ("OFFBOARD_CRASH_TORN", "1"),
        ],
    );
    assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");
    let run = acme.only_run();
    let torn = std::fs::read(acme.run_file(&run)).unwrap();
    assert!(!torn.is_empty() && !torn.contains(&b'\n'), "{torn:?}");

    let verify = acme.run(&["verify"], &[]).expect(1);
    assert!(
        verify.stdout.contains(&format!("{run}.jsonl:1: truncated")),
        "{verify}"
    );
    // Nothing ran, so there is nothing to show, but the command does not fail on the file.
    let status = acme.run(&["status"], &[]);
    assert_eq!(status.code, Some(0), "{status}");

    acme.run(&["mallory"], &[]).expect(0);
    assert_finished_exactly_once(&acme, &changes, "torn first record");
    let ledger: Vec<String> = payloads_of(&acme.ledger())
        .iter()
        .map(|p| p["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ledger,
        ["run.opened", "run.abandoned", "run.opened", "run.sealed"]
    );
    acme.run(&["verify"], &[]).expect(0);
}

/// An empty run file (created, killed before any byte of the first record was written).
#[test]
fn an_empty_first_record_does_not_leave_the_employee_stuck() {
    let template = Acme::new();
    let changes = baseline_changes(&template);
    let acme = template.duplicate();
    let crashed = acme.run(&["mallory"], &[("OFFBOARD_CRASH_AFTER_WRITES", "2")]);
    assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");
    let run = acme.only_run();
    std::fs::write(acme.run_file(&run), b"").unwrap();
    // The ledger's run.opened stays the last record: the interrupted state verify accepts.
    let verify = acme.run(&["verify"], &[]).expect(0);
    assert!(
        verify
            .stdout
            .contains("interrupted before its first record"),
        "{verify}"
    );
    acme.run(&["mallory"], &[]).expect(0);
    assert_finished_exactly_once(&acme, &changes, "empty first record");
    acme.run(&["verify"], &[]).expect(0);
}

/// Copy the signature of `from` (0-based line) into a new record appended to `run`'s file: a
/// `step.confirmed` for `step` that chains correctly but was never signed.
fn append_forged_confirmation(acme: &Acme, run: &str, step: &str, from: usize) {
    let path = acme.run_file(run);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let envelope = |line: &str| -> serde_json::Value { serde_json::from_str(line).unwrap() };
    let last = envelope(lines[lines.len() - 1]);
    let last_payload = last["payload"].as_str().unwrap();
    let last_value: serde_json::Value = serde_json::from_str(last_payload).unwrap();
    use sha2::Digest;
    let prev = format!(
        "sha256:{}",
        sha2::Sha256::digest(last_payload.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let payload = serde_json::json!({
        "v": 1,
        "run": run,
        "seq": lines.len(),
        "prev": prev,
        "time": last_value["time"],
        "signer": last_value["signer"],
        "event": "step.confirmed",
        "employee": "E1007",
        "step": step,
        "action": "iam.remove_groups",
        "role": "it-ops",
        "evidence": {"forged": true},
    })
    .to_string();
    let forged = serde_json::json!({"payload": payload, "sig": envelope(lines[from])["sig"]});
    let mut text = text.clone();
    text.push_str(&forged.to_string());
    text.push('\n');
    std::fs::write(&path, text).unwrap();
}

#[test]
fn a_resume_refuses_a_record_whose_signature_does_not_verify() {
    let template = Acme::new();
    let base = template.duplicate();
    base.run(&["mallory"], &[]).expect(0);
    // Crash just before remove-groups is started.
    let limit = writes_before_effect(&base, "remove-groups") - 1;
    let acme = template.duplicate();
    let crashed = acme.run(
        &["mallory"],
        &[("OFFBOARD_CRASH_AFTER_WRITES", &limit.to_string())],
    );
    assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");
    let run = acme.only_run();
    let lines = acme.payloads(&run).len();
    append_forged_confirmation(&acme, &run, "remove-groups", 1);
    let before = acme.snapshot();

    // A record that does not verify is a finding (exit 1), named, as `verify` names it.
    let refused = acme.run(&["mallory"], &[]).expect(1);
    let at = format!("{run}.jsonl:{}", lines + 1);
    assert!(
        refused.stderr.contains(&at)
            && refused.stderr.contains("signature does not match")
            && refused.stderr.contains("does not verify")
            && refused.stderr.contains("offboard verify"),
        "{refused}"
    );
    assert!(!refused.stdout.contains("already"), "{refused}");
    assert!(
        acme.snapshot() == before,
        "the refused resume wrote something"
    );
    // Mallory's groups are untouched: the forged confirmation was not trusted.
    assert_eq!(super::mallory::holdings(&acme, "mallory").0, 4);
    let verify = acme.run(&["verify"], &[]).expect(1);
    assert!(verify.stdout.contains(&at), "{verify}");
}

#[test]
fn a_resume_checks_the_ledger_before_it_runs_any_step() {
    let template = Acme::new();
    let base = template.duplicate();
    base.run(&["mallory"], &[]).expect(0);
    let limit = writes_before_effect(&base, "remove-groups") - 1;
    for damage in ["junk", "resigned"] {
        let acme = template.duplicate();
        let crashed = acme.run(
            &["mallory"],
            &[("OFFBOARD_CRASH_AFTER_WRITES", &limit.to_string())],
        );
        assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");
        let ledger = acme.ledger();
        let text = std::fs::read_to_string(&ledger).unwrap();
        let damaged = match damage {
            // A line that is not a record at all.
            "junk" => format!("{text}not a record\n"),
            // The last record's signature replaced by one made for other bytes.
            _ => {
                let mut lines: Vec<serde_json::Value> = text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                let run_sig = {
                    let run_text =
                        std::fs::read_to_string(acme.run_file(&acme.only_run())).unwrap();
                    let first: serde_json::Value =
                        serde_json::from_str(run_text.lines().next().unwrap()).unwrap();
                    first["sig"].clone()
                };
                let last = lines.len() - 1;
                lines[last]["sig"] = run_sig;
                lines.iter().map(|l| format!("{l}\n")).collect()
            }
        };
        std::fs::write(&ledger, damaged).unwrap();
        let changes = acme.changes();
        // A line that cannot be read stops the ledger writer (exit 2); a record of the run's
        // own registration that does not verify is a finding (exit 1).
        let code = if damage == "junk" { 2 } else { 1 };
        let refused = acme.run(&["mallory"], &[]).expect(code);
        assert!(
            refused.stderr.contains("ledger.jsonl:"),
            "{damage}: {refused}"
        );
        assert_eq!(acme.changes(), changes, "{damage}: a step ran");
    }
}

/// With `--format json`, the warning a resumed run gives about the torn line it removed is a
/// JSON line on stderr, like every other line there.
#[test]
fn with_format_json_a_repair_warning_is_a_json_line() {
    let acme = Acme::new();
    let crashed = acme.run(
        &["mallory"],
        &[
            ("OFFBOARD_CRASH_AFTER_WRITES", "5"),
            ("OFFBOARD_CRASH_TORN", "1"),
        ],
    );
    assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");

    let resumed = acme.run(&["--format", "json", "mallory"], &[]).expect(0);
    let lines: Vec<serde_json::Value> = resumed
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}\n{resumed}")))
        .collect();
    let repair = lines
        .iter()
        .find(|l| l["level"] == "warn")
        .unwrap_or_else(|| panic!("no warning:\n{resumed}"));
    assert!(
        repair["warning"]
            .as_str()
            .unwrap()
            .contains("removed a torn final line"),
        "{repair}"
    );
}
