//! The Northwind example end to end: a committed copy of `examples/northwind` pointed at a real
//! scim2-server and a real OpenLDAP `slapd`, both seeded from the example's own seed files
//! (`peers/scim-seed.json`, `peers/directory.ldif`), and a scripted server as finance's webhook
//! receiver; the real `offboard` binary offboards Robert King (N1007, involuntary leaver).
//! Every effect is checked independently of the connectors: plain HTTP GETs on the SCIM server,
//! `ldapsearch`, the HMAC recomputed here over the exact bytes the receiver got, plain SQL on the
//! inventory. Michael Suyama (N1006, voluntary leaver) has his SCIM user deleted by `offboard
//! due` once the staged step falls due. Then Robert's run through a fault-injecting proxy in
//! front of the SCIM server (transient faults: the run finishes; a permanent 403: exit 3, then
//! the same command resumes); `report --debrief` counts each fault the proxy injected as one
//! retry, and the refusal as a permanent failure of the identity provider, open until resumed.
//! After each scenario, nothing offboard printed or wrote contains a secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::journal::{payloads_of, runs};
use crate::support::peers::ldap::Slapd;
use crate::support::peers::proxy::{FaultProxy, Outcome};
use crate::support::peers::scim::ScimServer;
use crate::support::peers::script::{Reply, ScriptServer};
use crate::support::{Output, Test};
use crate::support::{files, git, hex};

/// The clock of every command: two days after Robert's termination.
pub(crate) const NOW: &str = "2026-11-30T09:00:00Z";
/// Robert King: the involuntary leaver.
const ROBERT: &str = "N1007";
const ROBERT_EMAIL: &str = "robert.king@northwind.example";
const ROBERT_DN: &str = "uid=robert,ou=people,dc=northwind,dc=example";
/// Nancy Davolio: a colleague in the same groups, who must be left alone.
pub(crate) const NANCY_EMAIL: &str = "nancy.davolio@northwind.example";
pub(crate) const NANCY_DN: &str = "uid=nancy,ou=people,dc=northwind,dc=example";
const SUFFIX: &str = "dc=northwind,dc=example";
const GROUPS_OU: &str = "ou=groups,dc=northwind,dc=example";
/// The permanent ppolicy lock the LDAP connector sets.
const LOCKED: &str = "000001010000Z";
/// Robert's seats: Salesforce 16500 + Slack 875 + Zoom 1499 cents a month.
const ROBERT_CENTS: i64 = 18874;
/// The steps of the example's involuntary-leaver playbook.
const STEPS: [&str; 9] = [
    "confirm-termination",
    "disable-idp-user",
    "lock-directory-entry",
    "retain-data",
    "remove-idp-groups",
    "remove-directory-groups",
    "release-seats",
    "notify-finance",
    "mark-complete",
];

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/northwind")
}

/// Distinctive values for every secret the configuration names, fresh per scenario.
pub(crate) struct Secrets {
    pub(crate) scim_token: String,
    pub(crate) ldap_password: String,
    pub(crate) finance_secret: String,
}

impl Secrets {
    pub(crate) fn new() -> Secrets {
        Secrets {
            scim_token: format!("scimTOKEN{}", crate::support::peers::random_hex(12)),
            ldap_password: format!("ldapPASSWORD{}", crate::support::peers::random_hex(12)),
            finance_secret: format!("financeSECRET{}", crate::support::peers::random_hex(12)),
        }
    }

