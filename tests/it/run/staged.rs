//! Runs that wait: a voluntary leaver's manual steps and staged hard delete, and a legal hold
//! blocking the destructive step.

use crate::support::journal::RunJournal;

use offboard::journal::{Event, RecordFields, Signer};
use serde_json::{Value, json};

use super::mallory::account;
use crate::support::acme::Acme;
use crate::support::journal::events;

/// Three days after Bob's last day (2026-11-27), before the hard delete is due.
const BOB_SOON: &str = "2026-11-30T12:00:00Z";
/// Thirty-one days after it: the hard delete is due.
const BOB_LATER: &str = "2026-12-28T12:00:00Z";

fn count(payloads: &[Value], event: &str, step: &str) -> usize {
    events(payloads)
        .iter()
        .filter(|(e, s)| e == event && s.as_deref() == Some(step))
        .count()
}

/// Sign off a manual step with the key of the role holder, as `offboard confirm` would.
fn sign_off(acme: &Acme, run: &str, employee: &str, step: &str, action: &str, who: &str) {
    let (key, principal, role) = match who {
        "procurement" => (
            "keys/procurement",
            "procurement@acme.example",
            "procurement",
        ),
        _ => ("keys/it-ops", "it-ops@acme.example", "iam"),
    };
    let signer = Signer::from_openssh_file(acme.dir().join(key), principal).unwrap();
    let mut journal = RunJournal::open(&acme.journal(), run, signer).unwrap();
    journal
        .append(
            RecordFields::new(Event::StepConfirmed)
                .employee(employee)
                .step(step)
                .action(action)
                .role(role)
                .evidence(json!({ "signed_off_by": principal })),
        )
        .unwrap();
}

#[test]
fn a_voluntary_leaver_waits_for_people_and_the_staged_delete() {
    let acme = Acme::new();
    let now = [("OFFBOARD_NOW", BOB_SOON)];
    let first = acme.run(&["bob"], &now).expect(4);
    assert!(
        first.stdout.contains("E1002: voluntary-leaver waiting"),
        "{first}"
    );
    let run = acme.only_run();
    let payloads = acme.payloads(&run);
    assert_eq!(count(&payloads, "step.waiting", "hand-over-mailbox"), 1);
    assert_eq!(count(&payloads, "step.waiting", "record-asset-return"), 1);
    // The staged hard delete is scheduled as soon as the run starts, although it also waits
    // on the mailbox hand-over; nothing else is recorded for it.
    assert_eq!(count(&payloads, "step.scheduled", "hard-delete"), 1);
    assert_eq!(
        events(&payloads)
            .iter()
            .filter(|(_, s)| s.as_deref() == Some("hard-delete"))
            .count(),
        1
    );
    for step in [
        "disable-account",
        "revoke-sessions",
        "retain-data",
        "remove-groups",
        "release-seats",
        "notify-finance",
        "notify-manager",
    ] {
        assert_eq!(count(&payloads, "step.confirmed", step), 1, "{step}");
    }
    assert_eq!(count(&payloads, "step.confirmed", "mark-complete"), 0);
    assert_eq!(account(&acme, "bob"), (0, 0, 1, None));
    assert!(!acme.writeback().exists(), "HR told too early");

    // Re-running changes no byte of the journal: no duplicate waiting records.
    let before = std::fs::read(acme.run_file(&run)).unwrap();
    acme.run(&["bob"], &now).expect(4);
    assert_eq!(std::fs::read(acme.run_file(&run)).unwrap(), before);

    // Thirty-one days later, with nobody having signed: still blocked behind the manual steps.
    let late = acme.duplicate();
    let ran = late.run(&["bob"], &[("OFFBOARD_NOW", BOB_LATER)]).expect(4);
    assert!(ran.stdout.contains("hard-delete"), "{ran}");
    assert_eq!(std::fs::read(late.run_file(&run)).unwrap(), before);
    assert_eq!(account(&late, "bob").3, None, "deleted without sign-off");

    // IT ops and procurement sign their steps off; the delete stays scheduled, once.
    sign_off(
        &acme,
        &run,
        "E1002",
        "hand-over-mailbox",
        "manual",
        "it-ops",
    );
    sign_off(
        &acme,
        &run,
        "E1002",
        "record-asset-return",
        "inventory.record_asset_return",
        "procurement",
    );
    acme.run(&["bob"], &now).expect(4);
    acme.run(&["bob"], &now).expect(4);
    let payloads = acme.payloads(&run);
    assert_eq!(count(&payloads, "step.scheduled", "hard-delete"), 1);
    let scheduled = payloads
        .iter()
        .find(|p| p["event"] == "step.scheduled")
        .unwrap();
    assert_eq!(scheduled["evidence"]["due_at"], "2026-12-27T00:00:00Z");
    assert_eq!(count(&payloads, "step.confirmed", "mark-complete"), 1);
    assert_eq!(acme.writeback_rows().len(), 1);
    assert_eq!(account(&acme, "bob").3, None);

    // Once due, the delete runs and the run finishes.
    acme.run(&["bob"], &[("OFFBOARD_NOW", BOB_LATER)]).expect(0);
    let payloads = acme.payloads(&run);
    assert_eq!(count(&payloads, "step.confirmed", "hard-delete"), 1);
    assert_eq!(events(&payloads).last().unwrap().0, "run.finished");
    assert!(account(&acme, "bob").3.is_some(), "account not deleted");
    acme.run(&["verify"], &[]).expect(0);
}

#[test]
fn a_legal_hold_blocks_the_due_destructive_step_and_records_it_once() {
    let acme = Acme::new();
    // Frank left 2026-11-25; 31 days later the hard delete is due.
    let now = [("OFFBOARD_NOW", "2026-12-26T12:00:00Z")];
    let args = ["run", "frank", "--playbook", "voluntary-leaver"];
    acme.run(&args, &now).expect(4);
    let run = acme.only_run();
    sign_off(
        &acme,
        &run,
        "E1006",
        "hand-over-mailbox",
        "manual",
        "it-ops",
    );
    sign_off(
        &acme,
        &run,
        "E1006",
        "record-asset-return",
        "inventory.record_asset_return",
        "procurement",
    );
    let blocked = acme.run(&args, &now).expect(4);
    assert!(blocked.stdout.contains("hard-delete"), "{blocked}");
    acme.run(&args, &now).expect(4);
    let payloads = acme.payloads(&run);
    assert_eq!(count(&payloads, "step.blocked", "hard-delete"), 1);
    assert_eq!(count(&payloads, "step.confirmed", "hard-delete"), 0);
    let record = payloads
        .iter()
        .find(|p| p["event"] == "step.blocked")
        .unwrap();
    assert!(
        record["evidence"]["legal_hold"]
            .as_str()
            .unwrap()
            .starts_with("Litigation 2026-117"),
        "{record}"
    );
    assert_eq!(account(&acme, "frank"), (0, 0, 1, None));
    acme.run(&["verify"], &[]).expect(0);
}
