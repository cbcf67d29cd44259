//! Directory API: finding a user, paging, suspending, signing out, revoking OAuth tokens and
//! app passwords, leaving groups, deleting; each change read back by a later call.

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    ADMIN_ID, BOSS, DIRECTORY, NANCY, PAT, PAT_EMAIL, PAT_LAST_LOGIN, assert_no_violations, seeded,
    user_in_state,
};

fn ids(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn users_are_found_by_email_and_alias_with_their_last_login() {
    let (google, token) = seeded();
    let users = format!("{DIRECTORY}/users");
    let query = format!("email={PAT_EMAIL}");
    let found = google.get(
        &users,
        &[("customer", "my_customer"), ("query", &query)],
        &token,
    );
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(ids(&found.body, "users", "id"), [PAT]);
    assert_eq!(found.body["users"][0]["lastLoginTime"], PAT_LAST_LOGIN);
    assert_eq!(found.body["users"][0]["suspended"], false);
    assert!(found.body.get("nextPageToken").is_none());

    let by_alias = google.get(&format!("{users}/p.doe@example.com"), &[], &token);
    assert_eq!((by_alias.status, &by_alias.body["id"]), (200, &json!(PAT)));
    let never = google.get(&format!("{users}/{NANCY}"), &[], &token);
    assert_eq!(never.body["lastLoginTime"], "1970-01-01T00:00:00.000Z");
    let missing = google.get(&format!("{users}/nobody@example.com"), &[], &token);
    assert_eq!((missing.status, missing.reason()), (404, "notFound"));
    let no_customer = google.get(&users, &[("query", &query)], &token);
    assert_eq!(no_customer.status, 400);
    assert_no_violations(&google);
}

#[test]
fn users_come_page_by_page() {
    let (google, token) = seeded();
    let users = format!("{DIRECTORY}/users");
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("customer", "my_customer"), ("maxResults", "3")];
        query.push(("orderBy", "email"));
        if let Some(token) = &next {
            query.push(("pageToken", token));
        }
        let page = google.get(&users, &query, &token);
        assert_eq!(page.status, 200, "{:?}", page.body);
        seen.extend(ids(&page.body, "users", "primaryEmail"));
        pages += 1;
        match page.body["nextPageToken"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let want = [
        "admin@example.com",
        "boss@example.com",
        "nancy@example.com",
        "pat@example.com",
    ];
    assert_eq!(seen, want);
    let bad = google.get(
        &users,
        &[("customer", "my_customer"), ("pageToken", "garbage")],
        &token,
    );
    assert_eq!(bad.status, 400);
    assert_no_violations(&google);
}

#[test]
fn suspend_sign_out_and_revoke_are_seen_by_later_reads() {
    let (google, token) = seeded();
    let user = format!("{DIRECTORY}/users/{PAT}");

    let patched = google.call(
        Method::PATCH,
        &user,
        &[],
        &token,
        Some(&json!({"suspended": true})),
    );
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let read = google.get(&user, &[], &token);
    assert_eq!(read.body["suspended"], true);
    assert_eq!(read.body["suspensionReason"], "ADMIN");
    let suspended = google.get(
        &format!("{DIRECTORY}/users"),
        &[("customer", "my_customer"), ("query", "isSuspended=true")],
        &token,
    );
    assert_eq!(ids(&suspended.body, "users", "id"), [PAT]);

    let signed_out = google.call(Method::POST, &format!("{user}/signOut"), &[], &token, None);
    assert_eq!((signed_out.status, &signed_out.body), (204, &Value::Null));
    assert_eq!(user_in_state(&google.state(), PAT)["signOuts"], 1);

    let tokens = google.get(&format!("{user}/tokens"), &[], &token);
    let clients = ids(&tokens.body, "items", "clientId");
    assert_eq!(clients.len(), 2);
    for client in &clients {
        let path = format!("{user}/tokens/{client}");
        assert_eq!(
            google.call(Method::DELETE, &path, &[], &token, None).status,
            204
        );
        assert_eq!(
            google.call(Method::DELETE, &path, &[], &token, None).status,
            404
        );
    }
    assert!(
        ids(
            &google.get(&format!("{user}/tokens"), &[], &token).body,
            "items",
            "clientId"
        )
        .is_empty()
    );

    let asps = google.get(&format!("{user}/asps"), &[], &token);
    let codes: Vec<i64> = asps.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["codeId"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [7, 9]);
    for code in codes {
        let path = format!("{user}/asps/{code}");
        assert_eq!(
            google.call(Method::DELETE, &path, &[], &token, None).status,
            204
        );
    }
    let left = google.get(&format!("{user}/asps"), &[], &token);
    assert!(
        left.body
            .get("items")
            .is_none_or(|i| i.as_array().unwrap().is_empty())
    );

    // users.update (PUT) takes the same body.
    let boss = format!("{DIRECTORY}/users/{BOSS}");
    let put = google.call(
        Method::PUT,
        &boss,
        &[],
        &token,
        Some(&json!({"suspended": true})),
    );
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(google.get(&boss, &[], &token).body["suspended"], true);

    // Nancy is left alone.
    let nancy = user_in_state(&google.state(), NANCY).clone();
    assert_eq!(
        (nancy["suspended"].clone(), nancy["signOuts"].clone()),
        (json!(false), json!(0))
    );
    assert_no_violations(&google);
}

#[test]
fn leaving_groups_and_deletion_are_seen_by_later_reads() {
    let (google, token) = seeded();
    let groups = format!("{DIRECTORY}/groups");
    let of_pat = google.get(&groups, &[("userKey", PAT_EMAIL)], &token);
    assert_eq!(
        ids(&of_pat.body, "groups", "email"),
        ["sales@example.com", "all@example.com"]
    );
    let path = format!("{groups}/sales@example.com/members/{PAT_EMAIL}");
    assert_eq!(
        google.call(Method::DELETE, &path, &[], &token, None).status,
        204
    );
    let again = google.call(Method::DELETE, &path, &[], &token, None);
    assert_eq!((again.status, again.reason()), (404, "notFound"));
    let of_pat = google.get(&groups, &[("userKey", PAT)], &token);
    assert_eq!(ids(&of_pat.body, "groups", "id"), ["03x2"]);
    let of_nancy = google.get(&groups, &[("userKey", NANCY)], &token);
    assert_eq!(ids(&of_nancy.body, "groups", "id"), ["03x1", "03x2"]);

    let user = format!("{DIRECTORY}/users/{PAT}");
    assert_eq!(
        google.call(Method::DELETE, &user, &[], &token, None).status,
        204
    );
    assert_eq!(google.get(&user, &[], &token).status, 404);
    let deleted = google.get(
        &format!("{DIRECTORY}/users"),
        &[("customer", "my_customer"), ("showDeleted", "true")],
        &token,
    );
    assert_eq!(ids(&deleted.body, "users", "id"), [PAT]);
    assert!(deleted.body["users"][0]["deletionTime"].is_string());
    let everyone = google.get(&groups, &[("userKey", BOSS)], &token);
    assert_eq!(everyone.body["groups"][0]["directMembersCount"], "3");
    assert_eq!(user_in_state(&google.state(), ADMIN_ID)["isAdmin"], true);
    assert_no_violations(&google);
}
