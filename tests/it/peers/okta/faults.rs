//! Every queued fault, the write it stopped not applied, then the same call succeeding.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::{PAT, assert_no_violations, seeded, user_in_state};
use crate::support::peers::google::now;
use crate::support::peers::okta::SCOPES;

#[test]
fn rate_limits_and_server_errors_answer_as_okta_does() {
    let okta = seeded();
    let suspend = format!("/users/{PAT}/lifecycle/suspend");
    let path = "/api/v1/users/*/lifecycle/suspend";
    okta.fault(&json!([
        {"kind": "rate_limit", "path": path, "retry_after": 5},
        {"kind": "server_error", "path": path},
        {"kind": "unavailable", "path": path, "retry_after": 2},
        {"kind": "forbidden", "path": path},
    ]));
    let limited = okta.ssws_call(Method::POST, &suspend, &[]);
    assert_eq!((limited.status, limited.error_code()), (429, "E0000047"));
    let reset: i64 = limited.headers["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((now() + 4..=now() + 6).contains(&reset), "{reset}");
    assert_eq!(limited.headers["x-rate-limit-remaining"], "0");
    for (status, code) in [(500, "E0000009"), (503, "E0000010"), (403, "E0000006")] {
        let got = okta.ssws_call(Method::POST, &suspend, &[]);
        assert_eq!(
            (got.status, got.error_code()),
            (status, code),
            "{:?}",
            got.body
        );
        if status == 503 {
            assert_eq!(got.headers["retry-after"], "2");
        }
    }
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "ACTIVE");
    assert_eq!(okta.ssws_call(Method::POST, &suspend, &[]).status, 200);
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "SUSPENDED");
    assert_no_violations(&okta);
}

#[test]
fn an_expired_token_a_dropped_connection_and_a_delay() {
    let okta = seeded();
    let user = format!("/users/{PAT}");
    let token = okta.token_for(SCOPES);
    okta.fault(&json!({"kind": "expire_token", "path": "/api/v1/users/*"}));
    let expired = okta.get(&user, &[], &token);
    assert_eq!((expired.status, expired.error_code()), (401, "E0000011"));
    assert_eq!(okta.get(&user, &[], &token).status, 401, "stays expired");
    assert_eq!(okta.get(&user, &[], &okta.token_for(SCOPES)).status, 200);
    assert_eq!(
        okta.ssws_call(Method::GET, &user, &[]).status,
        200,
        "the API token lives on"
    );

    okta.fault(&json!({"kind": "drop", "path": "/api/v1/users/*"}));
    let dropped = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1{user}", okta.base_url))
        .header("Authorization", okta.ssws())
        .send();
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(okta.ssws_call(Method::GET, &user, &[]).status, 200);

    okta.fault(&json!({"kind": "delay", "delay_ms": 300, "path": "/api/v1/users/*"}));
    let started = Instant::now();
    assert_eq!(okta.ssws_call(Method::GET, &user, &[]).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_no_violations(&okta);
}
