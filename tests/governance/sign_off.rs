//! Manual steps and separation of duties: a run waits (exit 4) for its manual steps; only a
//! holder of the step's owner role may sign one off; a forged sign-off appended to the journal
//! with the wrong key is caught by `offboard verify`.

use offboard::journal::{Event, RecordFields, RunJournal, Signer};

use crate::common::repo::{JOURNAL, Repo};

const PROCUREMENT: [&str; 4] = [
    "--key",
    "keys/procurement",
    "--principal",
    "procurement@acme.example",
];

#[test]
fn a_manual_step_is_signed_off_only_by_its_owner_role_and_forgeries_fail_verify() {
    let repo = Repo::acme();
    let out = repo.offboard(["bob"]).status(4).run();
    assert!(
        out.stdout
            .contains("record-asset-return      waiting for sign-off"),
        "{}",
        out.stdout
    );
    let run = repo.run_of("E1002");
    let waiting = repo.events(&run, "step.waiting", "record-asset-return");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["role"], "procurement");

    // The run's own key belongs to it-ops (role iam): refused, nothing written.
    let before = repo.snapshot(JOURNAL);
    let refused = repo
        .offboard([
            "confirm",
            &run,
            "record-asset-return",
            "--note",
            "laptop ACME-LT-0102 and token ACME-YK-0202 returned",
        ])
        .status(2)
        .run();
    assert!(
        refused.stderr.contains("separation of duties"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("`procurement`"),
        "{}",
        refused.stderr
    );
    assert!(
        repo.snapshot(JOURNAL) == before,
        "a refused sign-off wrote to the journal"
    );

    // Procurement, with its own key.
    let mut args = vec![
        "confirm",
        &run,
        "record-asset-return",
        "--note",
        "laptop ACME-LT-0102 and token ACME-YK-0202 returned",
    ];
    args.extend(PROCUREMENT);
    repo.offboard(args).run();
    let confirmed = repo.events(&run, "step.confirmed", "record-asset-return");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0]["signer"], "procurement@acme.example");
    assert_eq!(confirmed[0]["role"], "procurement");
    assert_eq!(
        confirmed[0]["note"],
        "laptop ACME-LT-0102 and token ACME-YK-0202 returned"
    );
    repo.offboard(["verify"]).run();

    // A forged record: it-ops signs a confirmation of a finance-owned step.
    let key = repo.join("keys/it-ops");
    let signer = Signer::from_openssh_file(&key, "it-ops@acme.example").unwrap();
    let mut journal = RunJournal::open(&repo.join(JOURNAL), &run, signer).unwrap();
    let forged = journal
        .append(
            RecordFields::new(Event::StepConfirmed)
                .employee("E1002")
                .step("notify-finance")
                .action("finance.notify_reclamation")
                .role("finance")
                .note("reclamation acknowledged"),
        )
        .unwrap();
    drop(journal);

    let verify = repo.offboard(["verify"]).status(1).run();
    let bad: Vec<&str> = verify
        .stdout
        .lines()
        .filter(|l| l.contains("BAD"))
        .collect();
    assert_eq!(bad.len(), 1, "{}", verify.stdout);
    assert!(
        bad[0].starts_with(&format!("{run}: BAD")),
        "{}",
        verify.stdout
    );
    assert!(
        bad[0].contains(&format!(
            "{run}.jsonl:{} (seq {})",
            forged.seq + 1,
            forged.seq
        )),
        "the forged record (seq {}) is named: {}",
        forged.seq,
        verify.stdout
    );
    assert!(
        bad[0].contains("it-ops@acme.example") && bad[0].contains("finance"),
        "{}",
        verify.stdout
    );
    assert!(verify.stdout.contains("journal FAILED verification"));
}

/// A key signs only as the principal `allowed_signers` lists it for: claiming another
/// principal's name, or a key the file does not list, is refused before anything is written,
/// by `confirm` and by `run` alike.
#[test]
fn a_key_cannot_sign_under_another_principal() {
    let repo = Repo::acme();
    repo.offboard(["bob"]).status(4).run();
    let run = repo.run_of("E1002");
    let before = repo.snapshot(JOURNAL);

    // finance-ops's key claiming to be procurement.
    let refused = repo
        .offboard([
            "confirm",
            &run,
            "record-asset-return",
            "--note",
            "returned",
            "--key",
            "keys/finance-ops",
            "--principal",
            "procurement@acme.example",
        ])
        .status(2)
        .run();
    assert!(
        refused
            .stderr
            .contains("cannot sign as `procurement@acme.example`")
            && refused
                .stderr
                .contains("lists the principal with another key"),
        "{}",
        refused.stderr
    );

    // A key nobody listed.
    let rogue = repo.join("rogue");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "rogue", "-f"])
        .arg(&rogue)
        .status()
        .unwrap();
    assert!(keygen.success());
    let refused = repo
        .offboard([
            "confirm",
            &run,
            "hand-over-mailbox",
            "--note",
            "done",
            "--key",
            rogue.to_str().unwrap(),
            "--principal",
            "it-ops@acme.example",
        ])
        .status(2)
        .run();
    assert!(
        refused
            .stderr
            .contains("cannot sign as `it-ops@acme.example`"),
        "{}",
        refused.stderr
    );

    // The run itself, with a key that is not the configured principal's.
    let refused = repo
        .offboard(["mallory"])
        .env(
            "OFFBOARD_SIGNING_KEY",
            repo.join("keys/finance-ops").to_str().unwrap(),
        )
        .status(2)
        .run();
    assert!(
        refused
            .stderr
            .contains("cannot sign as `it-ops@acme.example`"),
        "{}",
        refused.stderr
    );
    assert!(
        repo.snapshot(JOURNAL) == before,
        "a refused signer wrote to the journal"
    );
    repo.offboard(["verify"]).run();
}

