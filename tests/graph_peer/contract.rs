//! The contract check: calls and answers that break the description; seeds.

use reqwest::Method;
use serde_json::{Value, json};

use super::peers::graph::{Answer, GraphServer};
use super::{E5, PAT, consumed, error_code, seeded, user_in_state};

#[test]
fn calls_that_break_the_description_are_refused_and_listed() {
    let (graph, token) = seeded();
    let user = format!("/users/{PAT}");
    let cases: Vec<(&str, Answer, &str)> = vec![
        (
            "$select of a property users do not have",
            graph.get(&user, &[("$select", "id,notAField")], &token),
            "notAField",
        ),
        (
            "a string for a boolean",
            graph.call(
                Method::PATCH,
                &user,
                &[],
                &token,
                Some(&json!({"accountEnabled": "no"})),
            ),
            "accountEnabled",
        ),
        (
            "a property users do not have",
            graph.call(
                Method::PATCH,
                &user,
                &[],
                &token,
                Some(&json!({"acountEnabled": false})),
            ),
            "acountEnabled",
        ),
        (
            "a query parameter the operation does not declare",
            graph.get(&user, &[("$filter", "x")], &token),
            "$filter",
        ),
        (
            "$top that is not a number",
            graph.get("/users", &[("$top", "ten")], &token),
            "$top",
        ),
        (
            "a path Graph does not have",
            graph.get(&format!("{user}/notAPath"), &[], &token),
            "no operation",
        ),
        (
            "a license id that is not a GUID",
            graph.call(
                Method::POST,
                &format!("{user}/assignLicense"),
                &[],
                &token,
                Some(&json!({"addLicenses": [], "removeLicenses": ["E3"]})),
            ),
            "removeLicenses",
        ),
        (
            "an automatic-replies status Graph does not know",
            graph.call(
                Method::PATCH,
                &format!("{user}/mailboxSettings"),
                &[],
                &token,
                Some(&json!({"automaticRepliesSetting": {"status": "sometimes"}})),
            ),
            "automaticRepliesSetting",
        ),
    ];
    for (case, answer, place) in &cases {
        assert_eq!(answer.status, 400, "{case}: {:?}", answer.body);
        assert_eq!(error_code(answer), "ContractViolation", "{case}");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(place), "{case}: {message}");
    }
    let violations = graph.violations();
    assert_eq!(violations.len(), cases.len(), "{violations:#?}");
    assert!(violations.iter().all(|v| v["side"] == "request"));
    assert_eq!(violations[0]["query"]["$select"], "id,notAField");
    // Nothing was changed by a refused call.
    assert_eq!(user_in_state(&graph.state(), PAT)["accountEnabled"], true);

    // An answer that breaks the description is caught too: a group seeded with groupTypes as
    // a string is caught by the check of memberOf items as groups (not only directoryObjects),
    // and a sign-in time that is not a date-time by the user's own schema.
    let graph = GraphServer::start();
    graph.seed(&json!({
        "users": [{"id": "u1", "userPrincipalName": "u1@contoso.example",
                   "signInActivity": {"lastSignInDateTime": "last Tuesday"}}],
        "groups": [{"id": "g1", "displayName": "G", "groupTypes": "Unified", "members": ["u1"]}],
    }));
    let token = graph.token();
    let groups = graph.get("/users/u1/memberOf", &[], &token);
    assert_eq!(
        (groups.status, error_code(&groups)),
        (500, "ContractViolation")
    );
    assert!(
        groups.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("microsoft.graph.group")
    );
    let signed_in = graph.get("/users/u1", &[("$select", "signInActivity")], &token);
    assert_eq!(signed_in.status, 500, "{:?}", signed_in.body);
    let violations = graph.violations();
    assert_eq!(violations.len(), 2);
    assert!(violations.iter().all(|v| v["side"] == "response"));
}

#[test]
fn the_example_seed_loads_and_bad_seeds_are_refused_with_the_place() {
    let graph = GraphServer::start();
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/graph/example-seed.json"
        ))
        .unwrap(),
    )
    .unwrap();
    graph.seed(&example);
    let state = graph.state();
    assert_eq!(state["users"].as_array().unwrap().len(), 2);
    assert_eq!(consumed(&state, E5), 1);
    for (seed, place) in [
        (
            json!({"users": [{"id": "u1", "userPrincipalName": "a@b", "manager": "nobody"}]}),
            "users[0].manager",
        ),
        (
            json!({"users": [{"id": "u1", "userPrincipalName": "a@b", "licenses": ["x"]}]}),
            "users[0].licenses[0]",
        ),
        (
            json!({"groups": [{"id": "g", "displayName": "G", "members": ["u9"]}]}),
            "groups[0].members[0]",
        ),
        (json!({"users": [{"id": "u1"}]}), "users[0]"),
        (json!({"people": []}), "people"),
    ] {
        let refused = reqwest::blocking::Client::new()
            .post(format!("{}/_control/state", graph.base_url))
            .body(seed.to_string())
            .send()
            .unwrap();
        assert_eq!(refused.status(), 400);
        let text = refused.text().unwrap();
        assert!(text.contains(place), "{place}: {text}");
    }
}
