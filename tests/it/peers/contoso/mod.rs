//! The Contoso example end to end: a committed copy of `examples/contoso` pointed at the fake
//! Microsoft Graph of `tests/peers/graph/` (every call checked against Graph's published
//! description), seeded from the example's own `peers/graph-seed.json`; the real `offboard`
//! binary offboards Megan Bowen (C1002, involuntary leaver) and moves Diego Siciliani (C1004,
//! marketing to sales). What the tenant holds afterwards is read with plain Graph GETs under a
//! token the test fetches itself, and the finance notice with plain SQL on the store's outbox.
//! The plan's notes (what Entra keeps, its 30 days for deleted users) are checked too, and the
//! example's own `start-peers` script is run, planned against and stopped.

mod reconcile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::peers::graph::GraphServer;
use crate::support::peers::process::PeersScript;
use crate::support::{Output, Test, files, git};

/// The clock of every command: two days after Megan's termination.
const NOW: &str = "2026-11-30T09:00:00Z";
/// The variable `offboard.yaml` names for the client secret.
const SECRET_ENV: &str = "CONTOSO_ENTRA_SECRET";
/// Where the example expects the fake (`start-peers`).
const EXAMPLE_URL: &str = "http://127.0.0.1:18400";
/// Megan Bowen, the involuntary leaver.
const MEGAN: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000001002";
/// Lee Gu, in Megan's groups, left alone.
const LEE: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000001003";
/// Diego Siciliani, the mover.
const DIEGO: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000001004";
const E3: &str = "11111111-2222-4333-8444-000000000e03";
const POWER_BI: &str = "11111111-2222-4333-8444-0000000000b1";
/// Megan's direct licenses: ENTERPRISEPACK 2300 + POWER_BI_PRO 1400 cents a month.
const MEGAN_CENTS: i64 = 3700;

fn example() -> PathBuf {
    crate::support::source_root().join("examples/contoso")
}

/// The fake Graph, seeded from the example's seed file.
fn graph() -> GraphServer {
    let graph = GraphServer::start();
    let seed = std::fs::read_to_string(example().join("peers/graph-seed.json")).unwrap();
    graph.seed(&serde_json::from_str(&seed).unwrap());
    graph
}

/// A committed copy of `examples/contoso` in a temp directory, pointed at `graph`.
struct Contoso {
    tmp: tempfile::TempDir,
    secret: String,
}

impl Contoso {
    fn new(graph: &GraphServer) -> Contoso {
        Contoso::with_playbooks(graph, &[])
    }

    /// The copy with more playbooks, `(file name, YAML)`, in `playbooks/`.
    fn with_playbooks(graph: &GraphServer, playbooks: &[(&str, &str)]) -> Contoso {
        Contoso::at(&graph.base_url, &graph.secret, playbooks)
    }

    /// The copy pointed at the Graph (and token endpoint) on `base_url`, whose client secret is
    /// `secret`.
    fn at(base_url: &str, secret: &str, playbooks: &[(&str, &str)]) -> Contoso {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        crate::support::copy_example("contoso", root);
        for (name, yaml) in playbooks {
            std::fs::write(root.join("playbooks").join(name), yaml).unwrap();
        }
        let config = root.join("offboard.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        assert_eq!(text.matches(EXAMPLE_URL).count(), 2, "{text}");
        std::fs::write(&config, text.replace(EXAMPLE_URL, base_url)).unwrap();
        std::fs::write(
            root.join(".gitignore"),
            "/state/\n/journal/\n/hr.it-complete.csv\n",
        )
        .unwrap();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "Contoso playbook repository"]);
        Contoso {
            tmp,
            secret: secret.to_owned(),
        }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Run the binary with the client secret in its environment; no secret in its output.
    fn run(&self, args: &[&str]) -> Output {
        let ran = Test::at(self.dir())
            .arg("--config")
            .arg(self.dir().join("offboard.yaml"))
            .arg("--no-progress")
            .args(args)
            .env(SECRET_ENV, &self.secret)
            .now(NOW)
            .any_status()
            .run();
        assert!(
            !ran.stdout.contains(&self.secret) && !ran.stderr.contains(&self.secret),
            "the client secret was printed: {ran}"
        );
        ran
    }

