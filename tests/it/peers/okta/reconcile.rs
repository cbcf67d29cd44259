//! `offboard reconcile` reading an org through the fake Okta: every page of users, then the
//! deactivated ones, each with its groups, app assignments (costed by label) and last login.
//! The findings on the org are exact; the fake received only reads, none breaking Okta's API
//! description.

use serde_json::{Value, json};

use super::assert_no_violations;
use super::offboarding::{MALLORY, MALLORY_LOGIN, TOKEN_ENV, repo_costing};
use crate::support::peers::okta::OktaServer;
use crate::support::peers::{findings_on, named_findings};
use crate::support::test::Output;

const NINA: &str = "00u1nina000000000018";
const OSCAR: &str = "00u1oscar00000000019";
const HEIDI: &str = "00u1heidi00000000009";
const GHOST: &str = "00u1ghost00000000099";
/// Users beyond one page of 200.
const GENERATED: usize = 201;
/// The findings on the named users.
const NAMED: [&str; 9] = [
    // Heidi left on 15 October and is deactivated: no account, but her group still grants.
    "orphan heidi.svensson@acme.example design 0 47",
    // Mallory left on 28 November: her account, app and groups (the app group too; Everyone
    // is no entitlement).
    "orphan mallory.hartmann@acme.example mallory.hartmann@acme.example 0 3",
    "orphan mallory.hartmann@acme.example sales 0 3",
    "orphan mallory.hartmann@acme.example sales-ad 0 3",
    "orphan mallory.hartmann@acme.example salesforce 7500 3",
    "unknown_holder ghost@acme.example ghost@acme.example 0 -",
    "unknown_holder ghost@acme.example slack 875 -",
    "excess nina.rossi@acme.example finance 0 -",
    "dormant oscar.lindgren@acme.example netsuite 9900 214",
];

/// An org holding: Mallory (an HR leaver, still active, in groups and an app), Heidi (an HR
/// leaver, deactivated, still in a group), a ghost account HR does not know holding a paid app,
/// Nina (in the finance group her sales role does not carry), Oscar (his paid NetSuite app
/// unused since May), and `generated` users HR does not know.
fn seed(generated: usize) -> Value {
    let mut users = vec![
        json!({"id": MALLORY, "login": MALLORY_LOGIN, "employeeNumber": "E1007",
               "lastLogin": "2026-11-27T17:02:00.000Z"}),
        json!({"id": NINA, "login": "nina.rossi@acme.example", "employeeNumber": "E1018",
               "lastLogin": "2026-11-30T08:00:00.000Z"}),
        json!({"id": OSCAR, "login": "oscar.lindgren@acme.example", "employeeNumber": "E1019",
               "lastLogin": "2026-05-01T08:00:00.000Z"}),
        json!({"id": HEIDI, "login": "heidi.svensson@acme.example", "employeeNumber": "E1009",
               "status": "DEPROVISIONED", "lastLogin": "2026-10-14T16:00:00.000Z"}),
        json!({"id": GHOST, "login": "ghost@acme.example"}),
    ];
    for i in 0..generated {
        users.push(json!({"id": format!("00u1gen{i:013}"),
                          "login": format!("gen-{i:04}@acme.example")}));
    }
    json!({
        "users": users,
        "groups": [
            {"id": "00g1everyone000001", "name": "Everyone", "type": "BUILT_IN",
             "members": [MALLORY, NINA, OSCAR, HEIDI, GHOST]},
            {"id": "00g1sales000000002", "name": "sales", "members": [MALLORY, NINA]},
            {"id": "00g1adsales0000003", "name": "sales-ad", "type": "APP_GROUP",
             "members": [MALLORY]},
            {"id": "00g1finance0000004", "name": "finance", "members": [NINA, OSCAR]},
            {"id": "00g1design00000005", "name": "design", "members": [HEIDI]},
        ],
        "apps": [
            {"id": "0oa1salesforce0001", "name": "salesforce", "label": "salesforce",
             "users": [MALLORY, NINA]},
            {"id": "0oa1slack000000002", "name": "slack", "label": "slack",
             "users": [NINA, GHOST]},
            {"id": "0oa1netsuite000003", "name": "netsuite", "label": "netsuite",
             "users": [OSCAR]},
        ],
    })
}

