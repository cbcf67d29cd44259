//! Tokens: the JWT bearer grant of a service account with domain-wide delegation, every rule
//! that can refuse it, scopes on calls, lifetime.

use base64ct::{Base64UrlUnpadded, Encoding};
use reqwest::Method;
use serde_json::json;

use super::{DIRECTORY, PAT, assert_no_violations, seeded};
use crate::support::peers::google::{CLIENT_EMAIL, GoogleServer, key_pair, now, sign};

const USER_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user";

fn refused(google: &GoogleServer, claims: serde_json::Value, why: &str) -> (u16, String) {
    let got = google.request_token(&sign(&google.key, &claims));
    assert_ne!(got.status, 200, "{why}: {:?}", got.body);
    let text = got.body.to_string();
    assert!(
        !text.contains("eyJ"),
        "{why}: the assertion is echoed: {text}"
    );
    (got.status, got.body["error"].as_str().unwrap().to_owned())
}

#[test]
fn a_good_assertion_gets_a_token_that_reads_users() {
    let (google, _) = seeded();
    let got = google.request_token(&sign(&google.key, &google.claims(&[USER_SCOPE])));
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["token_type"], "Bearer");
    assert_eq!(got.body["expires_in"], 3600);
    let token = got.body["access_token"].as_str().unwrap();
    let user = google.get(&format!("{DIRECTORY}/users/{PAT}"), &[], token);
    assert_eq!(user.status, 200, "{:?}", user.body);
    assert_eq!(user.body["id"], PAT);
    assert_no_violations(&google);
}

#[test]
fn assertions_breaking_a_rule_are_refused_naming_it() {
    let (google, _) = seeded();
    let good = google.claims(&[USER_SCOPE]);
    let with = |key: &str, value: serde_json::Value| {
        let mut claims = good.clone();
        claims[key] = value;
        claims
    };
    let cases = [
        (
            with("iss", json!("other@x.iam.gserviceaccount.com")),
            401,
            "invalid_client",
        ),
        (
            with("aud", json!("https://oauth2.example/token")),
            400,
            "invalid_grant",
        ),
        (
            with("sub", json!("nancy@example.com")),
            400,
            "invalid_grant",
        ),
        (with("exp", json!(now() - 10)), 400, "invalid_grant"),
        (with("exp", json!(now() + 7200)), 400, "invalid_grant"),
        (with("scope", json!("")), 400, "invalid_scope"),
        (
            with("scope", json!("https://www.googleapis.com/auth/drive")),
            401,
            "unauthorized_client",
        ),
    ];
    for (claims, status, error) in cases {
        assert_eq!(
            refused(&google, claims.clone(), error),
            (status, error.to_owned()),
            "{claims}"
        );
    }

    // Signed with another key: the signature does not verify.
    let (other, _) = key_pair(google.dir(), "other");
    let got = google.request_token(&sign(&other, &good));
    assert_eq!(
        (got.status, got.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        got.body["error_description"]
            .as_str()
            .unwrap()
            .contains("Signature")
    );
    // Tampered with after signing.
    let token = sign(&google.key, &good);
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = Base64UrlUnpadded::encode_string(
        with("sub", json!("boss@example.com"))
            .to_string()
            .as_bytes(),
    );
    parts[1] = &forged;
    assert_eq!(google.request_token(&parts.join(".")).status, 400);
    // Another grant type.
    let got = google.post_form(&[("grant_type", "client_credentials"), ("assertion", &token)]);
    assert_eq!(got.body["error"], "unsupported_grant_type");
    assert_eq!(CLIENT_EMAIL, good["iss"]);
    assert_no_violations(&google);
}

#[test]
fn a_token_without_the_methods_scope_is_refused_403() {
    let (google, _) = seeded();
    let token = google.token_for(&[USER_SCOPE]);
    let tokens = google.get(&format!("{DIRECTORY}/users/{PAT}/tokens"), &[], &token);
    assert_eq!(
        (tokens.status, tokens.reason()),
        (403, "insufficientPermissions")
    );
    let none = google.get(&format!("{DIRECTORY}/users/{PAT}"), &[], "not-a-token");
    assert_eq!((none.status, none.reason()), (401, "authError"));
    // A token request with a field too many is a contract violation.
    let extra = google.post_form(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        (
            "assertion",
            &sign(&google.key, &google.claims(&[USER_SCOPE])),
        ),
        ("client_id", "x"),
    ]);
    assert_eq!((extra.status, extra.reason()), (400, "ContractViolation"));
    assert_eq!(google.violations().len(), 1);
}

#[test]
fn tokens_expire_after_their_lifetime() {
    let (google, _) = seeded();
    google.control(Method::POST, "tokens", Some(&json!({"lifetime": 1})));
    let token = google.token();
    let path = format!("{DIRECTORY}/users/{PAT}");
    assert_eq!(google.get(&path, &[], &token).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let expired = google.get(&path, &[], &token);
    assert_eq!((expired.status, expired.reason()), (401, "authError"));
    assert_eq!(google.get(&path, &[], &google.token()).status, 200);
}
