//! The shipped leaver playbooks for an Okta company (`examples/acme-okta`) and a Google
//! Workspace company (`examples/acme-google-workspace`), each a committed copy beside the
//! `examples/acme` it takes its HR export, glossary, roles and keys from, pointed at the fake
//! Okta or the fake Google Workspace (every call checked against the vendor's description). The
//! real binary offboards Mallory (E1007, terminated) with the involuntary leaver of each; what
//! the fake holds afterwards is read from its control API, the finance notice with plain SQL.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::fabrikam::{assert_no_violations, by_id, holding, writes};
use crate::support::journal::{confirmation, runs};
use crate::support::peers::google::{ADMIN, CLIENT_EMAIL, GoogleServer};
use crate::support::peers::okta::OktaServer;
use crate::support::{Output, Test, commit_all, copy_example};

/// Two days after Mallory's termination.
const NOW: &str = "2026-11-30T09:00:00Z";
const MALLORY_LOGIN: &str = "mallory.hartmann@acme.example";

/// A committed copy of `examples/acme` and `examples/NAME` side by side, the variant's
/// `offboard.yaml` pointed at a fake by `rewrite`.
struct Company {
    tmp: tempfile::TempDir,
    name: &'static str,
    env: Vec<(String, String)>,
}

impl Company {
    fn new(name: &'static str, rewrite: impl Fn(&str) -> String) -> Company {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        copy_example("acme", &root.join("acme"));
        copy_example(name, &root.join(name));
        let config = root.join(name).join("offboard.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        let rewritten = rewrite(&text);
        assert_ne!(text, rewritten, "the rewrite of {name} changed nothing");
        std::fs::write(&config, rewritten).unwrap();
        commit_all(
            root,
            "state/\njournal/\n*.it-complete.csv\n",
            "playbook repository",
        );
        Company {
            tmp,
            name,
            env: Vec::new(),
        }
    }

    fn dir(&self) -> PathBuf {
        self.tmp.path().join(self.name)
    }

    /// Run the binary with the variant's configuration; no secret of `env` in its output.
    fn run(&self, args: &[&str]) -> Output {
        let mut test = Test::at(self.tmp.path())
            .arg("--config")
            .arg(self.dir().join("offboard.yaml"))
            .arg("--no-progress")
            .args(args)
            .now(NOW)
            .any_status();
        for (key, value) in &self.env {
            test = test.env(key, value);
        }
        let ran = test.run();
        for (_, secret) in &self.env {
            assert!(
                !ran.stdout.contains(secret) && !ran.stderr.contains(secret),
                "a secret was printed: {ran}"
            );
        }
        ran
    }

    /// The only run of `employee` (`E1007`).
    fn run_of(&self, employee: &str) -> String {
        let prefix = format!("{employee}-");
        let runs: Vec<String> = runs(&self.dir().join("journal"))
            .into_iter()
            .filter(|r| r.starts_with(&prefix))
            .collect();
        assert_eq!(runs.len(), 1, "runs of {employee}: {runs:?}");
        runs[0].clone()
    }

    /// The `step.confirmed` record of `step` in the only run of `employee`.
    fn confirmed(&self, employee: &str, step: &str) -> Value {
        confirmation(&self.dir().join("journal"), employee, step)
    }

    /// The finance notices in the store's outbox, by plain SQL.
    fn finance_notices(&self) -> Vec<Value> {
        let db =
            rusqlite::Connection::open(self.dir().join(format!("state/{}.db", self.name))).unwrap();
        let mut query = db
            .prepare(
                "SELECT body FROM outbox WHERE topic = 'finance.notify_reclamation' ORDER BY id",
            )
            .unwrap();
        query
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|body| serde_json::from_str(&body.unwrap()).unwrap())
            .collect()
    }
}

