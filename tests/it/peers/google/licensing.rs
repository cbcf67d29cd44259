//! License Manager: listing a SKU's assignments page by page, reading and releasing one.

use reqwest::Method;
use serde_json::Value;

use super::{LICENSING, NANCY, PAT_EMAIL, PRODUCT, SKU, assert_no_violations, seeded};

fn assigned(google: &crate::support::peers::google::GoogleServer, token: &str) -> Vec<String> {
    let list = format!("{LICENSING}/product/{PRODUCT}/sku/{SKU}/users");
    let mut users = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("customerId", "example.com"), ("maxResults", "1")];
        if let Some(page) = &next {
            query.push(("pageToken", page));
        }
        let page = google.get(&list, &query, token);
        assert_eq!(page.status, 200, "{:?}", page.body);
        for item in page.body["items"].as_array().unwrap_or(&Vec::new()) {
            assert_eq!(
                (&item["productId"], &item["skuId"]),
                (&Value::from(PRODUCT), &Value::from(SKU))
            );
            users.push(item["userId"].as_str().unwrap().to_owned());
        }
        match page.body["nextPageToken"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => return users,
        }
    }
}

#[test]
fn a_license_is_released_and_no_longer_listed() {
    let (google, token) = seeded();
    assert_eq!(assigned(&google, &token), [PAT_EMAIL, "nancy@example.com"]);
    let one = format!("{LICENSING}/product/{PRODUCT}/sku/{SKU}/user/{PAT_EMAIL}");
    let got = google.get(&one, &[], &token);
    assert_eq!(
        (got.status, &got.body["skuName"]),
        (200, &Value::from("Google Workspace Business Standard"))
    );

    let released = google.call(Method::DELETE, &one, &[], &token, None);
    assert_eq!(released.status, 200, "{:?}", released.body);
    let gone = google.get(&one, &[], &token);
    assert_eq!((gone.status, gone.reason()), (404, "notFound"));
    assert_eq!(
        google.call(Method::DELETE, &one, &[], &token, None).status,
        404
    );
    assert_eq!(assigned(&google, &token), ["nancy@example.com"]);
    let state = google.state();
    assert_eq!(state["skus"][0]["users"], serde_json::json!([NANCY]));

    let other_customer = google.get(
        &format!("{LICENSING}/product/{PRODUCT}/sku/{SKU}/users"),
        &[("customerId", "other.example")],
        &token,
    );
    assert_eq!(other_customer.status, 403);
    assert_no_violations(&google);
}

#[test]
fn deleting_a_user_releases_their_licenses() {
    let (google, token) = seeded();
    let user = format!("{}/users/{}", super::DIRECTORY, super::PAT);
    assert_eq!(
        google.call(Method::DELETE, &user, &[], &token, None).status,
        204
    );
    assert_eq!(assigned(&google, &token), ["nancy@example.com"]);
    assert_no_violations(&google);
}
