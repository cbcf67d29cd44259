//! Every queued fault, the write it stopped not applied, then the same call succeeding.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::{DIRECTORY, PAT, assert_no_violations, seeded, user_in_state};

#[test]
fn rate_limits_and_unavailability_answer_as_google_does() {
    let (google, token) = seeded();
    let user = format!("{DIRECTORY}/users/{PAT}");
    let suspend = json!({"suspended": true});
    google.fault(&json!([
        {"kind": "rate_limit", "method": "PATCH", "path": "/admin/directory/v1/users/*"},
        {"kind": "user_rate_limit", "method": "PATCH", "path": "/admin/directory/v1/users/*"},
        {"kind": "throttle", "method": "PATCH", "path": "/admin/directory/v1/users/*",
         "retry_after": 2},
        {"kind": "unavailable", "method": "PATCH", "path": "/admin/directory/v1/users/*"},
        {"kind": "forbidden", "method": "PATCH", "path": "/admin/directory/v1/users/*"},
    ]));
    let want = [
        (403, "rateLimitExceeded"),
        (403, "userRateLimitExceeded"),
        (429, "rateLimitExceeded"),
        (503, "backendError"),
        (403, "forbidden"),
    ];
    for (status, reason) in want {
        let got = google.call(Method::PATCH, &user, &[], &token, Some(&suspend));
        assert_eq!(
            (got.status, got.reason()),
            (status, reason),
            "{:?}",
            got.body
        );
        assert_eq!(got.body["error"]["code"], status);
        if status == 429 {
            assert_eq!(got.headers["retry-after"], "2");
        }
        if reason.contains("RateLimit") {
            assert_eq!(got.body["error"]["errors"][0]["domain"], "usageLimits");
        }
        assert_eq!(user_in_state(&google.state(), PAT)["suspended"], false);
    }
    let done = google.call(Method::PATCH, &user, &[], &token, Some(&suspend));
    assert_eq!(done.status, 200);
    assert_eq!(user_in_state(&google.state(), PAT)["suspended"], true);
    assert_no_violations(&google);
}

#[test]
fn an_expired_token_a_dropped_connection_and_a_delay() {
    let (google, token) = seeded();
    let user = format!("{DIRECTORY}/users/{PAT}");
    google.fault(&json!({"kind": "expire_token", "path": "/admin/directory/v1/users/*"}));
    let expired = google.get(&user, &[], &token);
    assert_eq!((expired.status, expired.reason()), (401, "authError"));
    assert_eq!(google.get(&user, &[], &token).status, 401, "stays expired");
    let token = google.token();
    assert_eq!(google.get(&user, &[], &token).status, 200);

    google.fault(&json!({"kind": "drop", "path": "/admin/directory/v1/users/*"}));
    let dropped = reqwest::blocking::Client::new()
        .get(format!("{}{user}", google.base_url))
        .bearer_auth(&token)
        .send();
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(google.get(&user, &[], &token).status, 200);

    google.fault(&json!({"kind": "delay", "delay_ms": 300, "path": "/admin/directory/v1/users/*"}));
    let started = Instant::now();
    assert_eq!(google.get(&user, &[], &token).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_no_violations(&google);
}
