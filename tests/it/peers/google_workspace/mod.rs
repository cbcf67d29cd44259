//! The `type: google_workspace` connector through the real binary, against the fake Google
//! Workspace of `tests/peers/google/` (every call checked against Google's discovery
//! documents): a copy of the acme repository gains a google_workspace connector and a playbook
//! that uses it, and `offboard` offboards Mallory there. What the customer holds afterwards is
//! read from the fake's control API, independently of the connector.

mod handover;
pub(crate) mod leaver;
mod limits;
mod reconcile;

mod offboarding;

use serde_json::{Value, json};

use crate::support::peers::google::{ADMIN, CLIENT_EMAIL, GoogleServer};
use crate::support::repo::Repo;

/// Mallory, the acme leaver, as Google knows her.
const MALLORY: &str = "107";
const MALLORY_EMAIL: &str = "mallory.hartmann@acme.example";
/// Her manager, who receives her data.
const IVAN: &str = "110";
/// A colleague in the same groups, left alone.
pub(crate) const NANCY: &str = "103";
const PRODUCT: &str = "Google-Apps";
const SKU: &str = "1010020020";

pub(crate) fn seed() -> Value {
    json!({
        "customer": {"id": "C01acme", "domain": "acme.example"},
        "users": [
            {"id": "100", "primaryEmail": ADMIN, "isAdmin": true},
            {"id": MALLORY, "primaryEmail": MALLORY_EMAIL,
             "tokens": [
                 {"clientId": "1234.apps.googleusercontent.com", "displayText": "Mail client",
                  "scopes": ["https://mail.google.com/"]},
                 {"clientId": "5678.apps.googleusercontent.com", "displayText": "Notes",
                  "scopes": ["openid"]},
             ],
             "asps": [{"codeId": 7, "name": "Thunderbird"}]},
            {"id": IVAN, "primaryEmail": "ivan.petrov@acme.example"},
            {"id": NANCY, "primaryEmail": "nancy@acme.example",
             "tokens": [{"clientId": "1234.apps.googleusercontent.com"}]},
        ],
        "groups": [
            {"id": "03a1", "email": "sales@acme.example", "members": [MALLORY, NANCY]},
            {"id": "03a2", "email": "staff@acme.example", "members": [MALLORY, IVAN, NANCY]},
        ],
        "skus": [
            {"productId": PRODUCT, "skuId": SKU, "users": [MALLORY, NANCY]},
        ],
    })
}

/// The acme repository with a google_workspace connector `workspace` on `google` and the
/// playbook `playbook` in place of the shipped one for terminations; committed.
pub(crate) fn repo(google: &GoogleServer, playbook: &str) -> Repo {
    let repo = Repo::acme();
    let key = google.dir().join("service-account.json");
    let pem = std::fs::read_to_string(&google.key).unwrap();
    let file = json!({"type": "service_account", "client_email": CLIENT_EMAIL, "private_key": pem});
    std::fs::write(&key, file.to_string()).unwrap();
    let config = repo.read("offboard.yaml");
    let connector = format!(
        "connectors:\n  workspace:\n    type: google_workspace\n    service_account_key: {key}\n    \
         admin_subject: {ADMIN}\n    token_url: {url}/token\n    admin_url: {url}\n    \
         licensing_url: {url}\n    licenses:\n      - {{ product: {PRODUCT}, sku: \"{SKU}\", \
         monthly_cost_cents: 1400 }}\n",
        key = key.display(),
        url = google.base_url,
    );
    repo.write(
        "offboard.yaml",
        &config.replacen("connectors:\n", &connector, 1),
    );
    std::fs::remove_file(repo.join("playbooks/involuntary-leaver.yaml")).unwrap();
    repo.write("playbooks/google-leaver.yaml", playbook);
    repo.commit("google_workspace connector and playbook");
    repo
}

fn user<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("user {id} in {state}"))
}

pub(crate) fn assert_no_violations(google: &GoogleServer) {
    let violations = google.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}

/// The calls that change something (not reads, not tokens).
pub(crate) fn writes(google: &GoogleServer) -> usize {
    google
        .requests()
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().contains("/token"))
        .count()
}
