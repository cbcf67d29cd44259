//! The contract check: the checker's own self-check, and calls that break Okta's API
//! description refused, listed, and without effect; answers that break it replaced.

use reqwest::Method;
use serde_json::json;

use super::{PAT, seeded, user_in_state};

#[test]
fn the_checker_passes_its_self_check() {
    crate::support::peers::assert_selfcheck_passes("okta");
}

#[test]
fn calls_that_break_the_description_are_refused_and_listed() {
    let okta = seeded();
    let auth = okta.ssws();
    let deactivate = format!("/users/{PAT}/lifecycle/deactivate");
    let sessions = format!("/users/{PAT}/sessions");
    let cases = vec![
        (
            "a boolean written as a word",
            okta.call_as(
                Method::POST,
                &deactivate,
                &[("sendEmail", "no")],
                &auth,
                None,
            ),
            "sendEmail",
        ),
        (
            "a body for an operation that takes none",
            okta.call_as(
                Method::POST,
                &deactivate,
                &[],
                &auth,
                Some(&json!({"now": true})),
            ),
            "takes no body",
        ),
        (
            "a query parameter the operation does not declare",
            okta.call_as(
                Method::DELETE,
                &sessions,
                &[("revokeTokens", "true")],
                &auth,
                None,
            ),
            "revokeTokens",
        ),
        (
            "a limit beyond int32",
            okta.call_as(
                Method::GET,
                "/users",
                &[("limit", "3000000000")],
                &auth,
                None,
            ),
            "limit",
        ),
        (
            "a read-only property in a body",
            okta.call_as(
                Method::POST,
                &format!("/users/{PAT}"),
                &[],
                &auth,
                Some(&json!({"status": "DEPROVISIONED"})),
            ),
            "read-only",
        ),
        (
            "a method the path does not take",
            okta.call_as(Method::PATCH, &format!("/users/{PAT}"), &[], &auth, None),
            "PATCH",
        ),
        (
            "a path not in the description",
            okta.call_as(Method::GET, "/userz", &[], &auth, None),
            "no operation",
        ),
    ];
    for (what, got, word) in &cases {
        assert_eq!(
            (got.status, got.error_code()),
            (400, "E0000001"),
            "{what}: {:?}",
            got.body
        );
        assert!(got.causes().contains(word), "{what}: {:?}", got.body);
    }
    let violations = okta.violations();
    assert_eq!(violations.len(), cases.len(), "{violations:#?}");
    for ((what, _, word), violation) in cases.iter().zip(&violations) {
        assert_eq!(violation["side"], "request", "{what}");
        assert!(
            violation["messages"].to_string().contains(word),
            "{what}: {violation}"
        );
    }
    let state = okta.state();
    let pat = user_in_state(&state, PAT);
    assert_eq!(
        (&pat["status"], &pat["sessions"]),
        (&json!("ACTIVE"), &json!(2))
    );
}

#[test]
fn answers_that_break_the_description_are_replaced_and_listed() {
    let okta = seeded();
    // The seed is not checked: a lastLogin that is no date-time reaches the answer.
    let mut seed = super::seed();
    seed["users"][1]["lastLogin"] = json!("last tuesday");
    okta.seed(&seed);
    let got = okta.ssws_call(Method::GET, &format!("/users/{PAT}"), &[]);
    assert_eq!((got.status, got.error_code()), (500, "E0000009"));
    let violations = okta.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0]["side"], "response");
    assert!(violations[0]["messages"].to_string().contains("lastLogin"));
}