/// The `GET /api/v1/users` requests the fake received, as `(status, limit, after given,
/// filter)`.
fn user_pages(okta: &OktaServer) -> Vec<(i64, String, bool, String)> {
    okta.requests()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/api/v1/users")
        .map(|r| {
            let query = &r["query"];
            (
                r["status"].as_i64().unwrap(),
                query["limit"].as_str().unwrap_or("").to_owned(),
                query.get("after").is_some(),
                query["filter"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// `offboard --format json reconcile` on the first of December against `okta`, exiting
/// `status`.
fn reconcile(okta: &OktaServer, status: i32) -> Output {
    repo_costing(okta, "{ salesforce: 7500, slack: 875, netsuite: 9900 }")
        .offboard(["--format", "json", "reconcile"])
        .now("2026-12-01T09:00:00Z")
        .env(TOKEN_ENV, &okta.api_token)
        .status(status)
        .run()
}

#[test]
fn the_org_is_read_page_by_page_with_groups_apps_and_last_logins() {
    let okta = OktaServer::start();
    okta.seed(&seed(GENERATED));
    let out = reconcile(&okta, 1);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(named_findings(&doc, "okta"), NAMED, "{}", out.stdout);
    // Every generated user (none in HR) is an unknown account, read across both pages.
    let generated: Vec<&str> = findings_on(&doc, "okta")
        .filter(|f| f["account"].as_str().unwrap().starts_with("gen-"))
        .map(|f| f["account"].as_str().unwrap())
        .collect();
    assert_eq!(generated.len(), GENERATED);
    assert_eq!(
        (generated[0], generated[GENERATED - 1]),
        ("gen-0000@acme.example", "gen-0200@acme.example")
    );
    // Two pages of the users Okta lists plainly, then the deactivated ones.
    let deactivated = "status eq \"DEPROVISIONED\"".to_owned();
    assert_eq!(
        user_pages(&okta),
        [
            (200, "200".to_owned(), false, String::new()),
            (200, "200".to_owned(), true, String::new()),
            (200, "200".to_owned(), false, deactivated),
        ]
    );
    assert!(
        doc["coverage"]["sources"]
            .as_array()
            .unwrap()
            .contains(&json!("okta (okta)")),
        "{}",
        doc["coverage"]
    );
    let writes: Vec<String> = okta
        .requests()
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(!out.stdout.contains(&okta.api_token) && !out.stderr.contains(&okta.api_token));
    assert_no_violations(&okta);
}

#[test]
fn a_rate_limit_is_waited_out_and_a_refusal_names_the_connector() {
    let okta = OktaServer::start();
    okta.seed(&seed(0));
    okta.fault(&json!({"kind": "rate_limit", "method": "GET",
                       "path": "/api/v1/users/*/appLinks", "retry_after": 1}));
    let out = reconcile(&okta, 1);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(named_findings(&doc, "okta"), NAMED, "{}", out.stdout);
    let statuses: Vec<i64> = okta
        .requests()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/appLinks"))
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    // Five users, the first one asked twice.
    assert_eq!(statuses, [429, 200, 200, 200, 200, 200]);

    okta.fault(&json!({"kind": "forbidden", "method": "GET", "path": "/api/v1/users"}));
    let out = reconcile(&okta, 2);
    assert!(
        out.stderr.contains("connector `okta`")
            && out.stderr.contains("403")
            && out
                .stderr
                .contains("grant the service app the scope okta.users.read"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&okta.api_token));
    assert_no_violations(&okta);
}
