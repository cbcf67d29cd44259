//! `offboard report` through the real binary, on journals made by real runs of the Acme example
//! at known times (`OFFBOARD_NOW`), so every figure is known in advance: the evidence pack is
//! checked with the README's own shell check (real bash, jq, `sha256sum -c` and
//! `ssh-keygen -Y verify`) and with `offboard verify --evidence`, untouched and forged, and the
//! HTML page is rendered by headless Chromium.

mod encrypted;
mod minimised;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::Test;

mod debrief;

/// A copy of the Acme example, with grace's display name made hostile to test escaping.
fn acme() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_example("acme", dir.path());
    let config = dir.path().join("offboard.yaml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "playbooks: ../../playbooks",
        &format!("playbooks: {}", root.join("playbooks").display()),
    );
    std::fs::write(&config, text).unwrap();
    let hr = dir.path().join("hr.csv");
    let text = std::fs::read_to_string(&hr).unwrap().replace(
        ",Grace Achterberg,",
        ",\"Grace <script>alert(1)</script> & \"\"Co\"\"\",",
    );
    std::fs::write(&hr, text).unwrap();
    dir
}

/// Acme with journals made by the real binary for three involuntary leavers (mallory, grace,
/// frank). The engine stamps step records with the wall clock, so only time-independent facts
/// of these runs are asserted.
fn acme_with_runs() -> tempfile::TempDir {
    let dir = acme();
    for (who, now) in [
        ("mallory", "2026-11-28T00:10:00Z"),
        ("grace", "2026-09-30T02:00:00Z"),
        ("frank", "2026-11-28T00:00:00Z"),
    ] {
        let out = offboard(dir.path(), now, &[who]);
        assert_eq!(out.status.code(), Some(0), "{who}: {}", describe(&out));
    }
    dir
}

/// The steps of the shipped involuntary-leaver playbook: id, action, connector.
const INVOLUNTARY: [(&str, &str, &str); 10] = [
    ("confirm-termination", "hr.require_leaver_status", "hr"),
    ("disable-account", "iam.deactivate", "directory"),
    ("revoke-sessions", "iam.revoke_sessions", "directory"),
    ("notify-security", "notify.security", "notify"),
    ("retain-data", "iam.retain_data", "directory"),
    ("remove-groups", "iam.remove_groups", "directory"),
    ("release-seats", "inventory.release_seats", "inventory"),
    ("notify-finance", "finance.notify_reclamation", "finance"),
    ("notify-manager", "notify.manager", "notify"),
    ("mark-complete", "hr.mark_complete", "hr"),
];

