//! Users: found by id or login, listed with filters and search and paged by `Link: rel="next"`,
//! their last login; the lifecycle (suspend, unsuspend, deactivate) and delete, which Okta only
//! does to a deactivated user.

use reqwest::Method;

use super::{
    ADMIN, NANCY, PAT, PAT_LAST_LOGIN, PAT_LOGIN, SALES, SALESFORCE, assert_no_violations, ids,
    seeded, user_in_state,
};
use crate::support::peers::fake::answer;
use crate::support::peers::okta::Answer;

/// The URL of the `rel="next"` link of an answer, if any.
fn next_link(got: &Answer) -> Option<String> {
    got.headers
        .get_all("link")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(", "))
        .find(|l| l.ends_with("rel=\"next\""))
        .map(|l| l[1..l.find('>').unwrap()].to_owned())
}

#[test]
fn a_user_is_found_by_login_with_the_last_login() {
    let okta = seeded();
    let by_login = okta.ssws_call(Method::GET, &format!("/users/{PAT_LOGIN}"), &[]);
    assert_eq!(by_login.status, 200, "{:?}", by_login.body);
    assert_eq!(by_login.body["id"], PAT);
    assert_eq!(by_login.body["lastLogin"], PAT_LAST_LOGIN);
    let upper = okta.ssws_call(Method::GET, "/users/PAT@EXAMPLE.COM", &[]);
    assert_eq!(upper.body["id"], PAT);
    let filter = format!("profile.login eq \"{PAT_LOGIN}\"");
    let filtered = okta.ssws_call(Method::GET, "/users", &[("filter", &filter)]);
    assert_eq!(ids(&filtered.body), [PAT]);
    let search = okta.ssws_call(
        Method::GET,
        "/users",
        &[("search", "profile.login sw \"pa\"")],
    );
    assert_eq!(ids(&search.body), [PAT]);
    let never = okta.ssws_call(Method::GET, &format!("/users/{NANCY}"), &[]);
    assert!(never.body.get("lastLogin").is_none(), "{:?}", never.body);
    let missing = okta.ssws_call(Method::GET, "/users/nobody@example.com", &[]);
    assert_eq!((missing.status, missing.error_code()), (404, "E0000007"));
    let bad = okta.ssws_call(
        Method::GET,
        "/users",
        &[("filter", "profile.title eq \"x\"")],
    );
    assert_eq!((bad.status, bad.error_code()), (400, "E0000031"));
    assert_no_violations(&okta);
}

#[test]
fn users_are_paged_by_the_next_link() {
    let okta = seeded();
    let mut got = okta.ssws_call(Method::GET, "/users", &[("limit", "1")]);
    let mut seen = Vec::new();
    loop {
        assert_eq!(got.status, 200, "{:?}", got.body);
        seen.extend(ids(&got.body).into_iter().map(str::to_owned));
        let Some(next) = next_link(&got) else { break };
        assert!(next.starts_with(&okta.base_url), "{next}");
        let request = okta.http.get(&next).header("Authorization", okta.ssws());
        got = answer("the fake Okta", request.send());
    }
    assert_eq!(seen, [ADMIN, PAT, NANCY]);
    assert_no_violations(&okta);
}

#[test]
fn the_lifecycle_moves_a_user_as_okta_does() {
    let okta = seeded();
    let call =
        |verb: &str| okta.ssws_call(Method::POST, &format!("/users/{PAT}/lifecycle/{verb}"), &[]);
    let status = || user_in_state(&okta.state(), PAT)["status"].clone();
    assert_eq!(call("suspend").status, 200);
    assert_eq!(status(), "SUSPENDED");
    let again = call("suspend");
    assert_eq!((again.status, again.error_code()), (400, "E0000001"));
    assert_eq!(call("unsuspend").status, 200);
    assert_eq!(status(), "ACTIVE");
    let deactivated = call("deactivate");
    assert_eq!(
        (deactivated.status, &deactivated.body),
        (200, &serde_json::Value::Null)
    );
    let state = okta.state();
    let pat = user_in_state(&state, PAT);
    assert_eq!(pat["status"], "DEPROVISIONED");
    assert_eq!(
        (
            pat["sessions"].as_i64(),
            pat["oauthTokens"].as_array().unwrap().len()
        ),
        (Some(0), 0)
    );
    let listed = okta.ssws_call(Method::GET, "/users", &[]);
    assert!(
        !ids(&listed.body).contains(&PAT),
        "the default list leaves deactivated users out"
    );
    let deprovisioned = okta.ssws_call(
        Method::GET,
        "/users",
        &[("filter", "status eq \"DEPROVISIONED\"")],
    );
    assert_eq!(ids(&deprovisioned.body), [PAT]);
    assert_eq!(call("deactivate").status, 400, "only once");
    assert_no_violations(&okta);
}

#[test]
fn delete_deactivates_first_and_deletes_only_a_deactivated_user() {
    let okta = seeded();
    let user = format!("/users/{PAT}");
    let first = okta.ssws_call(Method::DELETE, &user, &[]);
    assert_eq!(first.status, 202, "{:?}", first.body);
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "DEPROVISIONED");
    let second = okta.ssws_call(Method::DELETE, &user, &[("sendEmail", "false")]);
    assert_eq!(second.status, 202);
    let state = okta.state();
    assert_eq!(ids(&state["deletedUsers"]), [PAT]);
    assert!(!ids(&state["users"]).contains(&PAT));
    let sales = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == SALES)
        .unwrap();
    assert_eq!(sales["members"], serde_json::json!([NANCY]));
    let salesforce = state["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == SALESFORCE)
        .unwrap();
    assert_eq!(salesforce["users"], serde_json::json!([NANCY]));
    assert_eq!(okta.ssws_call(Method::GET, &user, &[]).status, 404);
    assert_no_violations(&okta);
}
