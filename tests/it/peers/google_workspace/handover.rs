//! Data hand-over: Drive and Calendar transferred to the manager with the Data Transfer API.
//! The run waits (exit 4) while the transfer runs, `due` confirms it once Google shows it
//! completed, and the user is deleted only after that; a failed transfer fails the step naming
//! each application, and a rerun starts a new one.

use serde_json::{Value, json};

use super::{IVAN, MALLORY, assert_no_violations, repo, seed, user, writes};
use crate::support::peers::google::GoogleServer;

const PLAYBOOK: &str = r#"version: 1
name: google-leaver
description: Termination in Google Workspace, data to the manager.
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
  - id: hand-over-data
    kind: iam.transfer_data
    connector: workspace
    owner: iam
    risk: high
    after: [suspend-google]
  - id: delete-google
    kind: iam.delete
    connector: workspace
    owner: iam
    risk: low
    destructive: true
    after: [hand-over-data]
"#;

fn started(progress: Value) -> (GoogleServer, crate::support::repo::Repo) {
    let google = GoogleServer::start();
    google.seed(&seed());
    google.transfers(&progress);
    let repo = repo(&google, PLAYBOOK);
    (google, repo)
}

fn transfers(state: &Value) -> Vec<Value> {
    state["transfers"].as_array().unwrap().clone()
}

fn exists(state: &Value, id: &str) -> bool {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == id)
}

#[test]
fn the_run_waits_for_the_transfer_and_due_finishes_it() {
    // In progress for four reads: the read-back after the insert, and the three reads of the
    // next invocation (before, when applying, and the read-back).
    let (google, repo) = started(json!({"reads": 4, "ms": 0, "fail": 0}));
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "google-leaver"])
        .run();
    assert!(
        plan.stdout
            .contains("would hand the account's data over to ivan.petrov@acme.example"),
        "{}",
        plan.stdout
    );

    let run = repo
        .offboard(["mallory", "--playbook", "google-leaver"])
        .status(4)
        .run();
    assert!(
        run.stdout.contains("in progress: data transfer"),
        "{}",
        run.stdout
    );
    let state = google.state();
    let [transfer] = transfers(&state).try_into().unwrap();
    assert_eq!(transfer["oldOwnerUserId"], MALLORY);
    assert_eq!(transfer["newOwnerUserId"], IVAN);
    let apps: Vec<&str> = transfer["applicationDataTransfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["applicationId"].as_str().unwrap())
        .collect();
    assert_eq!(apps, ["55656082996", "435070579839"]);
    // Not deleted while the transfer runs.
    assert!(exists(&state, MALLORY));
    assert_eq!(user(&state, MALLORY)["suspended"], true);
    let run_id = repo.run_of("E1007");
    let waiting = repo.events(&run_id, "step.waiting", "hand-over-data");
    assert_eq!(waiting[0]["evidence"]["transfer"]["status"], "in_progress");

    // `due` reads it again: still running, the run still waits.
    let due = repo.offboard(["due"]).status(4).run();
    assert!(
        due.stdout.contains("in progress: data transfer"),
        "{}",
        due.stdout
    );
    assert!(exists(&google.state(), MALLORY));
    assert_eq!(
        repo.events(&run_id, "step.waiting", "hand-over-data").len(),
        2
    );

    // And again: completed, confirmed, and only then the user is deleted.
    repo.offboard(["due"]).run();
    let state = google.state();
    assert_eq!(
        transfers(&state)[0]["overallTransferStatusCode"],
        "completed"
    );
    assert!(!exists(&state, MALLORY));
    assert_eq!(state["deletedUsers"][0]["id"], MALLORY);
    let confirmed = repo.events(&run_id, "step.confirmed", "hand-over-data");
    let after = &confirmed[0]["evidence"]["after"]["transfers"][0];
    assert_eq!(after["status"], "completed");
    assert_eq!(after["to"], "ivan.petrov@acme.example");
    assert_eq!(
        after["applications"],
        json!({"Calendar": "completed", "Drive and Docs": "completed"})
    );
    repo.offboard(["verify"]).run();

    let before = writes(&google);
    repo.offboard(["run", "mallory", "--playbook", "google-leaver"])
        .run();
    assert_eq!(writes(&google), before);
    assert_eq!(transfers(&google.state()).len(), 1);
    assert_no_violations(&google);
}

#[test]
fn a_failed_transfer_fails_the_step_and_a_rerun_starts_another() {
    let (google, repo) = started(json!({"reads": 1, "ms": 0, "fail": 1}));
    repo.offboard(["mallory", "--playbook", "google-leaver"])
        .status(4)
        .run();
    let failed = repo.offboard(["due"]).status(3).run();
    let shown = format!("{}{}", failed.stdout, failed.stderr);
    assert!(
        shown.contains("failed: Calendar: failed, Drive and Docs: failed"),
        "{shown}"
    );
    let state = google.state();
    assert!(
        exists(&state, MALLORY),
        "never deleted without the hand-over"
    );
    assert_eq!(transfers(&state)[0]["overallTransferStatusCode"], "failed");

    // The rerun starts a new transfer, which completes; then the user goes.
    repo.offboard(["run", "mallory", "--playbook", "google-leaver"])
        .status(4)
        .run();
    assert_eq!(transfers(&google.state()).len(), 2);
    repo.offboard(["due"]).run();
    let state = google.state();
    assert!(!exists(&state, MALLORY));
    repo.offboard(["verify"]).run();
    assert_no_violations(&google);
}
