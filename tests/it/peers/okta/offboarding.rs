//! The `type: okta` connector through the real binary: a copy of the acme repository gains an
//! okta connector and a playbook that uses it, and `offboard` offboards Mallory there: plan,
//! run (her factors reset after the deactivation, each one named in the evidence), the staged
//! delete through `due`, `verify`, and a rerun that changes nothing. What the
//! org holds afterwards is read from the fake's control API, independently of the connector.

use serde_json::{Value, json};

use super::{
    AD_SALES, EVERYONE, SALES, SALESFORCE, SLACK, assert_no_violations, ids, user_in_state,
};
use crate::support::peers::okta::OktaServer;
use crate::support::repo::Repo;

pub(super) const MALLORY: &str = "00u1mallory00000007";
pub(super) const MALLORY_LOGIN: &str = "mallory.hartmann@acme.example";
const NANCY: &str = "00u1nancy0000000003";
/// The variable the configuration names for the API token.
pub(super) const TOKEN_ENV: &str = "ACME_OKTA_TOKEN";

fn seed() -> Value {
    json!({
        "users": [
            {"id": MALLORY, "login": MALLORY_LOGIN, "firstName": "Mallory",
             "lastName": "Hartmann", "lastLogin": "2026-11-27T17:02:00.000Z", "sessions": 3,
             "oauthTokens": [{"clientId": "0oa1mailclient00001", "scopes": ["offline_access"]}],
             "factors": [
                 {"id": "ost1mallory0000001", "factorType": "token:software:totp",
                  "provider": "GOOGLE"},
                 {"id": "sms1mallory0000002", "factorType": "sms",
                  "profile": {"phoneNumber": "+1-555-0107"}},
             ]},
            {"id": NANCY, "login": "nancy@acme.example"},
        ],
        "groups": [
            {"id": EVERYONE, "name": "Everyone", "type": "BUILT_IN", "members": [MALLORY, NANCY]},
            {"id": SALES, "name": "Sales", "members": [MALLORY, NANCY]},
            {"id": AD_SALES, "name": "sales-ad", "type": "APP_GROUP", "members": [MALLORY]},
        ],
        "apps": [
            {"id": SALESFORCE, "name": "salesforce", "label": "Salesforce",
             "users": [MALLORY, NANCY]},
            {"id": SLACK, "name": "slack", "label": "Slack", "users": [MALLORY]},
        ],
    })
}

const PLAYBOOK: &str = r#"version: 1
name: okta-leaver
description: Termination in Okta.
owners:
  iam: it-ops@acme.example
triggers: [terminated]
steps:
  - id: confirm-termination
    kind: hr.require_leaver_status
    owner: iam
    risk: critical
  - id: disable-okta
    kind: iam.deactivate
    connector: okta
    owner: iam
    risk: critical
    after: [confirm-termination]
  - id: clear-okta-sessions
    kind: iam.revoke_sessions
    connector: okta
    owner: iam
    risk: critical
    after: [confirm-termination]
  - id: reset-okta-factors
    kind: iam.reset_factors
    connector: okta
    owner: iam
    risk: high
    after: [disable-okta]
  - id: retain-data
    kind: iam.retain_data
    connector: directory
    owner: iam
    risk: high
    after: [disable-okta]
  - id: leave-okta-groups
    kind: iam.remove_groups
    connector: okta
    owner: iam
    risk: high
    after: [clear-okta-sessions, retain-data]
  - id: remove-okta-apps
    kind: inventory.release_seats
    connector: okta
    owner: iam
    risk: standard
    after: [retain-data]
  - id: delete-okta
    kind: iam.delete
    connector: okta
    owner: iam
    risk: low
    destructive: true
    after: [leave-okta-groups, remove-okta-apps, reset-okta-factors]
    at: +30d
"#;

fn repo(okta: &OktaServer) -> Repo {
    repo_costing(okta, "{ Salesforce: 7500 }")
}

/// The acme repository with an okta connector on `okta` (app costs `costs`, a YAML mapping)
/// and a playbook that uses it.
pub(super) fn repo_costing(okta: &OktaServer, costs: &str) -> Repo {
    let repo = Repo::acme();
    let config = repo.read("offboard.yaml");
    let connector = format!(
        "connectors:\n  okta:\n    type: okta\n    org_url: {}\n    api_token_env: {TOKEN_ENV}\n    \
         monthly_cost_cents: {costs}\n",
        okta.base_url
    );
    repo.write(
        "offboard.yaml",
        &config.replacen("connectors:\n", &connector, 1),
    );
    std::fs::remove_file(repo.join("playbooks/involuntary-leaver.yaml")).unwrap();
    repo.write("playbooks/okta-leaver.yaml", PLAYBOOK);
    repo.commit("okta connector and playbook");
    repo
}

fn writes(okta: &OktaServer) -> usize {
    okta.requests()
        .iter()
        .filter(|r| r["method"] != "GET")
        .count()
}

