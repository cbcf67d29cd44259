//! The Fabrikam example end to end: a committed copy of `examples/fabrikam` pointed at the fake
//! Okta of `tests/peers/okta/` and the fake Google Workspace of `tests/peers/google/` (every
//! call checked against the vendors' published descriptions), each seeded from the example's
//! own `peers/` files; the real `offboard` binary offboards Nadia Kerr (F1002). Okta
//! deactivates her and clears her sessions, and Google signs her out, at once; the Google
//! hand-over to her manager keeps the run waiting until the fake lets it complete; `due` then
//! suspends her Google user, releases the seats in both and tells finance; a month later `due` deletes the Google
//! user. What both systems hold is read from the fakes' control APIs, and the finance notice
//! with plain SQL on the store's outbox. The example's own `start-peers` script is run, planned
//! against and stopped.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::journal::confirmation;
use crate::support::peers::fake::Control;
use crate::support::peers::free_port;
use crate::support::peers::google::{CLIENT_EMAIL, GoogleServer};
use crate::support::peers::okta::OktaServer;
use crate::support::peers::process::PeersScript;
use crate::support::{Output, Test, commit_all};

/// The clock of the run: two days after Nadia's termination.
const NOW: &str = "2026-11-30T09:00:00Z";
/// After the staged delete of the Google user (30 days after her last day).
const MONTH_LATER: &str = "2026-12-29T09:00:00Z";
/// The variable `offboard.yaml` names for the Okta API token.
const TOKEN_ENV: &str = "FABRIKAM_OKTA_TOKEN";
/// Where the example expects the fakes (`start-peers`).
const OKTA_URL: &str = "http://127.0.0.1:18410";
const GOOGLE_URL: &str = "http://127.0.0.1:18411";
/// Nadia in Okta and in Google; Rob, her manager, in Google; Omar, a colleague, in both.
const NADIA_OKTA: &str = "00u1nadia0000000002";
const OMAR_OKTA: &str = "00u1omar00000000003";
const NADIA_GOOGLE: &str = "202";
const ROB_GOOGLE: &str = "201";
const OMAR_GOOGLE: &str = "203";
/// Slack 875 + Zoom 1500 in Okta, Business Standard 1400 in Google, in cents a month.
const NADIA_CENTS: i64 = 3775;

fn seed(name: &str) -> Value {
    let path = crate::support::source_root()
        .join("examples/fabrikam/peers")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A committed copy of `examples/fabrikam` pointed at both fakes, with the service account's
/// key where the configuration names it.
struct Fabrikam {
    tmp: tempfile::TempDir,
    token: String,
}

impl Fabrikam {
    fn new(okta: &OktaServer, google: &GoogleServer) -> Fabrikam {
        let pem = std::fs::read_to_string(&google.key).unwrap();
        let key = json!({"type": "service_account", "client_email": CLIENT_EMAIL,
                         "private_key": pem});
        let urls = (okta.base_url.as_str(), google.base_url.as_str());
        Fabrikam::at(urls, &okta.api_token, &key.to_string())
    }

    /// The copy pointed at Okta and Google on `(okta, google)`, with this Okta API token and
    /// this service account key file (JSON).
    fn at((okta, google): (&str, &str), token: &str, key: &str) -> Fabrikam {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        crate::support::copy_example("fabrikam", root);
        let config = root.join("offboard.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        assert_eq!(text.matches(OKTA_URL).count(), 1, "{text}");
        assert_eq!(text.matches(GOOGLE_URL).count(), 3, "{text}");
        let text = text.replace(OKTA_URL, okta).replace(GOOGLE_URL, google);
        std::fs::write(&config, text).unwrap();
        commit_all(
            root,
            "/state/\n/journal/\n/hr.it-complete.csv\n",
            "Fabrikam playbook repository",
        );
        std::fs::create_dir_all(root.join("state")).unwrap();
        std::fs::write(root.join("state/google-service-account.json"), key).unwrap();
        Fabrikam {
            tmp,
            token: token.to_owned(),
        }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Run the binary at `now` with the API token in its environment; no token in its output.
    fn run_at(&self, now: &str, args: &[&str]) -> Output {
        let ran = Test::at(self.dir())
            .arg("--config")
            .arg(self.dir().join("offboard.yaml"))
            .arg("--no-progress")
            .args(args)
            .env(TOKEN_ENV, &self.token)
            .now(now)
            .any_status()
            .run();
        assert!(
            !ran.stdout.contains(&self.token) && !ran.stderr.contains(&self.token),
            "the API token was printed: {ran}"
        );
        ran
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_at(NOW, args)
    }

    /// The bodies of the finance outbox, by plain SQL.
    fn outbox(&self) -> Vec<Value> {
        let db = rusqlite::Connection::open(self.dir().join("state/fabrikam.db")).unwrap();
        let mut query = db.prepare("SELECT body FROM outbox ORDER BY id").unwrap();
        query
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|body| serde_json::from_str(&body.unwrap()).unwrap())
            .collect()
    }
}

pub(super) fn by_id<'a>(state: &'a Value, list: &str, id: &str) -> &'a Value {
    state[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("{list} {id} in {state}"))
}