    /// Every journal file, lock files aside, with its bytes.
    fn journal(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut journal = files(&self.dir().join("journal"));
        journal.retain(|path, _| path.extension().is_none_or(|e| e != "lock"));
        journal
    }

    /// The bodies of the finance outbox, by plain SQL.
    fn outbox(&self) -> Vec<Value> {
        let db = rusqlite::Connection::open(self.dir().join("state/contoso.db")).unwrap();
        let mut query = db.prepare("SELECT body FROM outbox ORDER BY id").unwrap();
        query
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|body| serde_json::from_str(&body.unwrap()).unwrap())
            .collect()
    }
}

/// The user as Graph shows it: `accountEnabled`, the direct licenses (`licenseAssignmentStates`
/// without `assignedByGroup`), every license, and the names of its direct groups.
struct Seen {
    enabled: bool,
    direct_licenses: Vec<String>,
    licenses: Vec<String>,
    groups: Vec<String>,
}

/// Read `id` with plain Graph GETs, under a token of the test's own.
fn seen(graph: &GraphServer, id: &str) -> Seen {
    let token = graph.token();
    let user = graph.get(
        &format!("/users/{id}"),
        &[(
            "$select",
            "id,accountEnabled,assignedLicenses,licenseAssignmentStates",
        )],
        &token,
    );
    assert_eq!(user.status, 200, "{:?}", user.body);
    let direct_licenses = user.body["licenseAssignmentStates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["assignedByGroup"].is_null())
        .map(|s| s["skuId"].as_str().unwrap().to_owned())
        .collect();
    let licenses = user.body["assignedLicenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["skuId"].as_str().unwrap().to_owned())
        .collect();
    let groups = graph.get(
        &format!("/users/{id}/memberOf/microsoft.graph.group"),
        &[],
        &token,
    );
    assert_eq!(groups.status, 200, "{:?}", groups.body);
    let mut groups: Vec<String> = groups.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap().to_owned())
        .collect();
    groups.sort();
    Seen {
        enabled: user.body["accountEnabled"].as_bool().unwrap(),
        direct_licenses,
        licenses,
        groups,
    }
}

/// Graph calls that change something (token requests aside).
fn writes(graph: &GraphServer) -> usize {
    graph
        .requests()
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().contains("/token"))
        .count()
}

#[track_caller]
fn assert_no_violations(graph: &GraphServer) {
    let violations = graph.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}

