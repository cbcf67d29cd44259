//! Staged steps: a voluntary leaver's disable waits for the HR effective time (`at: +0d`) and
//! takes every step that ends access with it; a hard delete is scheduled when the run starts,
//! executed by `offboard due` once its time has come (exactly once, however many `due` run at
//! the same time), and blocked, with the exception recorded, while the employee is under legal
//! hold.

use serde_json::Value;

use crate::support::repo::Repo;

const PROCUREMENT: [&str; 4] = [
    "--key",
    "keys/procurement",
    "--principal",
    "procurement@acme.example",
];

/// bob's last day is 2026-11-27: the hard delete is due 30 days later.
const BOB_DUE: &str = "2026-12-27T00:00:00Z";

/// bob's HR effective time: `2026-11-27` in hr.csv, a date without a time, is 00:00 UTC.
const BOB_EFFECTIVE: &str = "2026-11-27T00:00:00Z";

/// Run the voluntary-leaver playbook for `employee` and sign off both manual steps with the
/// owners' keys; returns the run id.
fn run_and_sign_off(repo: &Repo, employee: &str, id: &str, extra: &[&str]) -> String {
    let mut args = vec!["run", employee];
    args.extend(extra);
    repo.offboard(args.clone()).status(4).run();
    let run = repo.run_of(id);
    repo.offboard([
        "confirm",
        &run,
        "hand-over-mailbox",
        "--note",
        "mailbox delegated to the manager",
    ])
    .run();
    let mut confirm = vec![
        "confirm",
        &run,
        "record-asset-return",
        "--note",
        "laptop and token returned",
    ];
    confirm.extend(PROCUREMENT);
    repo.offboard(confirm).run();
    repo.offboard(args).status(4).run();
    run
}

