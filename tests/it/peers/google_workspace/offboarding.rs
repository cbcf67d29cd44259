//! Plan, run, verify and re-run of playbooks on the google_workspace connector.

use super::{MALLORY, NANCY, assert_no_violations, repo, seed, user, writes};
use crate::support::peers::google::GoogleServer;

const SUSPEND: &str = r#"version: 1
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
"#;

#[test]
fn mallory_is_suspended_verified_and_a_rerun_changes_nothing() {
    let google = GoogleServer::start();
    google.seed(&seed());
    let repo = repo(&google, SUSPEND);
    let schema = crate::support::source_root().join("schema/config.schema.json");
    let errors = crate::support::json_schema::schema_errors(&schema, &repo.read("offboard.yaml"));
    assert_eq!(errors, Vec::<String>::new());

    let untouched = google.state();
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "google-leaver"])
        .run();
    assert!(
        plan.stdout.contains("deactivate the account"),
        "{}",
        plan.stdout
    );
    assert_eq!(google.state(), untouched);

    let run = repo
        .offboard(["mallory", "--playbook", "google-leaver"])
        .run();
    let state = google.state();
    assert_eq!(user(&state, MALLORY)["suspended"], true);
    assert_eq!(user(&state, NANCY)["suspended"], false);
    let run_id = repo.run_of("E1007");
    let confirmed = repo.events(&run_id, "step.confirmed", "suspend-google");
    assert_eq!(confirmed[0]["evidence"]["before"]["active"], true);
    assert_eq!(confirmed[0]["evidence"]["after"]["active"], false);
    repo.offboard(["verify"]).run();
    // The service account's key is in no output and no journal record.
    let pem = std::fs::read_to_string(&google.key).unwrap();
    let secret = pem.lines().nth(2).unwrap();
    let journal = serde_json::to_string(&repo.journal(&run_id)).unwrap();
    for shown in [&run.stdout, &run.stderr, &journal] {
        assert!(!shown.contains(secret));
    }

    let before = writes(&google);
    repo.offboard(["run", "mallory", "--playbook", "google-leaver"])
        .run();
    assert_eq!(writes(&google), before);
    assert_eq!(google.state()["users"], state["users"]);
    assert_no_violations(&google);
}

#[test]
fn an_unusable_key_file_is_named_without_quoting_it() {
    let google = GoogleServer::start();
    google.seed(&seed());
    let repo = repo(&google, SUSPEND);
    let key = google.dir().join("service-account.json");
    std::fs::write(
        &key,
        r#"{"client_email": "sa@x.iam.gserviceaccount.com", "private_key": "s3cr3t"}"#,
    )
    .unwrap();
    let out = repo
        .offboard(["mallory", "--playbook", "google-leaver"])
        .any_status()
        .run();
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("service-account.json")
            && out.stderr.contains("not an RSA private key"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cr3t"));
    assert!(google.requests().is_empty());
}
