//! Journals for the tests: crafting them through the library (signers, an allowed-signers file,
//! a role map and a small journal with several runs), and reading what a run wrote with plain
//! JSON parsing (run ids, payloads, events), never through the library's reader. A test that
//! holds a run journal or an employee lock in this process uses [`RunJournal`] and
//! [`EmployeeLock`] from here: the library's, released only while no other test's child is
//! being started (see [`super::fork`]).

use std::ops::{Deref, DerefMut};
use std::path::Path;

use serde_json::Value;

use offboard::journal::{
    AllowedSigners, Event, JournalError, PlaybookRef, RecordFields, RoleMap, RunStatus, Signer,
    VerifyReport,
};

use super::fork;

/// offboard's [`offboard::journal::RunJournal`], whose run lock is released under
/// [`fork::release`].
#[derive(Debug)]
pub struct RunJournal(Option<offboard::journal::RunJournal>);

impl RunJournal {
    /// [`offboard::journal::RunJournal::create`].
    pub fn create(
        dir: &Path,
        run: &str,
        signer: Signer,
        first: RecordFields,
    ) -> Result<RunJournal, JournalError> {
        offboard::journal::RunJournal::create(dir, run, signer, first).map(|j| RunJournal(Some(j)))
    }

    /// [`offboard::journal::RunJournal::open`].
    pub fn open(dir: &Path, run: &str, signer: Signer) -> Result<RunJournal, JournalError> {
        offboard::journal::RunJournal::open(dir, run, signer).map(|j| RunJournal(Some(j)))
    }

    /// [`offboard::journal::RunJournal::resume`].
    pub fn resume(
        dir: &Path,
        run: &str,
        signer: Signer,
        allowed: &AllowedSigners,
    ) -> Result<RunJournal, JournalError> {
        offboard::journal::RunJournal::resume(dir, run, signer, allowed)
            .map(|j| RunJournal(Some(j)))
    }
}

impl Deref for RunJournal {
    type Target = offboard::journal::RunJournal;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref().expect("a journal until dropped")
    }
}

impl DerefMut for RunJournal {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0.as_mut().expect("a journal until dropped")
    }
}

impl Drop for RunJournal {
    fn drop(&mut self) {
        fork::release(|| drop(self.0.take()));
    }
}

/// offboard's [`offboard::journal::EmployeeLock`], released under [`fork::release`].
#[derive(Debug)]
pub struct EmployeeLock(Option<offboard::journal::EmployeeLock>);

impl EmployeeLock {
    /// [`offboard::journal::EmployeeLock::acquire`].
    pub fn acquire(dir: &Path, employee: &str) -> Result<EmployeeLock, JournalError> {
        offboard::journal::EmployeeLock::acquire(dir, employee).map(|l| EmployeeLock(Some(l)))
    }
}

impl Drop for EmployeeLock {
    fn drop(&mut self) {
        fork::release(|| drop(self.0.take()));
    }
}

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
            signed_by: None,
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

/// The status `verify` gave `run`.
pub fn status_of(report: &VerifyReport, run: &str) -> RunStatus {
    report.runs.iter().find(|r| r.run == run).unwrap().status
}

/// Run ids in the journal directory `dir` (its `*.jsonl` files other than the ledger), sorted;
/// none when it is missing.
pub fn runs(dir: &Path) -> Vec<String> {
    let mut runs: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".jsonl").map(str::to_owned))
                .filter(|n| n != "ledger")
                .collect()
        })
        .unwrap_or_default();
    runs.sort();
    runs
}

/// The payloads of the records in a journal file, parsed from the envelopes' payload strings.
pub fn payloads_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|line| {
            let envelope: Value = serde_json::from_str(line).unwrap();
            serde_json::from_str(envelope["payload"].as_str().unwrap()).unwrap()
        })
        .collect()
}

/// `(event, step)` of every payload.
pub fn events(payloads: &[Value]) -> Vec<(String, Option<String>)> {
    payloads
        .iter()
        .map(|p| {
            (
                p["event"].as_str().unwrap().to_owned(),
                p["step"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The `step.confirmed` payload of `step` in the only run of `employee` (an id such as
/// `F1002`) in the journal directory `journal`.
pub fn confirmation(journal: &Path, employee: &str, step: &str) -> Value {
    let prefix = format!("{employee}-");
    let found: Vec<String> = runs(journal)
        .into_iter()
        .filter(|r| r.starts_with(&prefix))
        .collect();
    assert_eq!(found.len(), 1, "runs of {employee}: {found:?}");
    payloads_of(&journal.join(format!("{}.jsonl", found[0])))
        .into_iter()
        .find(|p| p["event"] == "step.confirmed" && p["step"] == step)
        .unwrap_or_else(|| panic!("no confirmation of {step} for {employee}"))
}
