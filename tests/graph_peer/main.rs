//! The fake Microsoft Graph (tests/peers/graph/) through its real server process, as a
//! connector will use it: tokens by client secret and by certificate assertion, finding a user
//! by each match attribute with a value that needs escaping, disabling, revoking sessions,
//! leaving groups and releasing licenses (and the refusals the real service gives), reading
//! back; eventual consistency; every fault; `$batch`; and the contract check refusing calls
//! that break Graph's published description, listing them, and staying empty on a clean run.
//! What the fake holds afterwards is read from its control API, apart from the Graph answers.

#[path = "../peers/mod.rs"]
mod peers;

mod batch;
mod consistency;
mod contract;
mod faults;
mod offboarding;
mod tokens;

use peers::graph::{Answer, GraphServer};
use serde_json::{Value, json};

const E3: &str = "11111111-2222-4333-8444-000000000e03";
const E5: &str = "11111111-2222-4333-8444-000000000e05";
/// Pat O'Brien, the leaver: every match attribute holds a quote.
const PAT: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000001";
const PAT_UPN: &str = "pat.o'brien@contoso.example";
const PAT_MAIL: &str = "o'brien@contoso.example";
const PAT_EMPLOYEE: &str = "E-10'7";
const BOSS: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000002";
/// Nancy: in the same groups, left alone.
const NANCY: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000003";
const SALES: &str = "7c1d0e2f-0000-4000-8000-0000000000a1";
const STAFF_DYNAMIC: &str = "7c1d0e2f-0000-4000-8000-0000000000a2";
const FINANCE_SYNCED: &str = "7c1d0e2f-0000-4000-8000-0000000000a3";
const E5_USERS: &str = "7c1d0e2f-0000-4000-8000-0000000000a4";

fn seed() -> Value {
    json!({
        "skus": [
            {"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "enabled": 5},
            {"skuId": E5, "skuPartNumber": "SPE_E5", "enabled": 5},
        ],
        "users": [
            {"id": PAT, "userPrincipalName": PAT_UPN, "mail": PAT_MAIL,
             "employeeId": PAT_EMPLOYEE, "displayName": "Pat O'Brien", "licenses": [E3],
             "manager": BOSS,
             "signInActivity": {"lastSignInDateTime": "2026-11-20T08:30:00Z"}},
            {"id": BOSS, "userPrincipalName": "boss@contoso.example",
             "mail": "boss@contoso.example", "displayName": "The Boss", "licenses": [E3]},
            {"id": NANCY, "userPrincipalName": "nancy@contoso.example",
             "mail": "nancy@contoso.example", "employeeId": "E-1001", "displayName": "Nancy"},
        ],
        "groups": [
            {"id": SALES, "displayName": "Sales", "members": [PAT, NANCY]},
            {"id": STAFF_DYNAMIC, "displayName": "All staff", "groupTypes": ["DynamicMembership"],
             "membershipRule": "user.accountEnabled -eq true", "members": [PAT, NANCY]},
            {"id": FINANCE_SYNCED, "displayName": "Finance", "onPremisesSyncEnabled": true,
             "members": [PAT]},
            {"id": E5_USERS, "displayName": "E5 users", "members": [PAT, NANCY],
             "licenses": [E5]},
        ],
    })
}

/// A started fake, seeded, and a token for it.
fn seeded() -> (GraphServer, String) {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let token = graph.token();
    (graph, token)
}

fn user_in_state<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("user {id} in {state}"))
}

fn group_in_state<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap()
}

fn consumed(state: &Value, sku: &str) -> i64 {
    state["skus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == sku)
        .unwrap()["consumedUnits"]
        .as_i64()
        .unwrap()
}

fn error_code(answer: &Answer) -> &str {
    answer.body["error"]["code"].as_str().unwrap_or("")
}

fn assert_no_violations(graph: &GraphServer) {
    let violations = graph.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}
