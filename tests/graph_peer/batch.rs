//! `$batch`: sub-requests routed, faulted and checked like direct calls; the envelope rules.

use reqwest::Method;
use serde_json::{Value, json};

use super::{E3, PAT, STAFF_DYNAMIC, error_code, seeded, user_in_state};

#[test]
fn batch_sub_requests_are_routed_and_checked_like_direct_calls() {
    let (graph, token) = seeded();
    let batch = |requests: Value| {
        graph.call(
            Method::POST,
            "/$batch",
            &[],
            &token,
            Some(&json!({"requests": requests})),
        )
    };
    let answered = batch(json!([
        {"id": "1", "method": "PATCH", "url": format!("/users/{PAT}"),
         "headers": {"Content-Type": "application/json"}, "body": {"accountEnabled": false}},
        {"id": "2", "method": "POST", "url": format!("/users/{PAT}/revokeSignInSessions"),
         "dependsOn": ["1"]},
        {"id": "3", "method": "POST", "url": format!("/users/{PAT}/assignLicense"),
         "headers": {"Content-Type": "application/json"},
         "body": {"addLicenses": [], "removeLicenses": [E3]}},
        {"id": "4", "method": "GET", "url": format!("/users/{PAT}?$select=accountEnabled")},
        {"id": "5", "method": "GET", "url": format!("/users/{PAT}?$select=notAField")},
        {"id": "6", "method": "DELETE", "url": format!("/groups/{STAFF_DYNAMIC}/members/{PAT}/$ref")},
    ]));
    assert_eq!(answered.status, 200, "{:?}", answered.body);
    let responses = answered.body["responses"].as_array().unwrap();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id("1")["status"], 204);
    assert_eq!(by_id("2")["body"]["value"], true);
    assert_eq!(by_id("3")["status"], 200);
    assert_eq!(by_id("4")["body"]["accountEnabled"], false);
    assert_eq!(by_id("5")["status"], 400);
    assert_eq!(by_id("5")["body"]["error"]["code"], "ContractViolation");
    assert_eq!(by_id("6")["status"], 400);
    assert_eq!(by_id("6")["body"]["error"]["code"], "Request_BadRequest");
    let pat = user_in_state(&graph.state(), PAT).clone();
    assert_eq!(pat["accountEnabled"], false);
    assert_eq!(pat["licenses"], json!([]));

    // The log shows each sub-request as such; the one violation is the sub-request's.
    let log = graph.requests();
    assert_eq!(log.iter().filter(|r| r["in_batch"] == true).count(), 6);
    assert!(
        log.iter()
            .any(|r| r["path"] == "/v1.0/$batch" && r["in_batch"] == false)
    );
    let violations = graph.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0]["in_batch"], true);

    // A failed dependency; the envelope's own rules: 20 requests at most, unique ids, headers
    // with a body.
    let failed = batch(json!([
        {"id": "a", "method": "GET", "url": "/users/nobody"},
        {"id": "b", "method": "GET", "url": format!("/users/{PAT}"), "dependsOn": ["a"]},
    ]));
    assert_eq!(failed.body["responses"][1]["status"], 424);
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users"}))
        .collect();
    for (case, requests) in [
        ("21 requests", json!(many)),
        (
            "ids twice",
            json!([{"id": "1", "method": "GET", "url": "/users"},
                   {"id": "1", "method": "GET", "url": "/users"}]),
        ),
        (
            "body without headers",
            json!([{"id": "1", "method": "PATCH", "url": format!("/users/{PAT}"),
                    "body": {"accountEnabled": true}}]),
        ),
        (
            "absolute URL",
            json!([{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}]),
        ),
    ] {
        let refused = batch(requests);
        assert_eq!(refused.status, 400, "{case}: {:?}", refused.body);
        assert_eq!(error_code(&refused), "ContractViolation", "{case}");
    }
    assert_eq!(graph.violations().len(), 5);
}
