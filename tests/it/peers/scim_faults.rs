//! The SCIM connector against a scripted HTTP server: rate limits, outages, slow answers, both
//! PATCH answers, refusals and servers that misbehave, alone and under the engine's retry policy.

use std::time::{Duration, Instant};

use crate::support::peers::script::{Reply, ScriptServer};
use offboard::connector::scim::{MAX_PAGES, ScimAttribute, ScimConnector, ScimOptions};
use offboard::connector::{Change, Connector, ConnectorError, Principal, ReadScope};
use offboard::retry::RetryPolicy;
use secrecy::SecretString;
use serde_json::{Value, json};

const TOKEN: &str = "s3cr3t-token-value";

fn connector(server: &ScriptServer, timeout: Duration) -> ScimConnector {
    let mut options = ScimOptions::new(format!("{}/v2", server.url), ScimAttribute::UserName);
    options.token = Some(SecretString::from(TOKEN));
    options.timeout = timeout;
    ScimConnector::new("idp", options).unwrap()
}

fn alice() -> Principal {
    Principal {
        id: "u1".into(),
        name: "alice".into(),
    }
}

fn list(users: &[(&str, &str)]) -> String {
    let resources: Vec<Value> = users
        .iter()
        .map(|(id, name)| json!({ "id": id, "userName": name, "active": true }))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": resources.len(),
        "Resources": resources,
    })
    .to_string()
}

fn policy(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    }
}