    /// `(environment variable, value)` of each, as `offboard.yaml` names them.
    pub(crate) fn env(&self) -> [(&'static str, &str); 3] {
        [
            ("NORTHWIND_SCIM_TOKEN", &self.scim_token),
            ("NORTHWIND_LDAP_PASSWORD", &self.ldap_password),
            ("NORTHWIND_FINANCE_SECRET", &self.finance_secret),
        ]
    }
}

/// The three systems, seeded from the example's seed files.
pub(crate) struct Peers {
    pub(crate) scim: ScimServer,
    /// SCIM User id by `userName`.
    users: BTreeMap<String, String>,
    /// SCIM Group id by `displayName`.
    groups: BTreeMap<String, String>,
    pub(crate) slapd: Slapd,
    pub(crate) finance: ScriptServer,
}

impl Peers {
    pub(crate) fn start(secrets: &Secrets) -> Peers {
        let ldif = std::fs::read_to_string(example().join("peers/directory.ldif")).unwrap();
        let (scim, slapd) = std::thread::scope(|s| {
            let slapd = s.spawn(|| {
                Slapd::builder()
                    .suffix(SUFFIX)
                    .password(&secrets.ldap_password)
                    .ldif(&ldif)
                    .start()
            });
            let scim = ScimServer::start_with_token(&secrets.scim_token);
            (scim, slapd.join().unwrap())
        });
        let seed: Value = serde_json::from_str(
            &std::fs::read_to_string(example().join("peers/scim-seed.json")).unwrap(),
        )
        .unwrap();
        let mut users = BTreeMap::new();
        for user in seed["users"].as_array().unwrap() {
            let mut resource = user.clone();
            resource["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User"]);
            let id = scim.create("/Users", resource);
            users.insert(user["userName"].as_str().unwrap().to_owned(), id);
        }
        let mut groups = BTreeMap::new();
        for group in seed["groups"].as_array().unwrap() {
            let members: Vec<Value> = group["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|name| json!({ "value": users[name.as_str().unwrap()] }))
                .collect();
            let name = group["displayName"].as_str().unwrap();
            let id = scim.create(
                "/Groups",
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": name,
                    "members": members,
                }),
            );
            groups.insert(name.to_owned(), id);
        }
        let finance = ScriptServer::start(|_, _| Reply::new(204, ""));
        Peers {
            scim,
            users,
            groups,
            slapd,
            finance,
        }
    }

    /// The SCIM User id of `user_name`, as seeded.
    pub(crate) fn scim_id(&self, user_name: &str) -> &str {
        &self.users[user_name]
    }

    fn robert(&self) -> &str {
        &self.users[ROBERT_EMAIL]
    }

    /// The SCIM groups holding the user `id`, by plain GETs of every seeded Group.
    fn scim_groups_of(&self, id: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, group)| self.scim.members(group).iter().any(|m| m == id))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The LDAP groups listing `dn` as a member, by `ldapsearch`.
    fn ldap_groups_of(&self, dn: &str) -> Vec<String> {
        let mut groups: Vec<String> = self
            .slapd
            .search(GROUPS_OU, "one", &format!("(member={dn})"), &["cn"])
            .into_iter()
            .flat_map(|e| e.values("cn"))
            .collect();
        groups.sort();
        groups
    }

    /// What a second run must leave untouched on the peers: the SCIM user's version, the
    /// LDAP entries' modification times, the webhook requests so far.
    pub(crate) fn fingerprint(&self) -> (Value, Vec<String>, usize) {
        let user = self.scim.user(self.robert()).unwrap();
        let mut stamps = self.slapd.values(ROBERT_DN, "modifyTimestamp");
        for entry in self
            .slapd
            .search(GROUPS_OU, "one", "(objectClass=*)", &["modifyTimestamp"])
        {
            stamps.extend(entry.values("modifyTimestamp"));
        }
        (user["meta"].clone(), stamps, self.finance.requests().len())
    }
}

/// A committed copy of `examples/northwind` in a temp directory, configured for the peers.
pub(crate) struct Northwind {
    tmp: tempfile::TempDir,
    pub(crate) env: Vec<(String, String)>,
    /// Everything the commands printed, for the secrets check.
    printed: Mutex<Vec<String>>,
}

