//! `offboard report --debrief` on journals of real runs of the Acme example at known times
//! (`OFFBOARD_NOW`): a store that refuses to release seats fails Mallory's run twice before it
//! is fixed, and Bob's two manual steps are left waiting past their deadline. Every figure of
//! the debrief is known in advance.

use serde_json::{Value, json};

use crate::support::acme::Acme;

const REPORT_NOW: &str = "2026-12-01T00:00:00Z";

fn at(now: &str) -> [(&'static str, &str); 1] {
    [("OFFBOARD_NOW", now)]
}

/// Bob's resignation (effective 2026-11-27) waits on his two manual steps; Mallory's
/// termination (effective 2026-11-28) fails at `release-seats` at 00:05 and 02:00 while the
/// store refuses, and finishes at 03:00 once it is fixed.
fn acme_with_failures() -> Acme {
    let acme = Acme::new();
    acme.run(&["bob"], &at("2026-11-27T00:10:00Z")).expect(4);
    acme.db()
        .execute_batch(
            "CREATE TRIGGER frozen_seats BEFORE DELETE ON seats
             BEGIN SELECT RAISE(ABORT, 'seats are frozen by the licence server'); END;",
        )
        .unwrap();
    acme.run(&["mallory"], &at("2026-11-28T00:05:00Z"))
        .expect(3);
    acme.run(&["mallory"], &at("2026-11-28T02:00:00Z"))
        .expect(3);
    acme.db()
        .execute_batch("DROP TRIGGER frozen_seats")
        .unwrap();
    acme.run(&["mallory"], &at("2026-11-28T03:00:00Z"))
        .expect(0);
    acme
}

fn run_of(acme: &Acme, employee: &str) -> String {
    acme.runs()
        .into_iter()
        .find(|r| r.starts_with(employee))
        .unwrap_or_else(|| panic!("no run of {employee}"))
}

#[test]
fn the_debrief_lists_failures_and_late_steps_with_what_they_waited_on() {
    let acme = acme_with_failures();
    let out = acme
        .run(
            &["report", "--debrief", "--format", "json", "--since", "30d"],
            &at(REPORT_NOW),
        )
        .expect(0);
    let report = out.json();
    let debrief = &report["debrief"];
    let bob = run_of(&acme, "E1002");
    let error = "seats are frozen by the licence server";
    let last_error = debrief["failures"][0]["last_error"].as_str().unwrap_or("");
    assert!(last_error.contains(error), "{debrief}");
    assert_eq!(
        debrief["failures"],
        json!([{
            "system": "inventory",
            "step": "release-seats",
            "kind": "permanent",
            "failures": 2,
            "runs": 1,
            "open": 0,
            "retries": 0,
            "first_seen": "2026-11-28T00:05:00Z",
            "last_seen": "2026-11-28T02:00:00Z",
            // From the first failure at 00:05 to the confirmation at 03:00.
            "time_lost_seconds": 2 * 3600 + 55 * 60,
            "last_error": last_error,
        }]),
        "{debrief}"
    );
    assert_eq!(debrief["retries"], json!([]), "{debrief}");
    let late = |step: &str,
                risk: &str,
                deadline: &str,
                late: i64,
                waiting_on: &str,
                whom: Value,
                detail: Value| {
        json!({
            "run": bob,
            "employee": "E1002",
            "playbook": "voluntary-leaver",
            "step": step,
            "risk": risk,
            "deadline": deadline,
            "confirmed_at": null,
            "late_seconds": late,
            "waiting_on": waiting_on,
            "whom": whom,
            "system": null,
            "detail": detail,
            "exempt": false,
        })
    };
    // Effective 2026-11-27: standard steps were due a day later, low ones three days later.
    assert_eq!(
        debrief["late_steps"],
        json!([
            late(
                "hand-over-mailbox",
                "standard",
                "2026-11-28T00:00:00Z",
                3 * 86_400,
                "manual_confirmation",
                json!("iam"),
                json!(
                    "Delegate the mailbox and shared drive of bob.lindqvist@acme.example to ivan.petrov@acme.example, then confirm."
                ),
            ),
            late(
                "record-asset-return",
                "standard",
                "2026-11-28T00:00:00Z",
                3 * 86_400,
                "manual_confirmation",
                json!("procurement"),
                json!(
                    "Collect the laptop and hardware token of Bob Lindqvist (E1002) and record their return."
                ),
            ),
            late(
                "mark-complete",
                "low",
                "2026-11-30T00:00:00Z",
                86_400,
                "not_reached",
                Value::Null,
                Value::Null,
            ),
        ]),
        "{debrief}"
    );
    assert_eq!(
        debrief["late_reasons"],
        json!([
            {"waiting_on": "manual_confirmation", "whom": "iam", "system": null, "steps": 1, "late_seconds": 3 * 86_400},
            {"waiting_on": "manual_confirmation", "whom": "procurement", "system": null, "steps": 1, "late_seconds": 3 * 86_400},
            {"waiting_on": "not_reached", "whom": null, "system": null, "steps": 1, "late_seconds": 86_400},
        ]),
        "{debrief}"
    );
    // The debrief's late steps are the report's breaches.
    assert_eq!(
        report["breaches"].as_array().map(Vec::len),
        Some(3),
        "{report}"
    );

    // Without --debrief the report is as before.
    let plain = acme
        .run(
            &["report", "--format", "json", "--since", "30d"],
            &at(REPORT_NOW),
        )
        .expect(0)
        .json();
    assert!(plain.get("debrief").is_none(), "{plain}");
}

#[test]
fn the_debrief_reads_in_text_and_is_a_section_of_the_html_report() {
    let acme = acme_with_failures();
    let text = acme
        .run(&["report", "--debrief", "--since", "30d"], &at(REPORT_NOW))
        .expect(0)
        .stdout;
    let failures = text
        .split("Debrief: failures by system, step and kind (recurring first)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    let row = failures.lines().nth(1).unwrap_or_default();
    for cell in [
        "inventory",
        "release-seats",
        "permanent",
        "2h 55m",
        "seats are frozen",
    ] {
        assert!(row.contains(cell), "{cell}: {row}");
    }
    assert!(
        text.contains("Debrief: retries by system and step\n  none\n"),
        "{text}"
    );
    let late = text
        .split("Debrief: late steps (latest past their deadline first)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    let first = late.lines().nth(1).unwrap_or_default();
    for cell in [
        "E1002",
        "hand-over-mailbox",
        "still open",
        "3d",
        "manual confirmation (iam)",
    ] {
        assert!(first.contains(cell), "{cell}: {first}");
    }

    let html = acme
        .run(
            &["report", "--debrief", "--format", "html", "--since", "30d"],
            &at(REPORT_NOW),
        )
        .expect(0)
        .stdout;
    for heading in [
        "<h2>Debrief: failures by system, step and kind (recurring first)</h2>",
        "<h2>Debrief: late steps by what they waited on</h2>",
    ] {
        assert!(html.contains(heading), "{heading}: {html}");
    }
    assert!(
        html.contains("<td>manual confirmation (procurement)</td>"),
        "{html}"
    );
    let plain = acme
        .run(
            &["report", "--format", "html", "--since", "30d"],
            &at(REPORT_NOW),
        )
        .expect(0)
        .stdout;
    assert!(!plain.contains("Debrief"), "{plain}");
}
