//! The whole Google leaver: suspend, sign out and revoke every token and app password, leave
//! groups, release the license, and delete 30 days on (staged: the plan says Google keeps
//! deleted users 20 days).

use serde_json::{Value, json};

use super::{IVAN, MALLORY, NANCY, SKU, assert_no_violations, repo, seed, user, writes};
use crate::support::peers::google::GoogleServer;

pub(crate) const PLAYBOOK: &str = r#"version: 1
name: google-leaver
description: Termination in Google Workspace.
owners:
  iam: it-ops@acme.example
triggers: [terminated]
steps:
  - id: confirm-termination
    kind: hr.require_leaver_status
    owner: iam
    risk: critical
  - id: suspend-google
    kind: iam.deactivate
    connector: workspace
    owner: iam
    risk: critical
    after: [confirm-termination]
  - id: revoke-google
    kind: iam.revoke_sessions
    connector: workspace
    owner: iam
    risk: critical
    after: [confirm-termination]
  - id: retain-data
    kind: iam.retain_data
    connector: directory
    owner: iam
    risk: high
    after: [suspend-google]
  - id: leave-google-groups
    kind: iam.remove_groups
    connector: workspace
    owner: iam
    risk: high
    after: [revoke-google, retain-data]
  - id: release-google-licenses
    kind: inventory.release_seats
    connector: workspace
    owner: iam
    risk: standard
    after: [retain-data]
  - id: delete-google
    kind: iam.delete
    connector: workspace
    owner: iam
    risk: low
    destructive: true
    at: +30d
    after: [release-google-licenses, leave-google-groups]
"#;

fn members(state: &Value, email: &str) -> Value {
    let group = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["email"] == email)
        .unwrap();
    group["members"].clone()
}

fn sku_users(state: &Value) -> Value {
    state["skus"][0]["users"].clone()
}

#[test]
fn mallory_leaves_google_workspace_and_is_deleted_when_due() {
    let google = GoogleServer::start();
    google.seed(&seed());
    let repo = repo(&google, PLAYBOOK);

    let untouched = google.state();
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "google-leaver"])
        .run();
    for expected in [
        "deactivate the account",
        "revoke sessions",
        "leave groups sales@acme.example, staff@acme.example",
        "release seats 1010020020",
        "Google keeps deleted users 20 days",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "{expected}:\n{}",
            plan.stdout
        );
    }
    assert_eq!(google.state(), untouched);

    repo.offboard(["mallory", "--playbook", "google-leaver"])
        .status(4)
        .run();
    let state = google.state();
    let mallory = user(&state, MALLORY);
    assert_eq!(mallory["suspended"], true);
    assert_eq!(mallory["signOuts"], 1);
    assert_eq!(mallory["tokens"], json!([]));
    assert_eq!(mallory["asps"], json!([]));
    // Nancy keeps her token, her groups and her license.
    assert_eq!(user(&state, NANCY)["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(members(&state, "sales@acme.example"), json!([NANCY]));
    assert_eq!(members(&state, "staff@acme.example"), json!([IVAN, NANCY]));
    assert_eq!(sku_users(&state), json!([NANCY]));

    // The evidence names each token and app password revoked, and the seat with its cost.
    let run_id = repo.run_of("E1007");
    let revoked = repo.events(&run_id, "step.confirmed", "revoke-google");
    assert_eq!(
        revoked[0]["evidence"]["before"]["tokens"],
        json!([
            "app-password:7 (Thunderbird)",
            "oauth:1234.apps.googleusercontent.com (Mail client)",
            "oauth:5678.apps.googleusercontent.com (Notes)",
        ])
    );
    assert_eq!(revoked[0]["evidence"]["after"]["sessions"], 0);
    assert!(revoked[0]["evidence"]["after"].get("tokens").is_none());
    let seats = repo.events(&run_id, "step.confirmed", "release-google-licenses");
    assert_eq!(
        seats[0]["evidence"]["released_seats"],
        json!([{"product": SKU, "monthly_cost_cents": 1400}])
    );
    assert_eq!(
        repo.events(&run_id, "step.scheduled", "delete-google")
            .len(),
        1
    );
    repo.offboard(["verify"]).run();

    // A rerun before the delete is due changes nothing.
    let before = writes(&google);
    repo.offboard(["run", "mallory", "--playbook", "google-leaver"])
        .status(4)
        .run();
    assert_eq!(writes(&google), before);
    assert_eq!(google.state(), state);

    // Thirty days after the termination, `due` deletes her.
    repo.offboard(["due"]).now("2027-01-05T09:00:00Z").run();
    let state = google.state();
    assert!(
        state["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["id"] != MALLORY)
    );
    assert_eq!(state["deletedUsers"][0]["id"], MALLORY);
    repo.offboard(["verify"]).run();
    assert_no_violations(&google);
}
