//! The `type: okta` connector against the fake Okta: Pat found by login, read (app groups and
//! Everyone kept with the reason, each app assignment a seat), deactivated, signed out with the
//! OAuth tokens revoked, out of the Okta groups and the apps, then deleted; each change read
//! back from the fake's control API, a second pass writing nothing, with the API token and with
//! the service app's key, through Okta's rate limit and an expired token.

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;

use super::{
    AD_SALES, EVERYONE, NANCY, PAT, PAT_LOGIN, SALES, SALESFORCE, SLACK, assert_no_violations, ids,
    seeded, user_in_state,
};
use crate::support::peers::okta::{CLIENT_ID, OktaServer, SCOPES};
use offboard::connector::oauth::CertificateKey;
use offboard::connector::okta::{OktaConnector, OktaCredential, OktaOptions};
use offboard::connector::{Change, Connector, ConnectorError, KeptKind};

fn options(okta: &OktaServer, credential: OktaCredential) -> OktaOptions {
    OktaOptions {
        org_url: okta.base_url.clone(),
        credential,
        app_costs: BTreeMap::from([("Salesforce".to_owned(), 7500)]),
        timeout: Duration::from_secs(10),
    }
}

fn with_token(okta: &OktaServer) -> OktaConnector {
    let token = OktaCredential::ApiToken(SecretString::from(okta.api_token.clone()));
    OktaConnector::new("okta", options(okta, token)).unwrap()
}

