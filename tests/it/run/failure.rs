//! A permanent connector failure stops the run at that step (exit 3); once the system is fixed,
//! the same command resumes it.

use offboard::connector::sqlite::SqliteStore;

use super::mallory::{assert_finished_exactly_once, baseline_changes, finance_cents, holdings};
use crate::support::acme::Acme;

#[test]
fn a_permanent_failure_stops_the_run_with_exit_3_and_it_resumes_once_fixed() {
    let template = Acme::new();
    let changes = baseline_changes(&template);
    let acme = template.duplicate();

    // The store exists (seeded as a run would) and refuses to give up any seat.
    drop(SqliteStore::open(acme.db_path(), Some(&acme.dir().join("data"))).unwrap());
    acme.db()
        .execute_batch(
            "CREATE TRIGGER frozen_seats BEFORE DELETE ON seats
             BEGIN SELECT RAISE(ABORT, 'seats are frozen by the licence server'); END;",
        )
        .unwrap();

    let failed = acme.run(&["mallory"], &[]).expect(3);
    assert!(
        failed
            .stdout
            .contains("stopped at a failed step; run the same command again to resume"),
        "{failed}"
    );
    assert!(
        failed
            .stdout
            .lines()
            .any(|l| l.contains("release-seats") && l.contains("seats are frozen")),
        "{failed}"
    );
    let run = acme.only_run();
    let payloads = acme.payloads(&run);
    let failed_steps: Vec<&str> = payloads
        .iter()
        .filter(|p| p["event"] == "step.failed")
        .map(|p| p["step"].as_str().unwrap())
        .collect();
    assert_eq!(failed_steps, ["release-seats"]);
    let failure = payloads
        .iter()
        .find(|p| p["event"] == "step.failed")
        .unwrap();
    assert!(
        failure["evidence"]["error"]
            .as_str()
            .unwrap()
            .contains("seats are frozen"),
        "{failure}"
    );
    // The journal names the system and the kind of failure (SQLite's abort is a refusal).
    assert_eq!(failure["target"]["connector"], "inventory", "{failure}");
    assert_eq!(failure["evidence"]["kind"], "permanent", "{failure}");
    let confirmed = |step: &str| {
        payloads
            .iter()
            .any(|p| p["event"] == "step.confirmed" && p["step"] == step)
    };
    assert!(confirmed("disable-account") && confirmed("remove-groups"));
    assert!(!confirmed("release-seats"));
    assert!(
        !confirmed("notify-finance"),
        "finance told before the seats went"
    );
    assert!(!confirmed("mark-complete"), "HR told of an unfinished run");
    assert!(!payloads.iter().any(|p| p["event"] == "run.finished"));
    assert_eq!(holdings(&acme, "mallory"), (0, 5));
    assert!(finance_cents(&acme).is_empty());
    assert!(!acme.writeback().exists());
    acme.run(&["verify"], &[]).expect(0);

    // Still broken: stops at the same step again, without redoing what is confirmed.
    acme.run(&["mallory"], &[]).expect(3);
    let after_second: Vec<_> = acme
        .payloads(&run)
        .iter()
        .map(|p| (p["event"].clone(), p["step"].clone()))
        .collect();
    assert_eq!(after_second.len(), payloads.len() + 1, "{after_second:?}");

    // Fixed: the run resumes and finishes with the same effects as one that never failed.
    acme.db()
        .execute_batch("DROP TRIGGER frozen_seats")
        .unwrap();
    acme.run(&["mallory"], &[]).expect(0);
    assert_eq!(acme.only_run(), run);
    assert_finished_exactly_once(&acme, &changes, "after the fix");
}