fn status_step(repo: &Repo, target: &str, step: &str) -> Value {
    let status = repo
        .offboard(["--format", "json", "status", target])
        .run()
        .json();
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

fn deleted(repo: &Repo, account: &str) -> bool {
    repo.count(
        "SELECT deleted_at IS NOT NULL FROM accounts WHERE account_id = ?1",
        [account],
    ) == 1
}

fn holdings(repo: &Repo) -> (i64, i64, i64, i64) {
    let one = |sql: &str| repo.count(sql, []);
    (
        one("SELECT active FROM accounts WHERE account_id = 'acct-1002'"),
        one("SELECT sessions FROM accounts WHERE account_id = 'acct-1002'"),
        one("SELECT count(*) FROM memberships WHERE account_id = 'acct-1002'"),
        one("SELECT count(*) FROM seats WHERE account_id = 'acct-1002'"),
    )
}

#[test]
fn a_voluntary_leaver_keeps_access_until_the_effective_time() {
    let repo = Repo::acme();
    // HR entered the resignation; IT runs the playbook a week before the last day.
    let early = "2026-11-20T12:00:00Z";
    let first = repo.offboard(["bob"]).now(early).status(4).run();
    for line in [
        format!("disable-account          scheduled for {BOB_EFFECTIVE}"),
        "revoke-sessions          pending on disable-account".to_owned(),
        "notify-manager           pending on disable-account".to_owned(),
        format!("hard-delete              scheduled for {BOB_DUE}"),
    ] {
        assert!(first.stdout.contains(&line), "{line}\n{}", first.stdout);
    }
    let seeded = holdings(&repo);
    assert_eq!((seeded.0, seeded.1), (1, 1), "the account is still active");
    assert!(seeded.2 > 0 && seeded.3 > 0, "{seeded:?}");
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM changes WHERE account_id = 'acct-1002'",
            []
        ),
        0,
        "nothing changed before the last day"
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM outbox WHERE json_extract(body, '$.employee.id') = 'E1002'",
            []
        ),
        0,
        "nobody was told the account is disabled"
    );
    let run = repo.run_of("E1002");
    let confirmed: Vec<String> = repo
        .journal(&run)
        .iter()
        .filter(|p| p["event"] == "step.confirmed")
        .map(|p| p["step"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(confirmed, ["confirm-resignation"]);
    let scheduled = repo.events(&run, "step.scheduled", "disable-account");
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["evidence"]["due_at"], BOB_EFFECTIVE);

    // Running again before the last day, by hand or from cron, does nothing more.
    repo.offboard(["bob"]).now(early).status(4).run();
    let nothing = repo.offboard(["due"]).now(early).run();
    assert!(
        nothing.stderr.contains("nothing is due"),
        "{}",
        nothing.stderr
    );
    assert_eq!(
        repo.events(&run, "step.scheduled", "disable-account").len(),
        1
    );
    assert_eq!(holdings(&repo), seeded);

    // On the last day, before cron got to it: deadlines count from the effective time, so
    // nothing is breached yet, and the disable is due.
    let status = repo
        .offboard(["--format", "json", "status", "bob"])
        .now("2026-11-27T02:00:00Z")
        .run()
        .json();
    let steps = status[0]["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["breached"] == false), "{status:#}");
    let disable = steps
        .iter()
        .find(|s| s["step"] == "disable-account")
        .unwrap();
    assert_eq!(disable["due_at"], BOB_EFFECTIVE);
    assert_eq!(disable["deadline"], "2026-11-27T04:00:00Z");

    // At the effective time `due` disables the account and ends the rest of its access; the
    // manual steps wait for their owners and the hard delete stays 30 days out.
    repo.offboard(["due"]).now(BOB_EFFECTIVE).status(4).run();
    assert_eq!(holdings(&repo), (0, 0, 0, 0));
    let disabled = repo.events(&run, "step.confirmed", "disable-account");
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["time"], BOB_EFFECTIVE);
    for step in [
        "revoke-sessions",
        "remove-groups",
        "release-seats",
        "notify-finance",
    ] {
        assert_eq!(repo.events(&run, "step.confirmed", step).len(), 1, "{step}");
    }
    assert_eq!(repo.events(&run, "step.confirmed", "hard-delete").len(), 0);
    let hard_delete = status_step(&repo, "bob", "hard-delete");
    assert_eq!(hard_delete["due_at"], BOB_DUE);
    assert!(!deleted(&repo, "acct-1002"));
    let disable = status_step(&repo, "bob", "disable-account");
    assert_eq!(disable["confirmed_at"], BOB_EFFECTIVE);
    assert_eq!(disable["breached"], false);
    repo.offboard(["verify"]).run();
}

#[test]
fn the_hard_delete_is_scheduled_and_done_by_due_once_its_time_has_come() {
    let repo = Repo::acme();
    let first = repo.offboard(["bob"]).status(4).run();
    assert!(
        first
            .stdout
            .contains(&format!("hard-delete              scheduled for {BOB_DUE}")),
        "{}",
        first.stdout
    );
    let run = repo.run_of("E1002");
    let hard_delete = status_step(&repo, "bob", "hard-delete");
    assert_eq!(hard_delete["state"], "step.scheduled");
    assert_eq!(hard_delete["due_at"], BOB_DUE);
    assert_eq!(hard_delete["confirmed_at"], Value::Null);
    assert!(!deleted(&repo, "acct-1002"));
    assert_eq!(
        repo.count(
            "SELECT active FROM accounts WHERE account_id = 'acct-1002'",
            []
        ),
        0
    );

    repo.offboard([
        "confirm",
        &run,
        "hand-over-mailbox",
        "--note",
        "mailbox delegated to ivan",
    ])
    .run();
    let mut confirm = vec![
        "confirm",
        &run,
        "record-asset-return",
        "--note",
        "laptop and token returned",
    ];
    confirm.extend(PROCUREMENT);
    repo.offboard(confirm).run();
    let again = repo.offboard(["bob"]).status(4).run();
    assert!(
        again.stdout.contains("11/12 steps confirmed"),
        "{}",
        again.stdout
    );
    assert_eq!(
        repo.events(&run, "step.confirmed", "mark-complete").len(),
        1
    );
    assert_eq!(
        repo.events(&run, "step.scheduled", "hard-delete").len(),
        1,
        "scheduled once, not at every resume"
    );

    let nothing = repo.offboard(["due"]).run();
    assert!(
        nothing.stderr.contains("nothing is due"),
        "{}",
        nothing.stderr
    );
    assert!(!deleted(&repo, "acct-1002"));

    let later = "2026-12-28T09:00:00Z";
    repo.offboard(["due"]).now(later).run();
    assert!(deleted(&repo, "acct-1002"));
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM changes WHERE account_id = 'acct-1002' AND change = 'delete'",
            []
        ),
        1
    );
    let confirmed = repo.events(&run, "step.confirmed", "hard-delete");
    assert_eq!(confirmed.len(), 1);
    let journal = repo.journal(&run);
    assert_eq!(journal.last().unwrap()["event"], "run.finished");
    // The clock of the whole process is OFFBOARD_NOW: the delete is recorded when it happened.
    assert_eq!(confirmed[0]["time"], later);
    let hard_delete = status_step(&repo, "bob", "hard-delete");
    assert_eq!(hard_delete["confirmed_at"], later);
    assert_eq!(hard_delete["breached"], false);
    // ... and so does the store's own record of it.
    let (deleted_at, changed_at): (String, String) = repo
        .db()
        .query_row(
            "SELECT a.deleted_at, c.changed_at FROM accounts AS a
             JOIN changes AS c ON c.account_id = a.account_id AND c.change = 'delete'
             WHERE a.account_id = 'acct-1002'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((deleted_at.as_str(), changed_at.as_str()), (later, later));
    repo.offboard(["verify"]).run();
    let quiet = repo.offboard(["due"]).now(later).run();
    assert!(quiet.stderr.contains("nothing is due"), "{}", quiet.stderr);
}

