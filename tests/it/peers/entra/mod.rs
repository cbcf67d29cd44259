//! The `type: entra` connector through the real binary, against the fake Microsoft Graph of
//! `tests/peers/graph/` (every call checked against Graph's published description): a copy of
//! the acme repository gains an entra connector and a playbook that uses it, and `offboard`
//! offboards Mallory there. What the tenant holds afterwards is read from the fake's control
//! API, independently of the connector.

mod auth;
mod handover;
mod offboarding;
mod reconcile;

use serde_json::{Value, json};

use crate::support::peers::graph::{CLIENT_ID, GraphServer, TENANT};
use crate::support::repo::Repo;

const E3: &str = "11111111-2222-4333-8444-000000000e03";
const E5: &str = "11111111-2222-4333-8444-000000000e05";
/// Mallory, the acme leaver, as Entra knows her.
const MALLORY: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000007";
const MALLORY_UPN: &str = "mallory.hartmann@acme.example";
/// A colleague in the same groups, left alone.
pub(crate) const NANCY: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000003";
const SALES: &str = "7c1d0e2f-0000-4000-8000-0000000000a1";
const STAFF_DYNAMIC: &str = "7c1d0e2f-0000-4000-8000-0000000000a2";
const FINANCE_SYNCED: &str = "7c1d0e2f-0000-4000-8000-0000000000a3";
const E5_USERS: &str = "7c1d0e2f-0000-4000-8000-0000000000a4";
/// The variable the configuration names for the client secret.
pub(crate) const SECRET_ENV: &str = "ACME_ENTRA_SECRET";

pub(crate) fn seed() -> Value {
    json!({
        "skus": [
            {"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "enabled": 5},
            {"skuId": E5, "skuPartNumber": "SPE_E5", "enabled": 5},
        ],
        "users": [
            {"id": MALLORY, "userPrincipalName": MALLORY_UPN, "mail": MALLORY_UPN,
             "employeeId": "E1007", "displayName": "Mallory Hartmann", "licenses": [E3]},
            {"id": NANCY, "userPrincipalName": "nancy@acme.example",
             "mail": "nancy@acme.example", "displayName": "Nancy", "licenses": [E3]},
        ],
        "groups": [
            {"id": SALES, "displayName": "Sales", "members": [MALLORY, NANCY]},
            {"id": STAFF_DYNAMIC, "displayName": "All staff", "groupTypes": ["DynamicMembership"],
             "membershipRule": "user.accountEnabled -eq true", "members": [MALLORY, NANCY]},
            {"id": FINANCE_SYNCED, "displayName": "Finance", "onPremisesSyncEnabled": true,
             "members": [MALLORY]},
            {"id": E5_USERS, "displayName": "E5 users", "members": [MALLORY],
             "licenses": [E5]},
        ],
    })
}

/// The playbook: Entra access cut, data kept in the store, then groups and licenses.
const PLAYBOOK: &str = r#"version: 1
name: entra-leaver
description: Termination in Microsoft Entra ID.
owners:
  iam: it-ops@acme.example
triggers: [terminated]
steps:
  - id: confirm-termination
    kind: hr.require_leaver_status
    owner: iam
    risk: critical
  - id: disable-entra
    kind: iam.deactivate
    connector: m365
    owner: iam
    risk: critical
    after: [confirm-termination]
  - id: revoke-entra-sessions
    kind: iam.revoke_sessions
    connector: m365
    owner: iam
    risk: critical
    after: [confirm-termination]
  - id: retain-data
    kind: iam.retain_data
    connector: directory
    owner: iam
    risk: high
    after: [disable-entra]
  - id: leave-entra-groups
    kind: iam.remove_groups
    connector: m365
    owner: iam
    risk: high
    after: [revoke-entra-sessions, retain-data]
  - id: release-m365-licenses
    kind: inventory.release_seats
    connector: m365
    owner: iam
    risk: standard
    after: [retain-data]
"#;

/// The acme repository with an entra connector `m365` on `graph`, authenticating with
/// `credential` (YAML lines), and the entra playbook; committed.
fn repo_with(graph: &GraphServer, credential: &str) -> Repo {
    let repo = Repo::acme();
    let config = repo.read("offboard.yaml");
    let entra = format!(
        "connectors:\n  m365:\n    type: entra\n    tenant: {TENANT}\n    client_id: {CLIENT_ID}\n\
         {credential}    login_url: {url}\n    graph_url: {url}\n    match:\n      \
         attribute: userPrincipalName\n      value: \"{{{{ employee.email }}}}\"\n    \
         monthly_cost_cents: {{ ENTERPRISEPACK: 2300, SPE_E5: 5700 }}\n",
        url = graph.base_url
    );
    assert!(config.contains("\nconnectors:\n"));
    repo.write(
        "offboard.yaml",
        &config.replacen("connectors:\n", &entra, 1),
    );
    // The entra playbook takes the place of the shipped one for terminations.
    std::fs::remove_file(repo.join("playbooks/involuntary-leaver.yaml")).unwrap();
    repo.write("playbooks/entra-leaver.yaml", PLAYBOOK);
    repo.commit("entra connector and playbook");
    repo
}

/// A repository authenticating with the client secret.
pub(crate) fn repo(graph: &GraphServer) -> Repo {
    repo_with(graph, &format!("    client_secret_env: {SECRET_ENV}\n"))
}

fn user<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("user {id} in {state}"))
}

fn members(state: &Value, group: &str) -> Vec<String> {
    let group = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == group)
        .unwrap();
    group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

fn assert_no_violations(graph: &GraphServer) {
    let violations = graph.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}