impl Northwind {
    /// Copy the example (without what a local demo run left), point the connectors at
    /// `scim_base`, `ldap_url` and `finance_origin` with `timeout`, and commit.
    pub(crate) fn new(
        scim_base: &str,
        ldap_url: &str,
        finance_origin: &str,
        timeout: &str,
        secrets: &Secrets,
    ) -> Northwind {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        crate::support::copy_example("northwind", root);
        let config = root.join("offboard.yaml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        for (from, to) in [
            ("http://127.0.0.1:18080/v2", scim_base.to_owned()),
            ("ldap://127.0.0.1:13890", ldap_url.to_owned()),
            (
                "http://127.0.0.1:18090/hooks/finance",
                format!("{finance_origin}/hooks/finance"),
            ),
            ("timeout: 5s", format!("timeout: {timeout}")),
        ] {
            assert!(
                text.contains(from),
                "offboard.yaml of northwind lacks {from}"
            );
            text = text.replace(from, &to);
        }
        std::fs::write(&config, text).unwrap();
        std::fs::write(
            root.join(".gitignore"),
            "/state/\n/journal/\n/hr.it-complete.csv\n",
        )
        .unwrap();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["add", "."]);
        git(
            root,
            &["commit", "-q", "-m", "Northwind playbook repository"],
        );
        let env: Vec<(String, String)> = secrets
            .env()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Northwind {
            tmp,
            env,
            printed: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Run the binary with the secrets in its environment.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_at(NOW, args)
    }

    /// Run the binary at `now` (RFC 3339) with the secrets in its environment.
    pub(crate) fn run_at(&self, now: &str, args: &[&str]) -> Output {
        self.run_with(Some(now), args)
    }

    /// Run the binary on this machine's clock with the secrets in its environment.
    pub(crate) fn run_live(&self, args: &[&str]) -> Output {
        self.run_with(None, args)
    }

    fn run_with(&self, now: Option<&str>, args: &[&str]) -> Output {
        let test = Test::at(self.dir())
            .arg("--config")
            .arg(self.dir().join("offboard.yaml"))
            .arg("--no-progress")
            .args(args)
            .any_status();
        let test = self.env.iter().fold(test, |test, (k, v)| test.env(k, v));
        let ran = match now {
            Some(now) => test.now(now),
            None => test,
        }
        .run();
        let mut printed = self.printed.lock().unwrap();
        printed.push(ran.stdout.clone());
        printed.push(ran.stderr.clone());
        ran
    }

    /// The run ids in the journal.
    fn runs(&self) -> Vec<String> {
        runs(&self.dir().join("journal"))
    }

    #[track_caller]
    fn only_run(&self) -> String {
        let runs = self.runs();
        assert_eq!(runs.len(), 1, "runs: {runs:?}");
        runs[0].clone()
    }

