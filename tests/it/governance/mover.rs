//! Movers: the account stays; only what the new role does not carry is removed (role matrix).

use serde_json::json;

use crate::support::repo::Repo;

fn names(repo: &Repo, sql: &str) -> Vec<String> {
    let db = repo.db();
    let mut stmt = db.prepare(sql).unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_mover_loses_only_what_the_new_role_does_not_carry() {
    let repo = Repo::acme();
    let plan = repo
        .offboard(["--format", "json", "plan", "carol"])
        .run()
        .json();
    assert_eq!(plan["playbook"], "mover");
    let excess = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "remove-excess")
        .unwrap();
    // engineer carries engineering, prod-access, github, jetbrains; sales does not.
    assert_eq!(
        excess["changes"],
        json!([
            {"change": "remove_groups", "groups": ["engineering", "prod-access"]},
            {"change": "release_seats", "products": ["github", "jetbrains"]}
        ])
    );
    assert_eq!(plan["totals"]["seats"], 2);
    assert_eq!(plan["totals"]["monthly_cost_cents"], 4590);
    let planned: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["changes"].as_array().into_iter().flatten())
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ["retain_data", "remove_groups", "release_seats"]);

    let out = repo.offboard(["carol"]).run();
    assert!(
        out.stdout.contains("E1003: mover complete"),
        "{}",
        out.stdout
    );
    assert_eq!(
        super::plan::store_changes(&repo, "acct-1003", 0),
        vec![
            ("retain_data".to_owned(), vec![]),
            (
                "remove_groups".to_owned(),
                vec!["engineering".to_owned(), "prod-access".to_owned()]
            ),
            (
                "release_seats".to_owned(),
                vec!["github".to_owned(), "jetbrains".to_owned()]
            ),
        ]
    );
    assert_eq!(
        names(
            &repo,
            "SELECT group_name FROM memberships WHERE account_id = 'acct-1003' ORDER BY 1"
        ),
        ["all-staff", "vpn"]
    );
    assert_eq!(
        names(
            &repo,
            "SELECT product FROM seats WHERE account_id = 'acct-1003' ORDER BY 1"
        ),
        ["1password", "slack", "workspace"]
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM accounts WHERE account_id = 'acct-1003'
             AND active = 1 AND sessions = 2 AND deleted_at IS NULL",
            []
        ),
        1,
        "the account, and its sessions, stay"
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM changes WHERE account_id <> 'acct-1003'",
            []
        ),
        0
    );
}

fn outbox_body(repo: &Repo, topic: &str, employee: &str) -> serde_json::Value {
    let body: String = repo
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE topic = ?1 AND json_extract(body, '$.employee.id') = ?2",
            [topic, employee],
            |row| row.get(0),
        )
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

/// carol (engineer -> sales) also holds a `design` group and a `figma` seat that neither role
/// carries: they were granted outside the role matrix, so the mover playbook leaves them and
/// shows them for review; only what engineer carries and sales does not goes.
#[test]
fn grants_neither_role_carries_are_kept_and_shown_for_review() {
    let repo = Repo::acme();
    // The first plan creates the store from the seed; then carol gets her extra grants.
    repo.offboard(["plan", "carol"]).run();
    repo.db()
        .execute_batch(
            "INSERT INTO memberships (account_id, group_name) VALUES ('acct-1003', 'design');
             INSERT INTO seats (account_id, product, assigned_on)
                 VALUES ('acct-1003', 'figma', '2025-06-02');",
        )
        .unwrap();

    let human = repo.offboard(["plan", "carol"]).run();
    assert!(
        human.stdout.contains(
            "remove-excess            would leave groups engineering, prod-access; \
             release seats github, jetbrains; \
             kept, not in either role: review groups design; seats figma (directory: carol)"
        ),
        "{}",
        human.stdout
    );
    // The inventory step would release the same seats: the plan counts them once.
    assert!(
        human
            .stdout
            .contains("release-seats            already done"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("2 seat(s) released, 45.90/month"),
        "{}",
        human.stdout
    );
    let plan = repo
        .offboard(["--format", "json", "plan", "carol"])
        .run()
        .json();
    let excess = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "remove-excess")
        .unwrap();
    assert_eq!(
        excess["changes"],
        json!([
            {"change": "remove_groups", "groups": ["engineering", "prod-access"]},
            {"change": "release_seats", "products": ["github", "jetbrains"]}
        ])
    );
    assert_eq!(plan["totals"]["seats"], 2);

    let out = repo.offboard(["carol"]).run();
    assert!(
        out.stdout.contains("E1003: mover complete"),
        "{}",
        out.stdout
    );
    assert_eq!(
        names(
            &repo,
            "SELECT group_name FROM memberships WHERE account_id = 'acct-1003' ORDER BY 1"
        ),
        ["all-staff", "design", "vpn"]
    );
    assert_eq!(
        names(
            &repo,
            "SELECT product FROM seats WHERE account_id = 'acct-1003' ORDER BY 1"
        ),
        ["1password", "figma", "slack", "workspace"]
    );
    assert_eq!(
        super::plan::store_changes(&repo, "acct-1003", 0),
        vec![
            ("retain_data".to_owned(), vec![]),
            (
                "remove_groups".to_owned(),
                vec!["engineering".to_owned(), "prod-access".to_owned()]
            ),
            (
                "release_seats".to_owned(),
                vec!["github".to_owned(), "jetbrains".to_owned()]
            ),
        ],
        "the inventory step found the old role's seats already freed and changed nothing"
    );

    let run = repo.run_of("E1003");
    let confirmed = repo.events(&run, "step.confirmed", "remove-excess");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(
        confirmed[0]["evidence"]["kept_for_review"],
        json!({
            "note": "kept, not in either role: review",
            "groups": ["design"],
            "licenses": ["figma"],
        })
    );
    let inventory = repo.events(&run, "step.confirmed", "release-seats");
    assert_eq!(inventory.len(), 1);
    assert_eq!(inventory[0]["evidence"]["released_seats"], json!([]));
    // Finance reclaims the old role's seats, once, and not the figma seat.
    let notice = outbox_body(&repo, "finance.notify_reclamation", "E1003");
    assert_eq!(
        notice["seats"],
        json!([
            {"product": "github", "monthly_cost_cents": 2100},
            {"product": "jetbrains", "monthly_cost_cents": 2490}
        ])
    );
    assert_eq!(notice["monthly_cost_cents"], 4590);
    repo.offboard(["verify"]).run();
}

/// Without the old role in HR, what the mover loses cannot be computed: the step fails and
/// nothing is removed.
#[test]
fn a_mover_without_an_old_role_loses_nothing() {
    let repo = Repo::acme();
    let hr = repo.read("hr.csv");
    let carol = hr
        .lines()
        .find(|l| l.starts_with("E1003,"))
        .unwrap()
        .to_owned();
    assert!(carol.contains(",engineer,sales,"), "{carol}");
    repo.write(
        "hr.csv",
        &hr.replace(&carol, &carol.replace(",engineer,sales,", ",,sales,")),
    );
    repo.commit("carol's old role is not recorded");
    let out = repo.offboard(["carol"]).status(3).run();
    assert!(
        out.stdout
            .contains("E1003 has no role in HR; cannot compute the excess"),
        "{}",
        out.stdout
    );
    assert_eq!(
        names(
            &repo,
            "SELECT group_name FROM memberships WHERE account_id = 'acct-1003' ORDER BY 1"
        ),
        ["all-staff", "engineering", "prod-access", "vpn"]
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM seats WHERE account_id = 'acct-1003'",
            []
        ),
        5
    );
}
