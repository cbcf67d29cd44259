//! `offboard reconcile` on the Contoso example against the fake Graph: the planted orphaned
//! (Megan left; Adele is unknown to HR), excess (Diego moved to sales) and dormant (Lee has not
//! signed in since July) accounts are found, each with its cost, and `report` shows the cost
//! the dormant seats hold. Every call keeps Graph's published contract.

use serde_json::Value;

use super::{Contoso, assert_no_violations, graph, writes};

/// `kind account entitlement cost` of each finding on the tenant, in report order.
fn entra_findings(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["system"] == "m365")
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["kind"].as_str().unwrap(),
                f["account"].as_str().unwrap(),
                f["entitlement"].as_str().unwrap(),
                f["monthly_cost_cents"]
            )
        })
        .collect()
}

#[test]
fn reconcile_finds_the_planted_orphaned_excess_and_dormant_accounts_with_cost() {
    let graph = graph();
    let contoso = Contoso::new(&graph);
    let out = contoso.run(&["--format", "json", "reconcile"]).expect(1);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        entra_findings(&doc),
        [
            "orphan megan.bowen@contoso.example megan.bowen@contoso.example 0",
            "orphan megan.bowen@contoso.example All staff 0",
            "orphan megan.bowen@contoso.example E5 users 0",
            "orphan megan.bowen@contoso.example Finance share 0",
            "orphan megan.bowen@contoso.example Marketing 0",
            "orphan megan.bowen@contoso.example Sales 0",
            "orphan megan.bowen@contoso.example ENTERPRISEPACK 2300",
            "orphan megan.bowen@contoso.example POWER_BI_PRO 1400",
            "orphan megan.bowen@contoso.example SPE_E5 5700",
            "unknown_holder adele.vance@contoso.example adele.vance@contoso.example 0",
            "unknown_holder adele.vance@contoso.example Marketing 0",
            "unknown_holder adele.vance@contoso.example ENTERPRISEPACK 2300",
            "excess diego.siciliani@contoso.example Marketing 0",
            "excess diego.siciliani@contoso.example POWER_BI_PRO 1400",
            "dormant lee.gu@contoso.example ENTERPRISEPACK 2300",
        ],
        "{}",
        out.stdout
    );
    let lee = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "dormant")
        .unwrap();
    // The later of Lee's interactive and non-interactive sign-ins, 133 days before NOW.
    assert_eq!(lee["last_sign_in"], "2026-07-20T11:30:00Z");
    assert_eq!(lee["days_dormant"], 132);
    assert_eq!(lee["employee_id"], "C1003");
    assert_eq!(
        doc["totals"]["by_kind"]["dormant"]["monthly_cost_cents"],
        2300
    );
    assert!(
        doc["coverage"]["sources"]
            .as_array()
            .unwrap()
            .contains(&Value::from("m365 (entra)")),
        "{}",
        doc["coverage"]
    );
    assert_eq!(doc["coverage"]["notes"], serde_json::json!([]));
    // Reconciling only reads the tenant.
    assert_eq!(writes(&graph), 0);
    assert_no_violations(&graph);

    // The table's DAYS column of a dormant seat counts the days since its last sign-in.
    let table = contoso.run(&["reconcile", "--no-save"]).expect(1);
    let lee_row = table
        .stdout
        .lines()
        .find(|l| l.contains("lee.gu@"))
        .unwrap();
    assert_eq!(lee_row.split_whitespace().last(), Some("132"), "{table}");

    let report = contoso.run(&["report"]).expect(0);
    assert!(
        report
            .stdout
            .contains("cost held by dormant seats: 23.00 a month (1 seat(s))\n"),
        "{report}"
    );
}
