//! Builders shared by the journal integration tests: signers, an allowed-signers file, a role map
//! and a small journal with several runs.

#![allow(dead_code)]

use std::path::Path;

use offboard::journal::{
    AllowedSigners, Event, PlaybookRef, RecordFields, RoleMap, RunJournal, Signer,
};

pub const IT: &str = "it-ops@acme.example";
pub const FIN: &str = "finance-ops@acme.example";

pub fn it_signer() -> Signer {
    Signer::from_seed([11; 32], IT)
}

pub fn fin_signer() -> Signer {
    Signer::from_seed([22; 32], FIN)
}

pub fn allowed() -> AllowedSigners {
    let text = format!(
        "{IT} {}\n{FIN} namespaces=\"offboard\" {}\n",
        it_signer().public_key_openssh(),
        fin_signer().public_key_openssh()
    );
    AllowedSigners::parse(&text, Path::new("allowed_signers")).unwrap()
}

/// IT holds `iam`, the operator role (it runs playbooks); finance holds `finance`.
pub fn roles() -> RoleMap {
    [(IT, vec!["iam"]), (FIN, vec!["finance"])]
        .into_iter()
        .collect::<RoleMap>()
        .with_operator_roles(["iam"])
}

pub fn started(employee: &str) -> RecordFields {
    RecordFields::new(Event::RunStarted)
        .employee(employee)
        .playbook(PlaybookRef {
            path: "playbooks/leaver.yaml".into(),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            blob: Some("89abcdef0123456789abcdef0123456789abcdef".into()),
            dirty: false,
            vcs: Some(offboard::journal::Vcs::Git),
        })
}

/// A run of `steps` automatic steps, finished when `finish` is set. Records: run.started, then
/// per step step.applied + step.confirmed, then run.finished.
pub fn write_run(dir: &Path, run: &str, employee: &str, steps: usize, finish: bool) {
    let mut journal = RunJournal::create(dir, run, it_signer(), started(employee)).unwrap();
    for i in 0..steps {
        let step = format!("step-{i}");
        journal
            .append(
                RecordFields::new(Event::StepApplied)
                    .employee(employee)
                    .step(&step)
                    .action("iam.deactivate")
                    .role("iam")
                    .target("idp", Some(format!("{employee}@acme.example"))),
            )
            .unwrap();
        journal
            .append(
                RecordFields::new(Event::StepConfirmed)
                    .employee(employee)
                    .step(&step)
                    .action("iam.deactivate")
                    .role("iam")
                    .target("idp", Some(format!("{employee}@acme.example")))
                    .evidence(
                        serde_json::json!({"before": {"active": true}, "after": {"active": false}}),
                    ),
            )
            .unwrap();
    }
    if finish {
        journal
            .append(RecordFields::new(Event::RunFinished).employee(employee))
            .unwrap();
    }
}
