//! Google's rate limits waited out (403 `rateLimitExceeded` and `userRateLimitExceeded`, 429),
//! a 403 that is not a rate limit named with the scope, and every page of a listing read.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{MALLORY, assert_no_violations, repo, seed, user};
use crate::support::peers::google::GoogleServer;

const PLAYBOOK: &str = r#"version: 1
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
  - id: leave-google-groups
    kind: iam.remove_groups
    connector: workspace
    owner: iam
    risk: high
    after: [suspend-google]
"#;

/// The statuses the fake answered calls of `method` on paths ending in `suffix`, in order.
fn statuses(google: &GoogleServer, method: &str, suffix: &str) -> Vec<i64> {
    google
        .requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"].as_str().unwrap().ends_with(suffix))
        .map(|r| r["status"].as_i64().unwrap())
        .collect()
}

#[test]
fn rate_limits_are_waited_out() {
    let google = GoogleServer::start();
    google.seed(&seed());
    let repo = repo(&google, PLAYBOOK);
    let user_path = format!("/admin/directory/v1/users/{MALLORY}");
    google.fault(&json!([
        {"kind": "rate_limit", "method": "PATCH", "path": user_path},
        {"kind": "user_rate_limit", "method": "PATCH", "path": user_path},
        {"kind": "throttle", "method": "POST", "path": "*/signOut", "retry_after": 1},
    ]));
    let started = Instant::now();
    repo.offboard(["mallory", "--playbook", "google-leaver"])
        .run();
    // The 429 asked for a second; the 403s back off with jitter.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(statuses(&google, "PATCH", MALLORY), [403, 403, 200]);
    assert_eq!(statuses(&google, "POST", "/signOut"), [429, 204]);
    let state = google.state();
    assert_eq!(user(&state, MALLORY)["suspended"], true);
    assert_eq!(user(&state, MALLORY)["signOuts"], 1);
    assert_no_violations(&google);
}

#[test]
fn a_refused_scope_is_named_and_stops_the_run() {
    let google = GoogleServer::start();
    google.seed(&seed());
    let repo = repo(&google, PLAYBOOK);
    google.fault(&json!({"kind": "forbidden", "method": "PATCH", "times": null}));
    let out = repo
        .offboard(["mallory", "--playbook", "google-leaver"])
        .status(3)
        .run();
    let shown = format!("{}{}", out.stdout, out.stderr);
    assert!(
        shown.contains(
            "delegate the scope https://www.googleapis.com/auth/admin.directory.user to the \
             service account"
        ),
        "{shown}"
    );
    assert_eq!(statuses(&google, "PATCH", MALLORY), [403]);
    assert_eq!(user(&google.state(), MALLORY)["suspended"], false);
    assert_no_violations(&google);
}

#[test]
fn every_page_of_groups_is_read_and_left() {
    let google = GoogleServer::start();
    let mut seed = seed();
    let groups = seed["groups"].as_array_mut().unwrap();
    // More groups than one page of groups.list holds (200).
    for n in 0..250 {
        groups.push(json!({
            "id": format!("09p{n:04}"),
            "email": format!("project-{n:04}@acme.example"),
            "members": [MALLORY],
        }));
    }
    google.seed(&seed);
    let repo = repo(&google, PLAYBOOK);
    let plan = repo
        .offboard(["plan", "mallory", "--playbook", "google-leaver"])
        .run();
    assert!(
        plan.stdout.contains("project-0249@acme.example"),
        "{}",
        plan.stdout
    );
    repo.offboard(["mallory", "--playbook", "google-leaver"])
        .run();
    let state = google.state();
    let still: Vec<&str> = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["members"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == MALLORY)
        })
        .map(|g| g["email"].as_str().unwrap())
        .collect();
    assert_eq!(still, Vec::<&str>::new());
    let listings: Vec<bool> = google
        .requests()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/admin/directory/v1/groups")
        .map(|r| r["query"].get("pageToken").is_some())
        .collect();
    // Two pages for the plan, for the run's read and when leaving; one (empty) for the
    // read-back.
    assert_eq!(
        listings,
        [false, true, false, true, false, true, false],
        "second pages asked for with the nextPageToken"
    );
    assert_no_violations(&google);
}