/// Without `--interactive`, a run with a sign-off pending exits 4 at a terminal as it does
/// under cron: it asks nothing. So does a batch after its canary: it pauses.
#[test]
fn at_a_terminal_a_run_asks_nothing_unless_interactive() {
    let repo = Repo::acme();
    let limit = std::time::Duration::from_secs(60);
    let (code, screen) = repo.at_terminal("--no-progress bob", b"", limit);
    assert_eq!(code, Some(4), "{screen}");
    assert!(!screen.contains("type a note"), "{screen}");
    assert!(
        screen.contains("hand-over-mailbox        waiting for sign-off"),
        "{screen}"
    );
    let run = repo.run_of("E1002");
    assert_eq!(
        repo.events(&run, "step.waiting", "hand-over-mailbox").len(),
        1
    );
    assert!(
        repo.events(&run, "step.confirmed", "hand-over-mailbox")
            .is_empty()
    );

    // A batch larger than the canary (3): paused, not asking whether to go on.
    let (code, screen) =
        repo.at_terminal("--no-progress run heidi mallory frank grace", b"", limit);
    assert_eq!(code, Some(4), "{screen}");
    assert!(
        screen.contains("batch paused after the canary (3 employees)") && !screen.contains("[y/N]"),
        "{screen}"
    );
    assert_eq!(
        repo.runs().len(),
        4,
        "bob and the canary: {:?}",
        repo.runs()
    );
}

/// With `--interactive`, `offboard run` offers to sign off a manual step whose role the run's
/// signer holds; the note typed is recorded in a signed `step.confirmed`.
#[test]
fn a_manual_step_is_signed_off_in_place_when_interactive() {
    let repo = Repo::acme();
    let (code, screen) = repo.at_terminal(
        "--no-progress bob --interactive",
        b"mailbox delegated to Ivan\n",
        std::time::Duration::from_secs(60),
    );
    // The procurement step is not the run signer's to sign: it still waits.
    assert_eq!(code, Some(4), "{screen}");
    assert!(
        screen.contains("step `hand-over-mailbox` waits for sign-off by iam"),
        "{screen}"
    );
    let run = repo.run_of("E1002");
    let confirmed = repo.events(&run, "step.confirmed", "hand-over-mailbox");
    assert_eq!(confirmed.len(), 1, "{screen}");
    assert_eq!(confirmed[0]["note"], "mailbox delegated to Ivan");
    assert_eq!(confirmed[0]["signer"], "it-ops@acme.example");
    assert_eq!(confirmed[0]["evidence"]["signed_off_in_place"], true);
    assert_eq!(
        repo.events(&run, "step.confirmed", "record-asset-return")
            .len(),
        0
    );

    // A batch asks too, one employee at a time: heidi's sign-off (left waiting), then whether
    // to go on after the canary.
    let (code, screen) = repo.at_terminal(
        "--no-progress run heidi mallory frank grace --interactive",
        b"\ny\n",
        std::time::Duration::from_secs(60),
    );
    assert_eq!(code, Some(4), "{screen}");
    assert!(
        screen.contains("canary of 3 done; continue with the remaining 1? [y/N]"),
        "{screen}"
    );
    assert_eq!(repo.runs().len(), 5, "{:?}", repo.runs());
    let heidi = repo.run_of("E1009");
    assert!(
        repo.events(&heidi, "step.confirmed", "hand-over-mailbox")
            .is_empty()
    );
    repo.offboard(["verify"]).run();
}

/// `offboard confirm` given an employee instead of a run id names the run id(s) to use.
#[test]
fn confirm_given_an_employee_names_the_run_to_confirm_in() {
    let repo = Repo::acme();
    repo.offboard(["bob"]).status(4).run();
    let run = repo.run_of("E1002");
    let before = repo.snapshot(JOURNAL);
    for key in ["bob", "E1002"] {
        let refused = repo
            .offboard(["confirm", key, "hand-over-mailbox", "--note", "done"])
            .status(2)
            .run();
        assert!(
            refused.stderr.contains(&format!(
                "`{key}` is employee E1002 (bob), not a run id: `offboard confirm` takes the id of \
                 the run; its run(s): {run} (open, waiting for sign-off: hand-over-mailbox, \
                 record-asset-return); e.g. `offboard confirm {run} hand-over-mailbox --note TEXT`"
            )),
            "{}",
            refused.stderr
        );
    }
    let none = repo
        .offboard([
            "--format", "json", "confirm", "alice", "x", "--note", "done",
        ])
        .status(2)
        .run();
    let error: serde_json::Value = serde_json::from_str(none.stderr.trim()).unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("E1001 has no run in the journal"),
        "{error}"
    );
    assert!(repo.snapshot(JOURNAL) == before, "a refused confirm wrote");
}
