//! Approvals: with `policy.approval_required: [critical]`, an automatic critical step waits
//! (exit 4, nothing applied) until a holder of its owner role approves it with
//! `offboard confirm`; approvals may be given ahead of time; a non-holder is refused, and so is
//! the run's own signer (four eyes), by `confirm` and by `verify`. A listed tier gates the more
//! urgent tiers too, and `plan` names every approval a run will wait for.

use serde_json::Value;

use crate::common::repo::Repo;

/// The second holder of `iam` in acme, who approves what the run's signer (it-ops) runs.
const APPROVER: [&str; 4] = [
    "--key",
    "keys/it-lead",
    "--principal",
    "it-lead@acme.example",
];

/// The acme repository with `policy.approval_required` set to `tiers`, committed.
fn acme_requiring(tiers: &str) -> Repo {
    let repo = Repo::acme();
    let config = repo.read("offboard.yaml").replace(
        "approval_required: []",
        &format!("approval_required: {tiers}"),
    );
    repo.write("offboard.yaml", &config);
    repo.commit("require approvals");
    repo
}

fn approve(repo: &Repo, run: &str, step: &str) {
    let mut args = vec!["confirm", run, step, "--note", "approved by the IT lead"];
    args.extend(APPROVER);
    repo.offboard(args).run();
}

#[test]
fn critical_steps_wait_for_an_approval_by_their_owner_role() {
    let repo = acme_requiring("[critical]");

    let out = repo.offboard(["mallory"]).status(4).run();
    assert!(
        out.stdout.contains("approve `disable-account`")
            && !out.stdout.contains("approve `confirm-termination`"),
        "{}",
        out.stdout
    );
    let active = "SELECT COUNT(*) FROM accounts WHERE username = 'mallory' AND active = 1";
    assert_eq!(
        repo.count(active, []),
        1,
        "nothing applied before the approval"
    );
    let run = repo.run_of("E1007");

    // A holder of another role cannot approve an iam step.
    let refused = repo
        .offboard([
            "confirm",
            &run,
            "disable-account",
            "--note",
            "ok",
            "--key",
            "keys/finance-ops",
            "--principal",
            "finance-ops@acme.example",
        ])
        .status(2)
        .run();
    assert!(
        refused.stderr.contains("separation of duties"),
        "{}",
        refused.stderr
    );

    // it-lead (iam, not the run's signer) approves every critical step, the later ones ahead
    // of time.
    for step in ["disable-account", "revoke-sessions"] {
        approve(&repo, &run, step);
        let approved = repo.events(&run, "step.approved", step);
        assert_eq!(approved.len(), 1, "{step}");
        assert_eq!(approved[0]["signer"], "it-lead@acme.example", "{step}");
        assert_eq!(approved[0]["role"], "iam", "{step}");
    }
    repo.offboard(["mallory"]).run();
    assert_eq!(repo.count(active, []), 0, "applied once approved");
    for step in ["confirm-termination", "disable-account", "revoke-sessions"] {
        assert_eq!(repo.events(&run, "step.confirmed", step).len(), 1, "{step}");
    }
    repo.offboard(["verify"]).run();
}

#[test]
fn the_runs_own_signer_cannot_approve_and_high_gates_critical_steps_too() {
    let repo = acme_requiring("[high]");

    // grace's first step is critical: `[high]` gates it as well.
    let out = repo.offboard(["grace"]).status(4).run();
    assert!(
        out.stdout.contains("approve `disable-account`")
            && !out.stdout.contains("approve `confirm-termination`"),
        "{}",
        out.stdout
    );
    let active = "SELECT COUNT(*) FROM accounts WHERE username = 'grace' AND active = 1";
    assert_eq!(repo.count(active, []), 1, "nothing applied before approval");
    let run = repo.run_of("E1008");
    assert_eq!(repo.journal(&run)[0]["signer"], "it-ops@acme.example");

    // it-ops signed run.started: its approval adds no second pair of eyes.
    let before = repo.snapshot("journal");
    let refused = repo
        .offboard(["confirm", &run, "retain-data", "--note", "approved"])
        .status(2)
        .run();
    assert!(refused.stderr.contains("four-eyes"), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("the run's own signer cannot approve"),
        "{}",
        refused.stderr
    );
    assert_eq!(repo.snapshot("journal"), before, "nothing written");

    // A second holder of iam approves every gated step: critical and high ones.
    // The HR check only reads: nothing to approve.
    let gated = [
        "disable-account",
        "revoke-sessions",
        "notify-security",
        "retain-data",
        "remove-groups",
    ];
    for step in gated {
        approve(&repo, &run, step);
    }
    repo.offboard(["grace"]).run();
    assert_eq!(repo.count(active, []), 0, "applied once approved");
    for step in gated {
        let approved = repo.events(&run, "step.approved", step);
        assert_eq!(approved.len(), 1, "{step}");
        assert_eq!(approved[0]["signer"], "it-lead@acme.example", "{step}");
        assert_eq!(repo.events(&run, "step.confirmed", step).len(), 1, "{step}");
    }
    // Standard and low steps are not gated by `[high]`.
    for step in [
        "release-seats",
        "notify-finance",
        "notify-manager",
        "mark-complete",
    ] {
        assert!(
            repo.events(&run, "step.approved", step).is_empty(),
            "{step}"
        );
        assert_eq!(repo.events(&run, "step.confirmed", step).len(), 1, "{step}");
    }
    repo.offboard(["verify"]).run();
}