/// Acme with signed journals, written with the journal library at chosen times, of three
/// involuntary leavers whose every step is confirmed at effective time + 10 minutes (mallory,
/// effective 2026-11-28), + 2 hours (grace, 2026-09-30) and + 3 days (frank, 2026-11-25).
/// Mallory releases figma and slack (5,375 cents a month), grace netsuite (12,900).
fn acme_with_timed_runs() -> tempfile::TempDir {
    use crate::support::journal::RunJournal;
    use offboard::journal::{Event, RecordFields, Signer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let dir = acme();
    let journal = dir.path().join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    let signer =
        Signer::from_openssh_file(dir.path().join("keys/it-ops"), "it-ops@acme.example").unwrap();
    let runs = [
        (
            "E1007",
            "mallory",
            "Mallory Hartmann",
            "2026-11-28T00:00:00Z",
            600,
            serde_json::json!([
                {"product": "figma", "monthly_cost_cents": 4500},
                {"product": "slack", "monthly_cost_cents": 875}
            ]),
        ),
        (
            "E1008",
            "grace",
            "Grace <script>alert(1)</script> & \"Co\"",
            "2026-09-30T00:00:00Z",
            7200,
            serde_json::json!([{"product": "netsuite", "monthly_cost_cents": 12900}]),
        ),
        (
            "E1006",
            "frank",
            "Frank Duarte",
            "2026-11-25T00:00:00Z",
            259_200,
            serde_json::json!([]),
        ),
    ];
    for (id, user, name, effective, offset, seats) in runs {
        let effective_at = OffsetDateTime::parse(effective, &Rfc3339).unwrap();
        let at = effective_at + time::Duration::seconds(offset);
        let stamp = at
            .format(&time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap();
        let run_id = format!("{id}-involuntary-leaver-{stamp}");
        let first = RecordFields::new(Event::RunStarted)
            .time(at)
            .employee(id)
            .evidence(serde_json::json!({
                "playbook_name": "involuntary-leaver",
                "status": "terminated",
                "hr_record": {"id": id, "username": user, "display_name": name, "effective_at": effective},
            }));
        let mut run = RunJournal::create(&journal, &run_id, signer.clone(), first).unwrap();
        for (step, action, connector) in INVOLUNTARY {
            let mut fields = RecordFields::new(Event::StepConfirmed)
                .time(at)
                .employee(id)
                .step(step)
                .action(action)
                .role("iam")
                .target(connector, Some(user.to_owned()));
            if step == "release-seats" {
                fields = fields.evidence(serde_json::json!({"released_seats": seats}));
            }
            run.append(fields).unwrap();
        }
        run.append(RecordFields::new(Event::RunFinished).time(at).employee(id))
            .unwrap();
    }
    dir
}

fn offboard(dir: &Path, now: &str, args: &[&str]) -> Output {
    Test::at(dir).args(args).now(now).output()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const REPORT_NOW: &str = "2026-12-01T00:00:00Z";

fn report(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let out = offboard(dir, REPORT_NOW, &all);
    assert_eq!(out.status.code(), Some(0), "{all:?}: {}", describe(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn json_report(dir: &Path, since: &str) -> Value {
    let text = report(dir, &["--format", "json", "--since", since]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn tier<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["time_to_deprovision"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == name)
        .unwrap_or_else(|| panic!("no tier {name}: {report}"))
}

#[test]
fn figures_from_runs_at_known_times() {
    let dir = acme_with_timed_runs();
    let all = json_report(dir.path(), "90d");
    assert_eq!(all["runs"], 3, "{all}");
    assert_eq!(all["window_start"], "2026-09-02T00:00:00Z");
    assert_eq!(
        all["playbooks"],
        serde_json::json!([{"playbook": "involuntary-leaver", "count": 3, "finished": 3, "open": 0}])
    );
    // Every step of a run is confirmed at its OFFBOARD_NOW: 600 s, 7200 s and 259200 s after
    // the effective time. Nearest rank over three values: median = 2nd, p90 = 3rd.
    for name in ["critical", "high", "standard", "low", "overall"] {
        let summary = &tier(&all, name)["summary"];
        assert_eq!(
            summary,
            &serde_json::json!({"count": 3, "median_seconds": 7200, "p90_seconds": 259200, "max_seconds": 259200}),
            "{name}: {all}"
        );
    }
    assert_eq!(tier(&all, "critical")["deadline_seconds"], 900);
    let seconds: Vec<i64> = all["deprovisioned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seconds"].as_i64().unwrap())
        .collect();
    let mut sorted = seconds.clone();
    sorted.sort();
    assert_eq!(sorted, [600, 7200, 259_200]);

    // Grace at +2h misses the three critical (15m) deadlines; frank at +3d misses every
    // critical, high (4h) and standard (1d) one, and meets the low (3d) one exactly.
    let breaches: Vec<(String, String)> = all["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["employee"].as_str().unwrap().to_owned(),
                b["step"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("E1008", "confirm-termination"),
        ("E1008", "disable-account"),
        ("E1008", "revoke-sessions"),
        ("E1006", "confirm-termination"),
        ("E1006", "disable-account"),
        ("E1006", "revoke-sessions"),
        ("E1006", "notify-security"),
        ("E1006", "retain-data"),
        ("E1006", "remove-groups"),
        ("E1006", "release-seats"),
        ("E1006", "notify-finance"),
        ("E1006", "notify-manager"),
    ]
    .iter()
    .map(|(e, s)| ((*e).to_owned(), (*s).to_owned()))
    .collect();
    let mut got = breaches.clone();
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want, "{all}");
    assert_eq!(
        all["breaches_by_week"],
        serde_json::json!([{"week": "2026-W40", "count": 3}, {"week": "2026-W48", "count": 9}])
    );

    assert_eq!(
        all["cost_by_month"],
        serde_json::json!([
            {"month": "2026-09", "monthly_cost_cents": 12900},
            {"month": "2026-11", "monthly_cost_cents": 5375}
        ])
    );
    assert_eq!(all["seats"]["seats"], 3);
    assert_eq!(all["seats"]["monthly_cost_cents"], 18275);
    assert_eq!(all["seats"]["by_product"][0]["product"], "netsuite");
    assert_eq!(all["orphans"]["status"], "not_available");

    // A 30-day window leaves grace out: 600 s and 259200 s remain.
    let recent = json_report(dir.path(), "30d");
    assert_eq!(recent["runs"], 2);
    assert_eq!(
        tier(&recent, "overall")["summary"],
        serde_json::json!({"count": 2, "median_seconds": 600, "p90_seconds": 259200, "max_seconds": 259200})
    );
    assert_eq!(recent["breaches"].as_array().unwrap().len(), 9);
}

#[test]
fn orphan_rate_comes_from_reconcile_json() {
    let dir = acme_with_timed_runs();
    let finding = |kind: &str, account: &str, entitlement_type: &str| {
        serde_json::json!({"kind": kind, "system": "directory", "account": account,
                           "entitlement_type": entitlement_type})
    };
    let doc = serde_json::json!({
        "findings": [
            finding("orphan", "grace", "account"),
            finding("orphan", "grace", "license"),
            finding("unknown_holder", "temp-admin", "account"),
            finding("excess", "judy", "license"),
        ],
        "totals": {"count": 4, "monthly_cost_cents": 100},
        "accounts_checked": 27
    });
    std::fs::write(dir.path().join("journal/reconcile.json"), doc.to_string()).unwrap();
    let all = json_report(dir.path(), "90d");
    assert_eq!(all["orphans"]["status"], "available");
    assert_eq!(all["orphans"]["findings"], 4);
    assert_eq!(all["orphans"]["orphaned_accounts"], 2);
    assert_eq!(all["orphans"]["accounts_checked"], 27);
    let human = report(dir.path(), &[]);
    assert!(
        human.contains("orphan rate:     7.4% (2 orphaned account(s) of 27; 4 finding(s))"),
        "{human}"
    );
}

#[test]
fn human_and_markdown_show_the_tables() {
    let dir = acme_with_timed_runs();
    let human = report(dir.path(), &[]);
    for line in [
        "offboardings:    3",
        "SLO breaches:    12",
        "  tier      deadline  runs  median  p90  max",
        "  critical  15m       3     2h      3d   3d",
        "  overall   -         3     2h      3d   3d",
        "  involuntary-leaver  3     3         0",
    ] {
        assert!(human.contains(line), "missing {line:?} in\n{human}");
    }
    let md = report(dir.path(), &["--format", "md"]);
    for line in [
        "| playbook | runs | finished | open |",
        "|---|---|---|---|",
        "| involuntary-leaver | 3 | 3 | 0 |",
        "| tier | deadline | runs | median | p90 | max |",
        "| critical | 15m | 3 | 2h | 3d | 3d |",
        "| employee | name | step | tier | deadline | confirmed |",
        "| E1008 | Grace &lt;script>alert(1)&lt;/script> & \"Co\" | disable-account | critical |",
    ] {
        assert!(md.contains(line), "missing {line:?} in\n{md}");
    }
}

#[test]
fn bad_period_and_format_are_usage_errors() {
    let dir = acme();
    let out = offboard(dir.path(), REPORT_NOW, &["report", "--since", "3 months"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--since `3 months` is not a period"),
        "{}",
        describe(&out)
    );
    let out = offboard(dir.path(), REPORT_NOW, &["--format", "csv", "report"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

fn sh(dir: &Path, program: &str, args: &[&str], stdin: Option<&Path>) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    if let Some(path) = stdin {
        cmd.stdin(Stdio::from(std::fs::File::open(path).unwrap()));
    }
    cmd.output().unwrap_or_else(|e| panic!("{program}: {e}"))
}

/// The auditor's shell check exactly as the README shows it (the block after its
/// `evidence-pack-check` marker), so the documented commands are the tested ones.
fn readme_pack_check() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let (_, after) = readme
        .split_once("<!-- evidence-pack-check")
        .expect("the README marks the evidence pack check");
    let (_, block) = after.split_once("```bash\n").expect("a bash block follows");
    let (script, _) = block.split_once("\n```").expect("the block ends");
    script.to_owned()
}

/// Run the README's check with bash, the real jq, sha256sum and ssh-keygen, in the playbook
/// repository `dir`, on the pack `dir/pack`.
fn shell_pack_check(dir: &Path) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(readme_pack_check())
        .current_dir(dir)
        .output()
        .expect("run bash")
}

/// `offboard verify --evidence pack --format json` in `dir`: exit code and report.
fn native_pack_check(dir: &Path) -> (Option<i32>, Value) {
    let out = offboard(
        dir,
        REPORT_NOW,
        &["--format", "json", "verify", "--evidence", "pack"],
    );
    let report =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(&out)));
    (out.status.code(), report)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn pack_names(pack: &Path) -> Vec<String> {
    let mut names: Vec<String> = walk(pack)
        .iter()
        .map(|p| p.strip_prefix(pack).unwrap().display().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn evidence_pack_verifies_offline_with_openssh_jq_and_sha256sum() {
    let dir = acme_with_runs();
    let pack = dir.path().join("pack");
    report(dir.path(), &["--evidence", pack.to_str().unwrap()]);
    let names = pack_names(&pack);
    // The pack carries no keys and no unsigned checksum list: only what the manifest signs.
    assert_eq!(names.len(), 7, "{names:?}");
    for name in [
        "evidence.csv",
        "journal/ledger.jsonl",
        "manifest.json",
        "manifest.sig",
    ] {
        assert!(names.contains(&name.to_owned()), "{name}: {names:?}");
    }
    // The copies are byte-identical to the journal.
    for name in names.iter().filter(|n| n.starts_with("journal/")) {
        assert_eq!(
            std::fs::read(pack.join(name)).unwrap(),
            std::fs::read(dir.path().join(name)).unwrap(),
            "{name}"
        );
    }

    // The signed manifest lists every other file with its SHA-256 and size.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(pack.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "offboard-evidence/2");
    assert_eq!(manifest["signer"], "it-ops@acme.example");
    assert_eq!(manifest["namespace"], "offboard");
    let mut listed = Vec::new();
    for file in manifest["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let bytes = std::fs::read(pack.join(path)).unwrap();
        assert_eq!(file["sha256"], sha256_hex(&bytes), "{path}");
        assert_eq!(file["bytes"], bytes.len(), "{path}");
        listed.push(path.to_owned());
    }
    listed.push("manifest.json".to_owned());
    listed.push("manifest.sig".to_owned());
    listed.sort();
    assert_eq!(listed, names);

    // The README's shell check, with the playbook repository's allowed_signers.
    let out = shell_pack_check(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("Good \"offboard\" signature for it-ops@acme.example"),
        "{}",
        describe(&out)
    );
    assert!(
        stdout.ends_with("\nevidence pack verified\n"),
        "{}",
        describe(&out)
    );

    // The same checks, natively.
    let (code, check) = native_pack_check(dir.path());
    assert_eq!(code, Some(0), "{check}");
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["manifest_verified"], true, "{check}");
    assert_eq!(check["signer"], "it-ops@acme.example");
    assert_eq!(check["files_listed"], 5, "{check}");
    assert_eq!(check["files_verified"], 5, "{check}");
    assert_eq!(check["problems"], serde_json::json!([]));
    let out = offboard(dir.path(), REPORT_NOW, &["verify", "--evidence", "pack"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("evidence pack verified: pack signed by it-ops@acme.example"),
        "{}",
        describe(&out)
    );

    // The CSV: one row per leaver and step, with the SLO verdict.
    let csv = std::fs::read_to_string(pack.join("evidence.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "run,employee,name,playbook,hr_termination_time,system,step,action,risk,deadline,confirmation_time,signer,slo_met"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 30, "{csv}");
    let row = |employee: &str, step: &str| -> Vec<String> {
        let line = rows
            .iter()
            .find(|l| l.contains(&format!(",{employee},")) && l.contains(&format!(",{step},")))
            .unwrap_or_else(|| panic!("no row {employee} {step}: {csv}"));
        line.split(',').map(str::to_owned).collect()
    };
    let mallory = row("E1007", "disable-account");
    assert_eq!(mallory[4], "2026-11-28T00:00:00Z");
    assert_eq!(mallory[5], "directory");
    assert_eq!(mallory[7], "iam.deactivate");
    assert!(mallory[10].starts_with("20"), "{mallory:?}");
    assert_eq!(mallory[11], "it-ops@acme.example");
    // Frank's run was made after his deadlines (effective 2026-11-25, wall-clock confirmations).
    assert_eq!(row("E1006", "notify-manager")[12], "no");

    // A non-empty directory is refused, and nothing in it is touched.
    let before = std::fs::read(pack.join("manifest.json")).unwrap();
    let out = offboard(
        dir.path(),
        REPORT_NOW,
        &["report", "--evidence", pack.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert_eq!(std::fs::read(pack.join("manifest.json")).unwrap(), before);
    assert_eq!(pack_names(&pack), names);
}

/// `pack/manifest.json` rewritten as a forger would: `evidence.csv` listed with its current
/// hash and size, and `extra` files added to the list.
fn relist(pack: &Path, extra: &[&str]) {
    let path = pack.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let files = manifest["files"].as_array_mut().unwrap();
    for name in std::iter::once("evidence.csv").chain(extra.iter().copied()) {
        let bytes = std::fs::read(pack.join(name)).unwrap();
        let entry =
            serde_json::json!({"path": name, "sha256": sha256_hex(&bytes), "bytes": bytes.len()});
        match files.iter_mut().find(|f| f["path"] == name) {
            Some(file) => *file = entry,
            None => files.push(entry),
        }
    }
    let mut text = serde_json::to_vec_pretty(&manifest).unwrap();
    text.push(b'\n');
    std::fs::write(path, text).unwrap();
}

/// `evidence.csv` with every late step (`slo_met` = `no`) turned into a met one.
fn forge_csv(pack: &Path) {
    let path = pack.join("evidence.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.contains(",no\n"), "{csv}");
    std::fs::write(path, csv.replace(",no\n", ",yes\n")).unwrap();
}

#[test]
fn a_forged_evidence_pack_fails_the_readme_check_and_verify_evidence() {
    let dir = acme_with_runs();
    let pristine = dir.path().join("pristine");
    report(dir.path(), &["--evidence", pristine.to_str().unwrap()]);
    let rogue_dir = tempfile::tempdir().unwrap();
    let rogue = rogue_dir.path().join("rogue");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "rogue", "-f"])
        .arg(&rogue)
        .status()
        .unwrap();
    assert!(status.success());
    let a_run = pack_names(&pristine)
        .into_iter()
        .find(|n| n.starts_with("journal/E1006-"))
        .unwrap();

    type Attack = Box<dyn Fn(&Path)>;
    let run_copy = a_run.clone();
    let rogue_key = rogue.clone();
    // (what the forger does, the kind and path of the first problem `verify` must name)
    let attacks: Vec<(&str, Attack, &str, &str)> = vec![
        (
            "evidence.csv edited, SHA256SUMS regenerated",
            Box::new(|pack: &Path| {
                forge_csv(pack);
                let sums = ["evidence.csv"]
                    .iter()
                    .map(|n| {
                        format!(
                            "{}  {n}\n",
                            sha256_hex(&std::fs::read(pack.join(n)).unwrap())
                        )
                    })
                    .collect::<String>();
                std::fs::write(pack.join("SHA256SUMS"), sums).unwrap();
            }),
            "size_mismatch",
            "evidence.csv",
        ),
        (
            "evidence.csv edited, same size",
            Box::new(|pack: &Path| {
                let path = pack.join("evidence.csv");
                let csv = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, csv.replacen(",it-ops@", ",it-lead", 1)).unwrap();
            }),
            "hash_mismatch",
            "evidence.csv",
        ),
        (
            "a journal copy deleted",
            Box::new(move |pack: &Path| std::fs::remove_file(pack.join(&run_copy)).unwrap()),
            "missing",
            a_run.as_str(),
        ),
        (
            "an extra file added",
            Box::new(|pack: &Path| {
                std::fs::write(pack.join("journal/E1099-forged.jsonl"), "{}\n").unwrap();
            }),
            "unlisted",
            "journal/E1099-forged.jsonl",
        ),
        (
            "manifest.json edited to list the edited evidence.csv",
            Box::new(|pack: &Path| {
                forge_csv(pack);
                relist(pack, &[]);
            }),
            "signature",
            "",
        ),
        (
            "re-signed by a rogue key listed in a pack-local allowed_signers",
            Box::new(move |pack: &Path| {
                forge_csv(pack);
                let public = std::fs::read_to_string(rogue_key.with_extension("pub")).unwrap();
                std::fs::write(
                    pack.join("allowed_signers"),
                    format!("it-ops@acme.example {public}"),
                )
                .unwrap();
                relist(pack, &["allowed_signers"]);
                std::fs::remove_file(pack.join("manifest.sig")).unwrap();
                let signed = Command::new("ssh-keygen")
                    .args(["-Y", "sign", "-n", "offboard", "-f"])
                    .arg(&rogue_key)
                    .arg("manifest.json")
                    .current_dir(pack)
                    .output()
                    .unwrap();
                assert!(signed.status.success(), "{}", describe(&signed));
                std::fs::rename(pack.join("manifest.json.sig"), pack.join("manifest.sig")).unwrap();
                // The forgery is complete: it passes against the pack's own allowed_signers.
                let fooled = sh(
                    pack,
                    "ssh-keygen",
                    &[
                        "-Y",
                        "verify",
                        "-f",
                        "allowed_signers",
                        "-I",
                        "it-ops@acme.example",
                        "-n",
                        "offboard",
                        "-s",
                        "manifest.sig",
                    ],
                    Some(&pack.join("manifest.json")),
                );
                assert!(fooled.status.success(), "{}", describe(&fooled));
            }),
            "signature",
            "",
        ),
        (
            "manifest.sig removed",
            Box::new(|pack: &Path| std::fs::remove_file(pack.join("manifest.sig")).unwrap()),
            "no_manifest",
            "manifest.sig",
        ),
    ];

    let pack = dir.path().join("pack");
    for (what, attack, kind, path) in &attacks {
        let _ = std::fs::remove_dir_all(&pack);
        crate::support::copy_dir(&pristine, &pack);
        attack(&pack);
        let forged = pack_names(&pack);

        let out = shell_pack_check(dir.path());
        assert_ne!(out.status.code(), Some(0), "{what}: {}", describe(&out));
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("evidence pack verified"),
            "{what}: {}",
            describe(&out)
        );

        let (code, check) = native_pack_check(dir.path());
        assert_eq!(code, Some(1), "{what}: {check}");
        assert_eq!(check["ok"], false, "{what}: {check}");
        let first = &check["problems"][0];
        assert_eq!(first["kind"], *kind, "{what}: {check}");
        if !path.is_empty() {
            assert_eq!(first["path"], *path, "{what}: {check}");
        }
        let out = offboard(dir.path(), REPORT_NOW, &["verify", "--evidence", "pack"]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", describe(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let message = first["message"].as_str().unwrap();
        assert!(
            stdout.starts_with(&format!("BAD: {message}\n")),
            "{what}: {}",
            describe(&out)
        );
        assert!(
            stdout.contains("evidence pack FAILED verification"),
            "{what}: {stdout}"
        );
        // Checking changes nothing in the pack.
        assert_eq!(pack_names(&pack), forged, "{what}");
    }

    // The failures name what happened.
    let messages = |attack: usize| {
        let _ = std::fs::remove_dir_all(&pack);
        crate::support::copy_dir(&pristine, &pack);
        attacks[attack].1(&pack);
        native_pack_check(dir.path()).1["problems"].clone()
    };
    let sums = messages(0);
    assert_eq!(sums.as_array().unwrap().len(), 2, "{sums}");
    assert_eq!(sums[1]["kind"], "unlisted");
    assert_eq!(sums[1]["path"], "SHA256SUMS");
    let edited = messages(4);
    assert_eq!(edited[0]["reason"]["kind"], "bad_signature", "{edited}");
    assert_eq!(
        edited[0]["message"],
        "manifest.sig is not a signature of manifest.json: the manifest was edited after it was signed"
    );
    let rogue = messages(5);
    assert_eq!(rogue.as_array().unwrap().len(), 1, "{rogue}");
    assert_eq!(rogue[0]["reason"]["kind"], "key_not_allowed", "{rogue}");
    assert_eq!(
        rogue[0]["message"],
        "manifest.sig: signed with a key that allowed_signers does not list for it-ops@acme.example"
    );
}

#[test]
fn verify_evidence_usage_errors() {
    let dir = acme();
    let out = offboard(
        dir.path(),
        REPORT_NOW,
        &["verify", "--evidence", "no-such-pack"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no-such-pack"),
        "{}",
        describe(&out)
    );
    std::fs::write(dir.path().join("a-file"), "x").unwrap();
    let out = offboard(dir.path(), REPORT_NOW, &["verify", "--evidence", "a-file"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
    let out = offboard(
        dir.path(),
        REPORT_NOW,
        &["verify", "--evidence", "x", "RUN"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    // An empty directory is no pack: a finding, naming the manifest.
    std::fs::create_dir(dir.path().join("pack")).unwrap();
    let (code, check) = native_pack_check(dir.path());
    assert_eq!(code, Some(1), "{check}");
    assert_eq!(check["problems"][0]["kind"], "no_manifest", "{check}");
    assert_eq!(check["problems"][0]["path"], "manifest.json", "{check}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn html_is_self_contained_and_escaped() {
    let dir = acme_with_timed_runs();
    let html = report(dir.path(), &["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "a script tag leaked");
    assert!(html.contains("Grace &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"));
    for forbidden in ["http://", "https://", "src=", "href=", "@import", "url("] {
        let outside_svg_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !outside_svg_ns.contains(forbidden),
            "{forbidden} in the page"
        );
    }
    assert_eq!(html.matches("<svg").count(), 3);
    for label in [
        ">time to deprovision</text>",
        ">ISO week</text>",
        ">month</text>",
        ">2026-W48</text>",
        ">2026-09</text>",
        ">129.00</text>",
    ] {
        assert!(html.contains(label), "missing {label}");
    }
}

#[test]
fn html_renders_in_headless_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        if std::env::var_os("CI").is_some() {
            panic!("/usr/bin/chromium is missing; install it with scripts/install-peers");
        }
        eprintln!("note: /usr/bin/chromium is missing, HTML rendering not checked (CI fails here)");
        return;
    }
    let dir = acme_with_timed_runs();
    let html = report(dir.path(), &["--format", "html"]);
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    let png_path = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg("--window-size=1200,1600")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        !stderr.contains("Uncaught") && !stderr.contains("ERROR:CONSOLE"),
        "{stderr}"
    );
    if let Ok(keep) = std::env::var("OFFBOARD_REPORT_SCREENSHOT") {
        std::fs::copy(&png_path, keep).unwrap();
    }
    let decoder = png::Decoder::new(std::fs::File::open(&png_path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 1600));
    let bytes = &buf[..info.buffer_size()];
    let px = info.color_type.samples() * usize::from(info.bit_depth as u8).div_ceil(8);
    let first = &bytes[..px];
    let differing = bytes.chunks(px).filter(|p| p != &first).count();
    // Text, bars and axes: far more than a handful of pixels differ from the background.
    assert!(differing > 10_000, "only {differing} non-background pixels");
    // The bars are drawn in their colour (#2f6fbf).
    let bar = bytes
        .chunks(px)
        .filter(|p| p.len() >= 3 && p[0] == 0x2f && p[1] == 0x6f && p[2] == 0xbf)
        .count();
    assert!(bar > 1000, "only {bar} bar-coloured pixels");
}

/// Bob's HR row with names that try to drive the terminal: clear the screen, set the window
/// title, ring the bell, and forge a line of output after a line break.
const HOSTILE_NAME: &str =
    "Bob \u{1b}[2J\u{1b}]0;pwned\u{7}Lindqvist\r\n  \u{2713} step disable-account confirmed";
const HOSTILE_EMAIL: &str = "bob\u{1b}[31m\u{7}@acme.example";
const HOSTILE_MANAGER: &str = "ivan@acme.example\n\u{2713} step hand-over-mailbox confirmed";
const HOSTILE_COST_CENTRE: &str = "CC-100\r\n  \u{2713} step notify-finance confirmed\u{1b}[0m";

/// Insist that `bytes` hold no control character but line feeds and tabs (the output's own),
/// and no forged step line.
#[track_caller]
fn assert_printable(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| c.is_control() && *c != '\n' && *c != '\t')
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {bad:?} in\n{text}"
    );
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with('\u{2713}'),
            "{what}: a forged line {line:?} in\n{text}"
        );
    }
}

#[test]
fn hostile_hr_text_never_reaches_the_terminal_raw() {
    let dir = acme();
    let hr = dir.path().join("hr.csv");
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let text = std::fs::read_to_string(&hr).unwrap().replace(
        "E1002,bob,bob.lindqvist@acme.example,Bob Lindqvist,E1010,ivan.petrov@acme.example,R&D,CC-100,",
        &format!(
            "E1002,bob,{},{},E1010,{},R&D,{},",
            quote(HOSTILE_EMAIL),
            quote(HOSTILE_NAME),
            quote(HOSTILE_MANAGER),
            quote(HOSTILE_COST_CENTRE)
        ),
    );
    std::fs::write(&hr, text).unwrap();
    let visible_name =
        "Bob \u{241b}[2J\u{241b}]0;pwned\u{2407}Lindqvist\u{240d}\u{240a}  \u{2713} step";

    let plan = offboard(dir.path(), "2026-11-30T09:00:00Z", &["plan", "bob"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
    assert_printable("plan", &plan.stdout);
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(
        shown.contains(&format!("plan for E1002 ({visible_name}")),
        "{shown}"
    );
    assert!(
        shown.contains(
            "cost_centre: CC-100\u{240d}\u{240a}  \u{2713} step notify-finance confirmed\u{241b}[0m"
        ),
        "{shown}"
    );

    // The run waits on the manual steps, whose task quotes the addresses.
    let run = offboard(dir.path(), "2026-11-30T09:00:00Z", &["bob"]);
    assert_eq!(run.status.code(), Some(4), "{}", describe(&run));
    assert_printable("run", &run.stdout);
    assert_printable("run (stderr)", &run.stderr);
    let shown = String::from_utf8_lossy(&run.stdout);
    assert!(
        shown.contains(
            "of bob\u{241b}[31m\u{2407}@acme.example to ivan@acme.example\u{240a}\u{2713} step"
        ),
        "{shown}"
    );

    // Bob missed his deadlines: the report names him in its breaches.
    let human = report(dir.path(), &[]);
    assert_printable("report", human.as_bytes());
    assert!(human.contains(visible_name), "{human}");
    let md = report(dir.path(), &["--format", "md"]);
    assert_printable("report --format md", md.as_bytes());
    assert!(
        md.lines().any(
            |l| l.starts_with("| E1002 | Bob \u{241b}\\[2J\u{241b}\\]0;pwned\u{2407}Lindqvist")
        ),
        "{md}"
    );
    let html = report(dir.path(), &["--format", "html"]);
    assert_printable("report --format html", html.as_bytes());
    // JSON keeps the exact name (serde escapes it).
    let json: Value = serde_json::from_str(&report(dir.path(), &["--format", "json"])).unwrap();
    assert_eq!(json["breaches"][0]["name"], HOSTILE_NAME, "{json}");

    let pack = dir.path().join("pack");
    report(dir.path(), &["--evidence", pack.to_str().unwrap()]);
    let files = walk(&pack);
    for name in [
        "evidence.csv",
        "manifest.json",
        "manifest.sig",
        "journal/ledger.jsonl",
    ] {
        assert!(files.contains(&pack.join(name)), "{name}: {files:?}");
    }
    for file in files {
        assert_printable(&file.display().to_string(), &std::fs::read(&file).unwrap());
    }
    let csv = std::fs::read_to_string(pack.join("evidence.csv")).unwrap();
    assert!(csv.contains(visible_name), "{csv}");
    // The escaped CSV is what was signed: the pack verifies.
    let checked = offboard(
        dir.path(),
        REPORT_NOW,
        &["verify", "--evidence", pack.to_str().unwrap()],
    );
    assert_eq!(checked.status.code(), Some(0), "{}", describe(&checked));
    assert_printable("verify --evidence", &checked.stdout);

    // An HR status no glossary knows is quoted in the error, made printable too.
    let text = std::fs::read_to_string(&hr)
        .unwrap()
        .replace(",XFER,", ",\"XFER\u{1b}[2J\r\n\u{2713} step done\",");
    std::fs::write(&hr, text).unwrap();
    let refused = offboard(dir.path(), "2026-11-30T09:00:00Z", &["carol"]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert_printable("an error", &refused.stderr);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("XFER\u{241b}[2J"),
        "{}",
        describe(&refused)
    );
}
