//! `offboard reconcile` reading a customer through the fake Google Workspace: every page of
//! users (suspended ones too), the holders of each configured license, each user's groups and
//! last login. The findings on the customer are exact; the fake received only reads, none
//! breaking Google's discovery documents.

use serde_json::{Value, json};

use super::{ADMIN, MALLORY, MALLORY_EMAIL, PRODUCT, SKU, assert_no_violations, repo, writes};
use crate::support::peers::google::GoogleServer;
use crate::support::peers::{findings_on, named_findings};
use crate::support::repo::Repo;
use crate::support::test::Output;

const NINA: &str = "118";
const OSCAR: &str = "119";
const HEIDI: &str = "109";
const GHOST: &str = "199";
/// Users beyond one page of 500.
const GENERATED: usize = 501;
/// The findings on the named users: `kind account entitlement cost days`.
const NAMED: [&str; 9] = [
    // Heidi left on 15 October and is suspended: no account, but her group still grants.
    "orphan heidi.svensson@acme.example design@acme.example 0 47",
    // Mallory left on 28 November: her account, license and group.
    "orphan mallory.hartmann@acme.example mallory.hartmann@acme.example 0 3",
    "orphan mallory.hartmann@acme.example sales@acme.example 0 3",
    "orphan mallory.hartmann@acme.example 1010020020 1400 3",
    // The admin the service account acts for, and a ghost with a license: HR knows neither.
    "unknown_holder admin@example.com admin@example.com 0 -",
    "unknown_holder ghost@acme.example ghost@acme.example 0 -",
    "unknown_holder ghost@acme.example 1010020020 1400 -",
    // Nina's sales role does not carry the finance group; her license, never used, is no
    // dormant seat (Google's "never" is no sign-in).
    "excess nina.rossi@acme.example finance@acme.example 0 -",
    "dormant oscar.lindgren@acme.example 1010020020 1400 214",
];

const PLAYBOOK: &str = r#"version: 1
name: google-leaver
description: Termination in Google Workspace.
owners:
  iam: it-ops@acme.example
triggers: [terminated]
steps:
  - id: suspend-google
    kind: iam.deactivate
    connector: workspace
    owner: iam
    risk: critical
"#;

fn employee(id: &str) -> Value {
    json!([{"type": "organization", "value": id}])
}

/// A customer holding: Mallory (an HR leaver, still active, in a group, licensed), Heidi (an
/// HR leaver, suspended, still in a group), a ghost account HR does not know holding the
/// license, Nina (in the finance group her sales role does not carry; licensed, never signed
/// in), Oscar (licensed, not signed in since May), and `generated` users HR does not know.
fn seed(generated: usize) -> Value {
    let mut users = vec![
        json!({"id": "100", "primaryEmail": ADMIN, "isAdmin": true,
               "lastLoginTime": "2026-11-30T08:00:00.000Z"}),
        json!({"id": MALLORY, "primaryEmail": MALLORY_EMAIL, "externalIds": employee("E1007"),
               "lastLoginTime": "2026-11-27T17:02:00.000Z"}),
        json!({"id": NINA, "primaryEmail": "nina.rossi@acme.example",
               "externalIds": [{"type": "account", "value": "x"},
                               {"type": "organization", "value": "E1018"}]}),
        json!({"id": OSCAR, "primaryEmail": "oscar.lindgren@acme.example",
               "externalIds": employee("E1019"), "lastLoginTime": "2026-05-01T08:00:00.000Z"}),
        json!({"id": HEIDI, "primaryEmail": "heidi.svensson@acme.example",
               "externalIds": employee("E1009"), "suspended": true,
               "lastLoginTime": "2026-10-14T16:00:00.000Z"}),
        json!({"id": GHOST, "primaryEmail": "ghost@acme.example",
               "lastLoginTime": "2026-11-30T08:00:00.000Z"}),
    ];
    for i in 0..generated {
        users.push(json!({"id": format!("9{i:05}"),
                          "primaryEmail": format!("gen-{i:04}@acme.example")}));
    }
    json!({
        "customer": {"id": "C01acme", "domain": "acme.example"},
        "users": users,
        "groups": [
            {"id": "03a1", "email": "sales@acme.example", "members": [MALLORY]},
            {"id": "03a2", "email": "finance@acme.example", "members": [NINA]},
            {"id": "03a3", "email": "design@acme.example", "members": [HEIDI]},
        ],
        "skus": [
            {"productId": PRODUCT, "skuId": SKU, "users": [MALLORY, NINA, OSCAR, GHOST]},
        ],
    })
}

