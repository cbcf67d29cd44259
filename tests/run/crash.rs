//! Crash safety: abort after every durable journal write, kill -9 at arbitrary times, Ctrl-C;
//! then run the same command again. Every effect must happen exactly once and the journal must
//! verify.

use std::time::Duration;

use crate::common::acme::{Acme, payloads_of};
use crate::mallory::{assert_finished_exactly_once, baseline_changes};

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
