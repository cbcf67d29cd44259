//! What a leaver holds besides the account: sessions and OAuth tokens, groups (an app group and
//! the built-in Everyone are refused as Okta refuses them), app assignments (each app listed as
//! an app link) and factors.

use reqwest::Method;
use serde_json::json;

use super::{
    AD_SALES, EVERYONE, NANCY, PAT, SALES, SALESFORCE, SLACK, assert_no_violations, ids, seeded,
    user_in_state,
};

#[test]
fn sessions_are_cleared_with_or_without_the_oauth_tokens() {
    let okta = seeded();
    let sessions = format!("/users/{PAT}/sessions");
    assert_eq!(okta.ssws_call(Method::DELETE, &sessions, &[]).status, 204);
    let state = okta.state();
    let pat = user_in_state(&state, PAT);
    assert_eq!(pat["sessions"], 0);
    assert_eq!(
        pat["oauthTokens"].as_array().unwrap().len(),
        1,
        "kept without oauthTokens"
    );
    let all = okta.ssws_call(Method::DELETE, &sessions, &[("oauthTokens", "true")]);
    assert_eq!(all.status, 204);
    assert_eq!(user_in_state(&okta.state(), PAT)["oauthTokens"], json!([]));
    assert_no_violations(&okta);
}

#[test]
fn okta_groups_are_left_and_app_groups_are_refused() {
    let okta = seeded();
    let groups = okta.ssws_call(Method::GET, &format!("/users/{PAT}/groups"), &[]);
    assert_eq!(ids(&groups.body), [EVERYONE, SALES, AD_SALES]);
    let types: Vec<_> = groups
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["type"].clone())
        .collect();
    assert_eq!(
        types,
        [json!("BUILT_IN"), json!("OKTA_GROUP"), json!("APP_GROUP")]
    );
    let leave =
        |group: &str| okta.ssws_call(Method::DELETE, &format!("/groups/{group}/users/{PAT}"), &[]);
    assert_eq!(leave(SALES).status, 204);
    for kept in [AD_SALES, EVERYONE] {
        let refused = leave(kept);
        assert_eq!(
            (refused.status, refused.error_code()),
            (400, "E0000001"),
            "{kept}"
        );
    }
    let after = okta.ssws_call(Method::GET, &format!("/users/{PAT}/groups"), &[]);
    assert_eq!(ids(&after.body), [EVERYONE, AD_SALES]);
    let state = okta.state();
    let sales = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == SALES)
        .unwrap();
    assert_eq!(sales["members"], json!([NANCY]));
    assert_eq!(leave("00gnosuchgroup0000").status, 404);
    assert_no_violations(&okta);
}

#[test]
fn app_assignments_are_listed_and_removed() {
    let okta = seeded();
    let links = okta.ssws_call(Method::GET, &format!("/users/{PAT}/appLinks"), &[]);
    let apps: Vec<_> = links
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["appInstanceId"].as_str().unwrap(),
                l["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(apps, [(SALESFORCE, "Salesforce"), (SLACK, "Slack")]);
    let remove = |app: &str| {
        okta.ssws_call(
            Method::DELETE,
            &format!("/apps/{app}/users/{PAT}"),
            &[("sendEmail", "false")],
        )
    };
    assert_eq!(remove(SLACK).status, 204);
    let again = remove(SLACK);
    assert_eq!((again.status, again.error_code()), (404, "E0000007"));
    let state = okta.state();
    let slack = state["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == SLACK)
        .unwrap();
    assert_eq!(slack["users"], json!([]));
    let left = okta.ssws_call(Method::GET, &format!("/users/{PAT}/appLinks"), &[]);
    assert_eq!(left.body.as_array().unwrap().len(), 1);
    assert_no_violations(&okta);
}

#[test]
fn factors_are_listed_and_reset() {
    let okta = seeded();
    let factors = format!("/users/{PAT}/factors");
    let listed = okta.ssws_call(Method::GET, &factors, &[]);
    assert_eq!(
        ids(&listed.body),
        ["sms1fake00000000001", "ost1fake00000000002"]
    );
    assert_eq!(listed.body[0]["profile"]["phoneNumber"], "+1-555-0100");
    let reset = okta.ssws_call(
        Method::POST,
        &format!("/users/{PAT}/lifecycle/reset_factors"),
        &[],
    );
    assert_eq!(reset.status, 200);
    assert_eq!(user_in_state(&okta.state(), PAT)["factors"], json!([]));
    assert_eq!(okta.ssws_call(Method::GET, &factors, &[]).body, json!([]));
    assert_no_violations(&okta);
}

#[test]
fn one_factor_is_unenrolled_and_an_unknown_one_is_not_found() {
    let okta = seeded();
    let sms = format!("/users/{PAT}/factors/sms1fake00000000001");
    assert_eq!(okta.ssws_call(Method::DELETE, &sms, &[]).status, 204);
    assert_eq!(
        ids(&user_in_state(&okta.state(), PAT)["factors"]),
        ["ost1fake00000000002"]
    );
    let again = okta.ssws_call(Method::DELETE, &sms, &[]);
    assert_eq!(
        (again.status, &again.body["errorCode"]),
        (404, &json!("E0000007"))
    );
    assert_no_violations(&okta);
}
