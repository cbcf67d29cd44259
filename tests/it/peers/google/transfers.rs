//! Data Transfer: a transfer stays in progress, then completes; a seeded one fails; a transfer
//! naming an unknown application or user is refused.

use reqwest::Method;
use serde_json::{Value, json};

use super::{BOSS, CALENDAR, DRIVE, PAT, TRANSFERS, assert_no_violations, seeded};
use crate::support::peers::google::GoogleServer;

fn transfer_body() -> Value {
    json!({
        "oldOwnerUserId": PAT, "newOwnerUserId": BOSS,
        "applicationDataTransfers": [
            {"applicationId": DRIVE, "applicationTransferParams": [
                {"key": "PRIVACY_LEVEL", "value": ["PRIVATE", "SHARED"]}]},
            {"applicationId": CALENDAR, "applicationTransferParams": [
                {"key": "RELEASE_RESOURCES", "value": ["TRUE"]}]},
        ],
    })
}

fn statuses(transfer: &Value) -> (String, Vec<String>) {
    let apps = transfer["applicationDataTransfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["applicationTransferStatus"].as_str().unwrap().to_owned())
        .collect();
    (
        transfer["overallTransferStatusCode"]
            .as_str()
            .unwrap()
            .to_owned(),
        apps,
    )
}

fn insert(google: &GoogleServer, token: &str) -> String {
    let inserted = google.call(Method::POST, TRANSFERS, &[], token, Some(&transfer_body()));
    assert_eq!(inserted.status, 200, "{:?}", inserted.body);
    assert_eq!(statuses(&inserted.body).0, "inProgress");
    inserted.body["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_transfer_is_in_progress_for_n_reads_then_completed() {
    let (google, token) = seeded();
    google.transfers(&json!({"reads": 2}));
    let id = insert(&google, &token);
    let path = format!("{TRANSFERS}/{id}");
    for _ in 0..2 {
        let read = google.get(&path, &[], &token);
        assert_eq!(statuses(&read.body).0, "inProgress");
    }
    let done = google.get(&path, &[], &token);
    let both = vec!["completed".to_owned(), "completed".to_owned()];
    assert_eq!(statuses(&done.body), ("completed".to_owned(), both));
    assert_eq!(done.body["oldOwnerUserId"], PAT);
    assert_eq!(done.body["newOwnerUserId"], BOSS);
    let listed = google.get(TRANSFERS, &[("oldOwnerUserId", PAT)], &token);
    assert_eq!(listed.body["dataTransfers"][0]["id"], id.as_str());
    assert_eq!(
        listed.body["dataTransfers"][0]["overallTransferStatusCode"],
        "completed"
    );
    assert_eq!(
        google.state()["transfers"][0]["overallTransferStatusCode"],
        "completed"
    );
    assert_eq!(
        google
            .get(&format!("{TRANSFERS}/AKrEtIbnope"), &[], &token)
            .status,
        404
    );
    assert_no_violations(&google);
}

#[test]
fn a_transfer_is_in_progress_for_a_time_then_completed() {
    let (google, token) = seeded();
    google.transfers(&json!({"reads": 0, "ms": 3000}));
    let path = format!("{TRANSFERS}/{}", insert(&google, &token));
    assert_eq!(
        statuses(&google.get(&path, &[], &token).body).0,
        "inProgress"
    );
    std::thread::sleep(std::time::Duration::from_millis(3100));
    assert_eq!(
        statuses(&google.get(&path, &[], &token).body).0,
        "completed"
    );
    assert_no_violations(&google);
}

#[test]
fn a_seeded_failure_ends_failed_and_the_next_transfer_completes() {
    let (google, token) = seeded();
    google.transfers(&json!({"reads": 0, "fail": 1}));
    let failed = insert(&google, &token);
    let read = google.get(&format!("{TRANSFERS}/{failed}"), &[], &token);
    let both = vec!["failed".to_owned(), "failed".to_owned()];
    assert_eq!(statuses(&read.body), ("failed".to_owned(), both));
    let next = insert(&google, &token);
    let read = google.get(&format!("{TRANSFERS}/{next}"), &[], &token);
    assert_eq!(statuses(&read.body).0, "completed");
    assert_no_violations(&google);
}

#[test]
fn transfers_naming_unknown_applications_or_users_are_refused() {
    let (google, token) = seeded();
    let mut body = transfer_body();
    body["applicationDataTransfers"][0]["applicationId"] = json!("12345");
    let refused = google.call(Method::POST, TRANSFERS, &[], &token, Some(&body));
    assert_eq!((refused.status, refused.reason()), (400, "invalid"));
    let mut body = transfer_body();
    body["newOwnerUserId"] = json!("999");
    assert_eq!(
        google
            .call(Method::POST, TRANSFERS, &[], &token, Some(&body))
            .status,
        400
    );
    assert_eq!(google.state()["transfers"], json!([]));
    assert_no_violations(&google);
}
