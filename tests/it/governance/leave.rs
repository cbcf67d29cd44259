//! Leave of absence: the account is suspended, its groups, seats and data are kept, the
//! inventory records the seats kept, and finance hears what stays billed.

use serde_json::{Value, json};

use crate::support::repo::Repo;

#[test]
fn a_leave_keeps_the_seats_and_tells_finance_what_stays_billed() {
    let repo = Repo::acme();
    let out = repo.offboard(["dave"]).run();
    assert!(
        out.stdout.contains("E1004: leave-of-absence complete"),
        "{}",
        out.stdout
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM accounts WHERE account_id = 'acct-1004'
             AND active = 0 AND sessions = 0 AND data_retained = 1 AND deleted_at IS NULL",
            []
        ),
        1,
        "suspended, sessions ended, data retained"
    );
    let seats = repo.count(
        "SELECT count(*) FROM seats WHERE account_id = 'acct-1004'",
        [],
    );
    assert_eq!(seats, 5, "every seat is kept");
    let cost = repo.count(
        "SELECT sum(p.monthly_cost_cents) FROM seats s JOIN products p USING (product)
         WHERE s.account_id = 'acct-1004'",
        [],
    );
    assert!(
        repo.count(
            "SELECT count(*) FROM memberships WHERE account_id = 'acct-1004'",
            []
        ) > 0
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM changes WHERE account_id = 'acct-1004'
             AND change IN ('remove_groups', 'release_seats', 'delete')",
            []
        ),
        0
    );

    let run = repo.run_of("E1004");
    let recorded = repo.events(&run, "step.confirmed", "record-seats-kept");
    assert_eq!(recorded.len(), 1);
    let evidence = &recorded[0]["evidence"];
    assert_eq!(evidence["released_seats"], json!([]));
    assert_eq!(evidence["kept_seats"].as_array().unwrap().len(), 5);
    assert_eq!(evidence["kept_monthly_cost_cents"], cost);

    let body: String = repo
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE topic = 'finance.notify_reclamation'
             AND json_extract(body, '$.employee.id') = 'E1004'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let notice: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(notice["seats"], json!([]));
    assert_eq!(notice["monthly_cost_cents"], 0);
    assert_eq!(notice["kept_seats"], evidence["kept_seats"]);
    assert_eq!(notice["kept_monthly_cost_cents"], cost);
    assert_eq!(notice["params"]["cost_centre"], "CC-300");
    assert!(
        notice["params"]["notice"]
            .as_str()
            .unwrap()
            .contains("no seat is reclaimed"),
        "{notice:#}"
    );
    repo.offboard(["verify"]).run();
}
