//! The demo: Mallory's involuntary-leaver run, its effects in the store, the outbox, the HR
//! write-back and the journal, and the second run that has nothing left to do.

use serde_json::Value;

use crate::support::acme::{Acme, INVOLUNTARY_STEPS, MALLORY};
use crate::support::journal::events;

/// Mallory's account in the store: (active, sessions, data_retained, deleted_at).
pub fn account(acme: &Acme, username: &str) -> (i64, i64, i64, Option<String>) {
    acme.db()
        .query_row(
            "SELECT active, sessions, data_retained, deleted_at FROM accounts WHERE username = ?1",
            [username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

/// How many groups and seats `username` holds.
pub fn holdings(acme: &Acme, username: &str) -> (i64, i64) {
    let db = acme.db();
    let count = |table: &str| -> i64 {
        db.query_row(
            &format!(
                "SELECT count(*) FROM {table} t JOIN accounts a USING (account_id) WHERE a.username = ?1"
            ),
            [username],
            |r| r.get(0),
        )
        .unwrap()
    };
    (count("memberships"), count("seats"))
}

/// The finance notice's figure, from the outbox.
pub fn finance_cents(acme: &Acme) -> Vec<i64> {
    acme.outbox()
        .iter()
        .filter(|(_, topic, _)| topic == "finance.notify_reclamation")
        .map(|(_, _, body)| body["monthly_cost_cents"].as_i64().unwrap())
        .collect()
}

/// Everything a finished Mallory run must have left, however many invocations it took:
/// `changes` is the store's audit trail of an uninterrupted run.
#[track_caller]
pub fn assert_finished_exactly_once(acme: &Acme, changes: &[(String, String)], context: &str) {
    assert_eq!(account(acme, "mallory"), (0, 0, 1, None), "{context}");
    assert_eq!(holdings(acme, "mallory"), (0, 0), "{context}");

    let mut got = acme.changes();
    let mut want = changes.to_vec();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{context}: the store's audit trail");

    let outbox = acme.outbox();
    let mut topics: Vec<&str> = outbox.iter().map(|(_, t, _)| t.as_str()).collect();
    topics.sort_unstable();
    assert_eq!(
        topics,
        [
            "finance.notify_reclamation",
            "notify.manager",
            "notify.security"
        ],
        "{context}: one message per notice"
    );
    assert_eq!(finance_cents(acme), [7664], "{context}: finance figure");

    let rows = acme.writeback_rows();
    assert_eq!(rows.len(), 1, "{context}: HR write-back {rows:?}");
    assert_eq!(rows[0][0], MALLORY, "{context}");

    let run = acme.only_run();
    let payloads = acme.payloads(&run);
    let events = events(&payloads);
    assert_eq!(events.first().unwrap().0, "run.started", "{context}");
    assert_eq!(events.last().unwrap().0, "run.finished", "{context}");
    for step in INVOLUNTARY_STEPS {
        let confirmed = events
            .iter()
            .filter(|(e, s)| e == "step.confirmed" && s.as_deref() == Some(step))
            .count();
        assert_eq!(confirmed, 1, "{context}: step.confirmed of {step}");
    }
    assert_eq!(rows[0][1], run, "{context}: write-back names the run");
    let outbox_keys: Vec<&str> = outbox.iter().map(|(k, _, _)| k.as_str()).collect();
    for key in outbox_keys {
        assert!(key.starts_with(&format!("{run}/")), "{context}: key {key}");
    }
    let ledger = crate::support::journal::payloads_of(&acme.ledger());
    let last = ledger
        .iter()
        .rev()
        .find(|p| p["run"] == run.as_str())
        .unwrap();
    assert_eq!(
        last["event"], "run.sealed",
        "{context}: the ledger seals the run"
    );
    let verify = acme.run(&["verify"], &[]);
    assert_eq!(verify.code, Some(0), "{context}: verify\n{verify}");
}

/// A finished, uninterrupted Mallory run's audit trail (run in a copy of `template`).
pub fn baseline_changes(template: &Acme) -> Vec<(String, String)> {
    let base = template.duplicate();
    base.run(&["mallory"], &[]).expect(0);
    base.changes()
}

#[test]
fn mallory_is_offboarded_and_a_second_run_changes_no_byte() {
    let acme = Acme::new();
    let ran = acme.run(&["mallory"], &[]).expect(0);
    let run = acme.only_run();
    assert!(
        ran.stdout.contains(&format!(
            "E1007: involuntary-leaver complete (10/10 steps confirmed, run {run})"
        )),
        "{ran}"
    );
    assert!(run.starts_with("E1007-involuntary-leaver-"), "{run}");

    // The second run touches nothing: taken before this test opens the store itself.
    let before = acme.snapshot();
    assert!(before.keys().any(|p| p.ends_with("state/acme.db")));
    assert!(before.keys().any(|p| p.ends_with("ledger.jsonl")));
    let again = acme.run(&["mallory"], &[]).expect(0);
    assert_eq!(
        again.stdout,
        format!("E1007: involuntary-leaver already finished (run {run}): nothing left to do\n"),
        "{again}"
    );
    let after = acme.snapshot();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{} changed", path.display());
    }

    // The store, read with plain SQL.
    assert_eq!(account(&acme, "mallory"), (0, 0, 1, None));
    assert_eq!(holdings(&acme, "mallory"), (0, 0));
    assert_eq!(account(&acme, "bob"), (1, 1, 0, None), "others untouched");
    assert!(holdings(&acme, "bob").1 > 0);
    let changes = acme.changes();
    assert!(changes.iter().all(|(a, _)| a == "acct-1007"), "{changes:?}");
    let kinds: Vec<&str> = changes.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "deactivate",
            "revoke_sessions",
            "retain_data",
            "remove_groups",
            "release_seats"
        ]
    );

    // The outbox: one message per notice, the finance figure from the README.
    let outbox = acme.outbox();
    assert_eq!(outbox.len(), 3, "{outbox:?}");
    let by_key = |step: &str| -> &Value {
        let key = format!("{run}/{step}");
        &outbox.iter().find(|(k, _, _)| *k == key).unwrap().2
    };
    let finance = by_key("notify-finance");
    assert_eq!(finance["monthly_cost_cents"], 7664);
    assert_eq!(finance["seats"].as_array().unwrap().len(), 5);
    assert_eq!(finance["params"]["cost_centre"], "CC-100");
    assert_eq!(finance["employee"]["id"], MALLORY);
    let security = by_key("notify-security");
    assert_eq!(security["topic"], "notify.security");
    assert_eq!(
        security["params"]["subject"],
        "Involuntary leaver: Mallory Hartmann (E1007)"
    );
    let manager = by_key("notify-manager");
    assert_eq!(manager["topic"], "notify.manager");
    assert!(
        manager["params"]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("(run {run})"))
    );

    // HR write-back.
    let rows = acme.writeback_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][..2], [MALLORY.to_owned(), run.clone()]);

    // The journal.
    let payloads = acme.payloads(&run);
    let events = events(&payloads);
    // run.started, a write-ahead step.started before each of the five changes to the account,
    // a confirmation per step, run.finished.
    assert_eq!(events.len(), 17, "{events:?}");
    assert_eq!(events[0].0, "run.started");
    assert_eq!(events[16].0, "run.finished");
    let of = |event: &str| -> Vec<&str> {
        let mut steps: Vec<&str> = events
            .iter()
            .filter(|(e, _)| e == event)
            .map(|(_, s)| s.as_deref().unwrap())
            .collect();
        steps.sort_unstable();
        steps
    };
    let mut expected = INVOLUNTARY_STEPS.to_vec();
    expected.sort_unstable();
    assert_eq!(of("step.confirmed"), expected);
    assert_eq!(
        of("step.started"),
        [
            "disable-account",
            "release-seats",
            "remove-groups",
            "retain-data",
            "revoke-sessions"
        ]
    );
    for (i, (event, step)) in events.iter().enumerate() {
        if event == "step.started" {
            assert_eq!(events[i + 1], ("step.confirmed".to_owned(), step.clone()));
        }
    }
    let started = &payloads[0];
    assert_eq!(started["employee"], MALLORY);
    assert_eq!(
        started["playbook"]["path"],
        "playbooks/involuntary-leaver.yaml"
    );
    assert_eq!(started["playbook"]["dirty"], false);
    assert_eq!(started["playbook"]["vcs"], "git");
    assert_eq!(started["playbook"]["commit"].as_str().unwrap().len(), 40);
    let evidence = |step: &str| -> &Value {
        &payloads
            .iter()
            .find(|p| p["step"] == step && p["event"] == "step.confirmed")
            .unwrap()["evidence"]
    };
    assert_eq!(
        evidence("release-seats")["released_monthly_cost_cents"],
        7664
    );
    assert_eq!(
        evidence("remove-groups")["before"]["groups"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(evidence("revoke-sessions")["before"]["sessions"], 3);
    assert_eq!(evidence("revoke-sessions")["after"]["sessions"], 0);
    let ledger = crate::support::journal::payloads_of(&acme.ledger());
    let ledger: Vec<&str> = ledger
        .iter()
        .map(|p| p["event"].as_str().unwrap())
        .collect();
    assert_eq!(ledger, ["run.opened", "run.sealed"]);

    assert_finished_exactly_once(&acme, &changes, "after two runs");
}

#[test]
fn json_format_prints_one_event_per_line() {
    let acme = Acme::new();
    let ran = acme
        .run(&["run", "mallory", "--format", "json"], &[])
        .expect(0);
    let lines: Vec<Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{ran}")))
        .collect();
    let names: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"run.started"));
    assert_eq!(names.last(), Some(&"run.report"));
    assert_eq!(names.iter().filter(|n| **n == "step.started").count(), 10);
    assert_eq!(names.iter().filter(|n| **n == "step.finished").count(), 10);
    assert_eq!(names.len(), 22, "{names:?}");
    let run = acme.only_run();
    assert_eq!(lines[0]["run"], run.as_str());
    assert_eq!(lines[0]["employee"], MALLORY);
    // Each step starts, then finishes, before the next one starts.
    for pair in lines[1..21].chunks(2) {
        assert_eq!(pair[0]["event"], "step.started");
        assert_eq!(pair[1]["event"], "step.finished");
        assert_eq!(pair[0]["step"], pair[1]["step"]);
        assert_eq!(pair[1]["state"], "confirmed", "{}", pair[1]);
    }
    let report = &lines[21];
    assert_eq!(report["exit"], 0);
    assert_eq!(report["nothing_to_do"], false);
    assert_eq!(report["steps"].as_array().unwrap().len(), 10);

    let again = acme
        .run(&["run", "mallory", "--format", "json"], &[])
        .expect(0);
    let lines: Vec<Value> = again
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "run.report");
    assert_eq!(last["nothing_to_do"], true);
    assert_eq!(last["run"], run.as_str());
}
