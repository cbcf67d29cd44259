//! `offboard reconcile` on the Acme example and on generated repositories with planted answers.

#[path = "../../../benches/reconcile/dataset.rs"]
mod dataset;
mod peers;

use std::path::Path;

use crate::support::Output;
use crate::support::acme::Acme;
use crate::support::peers::script::{Reply, ScriptServer};
use crate::support::{Test, copy_dir, copy_example};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const ACME_CONFIG: &str = "examples/acme/offboard.yaml";

/// A temp directory holding `examples/acme` and the shipped playbooks it points at, without
/// any store or journal left by earlier runs.
fn acme() -> Test {
    let test = Test::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_example("acme", &test.path().join("examples/acme"));
    copy_dir(&root.join("playbooks"), &test.path().join("playbooks"));
    test
}

/// `kind account entitlement` of each CSV row, in output order.
fn summary(csv: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "kind",
            "system",
            "account",
            "employee_id",
            "hr_status",
            "role",
            "entitlement_type",
            "entitlement",
            "monthly_cost_cents",
            "days_orphaned",
            "last_sign_in",
            "days_dormant"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            format!("{} {} {}", &r[0], &r[2], &r[7])
        })
        .collect()
}

#[test]
fn acme_finds_exactly_the_planted_orphans() {
    let out = acme()
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
        .args(["--config", ACME_CONFIG, "--format", "csv", "reconcile"])
        .status(1)
        .run();
    let mut expected = Vec::new();
    for (who, entitlements) in [
        (
            "grace",
            &[
                "grace",
                "all-staff",
                "finance",
                "finance-approvers",
                "1password",
                "netsuite",
                "slack",
                "workspace",
            ][..],
        ),
        (
            "heidi",
            &[
                "heidi",
                "all-staff",
                "design",
                "vpn",
                "1password",
                "figma",
                "slack",
                "workspace",
                "zoom",
            ][..],
        ),
    ] {
        for e in entitlements {
            expected.push(format!("orphan {who} {e}"));
        }
    }
    for e in [
        "temp-admin",
        "it-admins",
        "prod-access",
        "vpn",
        "1password",
        "github",
    ] {
        expected.push(format!("unknown_holder temp-admin {e}"));
    }
    expected.push("suspend_expected dave dave".to_owned());
    expected.push("excess judy figma".to_owned());
    assert_eq!(summary(&out.stdout), expected, "{}", out.stdout);
    // Exact values of a few rows: cost, days since the HR date, status, role.
    for row in [
        "orphan,directory,grace,E1008,terminated,,license,netsuite,12900,50,,",
        "orphan,directory,heidi,E1009,resigned,,account,heidi,0,35,,",
        "unknown_holder,directory,temp-admin,E0999,,,license,github,2100,,,",
        "suspend_expected,directory,dave,E1004,on_leave,,account,dave,0,3,,",
        "excess,directory,judy,E1011,active,engineer,license,figma,4500,,,",
    ] {
        assert!(
            out.stdout.lines().any(|l| l == row),
            "{row}\n{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("svc-"), "{}", out.stdout);
}

#[test]
fn acme_table_has_sections_and_totals() {
    let out = acme()
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
        .args(["--config", ACME_CONFIG, "reconcile"])
        .status(1)
        .run();
    let text = &out.stdout;
    for expected in [
        "Orphaned: the holder left (17, 250.47 a month)\n",
        "Unknown to HR (6, 28.99 a month)\n",
        "Suspend expected: on leave with access (1, 0.00 a month)\n",
        "Excess: not carried by the holder's role (1, 45.00 a month)\n",
        "Total: 25 finding(s) (17 orphan, 6 unknown_holder, 1 suspend_expected, 1 excess), 324.46 a month; 24 people, 216 entitlement(s) from 1 source(s), judged at 2026-11-19T12:00:00Z.\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let header = text.lines().nth(1).unwrap();
    assert!(
        header.starts_with("SYSTEM     ACCOUNT     EMPLOYEE  HR STATUS"),
        "{header}"
    );
    let netsuite = text.lines().find(|l| l.contains("netsuite")).unwrap();
    assert!(netsuite.ends_with("129.00    50"), "{netsuite}");
}

#[test]
fn acme_later_also_lists_the_leavers_not_yet_offboarded_and_the_mover() {
    let out = acme()
        .env("OFFBOARD_NOW", "2026-11-30T12:00:00Z")
        .args(["--config", ACME_CONFIG, "--format", "csv", "reconcile"])
        .status(1)
        .run();
    let mut people: Vec<String> = summary(&out.stdout)
        .iter()
        .map(|s| s.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    people.dedup();
    assert_eq!(
        people,
        [
            "orphan bob",
            "orphan erin",
            "orphan frank",
            "orphan grace",
            "orphan heidi",
            "orphan mallory",
            "unknown_holder temp-admin",
            "suspend_expected dave",
            "excess carol",
            "excess judy",
        ]
    );
    // Carol moved from engineer to sales: what sales does not carry is excess.
    assert!(
        out.stdout
            .contains("excess,directory,carol,E1003,transferred,sales,group,engineering,0,,,\n")
    );
}

#[test]
fn acme_json_parses_and_totals_add_up() {
    let out = acme()
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
        .args(["--config", ACME_CONFIG, "--format", "json", "reconcile"])
        .status(1)
        .run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 25);
    let cost: i64 = findings
        .iter()
        .map(|f| f["monthly_cost_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(cost, 32446);
    assert_eq!(doc["totals"]["count"], 25);
    assert_eq!(doc["totals"]["monthly_cost_cents"], 32446);
    assert_eq!(doc["totals"]["by_kind"]["orphan"]["count"], 17);
    assert_eq!(
        doc["totals"]["by_kind"]["excess"]["monthly_cost_cents"],
        4500
    );
    assert_eq!(doc["now"], "2026-11-19T12:00:00Z");
    assert_eq!(doc["coverage"]["people"], 24);
    assert_eq!(doc["coverage"]["service_account_entitlements"], 5);
    let judy = findings.iter().find(|f| f["account"] == "judy").unwrap();
    assert_eq!(
        judy,
        &serde_json::json!({
            "kind": "excess", "system": "directory", "account": "judy", "employee_id": "E1011",
            "hr_status": "active", "role": "engineer", "entitlement_type": "license",
            "entitlement": "figma", "monthly_cost_cents": 4500, "days_orphaned": null,
            "last_sign_in": null, "days_dormant": null
        })
    );
}

#[test]
fn without_the_allow_list_service_accounts_are_unknown() {
    let test = acme();
    std::fs::remove_file(test.path().join("examples/acme/service-accounts.yaml")).unwrap();
    let out = test
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
        .args(["--config", ACME_CONFIG, "--format", "csv", "reconcile"])
        .status(1)
        .run();
    let svc: Vec<String> = summary(&out.stdout)
        .into_iter()
        .filter(|s| s.contains("svc-"))
        .collect();
    assert_eq!(
        svc,
        [
            "unknown_holder svc-backup svc-backup",
            "unknown_holder svc-backup backup-operators",
            "unknown_holder svc-ci svc-ci",
            "unknown_holder svc-ci ci-runners",
            "unknown_holder svc-ci engineering",
        ]
    );
    assert!(
        out.stdout
            .contains("unknown_holder,directory,svc-ci,,,,account,svc-ci,0,,,\n")
    );
}

fn generated(people: usize, entitlements: usize, seed: u64) -> (Test, dataset::Summary) {
    generated_in(people, entitlements, seed, dataset::Order::Sorted)
}

fn generated_in(
    people: usize,
    entitlements: usize,
    seed: u64,
    order: dataset::Order,
) -> (Test, dataset::Summary) {
    let test = Test::new();
    let summary = dataset::generate(
        test.path(),
        dataset::Spec {
            people,
            entitlements,
            seed,
            order,
        },
    )
    .unwrap();
    (test, summary)
}

#[test]
fn generated_data_gives_exactly_the_planted_findings_in_any_row_order() {
    // The last case is large enough (over 4 MiB) to be read by several threads.
    for (people, entitlements, seed) in [(3000, 15_000, 1), (500, 2_000, 2), (20_000, 90_000, 4)] {
        let sorted = generated_in(people, entitlements, seed, dataset::Order::Sorted);
        let shuffled = generated_in(people, entitlements, seed, dataset::Order::Shuffled);
        let read =
            |test: &Test, file: &str| std::fs::read_to_string(test.path().join(file)).unwrap();
        // The same rows in another order, and the same planted findings.
        let (a, b) = (
            read(&sorted.0, "inventory.csv"),
            read(&shuffled.0, "inventory.csv"),
        );
        assert_ne!(a, b);
        let lines = |text: &str| {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            lines.sort_unstable();
            lines
        };
        assert_eq!(lines(&a), lines(&b));
        assert_eq!(
            read(&sorted.0, "expected.csv"),
            read(&shuffled.0, "expected.csv")
        );
        assert_eq!(sorted.1, shuffled.1);
        for (test, summary) in [sorted, shuffled] {
            check_planted(test, summary, entitlements, seed);
        }
    }
}

/// Reconcile's CSV output on a generated repository is exactly its planted findings, of every
/// kind.
fn check_planted(test: Test, summary: dataset::Summary, entitlements: usize, seed: u64) {
    assert_eq!(summary.entitlements, entitlements);
    assert!(summary.findings > 50, "{summary:?}");
    let expected = std::fs::read_to_string(test.path().join("expected.csv")).unwrap();
    let out = test
        .env("OFFBOARD_NOW", dataset::NOW)
        .args([
            "--format",
            "csv",
            "reconcile",
            "--inventory",
            "inventory.csv",
        ])
        .status(1)
        .run();
    assert_eq!(out.stdout, expected, "seed {seed}");
    let kinds: std::collections::BTreeSet<&str> = expected
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["excess", "orphan", "suspend_expected", "unknown_holder"]
    );
}

#[test]
fn a_clean_repository_exits_zero() {
    Test::new()
        .file("offboard.yaml", "version: 1\nhr:\n  type: csv\n  path: hr.csv\nglossary: glossary.yaml\nroles: roles.yaml\nplaybooks: playbooks\n")
        .file("glossary.yaml", "version: 1\nstatuses:\n  active: { codes: [ACT] }\n  terminated: { codes: [TERM] }\n")
        .file("roles.yaml", "version: 1\nroles:\n  engineer:\n    groups: [engineering]\n    licenses: [github]\n")
        .file("playbooks/.keep", "")
        .file("hr.csv", "employee_id,username,email,status,role,effective_at\nE1,ann,ann@x.example,ACT,engineer,2020-01-01\nE2,bo,bo@x.example,TERM,engineer,2030-01-01\n")
        .file("saas.csv", "account,employee_id,entitlement_type,entitlement,monthly_cost_cents\nann,E1,account,ann,0\nann,E1,license,github,2100\nbo,E2,group,engineering,\n")
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
        .args(["reconcile", "--inventory", "saas.csv"])
        .stdout("No orphaned or excess entitlements: 2 people, 3 entitlement(s) from 1 source(s), judged at 2026-11-19T12:00:00Z.\n")
        .run();
}

/// A small repository whose HR export is `hr` (columns renamed by `columns`, YAML).
fn with_hr(hr: &str, columns: &str) -> Test {
    Test::new()
        .file("offboard.yaml", &format!("version: 1\nhr:\n  type: csv\n  path: hr.csv\n{columns}glossary: glossary.yaml\nroles: roles.yaml\nplaybooks: playbooks\n"))
        .file("glossary.yaml", "version: 1\nstatuses:\n  active: { codes: [ACT] }\n  terminated: { codes: [TERM] }\n")
        .file("roles.yaml", "version: 1\nroles:\n  engineer:\n    groups: [engineering]\n")
        .file("playbooks/.keep", "")
        .file("hr.csv", hr)
        .file("saas.csv", "account,employee_id,entitlement_type,entitlement\nann,E1,account,ann\n")
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
}

#[test]
fn reconcile_refuses_exactly_what_run_and_plan_refuse_in_the_same_words() {
    let head = "employee_id,username,email,status,employment,legal_hold\n";
    let cases = [
        (
            "employee_id,email,status\nE1,ann@x.example,ACT\n".to_owned(),
            "",
            "hr.csv:1: HR export has no column `username` (for `username`); columns are: employee_id, email, status",
        ),
        (
            "employee_id,username,status\nE1,ann,ACT\n".to_owned(),
            "",
            "hr.csv:1: HR export has no column `email` (for `email`); columns are: employee_id, username, status",
        ),
        (
            format!("{head}E1,ann,ann@x.example,ACT,employee,maybe\n"),
            "",
            "hr.csv:2: column `legal_hold`: `maybe` must be `true` or `false`",
        ),
        (
            format!("{head}E1,ann,ann@x.example,ACT,,false\nE2,bo,bo@x.example,TERM,pirate,\n"),
            "",
            "hr.csv:3: column `employment`: `pirate` must be `employee` or `contractor`",
        ),
        (
            "EmpNo,username,email,status,OnHold\nE1,ann,ann@x.example,ACT,perhaps\n".to_owned(),
            "  columns: { id: EmpNo, legal_hold: OnHold }\n",
            "hr.csv:2: column `OnHold` (legal_hold): `perhaps` must be `true` or `false`",
        ),
        (
            format!("{head}E1,ann,not-an-address,ACT,,\n"),
            "",
            "hr.csv:2: column `email`: `not-an-address` is not an address",
        ),
        (
            format!("{head}E1,ann,ann@x.example,ACT,,\nE1,bo,bo@x.example,TERM,,\n"),
            "",
            "hr.csv:3: duplicate employee id `E1` (first on line 2)",
        ),
    ];
    for (hr, columns, expected) in cases {
        let mut errors = Vec::new();
        for args in [
            &["reconcile", "--inventory", "saas.csv"][..],
            &["plan", "E1"],
        ] {
            let out = with_hr(&hr, columns)
                .args(args.iter().copied())
                .status(2)
                .run();
            assert_eq!(
                out.stdout, "",
                "{args:?}: nothing is reported from a bad roster"
            );
            assert!(
                !out.dir.path().join("journal").exists(),
                "{args:?}: nothing is saved from a bad roster"
            );
            let line = out.stderr.lines().next().unwrap_or_default().to_owned();
            let temp = format!("{}/", out.dir.path().display());
            errors.push(line.replace(&temp, ""));
        }
        assert_eq!(
            errors[0],
            format!("error: {expected}"),
            "reconcile, for\n{hr}"
        );
        assert_eq!(
            errors[1], errors[0],
            "plan and reconcile word it alike, for\n{hr}"
        );
    }
    // The same export, fixed, reconciles.
    with_hr(&format!("{head}E1,ann,ann@x.example,ACT,contractor,true\n"), "")
        .args(["reconcile", "--inventory", "saas.csv"])
        .stdout("No orphaned or excess entitlements: 1 people, 1 entitlement(s) from 1 source(s), judged at 2026-11-19T12:00:00Z.\n")
        .run();
}

/// Reconcile judges everyone, so an export in which two rows share a username or an email (case
/// aside) is refused outright, naming both rows in the words `run` and `plan` use for a person
/// they cannot tell apart: nothing is reported or saved.
#[test]
fn reconcile_refuses_a_username_or_email_two_rows_share_naming_both_rows() {
    let head = "employee_id,username,email,status\n";
    let cases = [
        (
            format!(
                "{head}E1,ann,ann@x.example,ACT\nE2,bo,bo@x.example,ACT\nE3,ann,cy@x.example,TERM\n"
            ),
            "`ann` is the username of two HR rows: hr.csv:2 (employee E1) and hr.csv:4 (employee E3)",
        ),
        (
            format!(
                "{head}E1,ann,Ann@X.example,ACT\nE2,bo,bo@x.example,ACT\nE3,cy,ann@x.example,TERM\n"
            ),
            "`ann@x.example` is the email of two HR rows: hr.csv:2 (employee E1) and hr.csv:4 (employee E3)",
        ),
    ];
    for (hr, expected) in cases {
        for args in [
            &["reconcile", "--inventory", "saas.csv"][..],
            &["plan", "E3"],
        ] {
            let out = with_hr(&hr, "").args(args.iter().copied()).status(2).run();
            assert_eq!(out.stdout, "", "{args:?}: nothing is reported");
            assert!(
                !out.dir.path().join("journal").exists(),
                "{args:?}: nothing is saved"
            );
            let temp = format!("{}/", out.dir.path().display());
            let line = out.stderr.lines().next().unwrap_or_default();
            assert_eq!(
                line.replace(&temp, ""),
                format!(
                    "error: {expected}; each person must have their own, so nothing is done \
                     until HR is corrected"
                ),
                "{args:?}, for\n{hr}"
            );
        }
    }
    // Told apart, the same people reconcile.
    with_hr(
        &format!("{head}E1,ann,Ann@X.example,ACT\nE2,bo,bo@x.example,ACT\nE3,cy,cy@x.example,TERM\n"),
        "",
    )
    .args(["reconcile", "--inventory", "saas.csv"])
    .stdout("No orphaned or excess entitlements: 3 people, 1 entitlement(s) from 1 source(s), judged at 2026-11-19T12:00:00Z.\n")
    .run();
}

#[test]
fn bad_input_and_unavailable_flags_are_usage_errors() {
    let (test, _) = generated(50, 200, 3);
    std::fs::write(
        test.path().join("bad.csv"),
        "account,employee_id,entitlement_type,entitlement\nann,E0000001,account,ann\nann,E0000001,role,admin\n",
    )
    .unwrap();
    let dir = test.into_dir();
    let out = Test::in_dir(dir)
        .args(["reconcile", "--inventory", "bad.csv"])
        .status(2)
        .run();
    assert!(
        out.stderr
            .contains("bad.csv:3: entitlement_type `role` must be `account`, `group` or `license`"),
        "{}",
        out.stderr
    );
    let out = Test::in_dir(out.dir)
        .args(["reconcile", "--alert"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains(
            "`reconcile --alert` needs an alert webhook: add `reconcile: { alert: CONNECTOR }` to "
        ) && out.stderr.contains("naming a `type: webhook` connector"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stdout, "",
        "nothing is reconciled before the usage error"
    );
    let out = Test::in_dir(out.dir)
        .args(["--format", "csv", "reconcile", "--offboard"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains("use --format human or json"),
        "{}",
        out.stderr
    );
    let out = Test::in_dir(out.dir)
        .args(["reconcile", "--yes"])
        .status(2)
        .run();
    assert!(out.stderr.contains("--offboard"), "{}", out.stderr);
    let out = Test::in_dir(out.dir)
        .args(["reconcile", "--inventory", "missing.csv"])
        .status(2)
        .run();
    assert!(
        out.stderr
            .contains("inventory export missing.csv does not exist"),
        "{}",
        out.stderr
    );
    let out = Test::in_dir(out.dir)
        .args(["--format", "md", "reconcile"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains("prints --format human, json or csv"),
        "{}",
        out.stderr
    );
}

/// The time at which the Acme example's planted findings are exact.
const PLANTED_NOW: &str = "2026-11-19T12:00:00Z";

/// `(kind, account)` of each finding of a `--format csv` output, deduplicated in order.
fn holders(csv: &str) -> Vec<String> {
    let mut people: Vec<String> = summary(csv)
        .iter()
        .map(|s| s.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    people.dedup();
    people
}

/// The saved last reconciliation of an Acme copy, read as plain JSON.
fn saved(acme: &Acme) -> serde_json::Value {
    let text = std::fs::read_to_string(acme.journal().join("reconcile.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `offboard report --format json` of an Acme copy.
fn report_json(acme: &Acme) -> serde_json::Value {
    let ran = acme
        .run(
            &["--format", "json", "report"],
            &[("OFFBOARD_NOW", PLANTED_NOW)],
        )
        .expect(0);
    serde_json::from_str(&ran.stdout).unwrap()
}

#[test]
fn offboarding_the_leavers_found_leaves_a_clean_reconcile() {
    let acme = Acme::new();
    let now = [("OFFBOARD_NOW", PLANTED_NOW)];
    let before = acme.run(&["--format", "csv", "reconcile"], &now).expect(1);
    assert_eq!(
        holders(&before.stdout),
        [
            "orphan grace",
            "orphan heidi",
            "unknown_holder temp-admin",
            "suspend_expected dave",
            "excess judy",
        ]
    );
    // The run saved what it found, and the report reads the orphan rate from it.
    let doc = saved(&acme);
    assert_eq!(doc["totals"]["count"], 25);
    assert_eq!(doc["now"], PLANTED_NOW);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 25);
    // Every person of the roster (leavers included) and temp-admin, svc-backup and svc-ci have
    // an enabled account.
    let accounts = doc["accounts_checked"].as_u64().unwrap();
    assert_eq!(accounts, 27, "{doc}");
    let orphans = &report_json(&acme)["orphans"];
    assert_eq!(orphans["status"], "available", "{orphans}");
    assert_eq!(orphans["findings"], 25);
    assert_eq!(orphans["accounts_checked"], 27);
    // grace, heidi and temp-admin: three accounts, however many entitlements each holds.
    assert_eq!(orphans["orphaned_accounts"], 3);
    assert_eq!(orphans["accounts"], 27);

    let ran = acme
        .run(&["reconcile", "--offboard", "--yes"], &now)
        .expect(1);
    // It says whom it starts and why, before the batch, and starts no one else.
    for line in [
        "--offboard: starting offboarding for 3 employee(s) HR lists as leaving or on leave; 7 finding(s) of holders unknown to HR, excess grants or dormant seats are left to a person:\n",
        "  E1008: terminated for 50 day(s), still holds 8 entitlement(s) on directory (159.74 a month)\n",
        "  E1009: resigned for 35 day(s), still holds 9 entitlement(s) on directory (90.73 a month)\n",
        "  E1004: on_leave for 3 day(s), still holds 1 entitlement(s) on directory (0.00 a month)\n",
    ] {
        assert!(ran.stderr.contains(line), "missing {line:?}\n{ran}");
    }
    // The findings come first, then the batch's table: E1009 waits for two manual sign-offs.
    let table = ran.stdout.find("Total: 25 finding(s)").unwrap();
    let batch = ran.stdout.find("employee  exit  outcome").unwrap();
    assert!(table < batch, "{ran}");
    for row in [
        "E1008        0  complete",
        "E1009        4  waiting",
        "E1004        0  complete",
    ] {
        assert!(ran.stdout.contains(row), "missing {row:?}\n{ran}");
    }
    let runs = acme.runs();
    let started: Vec<&str> = runs.iter().map(|r| &r[..5]).collect();
    assert_eq!(started, ["E1004", "E1008", "E1009"], "{runs:?}");

    // What is left needs a person, and the test plays that person. temp-admin carries the id
    // E0999, which HR does not list: whether it is a stray admin or an unregistered service
    // account is a judgement `--offboard` rightly leaves alone; here it is judged a service
    // account and added to this copy's allow-list. Judy's figma seat is beyond her engineer
    // role: here it is taken back by hand, straight in the store.
    let allow = acme.dir().join("service-accounts.yaml");
    let mut list = std::fs::read_to_string(&allow).unwrap();
    list.push_str(
        "  - account: temp-admin\n    system: directory\n    owner: it-ops@acme.example\n    reason: Break-glass administration.\n",
    );
    std::fs::write(&allow, list).unwrap();
    let removed = acme
        .db()
        .execute(
            "DELETE FROM seats WHERE product = 'figma' AND account_id = \
             (SELECT account_id FROM accounts WHERE username = 'judy')",
            [],
        )
        .unwrap();
    assert_eq!(removed, 1);

    let after = acme.run(&["reconcile"], &now).expect(0);
    assert!(
        after
            .stdout
            .starts_with("No orphaned or excess entitlements: 24 people,"),
        "{after}"
    );
    let doc = saved(&acme);
    assert_eq!(doc["totals"]["count"], 0);
    // grace and heidi are disabled now, dave suspended: three accounts fewer are enabled.
    assert_eq!(doc["accounts_checked"], 24);
    let orphans = &report_json(&acme)["orphans"];
    assert_eq!(orphans["findings"], 0, "{orphans}");
    assert_eq!(orphans["accounts_checked"], 24);
    assert_eq!(orphans["rate"], 0.0);
}

#[test]
fn the_orphan_rate_counts_accounts_once_and_stays_a_rate() {
    let acme = Acme::new();
    // A SaaS export in which grace, who left, still holds 40 seats, without an account row.
    let mut export = String::from(
        "system,account,employee_id,entitlement_type,entitlement,monthly_cost_cents\n",
    );
    for seat in 0..40 {
        export.push_str(&format!("saas,grace,E1008,license,seat-{seat:02},100\n"));
    }
    std::fs::write(acme.dir().join("saas.csv"), export).unwrap();
    acme.run(
        &["reconcile", "--inventory", "saas.csv"],
        &[("OFFBOARD_NOW", PLANTED_NOW)],
    )
    .expect(1);
    let doc = saved(&acme);
    assert_eq!(doc["totals"]["count"], 65, "{doc}");
    assert_eq!(doc["accounts_checked"], 27);
    // 65 findings over 27 accounts would be 240.7%. Orphaned accounts: grace, heidi and
    // temp-admin in the directory, and grace's SaaS account, known only through its seats and
    // so added to the accounts: 4 of 28.
    let orphans = &report_json(&acme)["orphans"];
    assert_eq!(orphans["findings"], 65, "{orphans}");
    assert_eq!(orphans["orphaned_accounts"], 4, "{orphans}");
    assert_eq!(orphans["accounts"], 28, "{orphans}");
    let rate = orphans["rate"].as_f64().unwrap();
    assert!((rate - 4.0 / 28.0).abs() < 1e-12, "{orphans}");
    let human = acme
        .run(&["report"], &[("OFFBOARD_NOW", PLANTED_NOW)])
        .expect(0);
    assert!(
        human
            .stdout
            .contains("orphan rate:     14.3% (4 orphaned account(s) of 28; 65 finding(s))\n"),
        "{human}"
    );
}

#[test]
fn no_save_leaves_the_last_reconciliation_alone() {
    let acme = Acme::new();
    acme.run(
        &["reconcile", "--no-save"],
        &[("OFFBOARD_NOW", PLANTED_NOW)],
    )
    .expect(1);
    assert!(!acme.journal().join("reconcile.json").exists());
    let orphans = &report_json(&acme)["orphans"];
    assert_eq!(orphans["status"], "not_available", "{orphans}");
}

const ALERT_SECRET: &str = "whsec-reconcile-5f1e0c9a77d2";
const SECRET_VAR: &str = "OFFBOARD_TEST_ALERT_SECRET";

/// An Acme copy whose configuration sends alerts to `url` through the connector `alerts`.
fn acme_alerting_to(url: &str) -> Acme {
    let acme = Acme::new();
    let config = std::fs::read_to_string(acme.config()).unwrap();
    let config = config.replace(
        "policy:\n",
        &format!(
            "  alerts:\n    type: webhook\n    url: {url}/hooks/reconcile\n    secret_env: {SECRET_VAR}\nreconcile:\n  alert: alerts\npolicy:\n"
        ),
    );
    std::fs::write(acme.config(), config).unwrap();
    acme
}

fn signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(ALERT_SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[track_caller]
fn assert_secret_absent(ran: &Output, acme: &Acme) {
    assert!(!ran.stdout.contains(ALERT_SECRET), "{ran}");
    assert!(!ran.stderr.contains(ALERT_SECRET), "{ran}");
    for file in [
        acme.journal().join("reconcile.json"),
        acme.journal().join("webhooks/alerts.jsonl"),
    ] {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!text.contains(ALERT_SECRET), "{}", file.display());
    }
}

#[test]
fn alert_posts_the_signed_findings_once() {
    let receiver = ScriptServer::script(vec![Reply::new(202, "")]);
    let acme = acme_alerting_to(&receiver.url);
    let env = [("OFFBOARD_NOW", PLANTED_NOW), (SECRET_VAR, ALERT_SECRET)];
    let ran = acme.run(&["reconcile", "--alert"], &env).expect(1);
    assert!(ran.stdout.contains("Total: 25 finding(s)"), "{ran}");
    assert_secret_absent(&ran, &acme);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/hooks/reconcile");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("x-offboard-topic"),
        Some("reconcile.findings")
    );
    assert_eq!(
        request.header("x-offboard-signature"),
        Some(signature(&request.body).as_str())
    );
    let key = request.header("idempotency-key").unwrap().to_owned();
    let hex = key.strip_prefix("reconcile/").unwrap();
    assert!(
        hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    assert!(
        ran.stderr.contains(&format!(
            "alert: 25 finding(s) posted to webhook `alerts` (202 /hooks/reconcile), Idempotency-Key {key}"
        )),
        "{ran}"
    );

    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["now"], PLANTED_NOW);
    assert_eq!(body["truncated"], false);
    assert_eq!(body["totals"]["count"], 25);
    assert_eq!(body["totals"]["monthly_cost_cents"], 32446);
    assert_eq!(body["totals"]["by_kind"]["orphan"]["count"], 17);
    assert_eq!(
        body["totals"]["by_kind"]["unknown_holder"]["monthly_cost_cents"],
        2899
    );
    // The findings are those saved, in report order.
    assert_eq!(body["findings"], saved(&acme)["findings"]);
    assert_eq!(
        body["findings"][5],
        serde_json::json!({
            "kind": "orphan", "system": "directory", "account": "grace", "employee_id": "E1008",
            "hr_status": "terminated", "role": null, "entitlement_type": "license",
            "entitlement": "netsuite", "monthly_cost_cents": 12900, "days_orphaned": 50,
            "last_sign_in": null, "days_dormant": null
        })
    );
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(members, ["findings", "now", "totals", "truncated"]);

    // The same findings again: recognised by their key and not sent twice.
    let again = acme.run(&["reconcile", "--alert"], &env).expect(1);
    assert_eq!(receiver.requests().len(), 1);
    assert!(
        again.stderr.contains(&format!(
            "alert: these findings were already posted to webhook `alerts` (202 /hooks/reconcile, Idempotency-Key {key}); not sent again"
        )),
        "{again}"
    );
    // A day later the days orphaned have moved on: new findings, a new key, a new alert.
    let later = [
        ("OFFBOARD_NOW", "2026-11-20T12:00:00Z"),
        (SECRET_VAR, ALERT_SECRET),
    ];
    acme.run(&["reconcile", "--alert"], &later).expect(1);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_ne!(requests[1].header("idempotency-key"), Some(key.as_str()));
}

#[test]
fn an_undelivered_alert_is_exit_3_with_the_report_printed_and_saved() {
    let receiver = ScriptServer::script(vec![
        Reply::new(503, "").header("Retry-After", "0"),
        Reply::new(
            403,
            format!("bad signature, expected secret {ALERT_SECRET}"),
        ),
    ]);
    let acme = acme_alerting_to(&receiver.url);
    let env = [("OFFBOARD_NOW", PLANTED_NOW), (SECRET_VAR, ALERT_SECRET)];
    let ran = acme.run(&["reconcile", "--alert"], &env).expect(3);
    assert!(ran.stdout.contains("Total: 25 finding(s)"), "{ran}");
    assert_eq!(saved(&acme)["totals"]["count"], 25);
    assert!(
        ran.stderr
            .contains("error: alert not delivered to webhook `alerts`: "),
        "{ran}"
    );
    assert!(ran.stderr.contains("403"), "{ran}");
    assert!(ran.stderr.contains("note: alert attempt 1 failed"), "{ran}");
    // The retry sent the same bytes under the same signature.
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(
        requests[1].header("x-offboard-signature"),
        Some(signature(&requests[1].body).as_str())
    );
    // Even echoed back by the receiver, the secret is never shown.
    assert_secret_absent(&ran, &acme);
    assert!(!acme.journal().join("webhooks/alerts.jsonl").exists());

    // Without the secret in the environment nothing is read or sent: exit 2 naming the variable.
    let ran = acme
        .run(&["reconcile", "--alert"], &[("OFFBOARD_NOW", PLANTED_NOW)])
        .expect(2);
    assert!(
        ran.stderr.contains(&format!(
            "environment variable {SECRET_VAR} (the webhook signing secret) is not set"
        )),
        "{ran}"
    );
    assert_eq!(ran.stdout, "");
    assert_eq!(receiver.requests().len(), 2);
}

#[test]
fn a_clean_reconcile_sends_no_alert() {
    let receiver = ScriptServer::script(vec![Reply::new(200, "")]);
    Test::new()
        .file("offboard.yaml", &format!("version: 1\nhr:\n  type: csv\n  path: hr.csv\nglossary: glossary.yaml\nroles: roles.yaml\nplaybooks: playbooks\nconnectors:\n  alerts:\n    type: webhook\n    url: {}/hook\nreconcile:\n  alert: alerts\n", receiver.url))
        .file("glossary.yaml", "version: 1\nstatuses:\n  active: { codes: [ACT] }\n")
        .file("roles.yaml", "version: 1\nroles:\n  engineer:\n    groups: [engineering]\n")
        .file("playbooks/.keep", "")
        .file("hr.csv", "employee_id,username,email,status,role,effective_at\nE1,ann,ann@x.example,ACT,engineer,2020-01-01\n")
        .file("saas.csv", "account,employee_id,entitlement_type,entitlement\nann,E1,account,ann\nann,E1,group,engineering\n")
        .env("OFFBOARD_NOW", PLANTED_NOW)
        .args(["reconcile", "--alert", "--inventory", "saas.csv"])
        .stdout("No orphaned or excess entitlements: 1 people, 2 entitlement(s) from 1 source(s), judged at 2026-11-19T12:00:00Z.\n")
        .run();
    assert_eq!(receiver.requests().len(), 0);
}

#[test]
fn offboard_goes_through_the_batch_limit_and_the_canary() {
    let acme = Acme::new();
    let config = std::fs::read_to_string(acme.config()).unwrap();
    let config = config
        .replace("batch_limit: 25", "batch_limit: 2")
        .replace("canary: 3", "canary: 1");
    std::fs::write(acme.config(), config).unwrap();
    let now = [("OFFBOARD_NOW", PLANTED_NOW)];
    // Three leavers are over the limit of two: nothing is started without --max.
    let ran = acme
        .run(&["reconcile", "--offboard", "--yes"], &now)
        .expect(2);
    assert!(
        ran.stderr.contains(
            "refusing a batch of 3 employees: the limit is 2 (policy.batch_limit 2); pass --max 3"
        ),
        "{ran}"
    );
    assert_eq!(acme.runs(), Vec::<String>::new());
    // With --max but without --yes, and no terminal to ask on, the canary runs alone.
    let ran = acme
        .run(&["reconcile", "--offboard", "--max", "3"], &now)
        .expect(1);
    assert!(
        ran.stderr
            .contains("batch paused after the canary (1 employees); run the same command with --yes to continue"),
        "{ran}"
    );
    let runs = acme.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].starts_with("E1008-involuntary-leaver-"), "{runs:?}");
}

/// A repository whose export records last sign-ins, with seats dormant after 30 days.
fn with_sign_ins() -> Test {
    Test::new()
        .file("offboard.yaml", "version: 1\nhr:\n  type: csv\n  path: hr.csv\nglossary: glossary.yaml\nroles: roles.yaml\nplaybooks: playbooks\npolicy:\n  dormant_after: 30d\n")
        .file("glossary.yaml", "version: 1\nstatuses:\n  active: { codes: [ACT] }\n  on_leave: { codes: [LOA] }\n  terminated: { codes: [TERM] }\n")
        .file("roles.yaml", "version: 1\nroles:\n  engineer:\n    licenses: [github, slack]\n")
        .file("playbooks/.keep", "")
        .file(
            "hr.csv",
            "employee_id,username,email,status,role,effective_at\n\
             E1,ann,ann@x.example,ACT,engineer,2020-01-01\n\
             E2,bo,bo@x.example,ACT,engineer,2020-01-01\n\
             E3,cy,cy@x.example,LOA,engineer,2026-09-01\n\
             E4,di,di@x.example,TERM,engineer,2026-11-01\n",
        )
        .file(
            "saas.csv",
            "account,employee_id,entitlement_type,entitlement,monthly_cost_cents,last_sign_in\n\
             ann,E1,license,github,2100,2026-09-01\n\
             ann,E1,license,slack,0,2026-09-01\n\
             ann,E1,license,figma,1500,2026-09-01\n\
             bo,E2,license,github,2100,2026-11-18T08:00:00Z\n\
             bo,E2,license,slack,800,\n\
             cy,E3,license,github,2100,2026-06-01\n\
             di,E4,license,github,2100,2026-06-01\n",
        )
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
}

#[test]
fn dormant_seats_are_listed_apart_with_their_cost_and_reported() {
    let out = with_sign_ins()
        .args(["--format", "json", "reconcile", "--inventory", "saas.csv"])
        .status(1)
        .run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {} {}",
                f["kind"].as_str().unwrap(),
                f["account"].as_str().unwrap(),
                f["entitlement"].as_str().unwrap(),
                f["monthly_cost_cents"],
                f["last_sign_in"],
                f["days_dormant"]
            )
        })
        .collect();
    // ann's github seat is dormant (79 days); her free slack seat is not a cost, her figma
    // seat is excess (not listed twice); bo signed in yesterday or never; cy is on leave; di
    // left (an orphan, not dormant).
    assert_eq!(
        found,
        [
            "orphan di github 2100 null null",
            "excess ann figma 1500 null null",
            "dormant ann github 2100 \"2026-09-01T00:00:00Z\" 79",
        ],
        "{doc}"
    );
    assert_eq!(doc["totals"]["by_kind"]["dormant"]["count"], 1);
    assert_eq!(
        doc["totals"]["by_kind"]["dormant"]["monthly_cost_cents"],
        2100
    );
    let report = Test::in_dir(out.dir)
        .now(PLANTED_NOW)
        .args(["--format", "json", "report"])
        .run();
    let orphans = &report.json()["orphans"];
    assert_eq!(orphans["dormant_seats"], 1, "{orphans}");
    assert_eq!(orphans["dormant_monthly_cost_cents"], 2100, "{orphans}");
    let human = Test::in_dir(report.dir)
        .now(PLANTED_NOW)
        .args(["report"])
        .run();
    assert!(
        human
            .stdout
            .contains("cost held by dormant seats: 21.00 a month (1 seat(s))\n"),
        "{}",
        human.stdout
    );
}