#[test]
fn megan_is_disabled_signed_out_ungrouped_and_unlicensed_in_entra_and_finance_is_told() {
    let graph = graph();
    let contoso = Contoso::new(&graph);
    contoso.run(&["validate"]).expect(0);

    // The plan reads only, and names every change, what stays with why, and each license's cost.
    let untouched = graph.state();
    let plan = contoso.run(&["plan", "megan"]).expect(0);
    for expected in [
        "disable-entra-user       would deactivate the account (m365: megan.bowen@contoso.example)",
        "revoke-entra-sessions    would revoke sessions",
        "set-auto-reply           would turn on the automatic reply (m365: megan.bowen@contoso.example)",
        "would leave groups E5 users, Marketing, Sales; kept: group All staff (dynamic group",
        "group Finance share (synced from on-premises",
        "would release seats ENTERPRISEPACK, POWER_BI_PRO; kept: seat SPE_E5 (assigned by group E5 users",
        "seat ENTERPRISEPACK      23.00/month",
        "seat POWER_BI_PRO        14.00/month",
        "2 seat(s) released, 37.00/month",
    ] {
        assert!(plan.stdout.contains(expected), "{expected}:\n{plan}");
    }
    assert_eq!(graph.state(), untouched);
    assert_eq!(writes(&graph), 0);

    // Before: what the seed gives her.
    let before = seen(&graph, MEGAN);
    assert!(before.enabled);
    assert_eq!(before.direct_licenses, [E3, POWER_BI]);
    let lee_before = seen(&graph, LEE);

    let ran = contoso.run(&["megan"]).expect(0);
    assert!(ran.stdout.contains("9/9 steps confirmed"), "{ran}");

    // After, read by the test: disabled, only the groups Entra decides, no direct license (the
    // E5 went with the group that assigned it). Lee is as he was.
    let after = seen(&graph, MEGAN);
    assert!(!after.enabled);
    assert_eq!(after.groups, ["All staff", "Finance share"]);
    assert_eq!(after.direct_licenses, Vec::<String>::new());
    assert_eq!(after.licenses, Vec::<String>::new());
    let lee = seen(&graph, LEE);
    assert_eq!(
        (lee.enabled, &lee.groups, &lee.licenses),
        (lee_before.enabled, &lee_before.groups, &lee_before.licenses)
    );
    let state = graph.state();
    let megan = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == MEGAN)
        .unwrap();
    assert_ne!(
        megan["signInSessionsValidFromDateTime"],
        untouched["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == MEGAN)
            .unwrap()["signInSessionsValidFromDateTime"],
        "sessions revoked"
    );

    // Hand-over: the automatic reply is on, with the template rendered; the manager Entra
    // records is in the step's evidence.
    let reply = &megan["mailboxSettings"]["automaticRepliesSetting"];
    assert_eq!(reply["status"], "alwaysEnabled", "{megan}");
    let text = "Megan Bowen has left Contoso. Please write to alex.wilber@contoso.example instead.";
    assert_eq!(reply["internalReplyMessage"], text);
    assert_eq!(reply["externalReplyMessage"], text);
    let payloads: Vec<Value> = contoso
        .journal()
        .values()
        .flat_map(|bytes| {
            let text = String::from_utf8_lossy(bytes).into_owned();
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter_map(|r| serde_json::from_str(r["payload"].as_str()?).ok())
                .collect::<Vec<Value>>()
        })
        .filter(|p| p["event"] == "step.confirmed" && p["step"] == "set-auto-reply")
        .collect();
    assert_eq!(payloads.len(), 1, "{payloads:?}");
    let after = &payloads[0]["evidence"]["after"];
    assert_eq!(after["manager"], "alex.wilber@contoso.example", "{after}");
    assert_eq!(after["auto_reply"], text, "{after}");

    // Finance: one notice in the outbox, with the two seats and their cost.
    let outbox = contoso.outbox();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(
        outbox[0]["monthly_cost_cents"], MEGAN_CENTS,
        "{}",
        outbox[0]
    );
    assert_eq!(outbox[0]["params"]["cost_centre"], "CC-110");

    contoso.run(&["verify"]).expect(0);

    // A second run changes nothing: no Graph write, the same tenant, the same files.
    let writes_before = writes(&graph);
    let journal = contoso.journal();
    let again = contoso.run(&["megan"]).expect(0);
    assert!(again.stdout.contains("nothing left to do"), "{again}");
    assert_eq!(writes(&graph), writes_before);
    assert_eq!(graph.state(), state);
    assert!(
        contoso.journal() == journal,
        "the second run wrote to the journal"
    );
    assert_eq!(contoso.outbox().len(), 1);
    contoso.run(&["verify"]).expect(0);

    assert_no_violations(&graph);
}

#[test]
fn diego_the_mover_loses_only_what_marketing_had_and_sales_does_not() {
    let graph = graph();
    let contoso = Contoso::new(&graph);
    let before = seen(&graph, DIEGO);
    assert_eq!(before.groups, ["All staff", "Marketing"]);

    let plan = contoso.run(&["plan", "diego"]).expect(0);
    assert!(
        plan.stdout
            .contains("would leave groups Marketing; release seats POWER_BI_PRO"),
        "{plan}"
    );
    contoso.run(&["diego"]).expect(0);

    let after = seen(&graph, DIEGO);
    assert!(after.enabled);
    assert_eq!(after.groups, ["All staff"]);
    assert_eq!(after.direct_licenses, [E3]);
    let outbox = contoso.outbox();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0]["monthly_cost_cents"], 1400, "{}", outbox[0]);
    contoso.run(&["verify"]).expect(0);
    assert_no_violations(&graph);
}

