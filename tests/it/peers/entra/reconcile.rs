//! `offboard reconcile` reading a tenant through the fake Graph: every page of users, each with
//! its seats, groups and last sign-in; and a tenant whose sign-in activity Graph refuses, read
//! without it and said so.

use serde_json::{Value, json};

use super::{E3, SECRET_ENV, assert_no_violations, repo, seed};
use crate::support::peers::graph::GraphServer;

/// The seed with `n` more users, none known to HR, each holding an E3 seat; every third
/// signed in last in 2025.
fn seed_with_users(n: usize) -> Value {
    let mut seed = seed();
    let users = seed["users"].as_array_mut().unwrap();
    for i in 0..n {
        let mut user = json!({
            "id": format!("5e000000-0000-4000-8000-{i:012}"),
            "userPrincipalName": format!("gen-{i:04}@acme.example"),
            "licenses": [E3],
        });
        if i % 3 == 0 {
            user["signInActivity"] = json!({"lastSignInDateTime": "2025-05-01T08:00:00Z"});
        }
        users.push(user);
    }
    seed["skus"][0]["enabled"] = json!(1000);
    seed
}

/// The `GET /v1.0/users` requests the fake received, as `(status, $select, has $skiptoken)`.
fn user_pages(graph: &GraphServer) -> Vec<(i64, String, bool)> {
    graph
        .requests()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/v1.0/users")
        .map(|r| {
            (
                r["status"].as_i64().unwrap(),
                r["query"]["$select"].as_str().unwrap_or("").to_owned(),
                r["query"].get("$skiptoken").is_some(),
            )
        })
        .collect()
}

/// `offboard --format json reconcile` against `graph`, its JSON and its stderr.
fn reconciled(graph: &GraphServer) -> (Value, String) {
    let repo = repo(graph);
    let out = repo
        .offboard(["--format", "json", "reconcile"])
        .env(SECRET_ENV, &graph.secret)
        .status(1)
        .run();
    (serde_json::from_str(&out.stdout).unwrap(), out.stderr)
}

/// `kind account entitlement cost` of the findings on `m365` about generated users.
fn generated(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["system"] == "m365" && f["account"].as_str().unwrap().starts_with("gen-"))
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["kind"].as_str().unwrap(),
                f["account"].as_str().unwrap(),
                f["entitlement"].as_str().unwrap(),
                f["monthly_cost_cents"]
            )
        })
        .collect()
}

#[test]
fn every_page_of_users_is_read_with_seats_and_sign_ins() {
    let graph = GraphServer::start();
    graph.seed(&seed_with_users(250));
    let (doc, _) = reconciled(&graph);
    // 252 users at 120 a page (Graph's largest with signInActivity): three pages.
    let pages = user_pages(&graph);
    let select = "id,userPrincipalName,employeeId,accountEnabled,assignedLicenses,signInActivity";
    assert_eq!(
        pages,
        [
            (200, select.to_owned(), false),
            (200, select.to_owned(), true),
            (200, select.to_owned(), true)
        ]
    );
    let found = generated(&doc);
    assert_eq!(found.len(), 500, "{found:?}");
    assert_eq!(
        found[0],
        "unknown_holder gen-0000@acme.example gen-0000@acme.example 0"
    );
    assert_eq!(
        found[1],
        "unknown_holder gen-0000@acme.example ENTERPRISEPACK 2300"
    );
    assert_eq!(
        found[499],
        "unknown_holder gen-0249@acme.example ENTERPRISEPACK 2300"
    );
    // Mallory left (orphan); her account, groups and seats are read like everyone's.
    let mallory: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["system"] == "m365" && f["employee_id"] == "E1007")
        .collect();
    let names: Vec<&str> = mallory
        .iter()
        .map(|f| f["entitlement"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "mallory.hartmann@acme.example",
            "All staff",
            "E5 users",
            "Finance",
            "Sales",
            "ENTERPRISEPACK",
            "SPE_E5"
        ]
    );
    assert!(mallory.iter().all(|f| f["kind"] == "orphan"));
    assert_eq!(doc["coverage"]["notes"], json!([]));
    assert_no_violations(&graph);
}

#[test]
fn a_tenant_that_refuses_sign_ins_is_read_without_them_and_said_so() {
    let graph = GraphServer::start();
    graph.seed(&seed_with_users(3));
    graph.fault(&json!({"kind": "forbidden", "method": "GET", "path": "/v1.0/users"}));
    let (doc, stderr) = reconciled(&graph);
    let pages = user_pages(&graph);
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!(pages[0].0, 403);
    assert!(pages[0].1.ends_with(",signInActivity"));
    assert_eq!(
        pages[1],
        (
            200,
            "id,userPrincipalName,employeeId,accountEnabled,assignedLicenses".to_owned(),
            false
        )
    );
    assert_eq!(generated(&doc).len(), 6);
    let notes = doc["coverage"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.starts_with(
            "m365: sign-in activity not readable, so no seat there was judged dormant"
        ) && note.contains("AuditLog.Read.All"),
        "{note}"
    );
    assert!(stderr.contains(&format!("note: {note}\n")), "{stderr}");
    assert_no_violations(&graph);
}
