//! Who may call: the API token (`SSWS`), and the service app's Bearer tokens from the client
//! credentials grant with a `private_key_jwt` assertion, each carrying the scopes it was granted.
//! Assertions that do not prove the app are refused, naming the rule, never echoing it.

use reqwest::Method;
use serde_json::json;

use super::{PAT, SALES, assert_no_violations, seeded, user_in_state};
use crate::support::peers::google::{key_pair, sign};
use crate::support::peers::okta::SCOPES;

#[test]
fn the_api_token_calls_everything_and_a_wrong_one_nothing() {
    let okta = seeded();
    let user = format!("/users/{PAT}");
    assert_eq!(okta.ssws_call(Method::GET, &user, &[]).status, 200);
    let wrong = okta.call_as(Method::GET, &user, &[], "SSWS 00notthetoken", None);
    assert_eq!((wrong.status, wrong.error_code()), (401, "E0000011"));
    let none = okta.call_as(Method::GET, &user, &[], "", None);
    assert_eq!(none.status, 401);
    let as_bearer = okta.get(&user, &[], &okta.api_token);
    assert_eq!(as_bearer.status, 401, "the API token is not a Bearer token");
    assert_no_violations(&okta);
}

#[test]
fn a_service_app_token_carries_its_scopes() {
    let okta = seeded();
    let token = okta.token_for(SCOPES);
    let deactivate = format!("/users/{PAT}/lifecycle/deactivate");
    let read_only = okta.token_for(&["okta.users.read"]);
    assert_eq!(
        okta.get(&format!("/users/{PAT}"), &[], &read_only).status,
        200
    );
    let refused = okta.call(Method::POST, &deactivate, &[], &read_only, None);
    assert_eq!((refused.status, refused.error_code()), (403, "E0000006"));
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "ACTIVE");
    let users_only = okta.token_for(&["okta.users.manage"]);
    let group = format!("/groups/{SALES}/users/{PAT}");
    assert_eq!(
        okta.call(Method::DELETE, &group, &[], &users_only, None)
            .status,
        403
    );
    assert_eq!(
        okta.call(Method::DELETE, &group, &[], &token, None).status,
        204
    );
    assert_eq!(
        okta.call(Method::POST, &deactivate, &[], &token, None)
            .status,
        200
    );
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "DEPROVISIONED");
    let granted = okta.request_token(&sign(&okta.key, &okta.claims()), SCOPES);
    assert_eq!(granted.body["token_type"], "Bearer");
    assert_eq!(granted.body["scope"], SCOPES.join(" "));
    assert_no_violations(&okta);
}

#[test]
fn assertions_that_do_not_prove_the_app_are_refused() {
    let okta = seeded();
    let (other_key, _) = key_pair(okta.dir(), "other");
    let replayed = okta.claims();
    assert_eq!(
        okta.request_token(&sign(&okta.key, &replayed), SCOPES)
            .status,
        200
    );
    let mut cases = Vec::new();
    for (what, change, word) in [
        ("another issuer", json!({"iss": "0oaother"}), "iss and sub"),
        (
            "another audience",
            json!({"aud": "https://example.okta.com/oauth2/v1/token"}),
            "aud",
        ),
        ("expired", json!({"exp": 1_000_000}), "exp"),
        ("no jti", json!({"jti": null}), "jti"),
    ] {
        let mut claims = okta.claims();
        for (k, v) in change.as_object().unwrap() {
            claims[k] = v.clone();
        }
        cases.push((what, sign(&okta.key, &claims), word));
    }
    cases.push(("replayed", sign(&okta.key, &replayed), "used before"));
    cases.push(("another key", sign(&other_key, &okta.claims()), "signature"));
    for (what, assertion, word) in &cases {
        let got = okta.request_token(assertion, SCOPES);
        assert_eq!(
            (got.status, got.body["error"].as_str()),
            (401, Some("invalid_client")),
            "{what}"
        );
        let description = got.body["error_description"].as_str().unwrap();
        assert!(description.contains(word), "{what}: {description}");
        assert!(
            !got.body.to_string().contains(assertion.as_str()),
            "{what}: echoed"
        );
    }
    let not_granted = okta.request_token(&sign(&okta.key, &okta.claims()), &["okta.roles.manage"]);
    assert_eq!(
        (not_granted.status, not_granted.body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    assert_no_violations(&okta);
}

#[test]
fn a_token_request_of_the_wrong_shape_is_a_violation_and_tokens_expire() {
    let okta = seeded();
    let got = okta.post_form(&[
        ("grant_type", "client_credentials"),
        ("scope", "okta.users.read"),
    ]);
    assert_eq!((got.status, got.error_code()), (400, "E0000001"));
    let violations = okta.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0]["messages"]
            .to_string()
            .contains("client_assertion")
    );

    okta.control(Method::POST, "tokens", Some(&json!({"lifetime": 0})));
    let token = okta.token_for(SCOPES);
    let expired = okta.get(&format!("/users/{PAT}"), &[], &token);
    assert_eq!((expired.status, expired.error_code()), (401, "E0000011"));
}
