//! Legal holds end to end: heidi (E1009, a voluntary leaver whose hard delete is due on
//! 2026-11-14) is put under hold in `holds.yaml`. A plan says from the start that the hard delete
//! will be blocked; the blocked step shows as held, not breached, in `status` and `report`; once
//! the hold is lifted, `status` says how the run completes and `offboard due` alone completes it
//! (exactly once, however many `due` run at the same time), and the completed step stays exempt.

use serde_json::Value;

use crate::support::repo::Repo;

/// After heidi's hard delete is due (2026-11-14) and past its deadline (2026-11-17).
const HELD_AT: &str = "2026-11-20T00:00:00Z";

/// After the hold is lifted.
const LIFTED_AT: &str = "2026-12-05T00:00:00Z";

const HOLD: &str = "  - employee: E1009\n    reason: Subpoena 2026-201 (design files); preserve mailbox and files.\n    since: 2026-11-10\n";

const PROCUREMENT: [&str; 4] = [
    "--key",
    "keys/procurement",
    "--principal",
    "procurement@acme.example",
];

/// Acme with heidi under hold in `holds.yaml`, committed.
fn held_repo() -> Repo {
    let repo = Repo::acme();
    let holds = repo.read("holds.yaml");
    repo.write("holds.yaml", &format!("{}\n{HOLD}", holds.trim_end()));
    repo.commit("legal hold on E1009");
    repo
}

/// Lift heidi's hold (the holds file as shipped), committed.
fn lift(repo: &Repo) {
    let holds = repo.read("holds.yaml");
    assert!(holds.contains(HOLD), "{holds}");
    repo.write("holds.yaml", &holds.replace(HOLD, ""));
    repo.commit("lift the legal hold on E1009");
}

/// Run heidi's playbook, sign off both manual steps and run again: every step but the hard
/// delete is confirmed and the hard delete is blocked. Returns the run id.
fn run_to_the_hold(repo: &Repo) -> String {
    repo.offboard(["heidi"]).now(HELD_AT).status(4).run();
    let run = repo.run_of("E1009");
    repo.offboard(["confirm", &run, "hand-over-mailbox", "--note", "delegated"])
        .now(HELD_AT)
        .run();
    let mut confirm = vec!["confirm", &run, "record-asset-return", "--note", "returned"];
    confirm.extend(PROCUREMENT);
    repo.offboard(confirm).now(HELD_AT).run();
    let again = repo.offboard(["heidi"]).now(HELD_AT).status(4).run();
    assert!(
        again
            .stdout
            .contains("hard-delete              blocked by legal hold (Subpoena 2026-201"),
        "{}",
        again.stdout
    );
    run
}