/// The items of `list` whose `field` (Okta apps' `users`, Google SKUs' `users`, groups'
/// `members`) holds `id`, by their id (a SKU by its `skuId`).
pub(super) fn holding(state: &Value, list: &str, field: &str, id: &str) -> Vec<String> {
    state[list]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i[field].as_array().unwrap().iter().any(|m| m == id))
        .map(|i| i["id"].as_str().or(i["skuId"].as_str()).unwrap().to_owned())
        .collect()
}

/// Calls that change something (not reads, not tokens).
pub(super) fn writes(fake: &Control) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().contains("token"))
        .count()
}

#[track_caller]
pub(super) fn assert_no_violations(who: &str, fake: &Control) {
    let violations = fake.violations();
    assert!(violations.is_empty(), "{who}: {violations:#?}");
}

#[test]
fn nadia_leaves_okta_and_google_workspace_with_her_data_handed_to_her_manager() {
    let okta = OktaServer::start();
    okta.seed(&seed("okta-seed.json"));
    let google = GoogleServer::start();
    google.seed(&seed("google-seed.json"));
    // The hand-over stays in progress until the test lets it finish.
    google.transfers(&json!({"reads": 1000, "ms": 0, "fail": 0}));
    let fabrikam = Fabrikam::new(&okta, &google);
    fabrikam.run(&["validate"]).expect(0);

    let plan = fabrikam.run(&["plan", "nadia"]).expect(0);
    for expected in [
        "would hand the account's data over to rob.young@fabrikam.example",
        "3 seat(s) released, 37.75/month",
    ] {
        assert!(plan.stdout.contains(expected), "{expected}:\n{plan}");
    }
    assert_eq!((writes(&okta), writes(&google)), (0, 0));

    // The run: Okta at once, then the hand-over starts and the run waits for it.
    let ran = fabrikam.run(&["nadia"]).expect(4);
    assert!(ran.stdout.contains("in progress: data transfer"), "{ran}");
    let state = okta.state();
    let nadia = by_id(&state, "users", NADIA_OKTA);
    assert_eq!(nadia["status"], "DEPROVISIONED", "{nadia}");
    assert_eq!(nadia["sessions"], 0, "{nadia}");
    assert_eq!(nadia["oauthTokens"], json!([]), "{nadia}");
    let state = google.state();
    let transfer = &state["transfers"][0];
    assert_eq!(transfer["oldOwnerUserId"], NADIA_GOOGLE);
    assert_eq!(transfer["newOwnerUserId"], ROB_GOOGLE);
    assert_eq!(transfer["overallTransferStatusCode"], "inProgress");
    let nadia = by_id(&state, "users", NADIA_GOOGLE);
    assert_ne!(
        nadia["suspended"], true,
        "suspended before the hand-over: {nadia}"
    );
    // Signed out of Google at once, tokens revoked, while the hand-over runs.
    assert_eq!(nadia["signOuts"], 1, "{nadia}");
    assert_eq!(nadia["tokens"], json!([]), "{nadia}");
    assert_eq!(holding(&state, "skus", "users", NADIA_GOOGLE).len(), 1);

    // `due` while Google still runs it: still waiting.
    let due = fabrikam.run(&["due"]).expect(4);
    assert!(due.stdout.contains("in progress: data transfer"), "{due}");

    // Google completes it; `due` confirms it and finishes everything but the staged delete.
    google.control(reqwest::Method::POST, "transfers/finish", Some(&json!({})));
    let due = fabrikam.run(&["due"]).expect(4);
    assert!(due.stdout.contains("scheduled for 2026-12-28"), "{due}");

    let okta_state = okta.state();
    let nadia = by_id(&okta_state, "users", NADIA_OKTA);
    assert_eq!(nadia["status"], "DEPROVISIONED", "{nadia}");
    assert_eq!(nadia["sessions"], 0, "{nadia}");
    assert_eq!(nadia["oauthTokens"], json!([]), "{nadia}");
    assert_eq!(
        holding(&okta_state, "apps", "users", NADIA_OKTA),
        Vec::<String>::new()
    );
    // Everyone is Okta's to manage; Sales she left.
    assert_eq!(
        holding(&okta_state, "groups", "members", NADIA_OKTA),
        ["00g1everyone000001"]
    );
    assert_eq!(nadia["factors"], json!([]), "{nadia}");
    let omar = by_id(&okta_state, "users", OMAR_OKTA);
    assert_eq!(
        (&omar["status"], &omar["sessions"]),
        (&json!("ACTIVE"), &json!(1))
    );
    assert_eq!(holding(&okta_state, "apps", "users", OMAR_OKTA).len(), 1);

    let google_state = google.state();
    let transfer = &google_state["transfers"][0];
    assert_eq!(transfer["overallTransferStatusCode"], "completed");
    assert_eq!(transfer["newOwnerUserId"], ROB_GOOGLE);
    assert_eq!(google_state["transfers"].as_array().unwrap().len(), 1);
    let nadia = by_id(&google_state, "users", NADIA_GOOGLE);
    assert_eq!(nadia["suspended"], true, "{nadia}");
    assert_eq!(nadia["tokens"], json!([]), "{nadia}");
    assert_eq!(nadia["asps"], json!([]), "{nadia}");
    assert_eq!(nadia["signOuts"], 1, "{nadia}");
    assert_eq!(
        holding(&google_state, "skus", "users", NADIA_GOOGLE),
        Vec::<String>::new()
    );
    let omar = by_id(&google_state, "users", OMAR_GOOGLE);
    assert_ne!(omar["suspended"], true);
    assert_eq!(omar["tokens"].as_array().unwrap().len(), 1);

    let outbox = fabrikam.outbox();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(
        outbox[0]["monthly_cost_cents"], NADIA_CENTS,
        "{}",
        outbox[0]
    );
    assert_eq!(outbox[0]["params"]["cost_centre"], "CC-210");
    let factors = confirmation(
        &fabrikam.dir().join("journal"),
        "F1002",
        "reset-okta-factors",
    );
    let removed: Vec<&str> = factors["evidence"]["removed_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["opf1nadia000000001", "sms1nadia000000002"]);
    fabrikam.run(&["verify"]).expect(0);

    // A rerun changes nothing in either system.
    let before = (writes(&okta), writes(&google));
    fabrikam.run(&["nadia"]).expect(4);
    assert_eq!((writes(&okta), writes(&google)), before);
    assert_eq!(okta.state(), okta_state);
    assert_eq!(google.state(), google_state);
    assert_eq!(fabrikam.outbox().len(), 1);

    // A month later the staged delete runs: the Google user goes, Okta keeps hers deactivated.
    fabrikam.run_at(MONTH_LATER, &["due"]).expect(0);
    let state = google.state();
    assert_eq!(state["deletedUsers"][0]["id"], NADIA_GOOGLE, "{state}");
    assert_eq!(
        by_id(&okta.state(), "users", NADIA_OKTA)["status"],
        "DEPROVISIONED"
    );
    fabrikam.run_at(MONTH_LATER, &["verify"]).expect(0);

    assert_no_violations("Okta", &okta);
    assert_no_violations("Google", &google);
}

#[test]
fn start_peers_serves_both_seeded_fakes_the_example_plans_against_and_stops_cleanly() {
    let (okta_port, google_port) = (free_port(), free_port());
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("sa.json");
    let mut command = std::process::Command::new("bash");
    command
        .arg(crate::support::source_root().join("examples/fabrikam/start-peers"))
        .env("FABRIKAM_OKTA_PORT", okta_port.to_string())
        .env("FABRIKAM_GOOGLE_PORT", google_port.to_string())
        .env("FABRIKAM_SA_KEY", &key)
        .env_remove(TOKEN_ENV);
    let mut script = PeersScript::start(command);
    let (printed, token) = script.read_until("export FABRIKAM_OKTA_TOKEN=", "Ctrl-C stops them");
    let printed = printed.join("\n");
    let token = token.unwrap_or_else(|| panic!("no export line:\n{printed}"));
    for seeded in [
        "Okta: seeded 3 users, 3 groups, 2 apps",
        "Google: seeded 4 users, 1 groups, 1 skus",
    ] {
        assert!(printed.contains(seeded), "{seeded}:\n{printed}");
    }

    let okta = format!("http://127.0.0.1:{okta_port}");
    let google = format!("http://127.0.0.1:{google_port}");
    let key = std::fs::read_to_string(&key).unwrap();
    let fabrikam = Fabrikam::at((&okta, &google), &token, &key);
    let plan = fabrikam.run(&["plan", "nadia"]).expect(0);
    assert!(
        plan.stdout.contains("3 seat(s) released, 37.75/month"),
        "{plan}"
    );
    for url in [&okta, &google] {
        let violations: Value = reqwest::blocking::get(format!("{url}/_control/violations"))
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(violations, json!([]), "{url}");
    }

    // SIGTERM, as a terminal's close would send: both fakes go with the script.
    let (rest, status) = script.stop();
    assert_eq!(rest, ["start-peers: stopped"]);
    assert_eq!(status.code(), Some(143), "{status:?}");
    for port in [okta_port, google_port] {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "a fake still listens on {port}"
        );
    }
}