    /// `(event, step)` of every record of `run`.
    fn events(&self, run: &str) -> Vec<(String, String)> {
        payloads_of(&self.dir().join(format!("journal/{run}.jsonl")))
            .iter()
            .map(|p| {
                (
                    p["event"].as_str().unwrap().to_owned(),
                    p["step"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// The inventory, opened with plain rusqlite.
    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir().join("state/inventory.db")).unwrap()
    }

    /// `(seats held by username, all seats, data_retained of username)`.
    fn seats(&self, username: &str) -> (i64, i64, i64) {
        let db = self.db();
        let held = db
            .query_row(
                "SELECT count(*) FROM seats JOIN accounts USING (account_id) WHERE username = ?1",
                [username],
                |r| r.get(0),
            )
            .unwrap();
        let all = db
            .query_row("SELECT count(*) FROM seats", [], |r| r.get(0))
            .unwrap();
        let retained = db
            .query_row(
                "SELECT data_retained FROM accounts WHERE username = ?1",
                [username],
                |r| r.get(0),
            )
            .unwrap();
        (held, all, retained)
    }

    /// Every file offboard may have written (journal, webhook deliveries, state, HR
    /// write-back), lock files aside, with its bytes.
    pub(crate) fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut snapshot = files(&self.dir().join("journal"));
        snapshot.extend(files(&self.dir().join("state")));
        snapshot.extend(files(&self.dir().join("hr.it-complete.csv")));
        snapshot.retain(|path, _| path.extension().is_none_or(|e| e != "lock"));
        snapshot
    }

    /// No secret in anything the commands printed, nor in any file under the repository copy
    /// (journal, webhook delivery records, state, HR write-back, logs, git).
    #[track_caller]
    fn assert_no_secrets(&self, secrets: &Secrets) {
        let files = files(self.dir());
        assert!(
            files
                .keys()
                .any(|p| p.ends_with("journal/webhooks/finance.jsonl")),
            "the webhook delivery record is among the files searched: {:?}",
            files.keys().collect::<Vec<_>>()
        );
        let printed = self.printed.lock().unwrap();
        assert!(!printed.is_empty());
        for (name, secret) in secrets.env() {
            for text in printed.iter() {
                assert!(
                    !text.contains(secret),
                    "the value of {name} was printed:\n{text}"
                );
            }
            for (path, bytes) in &files {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "the value of {name} is in {}",
                    path.display()
                );
            }
        }
    }
}

/// Everything Robert's finished run must have left, read without the connectors.
#[track_caller]
fn assert_robert_offboarded(peers: &Peers, nw: &Northwind, secrets: &Secrets) {
    // The identity provider: a plain GET shows him disabled and in no group; Nancy untouched.
    let robert = peers.scim.user(peers.robert()).expect("Robert's SCIM user");
    assert_eq!(robert["active"], false, "{robert}");
    assert_eq!(peers.scim_groups_of(peers.robert()), Vec::<String>::new());
    let nancy = &peers.users[NANCY_EMAIL];
    assert_eq!(peers.scim.user(nancy).unwrap()["active"], true);
    assert_eq!(
        peers.scim_groups_of(nancy),
        ["all-staff", "crm-users", "sales"]
    );

    // The directory: locked for good, in no group; Nancy unlocked and still in hers.
    assert_eq!(
        peers.slapd.values(ROBERT_DN, "pwdAccountLockedTime"),
        [LOCKED]
    );
    assert_eq!(peers.ldap_groups_of(ROBERT_DN), Vec::<String>::new());
    assert!(
        peers
            .slapd
            .values(NANCY_DN, "pwdAccountLockedTime")
            .is_empty()
    );
    assert_eq!(peers.ldap_groups_of(NANCY_DN), ["sales-share", "vpn"]);

    // The inventory: his three seats released, nobody else's; his data retained first.
    assert_eq!(nw.seats("robert"), (0, 24, 1));
    assert_eq!(nw.seats("nancy"), (3, 24, 0));

    // Finance: one signed notice, with the seats and what they cost.
    let run = nw.only_run();
    let requests = peers.finance.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let notice = &requests[0];
    assert_eq!(
        (notice.method.as_str(), notice.path()),
        ("POST", "/hooks/finance")
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secrets.finance_secret.as_bytes()).unwrap();
    mac.update(&notice.body);
    let expected = format!("sha256={}", hex(&mac.finalize().into_bytes()));
    assert_eq!(
        notice.header("x-offboard-signature"),
        Some(expected.as_str())
    );
    assert_eq!(
        notice.header("idempotency-key"),
        Some(format!("{run}/notify-finance").as_str())
    );
    assert_eq!(
        notice.header("x-offboard-topic"),
        Some("finance.notify_reclamation")
    );
    let body: Value = serde_json::from_slice(&notice.body).unwrap();
    assert_eq!(body["monthly_cost_cents"], ROBERT_CENTS, "{body}");
    assert_eq!(body["params"]["cost_centre"], "CC-220", "{body}");
    let mut products: Vec<&str> = body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["product"].as_str().unwrap())
        .collect();
    products.sort_unstable();
    assert_eq!(products, ["salesforce", "slack", "zoom"]);
    // The local delivery record hashes the very bytes the receiver got.
    let deliveries =
        std::fs::read_to_string(nw.dir().join("journal/webhooks/finance.jsonl")).unwrap();
    let record: Value = serde_json::from_str(deliveries.lines().next().unwrap()).unwrap();
    assert_eq!(record["body_sha256"], hex(&Sha256::digest(&notice.body)));

    // HR: told once.
    let writeback = std::fs::read_to_string(nw.dir().join("hr.it-complete.csv")).unwrap();
    assert_eq!(
        writeback
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(ROBERT))
            .count(),
        1,
        "{writeback}"
    );

    // The journal: every step confirmed once, the run finished.
    assert!(
        run.starts_with(&format!("{ROBERT}-involuntary-leaver-")),
        "{run}"
    );
    let events = nw.events(&run);
    for step in STEPS {
        let confirmed = events
            .iter()
            .filter(|(e, s)| e == "step.confirmed" && s == step)
            .count();
        assert_eq!(confirmed, 1, "{step}: {events:?}");
    }
    assert_eq!(events.last().unwrap().0, "run.finished", "{events:?}");
}

