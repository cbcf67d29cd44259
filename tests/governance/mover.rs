//! Movers: the account stays; only what the new role does not carry is removed (role matrix).

use serde_json::json;

use crate::common::repo::Repo;

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
        crate::plan::store_changes(&repo, "acct-1003", 0),
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