#[test]
fn the_okta_involuntary_leaver_cuts_access_resets_factors_and_waits_for_the_app_data() {
    const MALLORY: &str = "00u1mallory00000007";
    const NANCY: &str = "00u1nancy0000000003";
    let okta = OktaServer::start();
    okta.seed(&json!({
        "users": [
            {"id": MALLORY, "login": MALLORY_LOGIN, "sessions": 2,
             "oauthTokens": [{"clientId": "0oa1mailclient00001", "scopes": ["offline_access"]}],
             "factors": [{"id": "opf1mallory0000001", "factorType": "push"},
                         {"id": "ost1mallory0000002", "factorType": "token:software:totp",
                          "provider": "GOOGLE"}]},
            {"id": NANCY, "login": "nancy@acme.example", "sessions": 1,
             "factors": [{"id": "opf1nancy000000001", "factorType": "push"}]},
        ],
        "groups": [
            {"id": "00g1everyone000001", "name": "Everyone", "type": "BUILT_IN",
             "members": [MALLORY, NANCY]},
            {"id": "00g1engineering002", "name": "Engineering", "members": [MALLORY, NANCY]},
        ],
        "apps": [
            {"id": "0oa1salesforce0001", "name": "salesforce", "label": "Salesforce",
             "users": [MALLORY, NANCY]},
            {"id": "0oa1slack000000002", "name": "slack", "label": "Slack", "users": [MALLORY]},
        ],
    }));
    let url = okta.base_url.clone();
    let mut acme = Company::new("acme-okta", |text| {
        text.replace("https://acme.okta.com", &url)
    });
    acme.env = vec![("ACME_OKTA_TOKEN".into(), okta.api_token.clone())];
    acme.run(&["validate"]).expect(0);

    // Access is cut at once; the groups and apps wait for a person to confirm the apps' data.
    let ran = acme.run(&["mallory"]).expect(4);
    assert!(ran.stdout.contains("keep-app-data"), "{ran}");
    let state = okta.state();
    let mallory = by_id(&state, "users", MALLORY);
    assert_eq!(mallory["status"], "DEPROVISIONED", "{mallory}");
    assert_eq!(
        (&mallory["sessions"], &mallory["oauthTokens"]),
        (&json!(0), &json!([]))
    );
    assert_eq!(mallory["factors"], json!([]), "{mallory}");
    assert_eq!(holding(&state, "apps", "users", MALLORY).len(), 2);
    let factors = acme.confirmed("E1007", "reset-factors");
    assert_eq!(
        factors["evidence"]["removed_factors"],
        json!([{"type": "push", "provider": "OKTA", "id": "opf1mallory0000001"},
               {"type": "token:software:totp", "provider": "GOOGLE",
                "id": "ost1mallory0000002"}])
    );

    let run = acme.run_of("E1007");
    acme.run(&["confirm", &run, "keep-app-data", "--note", "exports kept"])
        .expect(0);
    acme.run(&["mallory"]).expect(0);
    let state = okta.state();
    assert_eq!(
        holding(&state, "groups", "members", MALLORY),
        ["00g1everyone000001"]
    );
    assert_eq!(
        holding(&state, "apps", "users", MALLORY),
        Vec::<String>::new()
    );
    let nancy = by_id(&state, "users", NANCY);
    assert_eq!(
        (&nancy["status"], &nancy["factors"][0]["id"]),
        (&json!("ACTIVE"), &json!("opf1nancy000000001"))
    );
    let finance = acme.finance_notices();
    assert_eq!(finance.len(), 1, "{finance:?}");
    assert_eq!(finance[0]["monthly_cost_cents"], 7500 + 875);
    acme.run(&["verify"]).expect(0);

    // A rerun finds nothing left to do and writes nothing.
    let before = writes(&okta);
    acme.run(&["mallory"]).expect(0);
    assert_eq!(writes(&okta), before);
    assert_no_violations("Okta", &okta);
}