#[test]
fn robert_leaves_scim_ldap_and_the_inventory_finance_is_told_and_a_second_run_changes_nothing() {
    let secrets = Secrets::new();
    let peers = Peers::start(&secrets);
    let nw = Northwind::new(
        &peers.scim.base_url,
        &peers.slapd.url(),
        &peers.finance.url,
        "5s",
        &secrets,
    );
    nw.run(&["validate"]).expect(0);

    // A plan reads every system and changes none of them.
    let plan = nw.run(&["plan", "robert"]).expect(0);
    assert!(plan.stdout.contains("disable-idp-user"), "{plan}");
    assert_eq!(peers.scim.user(peers.robert()).unwrap()["active"], true);
    assert_eq!(
        peers.scim_groups_of(peers.robert()),
        ["all-staff", "crm-users", "sales"]
    );
    assert_eq!(peers.ldap_groups_of(ROBERT_DN), ["sales-share", "vpn"]);
    assert!(peers.finance.requests().is_empty());

    let first = nw.run(&["robert"]).expect(0);
    assert!(first.stdout.contains("9/9 steps confirmed"), "{first}");
    assert_robert_offboarded(&peers, &nw, &secrets);
    nw.run(&["verify"]).expect(0);

    // Reconciliation across SCIM, LDAP and the inventory finds nothing left of him (the other
    // leaver, Michael, has not been offboarded yet and is still listed).
    let reconciled = nw.run(&["--format", "json", "reconcile"]).expect(1);
    let report: serde_json::Value = serde_json::from_str(&reconciled.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let holders: std::collections::BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f["employee_id"].as_str())
        .collect();
    assert!(!holders.contains("N1007"), "{reconciled}");
    assert!(holders.contains("N1006"), "{reconciled}");

    // Again: nothing left to do, and nothing anywhere changes.
    let files = nw.snapshot();
    let fingerprint = peers.fingerprint();
    let second = nw.run(&["robert"]).expect(0);
    assert!(second.stdout.contains("nothing left to do"), "{second}");
    assert_eq!(nw.snapshot(), files, "the second run wrote something");
    assert_eq!(
        peers.fingerprint(),
        fingerprint,
        "the second run changed a peer"
    );
    assert_robert_offboarded(&peers, &nw, &secrets);
    nw.run(&["verify"]).expect(0);

    nw.assert_no_secrets(&secrets);
}

#[test]
fn the_most_verbose_log_traces_every_system_and_never_a_secret() {
    let secrets = Secrets::new();
    let peers = Peers::start(&secrets);
    let nw = Northwind::new(
        &peers.scim.base_url,
        &peers.slapd.url(),
        &peers.finance.url,
        "5s",
        &secrets,
    );
    let ran = nw.run(&["-vvv", "robert"]).expect(0);
    assert_robert_offboarded(&peers, &nw, &secrets);

    // Offboard's own line for each system, through each kind of connector.
    let calls: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.contains("offboard::calls") && l.contains(" call "))
        .collect();
    for (system, kind, op) in [
        ("idp", "scim", "apply:deactivate"),
        ("directory", "ldap", "apply:remove_groups"),
        ("finance", "webhook", "deliver"),
        ("inventory", "sqlite", "apply:release_seats"),
    ] {
        assert!(
            calls
                .iter()
                .any(|l| l.contains(&format!("system={system} "))
                    && l.contains(&format!("connector={kind} "))
                    && l.contains(&format!("op={op} "))
                    && l.contains("outcome=")
                    && l.contains("duration_ms=")),
            "no `{op}` line for {system} ({kind}):\n{}",
            ran.stderr
        );
    }
    // The libraries' traces are there too (HTTP connections, at -vvv only)...
    assert!(
        ran.stderr
            .lines()
            .any(|l| l.contains(" TRACE ") || l.contains(" DEBUG ") && l.contains("reqwest")),
        "{}",
        ran.stderr
    );
    // ...and no header of a request: not the SCIM bearer token, not the webhook signature
    // secret, not the LDAP bind password, not even the name of the header carrying them.
    let lower = ran.stderr.to_lowercase();
    assert!(!lower.contains("authorization"), "{}", ran.stderr);
    assert!(!lower.contains("bearer"), "{}", ran.stderr);
    nw.assert_no_secrets(&secrets);
}