#[test]
fn verify_rejects_an_approval_signed_by_the_runs_own_signer() {
    use offboard::journal::{AllowedSigners, Event, RecordFields, RunJournal, Signer};

    let repo = acme_requiring("[critical]");
    repo.offboard(["mallory"]).status(4).run();
    let run = repo.run_of("E1007");

    // A journal forged with the run signer's key, bypassing `confirm`.
    let signer = Signer::from_openssh_file(repo.join("keys/it-ops"), "it-ops@acme.example")
        .expect("demo key");
    let allowed = AllowedSigners::from_file(repo.join("allowed_signers")).expect("signers");
    let mut journal =
        RunJournal::resume(&repo.join("journal"), &run, signer, &allowed).expect("resume");
    journal
        .append(
            RecordFields::new(Event::StepApproved)
                .employee("E1007")
                .step("disable-account")
                .action("iam.deactivate")
                .role("iam")
                .note("approved"),
        )
        .expect("append");
    drop(journal);
    let forged = repo.journal(&run).len();

    // A run holding a record signed outside the rules is not trusted at all: the run refuses
    // (exit 1) naming the record, and nothing is applied.
    let journal_before = repo.journal(&run).len();
    let out = repo.offboard(["mallory"]).status(1).run();
    assert!(
        out.stderr
            .contains(&format!("{run}.jsonl:{forged} (seq {})", forged - 1))
            && out.stderr.contains("four eyes")
            && out.stderr.contains("offboard verify"),
        "{}",
        out.stderr
    );
    let active = "SELECT COUNT(*) FROM accounts WHERE username = 'mallory' AND active = 1";
    assert_eq!(repo.count(active, []), 1);
    assert_eq!(repo.journal(&run).len(), journal_before, "nothing written");
    assert!(
        repo.events(&run, "step.confirmed", "disable-account")
            .is_empty()
    );
    // status does not show what such a run says either.
    let status = repo.offboard(["status", &run]).status(1).run();
    assert!(status.stderr.contains("four eyes"), "{}", status.stderr);

    let verified = repo
        .offboard(["verify", "--format", "json"])
        .status(1)
        .run()
        .json();
    let bad: Vec<&Value> = verified["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "bad")
        .collect();
    assert_eq!(bad.len(), 1, "{verified}");
    let error = &bad[0]["first_error"];
    assert_eq!(error["line"], forged, "{verified}");
    assert_eq!(error["reason"]["kind"], "self_approval", "{verified}");
    assert_eq!(error["reason"]["principal"], "it-ops@acme.example");
    assert_eq!(error["reason"]["step"], "disable-account");

    let human = repo.offboard(["verify"]).status(1).run();
    let text = format!("{}{}", human.stdout, human.stderr);
    assert!(text.contains(&format!("{run}.jsonl:{forged}")), "{text}");
    assert!(text.contains("four eyes"), "{text}");
}

#[test]
fn plan_marks_every_step_that_needs_an_approval() {
    let repo = acme_requiring("[high]");
    let plan = repo
        .offboard(["plan", "grace", "--format", "json"])
        .run()
        .json();
    let needs: Vec<(&str, &Value)> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["approval"].is_null())
        .map(|s| (s["step"].as_str().unwrap(), &s["approval"]))
        .collect();
    let ids: Vec<&str> = needs.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        [
            "disable-account",
            "revoke-sessions",
            "notify-security",
            "retain-data",
            "remove-groups",
        ],
        "the HR check only reads, so it needs no approval"
    );
    for (id, approval) in &needs {
        assert_eq!(approval["required"], true, "{id}");
        assert_eq!(approval["role"], "iam", "{id}");
        assert_eq!(approval["approved"], false, "{id}");
    }
    assert_eq!(plan["totals"]["approvals_needed"], 5);
    // The plan still shows what the gated steps would change.
    let disable = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "disable-account")
        .unwrap();
    assert_eq!(disable["state"], "planned", "{disable}");

    // Once a run has started and some steps are approved, the plan says which remain.
    repo.offboard(["grace"]).status(4).run();
    let run = repo.run_of("E1008");
    approve(&repo, &run, "disable-account");
    approve(&repo, &run, "retain-data");
    let plan = repo
        .offboard(["plan", "grace", "--format", "json"])
        .run()
        .json();
    let approval = |id: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == id)
            .unwrap()["approval"]
            .clone()
    };
    assert_eq!(approval("retain-data")["approved"], true);
    assert_eq!(
        approval("retain-data")["approved_by"],
        "it-lead@acme.example"
    );
    assert_eq!(approval("revoke-sessions")["approved"], false);
    assert_eq!(plan["totals"]["approvals_needed"], 3);

    let human = repo.offboard(["plan", "grace"]).run().stdout;
    let marked: Vec<&str> = human
        .lines()
        .filter(|l| l.contains("needs approval (iam) before it applies"))
        .collect();
    assert_eq!(marked.len(), 3, "{human}");
    assert!(human.contains("; 3 step(s) need approval"), "{human}");
    // Nothing was applied by planning or approving.
    let active = "SELECT COUNT(*) FROM accounts WHERE username = 'grace' AND active = 1";
    assert_eq!(repo.count(active, []), 1);
}
