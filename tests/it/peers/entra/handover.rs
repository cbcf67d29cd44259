//! `iam.set_auto_reply` as `validate` checks it: the reply's text is required, and only a
//! connector with mailboxes (entra) can set it.

use super::{repo, seed};
use crate::support::peers::graph::GraphServer;

/// A playbook of one `iam.set_auto_reply` step on `connector`, with `with` (YAML lines).
fn playbook(connector: &str, with: &str) -> String {
    format!(
        "version: 1\nname: handover\ndescription: Hand the mailbox over.\nowners:\n  iam: \
         it-ops@acme.example\ntriggers: []\nsteps:\n  - id: auto-reply\n    kind: \
         iam.set_auto_reply\n    connector: {connector}\n    owner: iam\n    risk: high\n{with}"
    )
}

#[test]
fn validate_requires_the_message_and_a_connector_with_mailboxes() {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let repo = repo(&graph);
    repo.write(
        "playbooks/handover.yaml",
        &playbook(
            "m365",
            "    with:\n      message: \"{{ employee.display_name }} has left\"\n",
        ),
    );
    repo.commit("a hand-over playbook");
    repo.offboard(["validate"]).run();
    repo.write("playbooks/handover.yaml", &playbook("m365", ""));
    let out = repo.offboard(["validate"]).status(1).run();
    assert!(
        out.stdout.contains("OB004") && out.stdout.contains("with.message"),
        "{out}"
    );
    repo.write(
        "playbooks/handover.yaml",
        &playbook("m365", "    with:\n      subject: hello\n"),
    );
    let out = repo.offboard(["validate"]).status(1).run();
    assert!(
        out.stdout.contains("OB004") && out.stdout.contains("`with` of an iam.set_auto_reply step"),
        "{out}"
    );
    repo.write(
        "playbooks/handover.yaml",
        &playbook("directory", "    with:\n      message: gone\n"),
    );
    let out = repo.offboard(["validate"]).status(1).run();
    assert!(out.stdout.contains("OB012"), "{out}");
}
