//! Every queued fault, then the same call succeeding.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::{NANCY, PAT, SALES, assert_no_violations, error_code, group_in_state, seeded};

#[test]
fn every_fault_then_the_call_succeeds() {
    let (graph, token) = seeded();
    let user = format!("/users/{PAT}");

    // 429 with Retry-After, for the one call it was queued for.
    graph.fault(
        &json!({"kind": "throttle", "method": "GET", "path": "/v1.0/users/*", "retry_after": 2}),
    );
    let throttled = graph.get(&user, &[], &token);
    assert_eq!(
        (throttled.status, error_code(&throttled)),
        (429, "TooManyRequests")
    );
    assert_eq!(throttled.headers["retry-after"], "2");
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // 503 with and without Retry-After.
    graph.fault(&json!([
        {"kind": "unavailable", "path": "/v1.0/users/*", "retry_after": 1},
        {"kind": "unavailable", "path": "/v1.0/users/*"},
    ]));
    let first = graph.get(&user, &[], &token);
    assert_eq!(first.status, 503);
    assert_eq!(first.headers["retry-after"], "1");
    let second = graph.get(&user, &[], &token);
    assert_eq!(second.status, 503);
    assert!(!second.headers.contains_key("retry-after"));
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // The token expires now: 401, and a fresh token works.
    graph.fault(&json!({"kind": "expire_token", "path": "/v1.0/users/*"}));
    let expired = graph.get(&user, &[], &token);
    assert_eq!(
        (expired.status, error_code(&expired)),
        (401, "InvalidAuthenticationToken")
    );
    assert_eq!(graph.get(&user, &[], &token).status, 401, "stays expired");
    let token = graph.token();
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // A permanent 403 on group membership changes; other calls go through.
    graph.fault(&json!({"kind": "forbidden", "method": "DELETE", "path": "/v1.0/groups/*/members/*", "times": null}));
    for _ in 0..3 {
        let denied = graph.call(
            Method::DELETE,
            &format!("/groups/{SALES}/members/{PAT}/$ref"),
            &[],
            &token,
            None,
        );
        assert_eq!(
            (denied.status, error_code(&denied)),
            (403, "Authorization_RequestDenied")
        );
        assert!(
            denied.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Insufficient privileges")
        );
    }
    assert_eq!(graph.get(&user, &[], &token).status, 200);
    assert_eq!(
        group_in_state(&graph.state(), SALES)["members"],
        json!([PAT, NANCY])
    );

    // A dropped connection: no answer at all; the next call is served.
    graph.fault(&json!({"kind": "drop", "path": "/v1.0/users/*"}));
    let dropped = reqwest::blocking::Client::new()
        .get(format!("{}/v1.0{user}", graph.base_url))
        .bearer_auth(&token)
        .send();
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // A delay.
    graph.fault(&json!({"kind": "delay", "path": "/v1.0/users/*", "delay_ms": 700}));
    let started = Instant::now();
    assert_eq!(graph.get(&user, &[], &token).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(700));

    // Bad fault specifications are refused with a reason.
    let refused = reqwest::blocking::Client::new()
        .post(format!("{}/_control/faults", graph.base_url))
        .body(r#"{"kind": "meteor"}"#)
        .send()
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().unwrap().contains("kind must be one of"));

    let log = graph.requests();
    assert!(log.iter().any(|r| r["status"] == 429));
    assert!(
        log.iter().any(|r| r["status"].is_null()),
        "the dropped call"
    );
    assert_no_violations(&graph);
}
