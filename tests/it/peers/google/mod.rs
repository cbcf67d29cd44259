//! The fake Google Workspace (tests/peers/google/) through its real server process, as a
//! connector will use it: service account tokens (and the assertions refused), finding a user by
//! email and paging through users, suspending, signing out, revoking OAuth tokens and app
//! passwords, leaving groups, releasing licenses, deleting, the asynchronous data transfer
//! (completing and failing), every fault, and the contract check refusing calls that break
//! Google's discovery documents, listing them, and staying empty on a clean run. What the fake
//! holds afterwards is read back by a later call and from its control API.

mod contract;
mod directory;
mod faults;
mod licensing;
mod tokens;
mod transfers;

use crate::support::peers::google::{ADMIN, GoogleServer};
use serde_json::{Value, json};

const DIRECTORY: &str = "/admin/directory/v1";
const LICENSING: &str = "/apps/licensing/v1";
const TRANSFERS: &str = "/admin/datatransfer/v1/transfers";
const ADMIN_ID: &str = "100";
/// Pat, the leaver: two OAuth grants, two app passwords, two groups, a license.
const PAT: &str = "101";
const PAT_EMAIL: &str = "pat@example.com";
const BOSS: &str = "102";
const NANCY: &str = "103";
const DRIVE: &str = "55656082996";
const CALENDAR: &str = "435070579839";
const PRODUCT: &str = "Google-Apps";
const SKU: &str = "1010020020";
const PAT_LAST_LOGIN: &str = "2026-09-01T08:30:00.000Z";

fn seed() -> Value {
    json!({
        "customer": {"id": "C01abc23d", "domain": "example.com"},
        "users": [
            {"id": ADMIN_ID, "primaryEmail": ADMIN, "isAdmin": true,
             "lastLoginTime": "2026-12-01T09:00:00.000Z"},
            {"id": PAT, "primaryEmail": PAT_EMAIL, "aliases": ["p.doe@example.com"],
             "name": {"givenName": "Pat", "familyName": "Doe"},
             "lastLoginTime": PAT_LAST_LOGIN,
             "tokens": [
                 {"clientId": "1234.apps.googleusercontent.com", "displayText": "Mail client",
                  "scopes": ["https://mail.google.com/"]},
                 {"clientId": "5678.apps.googleusercontent.com", "displayText": "Notes",
                  "scopes": ["openid", "email"], "nativeApp": true},
             ],
             "asps": [{"codeId": 7, "name": "Thunderbird"}, {"codeId": 9, "name": "Phone"}]},
            {"id": BOSS, "primaryEmail": "boss@example.com",
             "name": {"givenName": "The", "familyName": "Boss"}},
            {"id": NANCY, "primaryEmail": "nancy@example.com"},
        ],
        "groups": [
            {"id": "03x1", "email": "sales@example.com", "name": "Sales",
             "members": [PAT, NANCY]},
            {"id": "03x2", "email": "all@example.com", "name": "Everyone",
             "members": [ADMIN_ID, PAT, BOSS, NANCY]},
        ],
        "skus": [
            {"productId": PRODUCT, "skuId": SKU, "productName": "Google Workspace",
             "skuName": "Google Workspace Business Standard", "users": [PAT, NANCY]},
        ],
    })
}

/// A started fake, seeded, and a token for every scope a connector needs.
fn seeded() -> (GoogleServer, String) {
    let google = GoogleServer::start();
    google.seed(&seed());
    let token = google.token();
    (google, token)
}

fn user_in_state<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("user {id} in {state}"))
}

fn assert_no_violations(google: &GoogleServer) {
    let violations = google.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}
