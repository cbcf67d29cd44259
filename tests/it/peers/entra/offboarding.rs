//! Plan, run and re-run of the entra playbook; throttling honoured.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{
    E5_USERS, FINANCE_SYNCED, MALLORY, NANCY, SALES, SECRET_ENV, STAFF_DYNAMIC,
    assert_no_violations, members, repo, seed, user,
};
use crate::support::peers::graph::GraphServer;

fn started() -> (GraphServer, crate::support::repo::Repo) {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let repo = repo(&graph);
    (graph, repo)
}

#[test]
fn plan_then_run_offboards_mallory_in_entra() {
    let (graph, repo) = started();
    let secret = graph.secret.clone();
    // The configuration passes the committed JSON Schema editors check it with.
    let schema = crate::support::source_root().join("schema/config.schema.json");
    let errors = crate::support::json_schema::schema_errors(&schema, &repo.read("offboard.yaml"));
    assert_eq!(errors, Vec::<String>::new());
    let typo = repo
        .read("offboard.yaml")
        .replace("monthly_cost_cents", "monthly_costs");
    assert!(!crate::support::json_schema::schema_errors(&schema, &typo).is_empty());

    // The plan reads only, and shows each license with its cost and what stays, with why.
    let untouched = graph.state();
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &secret)
        .run();
    for expected in [
        "deactivate the account",
        "revoke sessions",
        "leave groups E5 users, Sales",
        "group All staff (dynamic group",
        "group Finance (synced from on-premises",
        "release seats ENTERPRISEPACK",
        "seat SPE_E5 (assigned by group E5 users",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "{expected}:\n{}",
            plan.stdout
        );
    }
    assert_eq!(graph.state(), untouched);

    // The run.
    let asked = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let run = repo
        .offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &secret)
        .run();
    let state = graph.state();
    let mallory = user(&state, MALLORY);
    assert_eq!(mallory["accountEnabled"], false, "{mallory}");
    let valid_from = time::OffsetDateTime::parse(
        mallory["signInSessionsValidFromDateTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(valid_from >= asked, "{valid_from} < {asked}");
    // Direct groups left; the dynamic and the synced group keep her; Nancy stays in Sales.
    assert_eq!(members(&state, SALES), [NANCY]);
    assert!(members(&state, STAFF_DYNAMIC).contains(&MALLORY.to_owned()));
    assert!(members(&state, FINANCE_SYNCED).contains(&MALLORY.to_owned()));
    assert!(members(&state, E5_USERS).is_empty());
    // The direct E3 license is gone (the E5 went with the group); Nancy keeps hers.
    assert_eq!(mallory["licenses"], json!([]), "{mallory}");
    assert_eq!(user(&state, NANCY)["licenses"].as_array().unwrap().len(), 1);
    assert_eq!(
        user(&state, NANCY)["accountEnabled"],
        user(&untouched, NANCY)["accountEnabled"]
    );

    // The journal carries the evidence: the kept groups with their reasons, the seat and cost.
    let run_id = repo.run_of("E1007");
    let groups = repo.events(&run_id, "step.confirmed", "leave-entra-groups");
    let kept = &groups[0]["evidence"]["kept"];
    let kept: Vec<&str> = kept
        .as_array()
        .unwrap_or_else(|| panic!("{}", groups[0]))
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(kept, ["All staff", "Finance"]);
    let seats = repo.events(&run_id, "step.confirmed", "release-m365-licenses");
    assert_eq!(
        seats[0]["evidence"]["released_seats"],
        json!([{"product": "ENTERPRISEPACK", "monthly_cost_cents": 2300}])
    );
    assert_eq!(seats[0]["evidence"]["released_monthly_cost_cents"], 2300);
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));

    // A second run changes nothing in the tenant.
    let writes = |requests: &[Value]| {
        requests
            .iter()
            .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().contains("/token"))
            .count()
    };
    let before = writes(&graph.requests());
    repo.offboard(["run", "mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &secret)
        .run();
    assert_eq!(writes(&graph.requests()), before);
    assert_eq!(graph.state(), state);
    assert_no_violations(&graph);
}

#[test]
fn throttling_is_waited_out() {
    let (graph, repo) = started();
    graph.fault(&json!([
        {"kind": "throttle", "method": "PATCH", "path": "/v1.0/users/*", "retry_after": 2},
        {"kind": "unavailable", "method": "POST", "path": "/v1.0/users/*/assignLicense",
         "retry_after": 1},
    ]));
    let started = Instant::now();
    repo.offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .run();
    // The run waited as long as Graph asked before the second PATCH.
    assert!(started.elapsed() >= Duration::from_secs(2));
    let statuses = |method: &str, suffix: &str| -> Vec<i64> {
        graph
            .requests()
            .iter()
            .filter(|r| r["method"] == method && r["path"].as_str().unwrap().ends_with(suffix))
            .map(|r| r["status"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(statuses("PATCH", MALLORY), [429, 204]);
    assert_eq!(statuses("POST", "/assignLicense"), [503, 200]);
    let state = graph.state();
    assert_eq!(user(&state, MALLORY)["accountEnabled"], false);
    assert_eq!(user(&state, MALLORY)["licenses"], json!([]));
    assert_no_violations(&graph);
}

#[test]
fn every_page_of_memberships_is_read() {
    let graph = GraphServer::start();
    let mut seed = seed();
    let groups = seed["groups"].as_array_mut().unwrap();
    // More direct groups than one page of `memberOf` holds ($top=999).
    for n in 0..1000 {
        groups.push(json!({
            "id": format!("9d000000-0000-4000-8000-{n:012}"),
            "displayName": format!("project-{n:04}"),
            "members": [MALLORY],
        }));
    }
    graph.seed(&seed);
    let repo = super::repo(&graph);
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .run();
    assert!(
        plan.stdout.contains("Sales, project-0000, "),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("project-0998, project-0999; kept: group All staff"),
        "{}",
        plan.stdout
    );
    let pages = graph
        .requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .ends_with("/memberOf/microsoft.graph.group")
        })
        .count();
    // Read for the group step and for the group-assigned license, two pages each.
    assert!(pages >= 2 && pages % 2 == 0, "{pages}");
    assert_no_violations(&graph);
}

#[test]
fn read_back_waits_for_graph_to_catch_up() {
    let (graph, repo) = started();
    // After each write, the next three reads of the user show it as it was.
    graph.control(
        reqwest::Method::POST,
        "lag",
        Some(&json!({"reads": 3, "ms": 300})),
    );
    repo.offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .run();
    let state = graph.state();
    assert_eq!(user(&state, MALLORY)["accountEnabled"], false);
    assert_eq!(user(&state, MALLORY)["licenses"], json!([]));
    assert_eq!(members(&state, SALES), [NANCY]);
    assert_no_violations(&graph);
}

/// The leaver playbook cut down to disabling the account.
const DISABLE_ONLY: &str = r#"version: 1
name: entra-leaver
description: Disable the Entra ID account.
owners:
  iam: it-ops@acme.example
triggers: [terminated]
steps:
  - id: disable-entra
    kind: iam.deactivate
    connector: m365
    owner: iam
    risk: critical
"#;

#[test]
fn a_deactivation_finds_writes_and_reads_back_in_three_calls() {
    let (graph, repo) = started();
    repo.write("playbooks/entra-leaver.yaml", DISABLE_ONLY);
    repo.commit("the leaver playbook only disables");
    let untouched = graph.state();
    repo.offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .run();
    // The lookup brings the state the step starts from; the read after the PATCH, which shows
    // the account disabled, is the read-back. (Her licenses add the reads of the SKUs and of
    // the group that assigns one.)
    let own = format!("/v1.0/users/{MALLORY}");
    let calls: Vec<String> = graph
        .requests()
        .iter()
        .filter(|r| ["/v1.0/users", own.as_str()].contains(&r["path"].as_str().unwrap()))
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            "GET /v1.0/users".to_owned(),
            format!("PATCH /v1.0/users/{MALLORY}"),
            format!("GET /v1.0/users/{MALLORY}"),
        ]
    );
    let state = graph.state();
    assert_eq!(user(&state, MALLORY)["accountEnabled"], false);
    assert_eq!(user(&state, NANCY), user(&untouched, NANCY));
    assert_no_violations(&graph);
}