#[test]
fn find_sends_an_encoded_filter_with_the_bearer_token() {
    let server = ScriptServer::script(vec![Reply::new(200, list(&[("u1", r#"a"b\c"#)]))]);
    let idp = connector(&server, Duration::from_secs(5));
    let found = idp.find(r#"a"b\c"#).unwrap().unwrap();
    assert_eq!(found.id, "u1");
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), "/v2/Users");
    assert_eq!(
        request.query("filter").as_deref(),
        Some(r#"userName eq "a\"b\\c""#)
    );
    assert!(
        !request.target.contains('"'),
        "the query is percent-encoded: {}",
        request.target
    );
    assert_eq!(
        request.header("authorization"),
        Some("Bearer s3cr3t-token-value")
    );
}

#[test]
fn rate_limit_with_retry_after_is_transient_and_honoured() {
    let server = ScriptServer::script(vec![
        Reply::new(429, r#"{"detail":"slow down"}"#).header("Retry-After", "1"),
        Reply::new(200, list(&[("u1", "alice")])),
    ]);
    let idp = connector(&server, Duration::from_secs(5));
    match idp.find("alice") {
        Err(ConnectorError::Transient {
            message,
            retry_after,
        }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
            assert_eq!(
                message,
                "SCIM GET /v2/Users: 429 Too Many Requests: slow down"
            );
        }
        other => panic!("{other:?}"),
    }

    let server = ScriptServer::script(vec![
        Reply::new(429, "").header("Retry-After", "1"),
        Reply::new(200, list(&[("u1", "alice")])),
    ]);
    let idp = connector(&server, Duration::from_secs(5));
    let mut waits = Vec::new();
    let started = Instant::now();
    let found = policy(4)
        .call(|| idp.find("alice"), |n, _, wait| waits.push((n, wait)))
        .unwrap();
    assert_eq!(found.unwrap().id, "u1");
    assert_eq!(waits, [(1, Duration::from_secs(1))]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_503_burst_recovers_under_the_retry_policy() {
    let server = ScriptServer::script(vec![
        Reply::new(503, "").header("Retry-After", "Thu, 01 Jan 1970 00:00:00 GMT"),
        Reply::new(503, "<html>maintenance</html>"),
        Reply::new(502, ""),
        Reply::new(204, ""),
    ]);
    let idp = connector(&server, Duration::from_secs(5));
    let mut errors = Vec::new();
    policy(5)
        .call(
            || idp.apply(&alice(), &Change::Deactivate),
            |_, error, wait| errors.push((error.to_string(), wait)),
        )
        .unwrap();
    assert_eq!(server.requests().len(), 4);
    // A Retry-After date in the past means "now".
    assert_eq!(
        errors[0],
        (
            "SCIM PATCH /v2/Users/u1: 503 Service Unavailable".into(),
            Duration::ZERO
        )
    );
    assert_eq!(
        errors[1].0,
        "SCIM PATCH /v2/Users/u1: 503 Service Unavailable: <html>maintenance</html>"
    );
    assert!(errors[2].0.contains("502"));

    // When the burst outlasts the attempts, the last transient error is returned.
    let server = ScriptServer::script(vec![Reply::new(503, "")]);
    let idp = connector(&server, Duration::from_secs(5));
    let result = policy(3).call(|| idp.apply(&alice(), &Change::Deactivate), |_, _, _| {});
    assert!(
        matches!(result, Err(ConnectorError::Transient { .. })),
        "{result:?}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn slow_answers_time_out_as_transient_and_recover() {
    let server = ScriptServer::script(vec![
        Reply::new(200, list(&[("u1", "alice")])).delay(Duration::from_secs(3)),
        Reply::new(200, list(&[("u1", "alice")])),
    ]);
    let idp = connector(&server, Duration::from_millis(300));
    let started = Instant::now();
    match idp.find("alice") {
        Err(ConnectorError::Transient { message, .. }) => {
            assert_eq!(message, "SCIM GET /v2/Users: no answer within 300ms")
        }
        other => panic!("{other:?}"),
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "gave up after {elapsed:?}"
    );
    assert_eq!(
        policy(3)
            .call(|| idp.find("alice"), |_, _, _| {})
            .unwrap()
            .unwrap()
            .id,
        "u1"
    );
}

#[test]
fn patch_accepts_204_without_and_200_with_a_body() {
    let user = json!({"id": "u1", "userName": "alice", "active": false}).to_string();
    for reply in [Reply::new(204, ""), Reply::new(200, user)] {
        let server = ScriptServer::script(vec![reply]);
        let idp = connector(&server, Duration::from_secs(5));
        idp.apply(&alice(), &Change::Deactivate).unwrap();
        let request = &server.requests()[0];
        assert_eq!(request.method, "PATCH");
        assert_eq!(request.path(), "/v2/Users/u1");
        assert_eq!(
            request.header("content-type"),
            Some("application/scim+json")
        );
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}],
            })
        );
    }
}

#[test]
fn a_refusal_is_permanent_with_the_scim_detail_and_never_retried() {
    let server = ScriptServer::script(vec![Reply::new(
        403,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "403",
            "detail": format!("token {TOKEN} lacks the users:write scope"),
        })
        .to_string(),
    )]);
    let idp = connector(&server, Duration::from_secs(5));
    let result = policy(5).call(|| idp.apply(&alice(), &Change::Deactivate), |_, _, _| {});
    match result {
        Err(ConnectorError::Permanent { message }) => {
            assert_eq!(
                message,
                "SCIM PATCH /v2/Users/u1: 403 Forbidden: token [redacted] lacks the users:write scope"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.requests().len(),
        1,
        "a permanent error is not retried"
    );
}

#[test]
fn no_server_is_transient() {
    let port = crate::support::peers::free_port();
    let mut options = ScimOptions::new(
        format!("http://127.0.0.1:{port}/v2"),
        ScimAttribute::UserName,
    );
    options.token = Some(SecretString::from(TOKEN));
    let idp = ScimConnector::new("idp", options).unwrap();
    match idp.find("alice") {
        Err(ConnectorError::Transient { message, .. }) => {
            assert!(
                message.starts_with("SCIM GET /v2/Users: cannot connect"),
                "{message}"
            );
            assert!(!message.contains(TOKEN));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ambiguous_and_unfiltered_answers_choose_no_user() {
    let server = ScriptServer::script(vec![Reply::new(
        200,
        list(&[("u1", "alice"), ("u2", "ALICE")]),
    )]);
    let idp = connector(&server, Duration::from_secs(5));
    let error = idp.find("alice").unwrap_err().to_string();
    assert_eq!(
        error,
        r#"userName "alice" matches 2 SCIM users (ids u1, u2); correlation must be unique"#
    );

    // A server that ignores the filter and lists someone else.
    let server = ScriptServer::script(vec![Reply::new(200, list(&[("u9", "mallory")]))]);
    let idp = connector(&server, Duration::from_secs(5));
    match idp.find("alice") {
        Err(ConnectorError::Permanent { message }) => {
            assert!(message.contains("does not honour the filter"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

fn groups_page(ids: std::ops::Range<usize>, total: usize) -> String {
    let resources: Vec<Value> = ids
        .map(|i| json!({ "id": format!("g{i}"), "displayName": format!("group-{i}") }))
        .collect();
    json!({ "totalResults": total, "Resources": resources }).to_string()
}

#[test]
fn group_pagination_follows_start_index_and_is_guarded() {
    let user = json!({"id": "u1", "userName": "alice", "active": true}).to_string();

    // Well-behaved: 3 groups, 2 per page (the server caps the page size).
    let server = {
        let user = user.clone();
        ScriptServer::start(move |request, _| {
            if request.path() == "/v2/Users/u1" {
                return Reply::new(200, user.clone());
            }
            let start: usize = request.query("startIndex").unwrap().parse().unwrap();
            Reply::new(200, groups_page(start - 1..(start + 1).min(3), 3))
        })
    };
    let state = connector(&server, Duration::from_secs(5))
        .read(&alice())
        .unwrap();
    assert_eq!(state.groups, ["group-0", "group-1", "group-2"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[1].query("filter").as_deref(),
        Some(r#"members[value eq "u1"]"#)
    );
    assert_eq!(requests[2].query("startIndex").as_deref(), Some("3"));

    // Ignores startIndex: the same page forever.
    let server = {
        let user = user.clone();
        ScriptServer::start(move |request, _| {
            if request.path() == "/v2/Users/u1" {
                return Reply::new(200, user.clone());
            }
            Reply::new(200, groups_page(0..2, 1000))
        })
    };
    let error = connector(&server, Duration::from_secs(5))
        .read(&alice())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("sent the same groups again at startIndex 3"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 3);

    // New groups on every page and no end.
    let server = ScriptServer::start(move |request, _| {
        if request.path() == "/v2/Users/u1" {
            return Reply::new(200, user.clone());
        }
        let start: usize = request.query("startIndex").unwrap().parse().unwrap();
        Reply::new(200, groups_page(start..start + 1, usize::MAX / 2))
    });
    let error = connector(&server, Duration::from_secs(5))
        .read(&alice())
        .unwrap_err();
    assert!(matches!(error, ConnectorError::Permanent { .. }));
    assert!(
        error
            .to_string()
            .contains(&format!("did not end after {MAX_PAGES} pages")),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1 + MAX_PAGES as usize);
}

#[test]
fn a_deactivation_reads_the_found_user_and_reads_back_once_without_listing_groups() {
    let inactive = json!({ "id": "u1", "userName": "alice", "active": false }).to_string();
    let server = ScriptServer::script(vec![
        Reply::new(200, list(&[("u1", "alice")])),
        Reply::new(204, ""),
        Reply::new(200, inactive),
    ]);
    let idp = connector(&server, Duration::from_secs(5));
    let scope = ReadScope {
        groups: false,
        ..ReadScope::ALL
    };
    let found = idp.find("alice").unwrap().unwrap();
    let before = idp.read_scoped(&found, scope).unwrap();
    assert!(before.exists && before.active && before.groups_skipped);
    idp.apply(&found, &Change::Deactivate).unwrap();
    let after = idp.read_scoped(&found, scope).unwrap();
    assert!(after.exists && !after.active, "{after:?}");
    let requests: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(
        requests,
        ["GET /v2/Users", "PATCH /v2/Users/u1", "GET /v2/Users/u1"],
        "the read-back after the change asks the server again"
    );
    assert_eq!(
        server.requests()[1].query("attributes").as_deref(),
        Some("active,userName")
    );
}

#[test]
fn a_deactivation_answered_with_the_user_takes_that_answer_as_the_read_back() {
    let inactive = json!({ "id": "u1", "userName": "alice", "active": false }).to_string();
    let server = ScriptServer::script(vec![
        Reply::new(200, list(&[("u1", "alice")])),
        Reply::new(200, inactive),
        Reply::new(
            200,
            json!({ "id": "u1", "userName": "alice", "active": false }).to_string(),
        ),
    ]);
    let idp = connector(&server, Duration::from_secs(5));
    let scope = ReadScope {
        groups: false,
        ..ReadScope::ALL
    };
    let found = idp.find("alice").unwrap().unwrap();
    assert!(idp.read_scoped(&found, scope).unwrap().active);
    idp.apply(&found, &Change::Deactivate).unwrap();
    let after = idp.read_scoped(&found, scope).unwrap();
    assert!(after.exists && !after.active, "{after:?}");
    assert_eq!(
        server.requests().len(),
        2,
        "no GET after a PATCH answered with the user"
    );
    // The next read is a fresh one.
    assert!(!idp.read_scoped(&found, scope).unwrap().active);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.requests()[2].path(), "/v2/Users/u1");
}

#[test]
fn an_answer_over_the_size_limit_is_refused_not_read_into_memory() {
    // One byte over the 64 MiB limit for a connector's HTTP answer.
    let huge = "x".repeat(64 * 1024 * 1024 + 1);
    let server = ScriptServer::script(vec![Reply::new(200, huge)]);
    let idp = connector(&server, Duration::from_secs(30));
    let result = policy(3).call(|| idp.find("alice"), |_, _, _| {});
    match result {
        Err(ConnectorError::Permanent { message }) => assert_eq!(
            message,
            "SCIM GET /v2/Users: the answer is larger than the 64 MiB limit for a connector's \
             HTTP answer"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.requests().len(),
        1,
        "a permanent error is not retried"
    );
}
