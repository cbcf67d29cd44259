//! `offboard reconcile` on the Acme example and on generated repositories with planted answers.

mod common;

#[path = "../benches/reconcile/dataset.rs"]
mod dataset;

use std::path::Path;

use common::{Test, copy_dir};

const ACME_CONFIG: &str = "examples/acme/offboard.yaml";

/// A temp directory holding `examples/acme` and the shipped playbooks it points at, without
/// any store or journal left by earlier runs.
fn acme() -> Test {
    let test = Test::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(
        &root.join("examples/acme"),
        &test.path().join("examples/acme"),
    );
    copy_dir(&root.join("playbooks"), &test.path().join("playbooks"));
    for leftover in ["state", "journal"] {
        let _ = std::fs::remove_dir_all(test.path().join("examples/acme").join(leftover));
    }
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
            "days_orphaned"
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
        "orphan,directory,grace,E1008,terminated,,license,netsuite,12900,50",
        "orphan,directory,heidi,E1009,resigned,,account,heidi,0,35",
        "unknown_holder,directory,temp-admin,E0999,,,license,github,2100,",
        "suspend_expected,directory,dave,E1004,on_leave,,account,dave,0,3",
        "excess,directory,judy,E1011,active,engineer,license,figma,4500,",
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
            .contains("excess,directory,carol,E1003,transferred,sales,group,engineering,0,\n")
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
            "entitlement": "figma", "monthly_cost_cents": 4500, "days_orphaned": null
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
            .contains("unknown_holder,directory,svc-ci,,,,account,svc-ci,0,\n")
    );
}

fn generated(people: usize, entitlements: usize, seed: u64) -> (Test, dataset::Summary) {
    let test = Test::new();
    let summary = dataset::generate(
        test.path(),
        dataset::Spec {
            people,
            entitlements,
            seed,
        },
    )
    .unwrap();
    (test, summary)
}

#[test]
fn generated_data_gives_exactly_the_planted_findings() {
    for (people, entitlements, seed) in [(3000, 15_000, 1), (500, 2_000, 2)] {
        let (test, summary) = generated(people, entitlements, seed);
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
}

#[test]
fn a_clean_repository_exits_zero() {
    Test::new()
        .file("offboard.yaml", "version: 1\nhr:\n  type: csv\n  path: hr.csv\nglossary: glossary.yaml\nroles: roles.yaml\nplaybooks: playbooks\n")
        .file("glossary.yaml", "version: 1\nstatuses:\n  active: { codes: [ACT] }\n  terminated: { codes: [TERM] }\n")
        .file("roles.yaml", "version: 1\nroles:\n  engineer:\n    groups: [engineering]\n    licenses: [github]\n")
        .file("playbooks/.keep", "")
        .file("hr.csv", "employee_id,status,role,effective_at\nE1,ACT,engineer,2020-01-01\nE2,TERM,engineer,2030-01-01\n")
        .file("saas.csv", "account,employee_id,entitlement_type,entitlement,monthly_cost_cents\nann,E1,account,ann,0\nann,E1,license,github,2100\nbo,E2,group,engineering,\n")
        .env("OFFBOARD_NOW", "2026-11-19T12:00:00Z")
        .args(["reconcile", "--inventory", "saas.csv"])
        .stdout("No orphaned or excess entitlements: 2 people, 3 entitlement(s) from 1 source(s), judged at 2026-11-19T12:00:00Z.\n")
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
        out.stderr
            .contains("`reconcile --alert` is not available yet"),
        "{}",
        out.stderr
    );
    let out = Test::in_dir(out.dir)
        .args(["reconcile", "--offboard"])
        .status(2)
        .run();
    assert!(
        out.stderr
            .contains("`reconcile --offboard` is not available yet"),
        "{}",
        out.stderr
    );
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
