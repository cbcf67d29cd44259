//! The fake Okta (tests/peers/okta/) through its real server process, as a connector will use
//! it: the API token and the service app's tokens (and the assertions refused), finding a user by
//! login and paging through users, the lifecycle (suspend, deactivate, delete only after
//! deactivation), clearing sessions and OAuth tokens, leaving groups (app groups refused),
//! removing app assignments, resetting factors, every fault, and the contract check refusing
//! calls that break Okta's API description, listing them, and staying empty on a clean run;
//! `offboard reconcile` reading the whole org. What
//! the fake holds afterwards is read back by a later call and from its control API.

mod auth;
mod connector;
mod contract;
mod faults;
mod memberships;
mod offboarding;
mod reconcile;
mod users;

use crate::support::peers::okta::OktaServer;
use serde_json::{Value, json};

const ADMIN: &str = "00u1admin0000000001";
/// Pat, the leaver: two sessions, an OAuth grant, two factors, three groups, two apps.
const PAT: &str = "00u1pat00000000002";
const PAT_LOGIN: &str = "pat@example.com";
const NANCY: &str = "00u1nancy0000000003";
const EVERYONE: &str = "00g1everyone000001";
const SALES: &str = "00g1sales000000002";
const AD_SALES: &str = "00g1adsales0000003";
const SALESFORCE: &str = "0oa1salesforce0001";
const SLACK: &str = "0oa1slack000000002";
const PAT_LAST_LOGIN: &str = "2026-09-01T08:30:00.000Z";

fn seed() -> Value {
    json!({
        "users": [
            {"id": ADMIN, "login": "admin@example.com",
             "lastLogin": "2026-12-01T09:00:00.000Z"},
            {"id": PAT, "login": PAT_LOGIN, "firstName": "Pat", "lastName": "Doe",
             "lastLogin": PAT_LAST_LOGIN, "sessions": 2,
             "oauthTokens": [{"clientId": "0oa1mailclient00001",
                              "scopes": ["openid", "offline_access"]}],
             "factors": [
                 {"id": "sms1fake00000000001", "factorType": "sms",
                  "profile": {"phoneNumber": "+1-555-0100"}},
                 {"id": "ost1fake00000000002", "factorType": "token:software:totp"},
             ]},
            {"id": NANCY, "login": "nancy@example.com", "status": "SUSPENDED"},
        ],
        "groups": [
            {"id": EVERYONE, "name": "Everyone", "type": "BUILT_IN",
             "members": [ADMIN, PAT, NANCY]},
            {"id": SALES, "name": "Sales", "members": [PAT, NANCY]},
            {"id": AD_SALES, "name": "sales-ad", "type": "APP_GROUP", "members": [PAT]},
        ],
        "apps": [
            {"id": SALESFORCE, "name": "salesforce", "label": "Salesforce",
             "users": [PAT, NANCY]},
            {"id": SLACK, "name": "slack", "label": "Slack", "users": [PAT]},
        ],
    })
}

/// A started fake, seeded.
fn seeded() -> OktaServer {
    let okta = OktaServer::start();
    okta.seed(&seed());
    okta
}

fn user_in_state<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("user {id} in {state}"))
}

/// The ids of `items` (a JSON array).
fn ids(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

fn assert_no_violations(okta: &OktaServer) {
    let violations = okta.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}