fn step_of(status: &Value, step: &str) -> Value {
    let runs = status.as_array().unwrap();
    assert_eq!(runs.len(), 1, "{status:#}");
    runs[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .cloned()
        .unwrap_or_else(|| panic!("no step {step}: {status:#}"))
}

fn deleted(repo: &Repo) -> bool {
    repo.count(
        "SELECT deleted_at IS NOT NULL FROM accounts WHERE account_id = 'acct-1009'",
        [],
    ) == 1
}

fn deletes(repo: &Repo) -> i64 {
    repo.count(
        "SELECT count(*) FROM changes WHERE account_id = 'acct-1009' AND change = 'delete'",
        [],
    )
}

#[test]
fn a_plan_says_the_hard_delete_will_be_blocked_before_it_is_reached() {
    let repo = held_repo();
    let plan = repo
        .offboard(["--format", "json", "plan", "heidi"])
        .now(HELD_AT)
        .run()
        .json();
    let delete = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "hard-delete")
        .cloned()
        .unwrap();
    assert_eq!(delete["state"], "blocked", "{delete:#}");
    let reason = delete["reason"].as_str().unwrap();
    assert!(reason.starts_with("Subpoena 2026-201"), "{reason}");
    assert!(
        reason.contains("[holds.yaml, since 2026-11-10]"),
        "{reason}"
    );
    assert!(reason.contains("waits for hand-over-mailbox"), "{reason}");
    let human = repo.offboard(["plan", "heidi"]).now(HELD_AT).run();
    assert!(
        human
            .stdout
            .contains("hard-delete              blocked by legal hold (Subpoena 2026-201"),
        "{}",
        human.stdout
    );
    // A plan writes nothing.
    assert!(repo.runs().is_empty());

    // Before the delete is due, the plan still names the hold, and the due time.
    let early = repo
        .offboard(["--format", "json", "plan", "heidi"])
        .now("2026-10-20T00:00:00Z")
        .run()
        .json();
    let delete = early["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "hard-delete")
        .cloned()
        .unwrap();
    assert_eq!(delete["state"], "blocked", "{delete:#}");
    assert!(
        delete["reason"]
            .as_str()
            .unwrap()
            .ends_with("; due 2026-11-14T00:00:00Z"),
        "{delete:#}"
    );

    // The HR flag alone names HR as the source; without any hold the plan is as before.
    let plain = Repo::acme();
    let hr = plain.read("hr.csv");
    let heidi = hr.lines().find(|l| l.starts_with("E1009,")).unwrap();
    assert!(heidi.ends_with(",false"), "{heidi}");
    let flagged = format!("{},true", heidi.trim_end_matches(",false"));
    let before = plain
        .offboard(["--format", "json", "plan", "heidi"])
        .now(HELD_AT)
        .run()
        .json();
    let delete = &before["steps"].as_array().unwrap()[11];
    assert_eq!(delete["step"], "hard-delete");
    assert_eq!(delete["state"], "pending", "{delete:#}");
    plain.write("hr.csv", &hr.replace(heidi, &flagged));
    plain.commit("HR flags E1009");
    let after = plain
        .offboard(["--format", "json", "plan", "heidi"])
        .now(HELD_AT)
        .run()
        .json();
    let delete = &after["steps"].as_array().unwrap()[11];
    assert_eq!(delete["state"], "blocked", "{delete:#}");
    assert_eq!(
        delete["reason"],
        "legal hold flagged in HR [HR record, legal_hold]; it also waits for hand-over-mailbox"
    );
}

#[test]
fn a_held_step_is_exempt_and_due_completes_it_once_the_hold_is_lifted() {
    let repo = held_repo();
    let run = run_to_the_hold(&repo);
    let blocked = repo.events(&run, "step.blocked", "hard-delete");
    assert_eq!(blocked.len(), 1);
    assert_eq!(
        blocked[0]["evidence"]["legal_hold"],
        "Subpoena 2026-201 (design files); preserve mailbox and files. [holds.yaml, since 2026-11-10]"
    );
    assert!(!deleted(&repo));

    // Held, not breached, past its deadline.
    let status = repo
        .offboard(["--format", "json", "status", "heidi"])
        .now(HELD_AT)
        .run()
        .json();
    let delete = step_of(&status, "hard-delete");
    assert_eq!(delete["state"], "step.blocked");
    assert_eq!(delete["deadline"], "2026-11-17T00:00:00Z");
    assert_eq!(
        (&delete["held"], &delete["breached"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    assert_eq!(status[0]["hold_released"], false);
    let human = repo.offboard(["status", "heidi"]).now(HELD_AT).run().stdout;
    let line = human
        .lines()
        .find(|l| l.trim_start().starts_with("hard-delete "))
        .unwrap_or_else(|| panic!("{human}"));
    assert!(
        line.ends_with("deadline 2026-11-17T00:00:00Z  HELD"),
        "{human}"
    );
    assert!(human.contains("1 step(s) held by legal hold"), "{human}");
    assert!(human.contains("legal hold: Subpoena 2026-201"), "{human}");
    assert!(!human.contains("hold released"), "{human}");
    let report = repo
        .offboard(["--format", "json", "report"])
        .now(HELD_AT)
        .run()
        .json();
    let breached: Vec<&str> = report["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["step"].as_str().unwrap())
        .collect();
    assert!(!breached.contains(&"hard-delete"), "{breached:?}");
    assert_eq!(report["held"].as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(report["held"][0]["step"], "hard-delete");
    assert_eq!(report["held"][0]["confirmed_at"], Value::Null);

    // While the hold stands, cron does nothing.
    let nothing = repo.offboard(["due"]).now(HELD_AT).run();
    assert!(
        nothing.stderr.contains("nothing is due"),
        "{}",
        nothing.stderr
    );
    assert_eq!(repo.events(&run, "step.blocked", "hard-delete").len(), 1);
    assert!(!deleted(&repo));

    lift(&repo);
    let human = repo
        .offboard(["status", "heidi"])
        .now(LIFTED_AT)
        .run()
        .stdout;
    assert!(
        human.contains("hold released: `offboard due` or `offboard heidi` completes it"),
        "{human}"
    );
    let status = repo
        .offboard(["--format", "json", "status", "heidi"])
        .now(LIFTED_AT)
        .run()
        .json();
    assert_eq!(status[0]["hold_released"], true);
    let listed = repo
        .offboard(["--format", "json", "due", "--dry-run"])
        .now(LIFTED_AT)
        .run()
        .json();
    assert_eq!(listed["runs"][0]["run"], run.as_str());
    assert_eq!(
        listed["runs"][0]["steps"],
        serde_json::json!(["hard-delete"])
    );
    assert_eq!(listed["runs"][0]["hold_released"], true);
    assert!(!deleted(&repo), "a dry run deletes nothing");

    // Cron alone completes the run.
    repo.offboard(["due"]).now(LIFTED_AT).run();
    assert!(deleted(&repo));
    assert_eq!(deletes(&repo), 1);
    let confirmed = repo.events(&run, "step.confirmed", "hard-delete");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0]["time"], LIFTED_AT);
    assert_eq!(repo.journal(&run).last().unwrap()["event"], "run.finished");

    // Completed after the hold: still exempt, not breached, in status and report.
    let status = repo
        .offboard(["--format", "json", "status", "heidi"])
        .now(LIFTED_AT)
        .run()
        .json();
    let delete = step_of(&status, "hard-delete");
    assert_eq!(delete["confirmed_at"], LIFTED_AT);
    assert_eq!(
        (&delete["held"], &delete["breached"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    let report = repo
        .offboard(["--format", "json", "report"])
        .now(LIFTED_AT)
        .run()
        .json();
    assert!(
        report["breaches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["step"] != "hard-delete"),
        "{report:#}"
    );
    assert_eq!(report["held"][0]["confirmed_at"], LIFTED_AT);
    let quiet = repo.offboard(["due"]).now(LIFTED_AT).run();
    assert!(quiet.stderr.contains("nothing is due"), "{}", quiet.stderr);
    assert_eq!(deletes(&repo), 1);
    repo.offboard(["verify"]).now(LIFTED_AT).run();
}

#[test]
fn concurrent_due_invocations_complete_a_lifted_hold_exactly_once() {
    for round in 0..3 {
        let repo = held_repo();
        let run = run_to_the_hold(&repo);
        lift(&repo);
        let first = repo.offboard(["due"]).now(LIFTED_AT);
        let second = repo.offboard(["due"]).now(LIFTED_AT);
        let (a, b) = (first.spawn(), second.spawn());
        let (a, b) = (first.finish(a), second.finish(b));
        for out in [&a, &b] {
            assert!(!out.stderr.contains("panicked"), "round {round}: {out:?}");
        }
        assert!(deleted(&repo), "round {round}");
        assert_eq!(deletes(&repo), 1, "round {round}");
        assert_eq!(
            repo.events(&run, "step.confirmed", "hard-delete").len(),
            1,
            "round {round}"
        );
        let finished = repo
            .journal(&run)
            .iter()
            .filter(|p| p["event"] == "run.finished")
            .count();
        assert_eq!(finished, 1, "round {round}");
        repo.offboard(["verify"]).now(LIFTED_AT).run();
    }
}
