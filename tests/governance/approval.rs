//! Approvals: with `policy.approval_required: [critical]`, an automatic critical step waits
//! (exit 4, nothing applied) until a holder of its owner role approves it with
//! `offboard confirm`; approvals may be given ahead of time; a non-holder is refused.

use crate::common::repo::Repo;

#[test]
fn critical_steps_wait_for_an_approval_by_their_owner_role() {
    let repo = Repo::acme();
    let config = repo
        .read("offboard.yaml")
        .replace("approval_required: []", "approval_required: [critical]");
    repo.write("offboard.yaml", &config);
    repo.commit("require approvals for critical steps");

    let out = repo.offboard(["mallory"]).status(4).run();
    assert!(
        out.stdout.contains("approve `confirm-termination`"),
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

    // it-ops (iam) approves every critical step, the later ones ahead of time.
    for step in ["confirm-termination", "disable-account", "revoke-sessions"] {
        repo.offboard([
            "confirm",
            &run,
            step,
            "--note",
            "approved by the duty manager",
        ])
        .run();
        assert_eq!(repo.events(&run, "step.approved", step).len(), 1, "{step}");
    }
    repo.offboard(["mallory"]).run();
    assert_eq!(repo.count(active, []), 0, "applied once approved");
    for step in ["confirm-termination", "disable-account", "revoke-sessions"] {
        assert_eq!(repo.events(&run, "step.confirmed", step).len(), 1, "{step}");
    }
    repo.offboard(["verify"]).run();
}