#[test]
fn transient_faults_in_front_of_the_identity_provider_are_retried_to_a_clean_finish() {
    let secrets = Secrets::new();
    let peers = Peers::start(&secrets);
    // A third of the requests faulted; a slow answer is held back past the 1 s timeout.
    let proxy = FaultProxy::start(&peers.scim.base_url, 7, 0.3, Duration::from_millis(1500));
    let nw = Northwind::new(
        &format!("{}/v2", proxy.url),
        &peers.slapd.url(),
        &peers.finance.url,
        "1s",
        &secrets,
    );

    let ran = nw.run(&["-v", "robert"]).expect(0);
    assert_robert_offboarded(&peers, &nw, &secrets);
    nw.run(&["verify"]).expect(0);
    let run = nw.only_run();
    assert!(
        !nw.events(&run).iter().any(|(e, _)| e == "step.failed"),
        "{ran}"
    );

    // The faults really happened, every kind of them.
    let log = proxy.log();
    let count = |f: &dyn Fn(&Outcome) -> bool| log.iter().filter(|x| f(&x.outcome)).count();
    let unavailable = count(&|o| *o == Outcome::Unavailable);
    let rate_limited_now = count(&|o| *o == Outcome::RateLimited(0));
    let rate_limited_later = count(&|o| *o == Outcome::RateLimited(1));
    let slow = count(&|o| matches!(o, Outcome::Slow(_)));
    let faulted = unavailable + rate_limited_now + rate_limited_later + slow;
    eprintln!(
        "{} SCIM requests, {faulted} faulted: {unavailable} x 503, {rate_limited_now} x 429 \
         (Retry-After: 0), {rate_limited_later} x 429 (Retry-After: 1), {slow} slow",
        log.len()
    );
    eprintln!("{}", ran.stderr);
    assert!(
        unavailable >= 1 && rate_limited_now >= 1 && rate_limited_later >= 1 && slow >= 1,
        "not every fault was injected: {log:#?}"
    );
    assert!(
        faulted * 5 >= log.len() && faulted * 5 <= log.len() * 2,
        "{faulted} faults in {} requests: {log:#?}",
        log.len()
    );
    assert!(
        !log.iter().any(|x| x.outcome == Outcome::BadGateway),
        "{log:#?}"
    );

    // The journal holds each retry: the debrief counts one for every faulted request, all of
    // them on the identity provider, and at least the second each `Retry-After: 1` asked for.
    let report = nw
        .run(&["report", "--debrief", "--format", "json"])
        .expect(0);
    let debrief = &report.json()["debrief"];
    assert_eq!(debrief["failures"], serde_json::json!([]), "{debrief}");
    let groups = debrief["retries"].as_array().expect("retries");
    assert!(groups.iter().all(|g| g["system"] == "idp"), "{debrief}");
    let total = |key: &str| -> u64 { groups.iter().filter_map(|g| g[key].as_u64()).sum() };
    assert_eq!(total("retries"), faulted as u64, "{debrief}\n{log:#?}");
    assert!(
        total("waited_ms") >= 1000 * rate_limited_later as u64,
        "{debrief}"
    );

    nw.assert_no_secrets(&secrets);
}