#[test]
fn the_google_involuntary_leaver_hands_the_data_over_before_groups_and_licenses_go() {
    const MALLORY: &str = "107";
    const IVAN: &str = "110";
    let google = GoogleServer::start();
    google.seed(&json!({
        "customer": {"id": "C01acme", "domain": "acme.example"},
        "users": [
            {"id": "100", "primaryEmail": ADMIN, "isAdmin": true},
            {"id": MALLORY, "primaryEmail": MALLORY_LOGIN,
             "tokens": [{"clientId": "1234.apps.googleusercontent.com",
                         "displayText": "Mail client", "scopes": ["https://mail.google.com/"]}],
             "asps": [{"codeId": 7, "name": "Thunderbird"}]},
            {"id": IVAN, "primaryEmail": "ivan.petrov@acme.example"},
        ],
        "groups": [
            {"id": "03a1", "email": "engineering@acme.example", "members": [MALLORY, IVAN]},
        ],
        "skus": [
            {"productId": "Google-Apps", "skuId": "1010020020", "users": [MALLORY, IVAN]},
        ],
    }));
    // The hand-over stays in progress until the test lets it finish.
    google.transfers(&json!({"reads": 1000, "ms": 0, "fail": 0}));
    let key = google.dir().join("service-account.json");
    let pem = std::fs::read_to_string(&google.key).unwrap();
    let file = json!({"type": "service_account", "client_email": CLIENT_EMAIL,
                      "private_key": pem});
    std::fs::write(&key, file.to_string()).unwrap();
    let url = google.base_url.clone();
    let acme = Company::new("acme-google-workspace", |text| {
        point_at_google(text, &key, &url)
    });
    acme.run(&["validate"]).expect(0);

    // Suspended and signed out at once; the run waits while Google transfers the data.
    let ran = acme.run(&["mallory"]).expect(4);
    assert!(ran.stdout.contains("in progress: data transfer"), "{ran}");
    let state = google.state();
    let mallory = by_id(&state, "users", MALLORY);
    assert_eq!(mallory["suspended"], true, "{mallory}");
    assert_eq!(
        (&mallory["tokens"], &mallory["asps"]),
        (&json!([]), &json!([]))
    );
    assert_eq!(holding(&state, "groups", "members", MALLORY), ["03a1"]);
    assert_eq!(holding(&state, "skus", "users", MALLORY).len(), 1);

    google.control(reqwest::Method::POST, "transfers/finish", Some(&json!({})));
    acme.run(&["due"]).expect(0);
    let state = google.state();
    let transfer = &state["transfers"][0];
    assert_eq!(
        (
            &transfer["newOwnerUserId"],
            &transfer["overallTransferStatusCode"]
        ),
        (&json!(IVAN), &json!("completed"))
    );
    assert_eq!(
        holding(&state, "groups", "members", MALLORY),
        Vec::<String>::new()
    );
    assert_eq!(
        holding(&state, "skus", "users", MALLORY),
        Vec::<String>::new()
    );
    assert_eq!(holding(&state, "skus", "users", IVAN).len(), 1);
    let finance = acme.finance_notices();
    assert_eq!(finance.len(), 1, "{finance:?}");
    assert_eq!(finance[0]["monthly_cost_cents"], 1400);
    acme.run(&["verify"]).expect(0);

    let before = writes(&google);
    acme.run(&["mallory"]).expect(0);
    assert_eq!(writes(&google), before);
    assert_no_violations("Google", &google);
}

/// The Google variant's configuration with the test's key file, an admin of the fake and the
/// fake's URLs in place of Google's.
fn point_at_google(text: &str, key: &Path, url: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("service_account_key:") {
                format!(
                    "    service_account_key: {}\n    token_url: {url}/token\n    \
                     admin_url: {url}\n    licensing_url: {url}",
                    key.display()
                )
            } else if line.trim_start().starts_with("admin_subject:") {
                format!("    admin_subject: {ADMIN}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