#[test]
fn a_legal_hold_blocks_the_hard_delete_until_it_is_lifted() {
    let repo = Repo::acme();
    let playbook = ["--playbook", "voluntary-leaver"];
    let run = run_and_sign_off(&repo, "frank", "E1006", &playbook);
    // frank's last day is 2026-11-25: due on 2026-12-25.
    let later = "2026-12-26T09:00:00Z";
    let blocked = repo.offboard(["due"]).now(later).status(4).run();
    assert!(
        blocked
            .stdout
            .contains("hard-delete              blocked by legal hold (Litigation 2026-117"),
        "{}",
        blocked.stdout
    );
    let records = repo.events(&run, "step.blocked", "hard-delete");
    assert_eq!(records.len(), 1);
    assert!(
        records[0]["evidence"]["legal_hold"]
            .as_str()
            .unwrap()
            .starts_with("Litigation 2026-117"),
        "{:#}",
        records[0]
    );
    assert_eq!(repo.events(&run, "step.confirmed", "hard-delete").len(), 0);
    assert!(!deleted(&repo, "acct-1006"));
    // Again, by hand: still blocked, the exception is not recorded twice.
    let mut args = vec!["run", "frank"];
    args.extend(playbook);
    repo.offboard(args.clone()).now(later).status(4).run();
    assert_eq!(repo.events(&run, "step.blocked", "hard-delete").len(), 1);
    assert!(!deleted(&repo, "acct-1006"));

    // The hold is lifted in both places it was recorded.
    repo.write("holds.yaml", "version: 1\nholds: []\n");
    let hr = repo.read("hr.csv");
    let frank = hr
        .lines()
        .find(|l| l.starts_with("E1006,"))
        .unwrap()
        .to_owned();
    assert!(frank.ends_with(",true"));
    let lifted = format!("{},false", frank.trim_end_matches(",true"));
    repo.write("hr.csv", &hr.replace(&frank, &lifted));
    repo.commit("lift the legal hold on E1006");

    let done = repo.offboard(args).now(later).run();
    assert!(
        done.stdout.contains("E1006: voluntary-leaver complete"),
        "{}",
        done.stdout
    );
    assert!(deleted(&repo, "acct-1006"));
    assert_eq!(repo.events(&run, "step.confirmed", "hard-delete").len(), 1);
    assert_eq!(repo.journal(&run).last().unwrap()["event"], "run.finished");
    repo.offboard(["verify"]).run();
}

#[test]
fn concurrent_due_invocations_apply_the_delete_exactly_once() {
    for round in 0..3 {
        let repo = Repo::acme();
        let run = run_and_sign_off(&repo, "bob", "E1002", &[]);
        let later = "2026-12-28T09:00:00Z";
        let first = repo.offboard(["due"]).now(later);
        let second = repo.offboard(["due"]).now(later);
        let (a, b) = (first.spawn(), second.spawn());
        let (a, b) = (first.finish(a), second.finish(b));
        for out in [&a, &b] {
            assert!(!out.stderr.contains("panicked"), "round {round}: {out:?}");
        }
        let skipped = [&a, &b]
            .iter()
            .filter(|o| o.stderr.contains("skipped") && o.stderr.contains("locked"))
            .count();
        assert!(skipped <= 1, "round {round}: {a:?}\n{b:?}");
        assert!(deleted(&repo, "acct-1002"), "round {round}");
        assert_eq!(
            repo.count(
                "SELECT count(*) FROM changes WHERE account_id = 'acct-1002' AND change = 'delete'",
                []
            ),
            1,
            "round {round}"
        );
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
        repo.offboard(["verify"]).run();
    }
}