/// The repository of [`repo`], its roles giving sales and finance the Workspace license.
fn repo_reconciling(google: &GoogleServer) -> Repo {
    let repo = repo(google, PLAYBOOK);
    let roles = repo.read("roles.yaml");
    let roles = roles
        .replace(
            "licenses: [workspace, slack, 1password, salesforce, zoom]",
            "licenses: [workspace, slack, 1password, salesforce, zoom, \"1010020020\"]",
        )
        .replace(
            "licenses: [workspace, slack, 1password, netsuite]",
            "licenses: [workspace, slack, 1password, netsuite, \"1010020020\"]",
        );
    repo.write("roles.yaml", &roles);
    repo.commit("the Workspace license in the sales and finance roles");
    repo
}

/// `offboard --format json reconcile` on the first of December, exiting 1 (findings).
fn reconcile(repo: &Repo) -> (Output, Value) {
    let out = repo
        .offboard(["--format", "json", "reconcile"])
        .now("2026-12-01T09:00:00Z")
        .status(1)
        .run();
    let doc = serde_json::from_str(&out.stdout).unwrap();
    (out, doc)
}

/// The query of each call of `path` the fake answered, with its status.
fn calls(google: &GoogleServer, path: &str) -> Vec<(i64, Value)> {
    google
        .requests()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == path)
        .map(|r| (r["status"].as_i64().unwrap(), r["query"].clone()))
        .collect()
}

#[test]
fn the_customer_is_read_with_licenses_groups_and_last_logins() {
    let google = GoogleServer::start();
    google.seed(&seed(0));
    let repo = repo_reconciling(&google);
    let (out, doc) = reconcile(&repo);
    assert_eq!(named_findings(&doc, "workspace"), NAMED, "{}", out.stdout);
    assert!(
        doc["coverage"]["sources"]
            .as_array()
            .unwrap()
            .contains(&json!("workspace (google_workspace)")),
        "{}",
        doc["coverage"]
    );
    // One license listed for the customer by its id, one page of users, a groups listing each.
    let licensing = format!("/apps/licensing/v1/product/{PRODUCT}/sku/{SKU}/users");
    assert_eq!(
        calls(&google, &licensing),
        [(200, json!({"customerId": "C01acme", "maxResults": "1000"}))]
    );
    assert_eq!(
        calls(&google, "/admin/directory/v1/users"),
        [(200, json!({"customer": "my_customer", "maxResults": "500"}))]
    );
    assert_eq!(calls(&google, "/admin/directory/v1/groups").len(), 6);
    assert_eq!(writes(&google), 0, "{:?}", google.requests());
    assert_no_violations(&google);
}

#[test]
fn every_page_of_users_is_read() {
    let google = GoogleServer::start();
    google.seed(&seed(GENERATED));
    let repo = repo_reconciling(&google);
    let (out, doc) = reconcile(&repo);
    assert_eq!(named_findings(&doc, "workspace"), NAMED, "{}", out.stdout);
    // Every generated user (none in HR) is an unknown account, read across both pages.
    let generated: Vec<&str> = findings_on(&doc, "workspace")
        .filter(|f| f["account"].as_str().unwrap().starts_with("gen-"))
        .map(|f| f["account"].as_str().unwrap())
        .collect();
    assert_eq!(generated.len(), GENERATED);
    let pages = calls(&google, "/admin/directory/v1/users");
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[0].1.get("pageToken").is_none());
    assert!(
        pages[1].1["pageToken"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(pages.iter().all(|(status, _)| *status == 200));
    assert_eq!(writes(&google), 0);
    assert_no_violations(&google);
}

#[test]
fn a_rate_limit_is_waited_out_and_a_refusal_names_the_connector_and_scope() {
    let google = GoogleServer::start();
    google.seed(&seed(0));
    let repo = repo_reconciling(&google);
    google.fault(&json!({"kind": "rate_limit", "method": "GET",
                         "path": "/admin/directory/v1/groups"}));
    let (out, doc) = reconcile(&repo);
    assert_eq!(named_findings(&doc, "workspace"), NAMED, "{}", out.stdout);
    let groups = calls(&google, "/admin/directory/v1/groups");
    assert_eq!(groups.first().map(|(status, _)| *status), Some(403));
    assert_eq!(groups.len(), 7, "six users, the first one asked twice");

    google.fault(&json!({"kind": "forbidden", "method": "GET",
                         "path": "/admin/directory/v1/users"}));
    let out = repo
        .offboard(["--format", "json", "reconcile"])
        .now("2026-12-01T09:00:00Z")
        .status(2)
        .run();
    assert!(
        out.stderr.contains("connector `workspace`")
            && out.stderr.contains("403")
            && out.stderr.contains(
                "delegate the scope https://www.googleapis.com/auth/admin.directory.user.readonly"
            ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("PRIVATE KEY"));
    assert_eq!(writes(&google), 0);
    assert_no_violations(&google);
}