#[test]
fn mallory_is_offboarded_in_okta_and_deleted_when_due() {
    let okta = OktaServer::start();
    okta.seed(&seed());
    let repo = repo(&okta);
    let token = okta.api_token.clone();
    let schema = crate::support::source_root().join("schema/config.schema.json");
    let errors = crate::support::json_schema::schema_errors(&schema, &repo.read("offboard.yaml"));
    assert_eq!(errors, Vec::<String>::new());

    let untouched = okta.state();
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "okta-leaver"])
        .env(TOKEN_ENV, &token)
        .run();
    for expected in [
        "leave groups Sales",
        "group Everyone (a built-in group",
        "group sales-ad (an app group",
        "release seats Salesforce, Slack",
        "reset the sign-in factors",
        "Okta deletes a user for good",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "{expected}:\n{}",
            plan.stdout
        );
    }
    assert_eq!(okta.state(), untouched);

    let run = repo
        .offboard(["mallory", "--playbook", "okta-leaver"])
        .env(TOKEN_ENV, &token)
        .status(4)
        .run();
    assert!(
        run.stdout
            .contains("delete-okta              scheduled for 2026-12-28"),
        "{}",
        run.stdout
    );
    let state = okta.state();
    let mallory = user_in_state(&state, MALLORY);
    assert_eq!(
        mallory["status"], "DEPROVISIONED",
        "{}{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        (&mallory["sessions"], &mallory["oauthTokens"]),
        (&json!(0), &json!([]))
    );
    let members = |id: &str| -> Vec<String> {
        let group = state["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == id)
            .unwrap();
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(members(SALES), [NANCY]);
    assert_eq!(members(AD_SALES), [MALLORY], "the app group keeps her");
    for app in state["apps"].as_array().unwrap() {
        assert!(
            !app["users"].as_array().unwrap().contains(&json!(MALLORY)),
            "{app}"
        );
    }
    assert_eq!(mallory["factors"], json!([]), "no factor is left");
    assert_eq!(user_in_state(&state, NANCY)["status"], "ACTIVE");
    assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));

    // The journal carries the evidence: each app removed with its cost, the groups kept and why.
    let run_id = repo.run_of("E1007");
    let apps = repo.events(&run_id, "step.confirmed", "remove-okta-apps");
    assert_eq!(
        apps[0]["evidence"]["released_seats"],
        json!([{"product": "Salesforce", "monthly_cost_cents": 7500},
               {"product": "Slack", "monthly_cost_cents": 0}])
    );
    let factors = repo.events(&run_id, "step.confirmed", "reset-okta-factors");
    assert_eq!(
        factors[0]["evidence"]["removed_factors"],
        json!([{"type": "sms", "provider": "OKTA", "id": "sms1mallory0000002"},
               {"type": "token:software:totp", "provider": "GOOGLE",
                "id": "ost1mallory0000001"}])
    );
    assert_eq!(factors[0]["evidence"]["after"].get("factors"), None);
    let groups = repo.events(&run_id, "step.confirmed", "leave-okta-groups");
    let kept: Vec<&str> = groups[0]["evidence"]["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(kept, ["Everyone", "sales-ad"]);
    assert_eq!(
        ids(&okta.state()["deletedUsers"]),
        Vec::<&str>::new(),
        "the delete is staged"
    );

    // A rerun changes nothing: it still waits for the delete.
    let before = writes(&okta);
    repo.offboard(["run", "mallory", "--playbook", "okta-leaver"])
        .env(TOKEN_ENV, &token)
        .status(4)
        .run();
    assert_eq!(writes(&okta), before);

    // Thirty days on, `due` deletes her; the journal verifies.
    repo.offboard(["due"])
        .now("2027-01-05T09:00:00Z")
        .env(TOKEN_ENV, &token)
        .run();
    assert_eq!(ids(&okta.state()["deletedUsers"]), [MALLORY]);
    repo.offboard(["verify"]).run();
    assert_no_violations(&okta);
}

#[test]
fn the_rate_limit_is_waited_out_until_its_reset() {
    let okta = OktaServer::start();
    okta.seed(&seed());
    let repo = repo(&okta);
    okta.fault(&json!({"kind": "rate_limit", "method": "POST",
                       "path": "/api/v1/users/*/lifecycle/deactivate", "retry_after": 2}));
    let started = std::time::Instant::now();
    repo.offboard(["mallory", "--playbook", "okta-leaver"])
        .env(TOKEN_ENV, &okta.api_token)
        .status(4)
        .run();
    // The run waited for the reset Okta named (the second it names, so at least one more).
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    let deactivations: Vec<i64> = okta
        .requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .ends_with("/lifecycle/deactivate")
        })
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    assert_eq!(deactivations, [429, 200]);
    assert_eq!(
        user_in_state(&okta.state(), MALLORY)["status"],
        "DEPROVISIONED"
    );
    assert_no_violations(&okta);
}
