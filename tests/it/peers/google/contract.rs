//! The contract check: the checker's own self-check, and calls that break Google's discovery
//! documents refused, listed, and without effect.

use reqwest::Method;
use serde_json::json;

use super::{DIRECTORY, LICENSING, PAT, PRODUCT, SKU, TRANSFERS, seeded, user_in_state};

#[test]
fn the_checker_passes_its_self_check() {
    crate::support::peers::assert_selfcheck_passes("google");
}

#[test]
fn calls_that_break_the_description_are_refused_and_listed() {
    let (google, token) = seeded();
    let user = format!("{DIRECTORY}/users/{PAT}");
    let licenses = format!("{LICENSING}/product/{PRODUCT}/sku/{SKU}/users");
    let cases = vec![
        (
            "a property users do not have",
            google.call(
                Method::PATCH,
                &user,
                &[],
                &token,
                Some(&json!({"suspend": true})),
            ),
            "suspend",
        ),
        (
            "a string for a boolean",
            google.call(
                Method::PATCH,
                &user,
                &[],
                &token,
                Some(&json!({"suspended": "yes"})),
            ),
            "suspended",
        ),
        (
            "a missing required query parameter",
            google.get(&licenses, &[], &token),
            "customerId",
        ),
        (
            "maxResults above the maximum",
            google.get(
                &format!("{DIRECTORY}/users"),
                &[("customer", "my_customer"), ("maxResults", "501")],
                &token,
            ),
            "maxResults",
        ),
        (
            "a query parameter the method does not declare",
            google.get(&user, &[("filter", "x")], &token),
            "filter",
        ),
        (
            "an application id that is not an int64",
            google.call(
                Method::POST,
                TRANSFERS,
                &[],
                &token,
                Some(&json!({"oldOwnerUserId": PAT, "newOwnerUserId": "102",
                             "applicationDataTransfers": [{"applicationId": "drive"}]})),
            ),
            "applicationId",
        ),
        (
            "a path not in the documents",
            google.get("/admin/directory/v2/users", &[], &token),
            "no method",
        ),
    ];
    for (what, got, word) in &cases {
        assert_eq!(
            (got.status, got.reason()),
            (400, "ContractViolation"),
            "{what}: {:?}",
            got.body
        );
        assert!(
            got.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(word),
            "{what}: {:?}",
            got.body
        );
    }
    let violations = google.violations();
    assert_eq!(violations.len(), cases.len(), "{violations:#?}");
    for ((what, _, word), violation) in cases.iter().zip(&violations) {
        assert_eq!(violation["side"], "request", "{what}");
        assert!(
            violation["messages"].to_string().contains(word),
            "{what}: {violation}"
        );
    }
    assert_eq!(user_in_state(&google.state(), PAT)["suspended"], false);
    assert_eq!(google.state()["transfers"], json!([]));
}

#[test]
fn answers_that_break_the_description_are_replaced_and_listed() {
    let (google, token) = seeded();
    // The seed is not checked: a lastLoginTime that is no date-time reaches the answer.
    let mut seed = super::seed();
    seed["users"][1]["lastLoginTime"] = json!("last tuesday");
    google.seed(&seed);
    let got = google.get(&format!("{DIRECTORY}/users/{PAT}"), &[], &token);
    assert_eq!((got.status, got.reason()), (500, "ContractViolation"));
    let violations = google.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0]["side"], "response");
    assert!(
        violations[0]["messages"]
            .to_string()
            .contains("lastLoginTime")
    );
}