fn as_service_app(okta: &OktaServer) -> OktaConnector {
    let pem = std::fs::read_to_string(&okta.key).unwrap();
    let key = CertificateKey::from_key_pem(&SecretString::from(pem)).unwrap();
    let credential = OktaCredential::ServiceApp {
        client_id: CLIENT_ID.to_owned(),
        key: Box::new(key),
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    OktaConnector::new("okta", options(okta, credential)).unwrap()
}

/// The calls that change something, as `METHOD path`.
fn writes(okta: &OktaServer) -> Vec<String> {
    okta.requests()
        .iter()
        .filter(|r| r["method"] != "GET" && r["path"] != "/oauth2/v1/token")
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
}

fn offboard_pat(okta: &OktaServer, connector: &OktaConnector) {
    let pat = connector.find(PAT_LOGIN).unwrap().expect("Pat is found");
    assert_eq!((pat.id.as_str(), pat.name.as_str()), (PAT, PAT_LOGIN));
    let before = connector.read(&pat).unwrap();
    assert!(before.exists && before.active);
    assert_eq!(
        before.sessions,
        Some(1),
        "one OAuth client holds Pat's tokens"
    );
    assert_eq!(before.groups, ["Sales"]);
    let kept: Vec<_> = before
        .kept
        .iter()
        .map(|k| (k.kind, k.name.as_str()))
        .collect();
    assert_eq!(
        kept,
        [(KeptKind::Group, "Everyone"), (KeptKind::Group, "sales-ad")]
    );
    assert!(
        before.kept[1].reason.contains("app group"),
        "{:?}",
        before.kept
    );
    let seats: Vec<_> = before
        .seats
        .iter()
        .map(|s| (s.product.as_str(), s.monthly_cost_cents))
        .collect();
    assert_eq!(seats, [("Salesforce", 7500), ("Slack", 0)]);
    let changes = [
        Change::RevokeSessions,
        Change::RemoveGroups {
            groups: before.groups.clone(),
        },
        Change::ReleaseSeats {
            products: before.seats.iter().map(|s| s.product.clone()).collect(),
        },
        Change::Deactivate,
    ];
    for change in &changes {
        connector.apply(&pat, change).unwrap();
        assert!(
            change.is_satisfied_by(&connector.read(&pat).unwrap()),
            "{change}"
        );
    }
    let state = okta.state();
    let held = user_in_state(&state, PAT);
    assert_eq!(held["status"], "DEPROVISIONED");
    assert_eq!(
        (&held["sessions"], &held["oauthTokens"]),
        (&json!(0), &json!([]))
    );
    let group = |id: &str| {
        state["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(group(SALES)["members"], json!([NANCY]));
    let still_in: Vec<_> = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["members"].as_array().unwrap().contains(&json!(PAT)))
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        still_in,
        [EVERYONE, AD_SALES],
        "kept: the built-in and the app group"
    );
    for app in state["apps"].as_array().unwrap() {
        assert!(
            !app["users"].as_array().unwrap().contains(&json!(PAT)),
            "{app}"
        );
    }
    assert_eq!(connector.read(&pat).unwrap().sessions, Some(0));
    let written = writes(okta);
    let again = connector.read(&pat).unwrap();
    for change in &changes {
        assert!(change.is_satisfied_by(&again), "{change}");
    }
    for change in &changes[1..] {
        connector.apply(&pat, change).unwrap();
    }
    assert_eq!(writes(okta), written, "a second pass writes nothing");
    assert!(written.contains(&format!("DELETE /api/v1/apps/{SALESFORCE}/users/{PAT}")));
    assert!(written.contains(&format!("DELETE /api/v1/apps/{SLACK}/users/{PAT}")));
}

#[test]
fn a_leaver_is_offboarded_with_the_api_token() {
    let okta = seeded();
    offboard_pat(&okta, &with_token(&okta));
    assert_no_violations(&okta);
}

#[test]
fn a_leaver_is_offboarded_as_a_service_app() {
    let okta = seeded();
    offboard_pat(&okta, &as_service_app(&okta));
    assert_no_violations(&okta);
}

#[test]
fn delete_deactivates_first_then_deletes() {
    let okta = seeded();
    let connector = with_token(&okta);
    let pat = connector.find(PAT_LOGIN).unwrap().unwrap();
    connector.apply(&pat, &Change::Delete).unwrap();
    assert!(Change::Delete.is_satisfied_by(&connector.read(&pat).unwrap()));
    assert_eq!(ids(&okta.state()["deletedUsers"]), [PAT]);
    assert!(connector.find(PAT_LOGIN).unwrap().is_none());
    assert_no_violations(&okta);
}

#[test]
fn the_rate_limit_waits_for_its_reset_and_a_refused_token_is_fetched_again() {
    let okta = seeded();
    let connector = as_service_app(&okta);
    let pat = connector.find(PAT_LOGIN).unwrap().unwrap();
    okta.fault(
        &json!({"kind": "rate_limit", "path": "/api/v1/users/*/lifecycle/*", "retry_after": 7}),
    );
    match connector.apply(&pat, &Change::Deactivate) {
        Err(ConnectorError::Transient {
            retry_after: Some(wait),
            ..
        }) => {
            assert!(
                (Duration::from_secs(6)..=Duration::from_secs(8)).contains(&wait),
                "{wait:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "ACTIVE");
    okta.fault(&json!({"kind": "expire_token", "path": "/api/v1/users/*"}));
    match connector.apply(&pat, &Change::Deactivate) {
        Err(ConnectorError::Transient {
            retry_after: Some(wait),
            ..
        }) => assert_eq!(wait, Duration::ZERO),
        other => panic!("{other:?}"),
    }
    connector.apply(&pat, &Change::Deactivate).unwrap();
    assert_eq!(user_in_state(&okta.state(), PAT)["status"], "DEPROVISIONED");
    let wrong = OktaCredential::ApiToken(SecretString::from("00wrongtoken"));
    let refused = OktaConnector::new("okta", options(&okta, wrong))
        .unwrap()
        .find(PAT_LOGIN);
    let message = format!("{:?}", refused.unwrap_err());
    assert!(
        message.contains("API token is not valid") && !message.contains("00wrongtoken"),
        "{message}"
    );
    assert_no_violations(&okta);
}