#[test]
fn plan_lists_what_entra_keeps_even_when_nothing_else_is_left_to_do() {
    let graph = graph();
    let contoso = Contoso::new(&graph);
    // Someone already took Megan out of her direct groups in the admin center.
    let token = graph.token();
    for group in ["Sales", "Marketing", "E5 users"] {
        let state = graph.state();
        let id = state["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["displayName"] == group)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let gone = graph.call(
            reqwest::Method::DELETE,
            &format!("/groups/{id}/members/{MEGAN}/$ref"),
            &[],
            &token,
            None,
        );
        assert_eq!(gone.status, 204, "{group}: {:?}", gone.body);
    }
    assert_eq!(seen(&graph, MEGAN).groups, ["All staff", "Finance share"]);

    let plan = contoso.run(&["plan", "megan"]).expect(0);
    let line = plan
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("leave-entra-groups"))
        .unwrap_or_else(|| panic!("{plan}"));
    assert!(
        line.contains("already done; kept: group All staff (dynamic group")
            && line.contains("group Finance share (synced from on-premises"),
        "{line}"
    );
    // The steps after it are planned as after any step already done.
    assert!(
        plan.stdout
            .contains("mark-complete            would write \"IT offboarding complete\""),
        "{plan}"
    );
    assert_no_violations(&graph);
}

/// The example's involuntary-leaver playbook with a last step that deletes the Entra user, at
/// once or staged (`at`, a YAML line).
fn deleting(at: &str) -> String {
    let playbook =
        std::fs::read_to_string(example().join("playbooks/involuntary-leaver.yaml")).unwrap();
    format!(
        "{playbook}\n  - id: delete-entra-user\n    kind: iam.delete\n    connector: m365\n    \
         owner: iam\n    risk: low\n    destructive: true\n{at}    \
         after: [disable-entra-user, retain-data]\n"
    )
}

#[test]
fn plan_of_an_entra_delete_says_entra_keeps_deleted_users_30_days() {
    let graph = graph();
    let note = "Entra keeps deleted users 30 days (restorable until then";

    let now = Contoso::with_playbooks(&graph, &[("involuntary-leaver.yaml", &deleting(""))]);
    let plan = now.run(&["plan", "megan"]).expect(0);
    let line = plan
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("delete-entra-user"))
        .unwrap_or_else(|| panic!("{plan}"));
    assert!(
        line.contains("delete the account") && line.contains(note),
        "{line}"
    );

    let staged = deleting("    at: +30d\n");
    let later = Contoso::with_playbooks(&graph, &[("involuntary-leaver.yaml", &staged)]);
    let plan = later.run(&["plan", "megan"]).expect(0);
    let line = plan
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("delete-entra-user"))
        .unwrap_or_else(|| panic!("{plan}"));
    assert!(
        line.contains("scheduled for 2026-12-28") && line.contains(note),
        "{line}"
    );
    // A plan deletes nothing.
    assert!(seen(&graph, MEGAN).enabled);
    assert_eq!(writes(&graph), 0);
    assert_no_violations(&graph);
}

#[test]
fn start_peers_serves_a_seeded_fake_graph_the_example_plans_against_and_stops_cleanly() {
    let port = crate::support::peers::free_port();
    let mut command = std::process::Command::new("bash");
    command
        .arg(example().join("start-peers"))
        .env("CONTOSO_GRAPH_PORT", port.to_string())
        .env_remove(SECRET_ENV);
    let mut script = PeersScript::start(command);
    let (printed, secret) = script.read_until("export CONTOSO_ENTRA_SECRET=", "Ctrl-C stops it");
    let secret = secret.unwrap_or_else(|| panic!("no export line:\n{}", printed.join("\n")));
    assert!(
        printed
            .iter()
            .any(|l| l.contains("seeded 6 users, 6 groups, 3 SKUs")),
        "{}",
        printed.join("\n")
    );

    let url = format!("http://127.0.0.1:{port}");
    let contoso = Contoso::at(&url, &secret, &[]);
    let plan = contoso.run(&["plan", "megan"]).expect(0);
    assert!(
        plan.stdout.contains("2 seat(s) released, 37.00/month"),
        "{plan}"
    );
    let violations: Value = reqwest::blocking::get(format!("{url}/_control/violations"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(violations, serde_json::json!([]));

    // SIGTERM, as a terminal's close would send: the fake goes with the script.
    let (rest, status) = script.stop();
    assert_eq!(rest, ["start-peers: stopped"]);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the fake Graph still listens on {port}"
    );
}