#[test]
fn a_permanent_refusal_stops_the_run_with_exit_3_and_the_same_command_resumes() {
    let secrets = Secrets::new();
    let peers = Peers::start(&secrets);
    let proxy = FaultProxy::start(&peers.scim.base_url, 11, 0.0, Duration::from_millis(1500));
    let patch_robert = format!("/v2/Users/{}", peers.robert());
    proxy.refuse("PATCH", &patch_robert, 403);
    let nw = Northwind::new(
        &format!("{}/v2", proxy.url),
        &peers.slapd.url(),
        &peers.finance.url,
        "1s",
        &secrets,
    );

    let failed = nw.run(&["robert"]).expect(3);
    assert!(
        failed
            .stdout
            .lines()
            .any(|l| l.contains("disable-idp-user") && l.contains("403")),
        "{failed}"
    );
    let run = nw.only_run();
    let events = nw.events(&run);
    let failures: Vec<&str> = events
        .iter()
        .filter(|(e, _)| e == "step.failed")
        .map(|(_, s)| s.as_str())
        .collect();
    assert_eq!(failures, ["disable-idp-user"], "{events:?}");
    assert!(!events.iter().any(|(e, _)| e == "run.finished"));
    let debrief = |open: u64| {
        let report = nw
            .run(&["report", "--debrief", "--format", "json"])
            .expect(0);
        let failures = report.json()["debrief"]["failures"].clone();
        assert_eq!(failures.as_array().map(Vec::len), Some(1), "{failures}");
        let group = &failures[0];
        assert_eq!(
            (&group["system"], &group["step"], &group["kind"]),
            (
                &"idp".into(),
                &"disable-idp-user".into(),
                &"permanent".into()
            ),
            "{failures}"
        );
        assert_eq!(
            (&group["failures"], &group["open"]),
            (&1.into(), &open.into())
        );
    };
    debrief(1);
    assert!(
        proxy
            .log()
            .iter()
            .any(|x| x.outcome == Outcome::Refused(403)
                && x.target.split('?').next() == Some(patch_robert.as_str()))
    );
    // Nothing past the failure: still enabled in SCIM, seats held, finance and HR not told.
    assert_eq!(peers.scim.user(peers.robert()).unwrap()["active"], true);
    assert_eq!(nw.seats("robert").0, 3);
    assert!(peers.finance.requests().is_empty());
    assert!(!nw.dir().join("hr.it-complete.csv").exists());
    nw.run(&["verify"]).expect(0);

    // The identity provider relents: the same command resumes the same run and finishes it.
    proxy.lift_refusal();
    nw.run(&["robert"]).expect(0);
    assert_eq!(nw.only_run(), run);
    assert_robert_offboarded(&peers, &nw, &secrets);
    nw.run(&["verify"]).expect(0);
    debrief(0);

    nw.assert_no_secrets(&secrets);
}

#[test]
fn michael_is_locked_out_at_once_and_his_scim_user_deleted_when_the_staged_step_falls_due() {
    let secrets = Secrets::new();
    let peers = Peers::start(&secrets);
    let nw = Northwind::new(
        &peers.scim.base_url,
        &peers.slapd.url(),
        &peers.finance.url,
        "5s",
        &secrets,
    );
    let michael = peers.users["michael.suyama@northwind.example"].clone();
    let michael_dn = "uid=michael,ou=people,dc=northwind,dc=example";

    // Voluntary leaver: everything but the delete now, then waiting (exit 4) on the staged step.
    let waiting = nw.run(&["michael"]).expect(4);
    assert!(
        waiting
            .stdout
            .contains("delete-idp-user          scheduled for 2026-12-27T00:00:00Z"),
        "{waiting}"
    );
    assert_eq!(peers.scim.user(&michael).unwrap()["active"], false);
    assert_eq!(peers.scim_groups_of(&michael), Vec::<String>::new());
    assert_eq!(
        peers.slapd.values(michael_dn, "pwdAccountLockedTime"),
        [LOCKED]
    );
    assert_eq!(peers.ldap_groups_of(michael_dn), Vec::<String>::new());
    assert_eq!(nw.seats("michael"), (0, 25, 1));
    assert_eq!(peers.finance.requests().len(), 1);

    // Not yet due: nothing happens.
    nw.run_at("2026-12-26T23:59:00Z", &["due"]).expect(0);
    assert!(peers.scim.user(&michael).is_some());

    // Thirty days after his last day: the SCIM user is gone; the directory entry stays, locked.
    nw.run_at("2026-12-28T00:00:00Z", &["due"]).expect(0);
    assert!(peers.scim.user(&michael).is_none(), "GET answers 404");
    assert_eq!(
        peers.slapd.values(michael_dn, "pwdAccountLockedTime"),
        [LOCKED]
    );
    let run = nw.only_run();
    assert!(
        nw.events(&run)
            .iter()
            .any(|(e, s)| e == "step.confirmed" && s == "delete-idp-user")
    );
    nw.run_at("2026-12-28T00:00:00Z", &["verify"]).expect(0);

    nw.assert_no_secrets(&secrets);
}
