//! Unit tests of the engine: a playbook run against an account system and a journal both held
//! in memory, asserting on what the system and the journal hold afterwards.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};
use time::macros::datetime;

use super::engine::{Engine, Entry, Mode, Observer, Recorded, RunLog, SignOff, Target};
use super::outcome::{RunReport, StepOutcome, StepState};
use crate::connector::{AccountState, Change, Connector, ConnectorError, Principal};
use crate::hr::{Employment, HrRecord};
use crate::journal::Event;
use crate::playbook::{Action, Confirm, Playbook, Risk, RoleMatrix, Status, Step, Template};
use crate::retry::RetryPolicy;

/// An account system in memory, one account per login. With `ignore_changes` it accepts every
/// change and applies none, as a system that acknowledges a request it then drops.
#[derive(Default)]
struct Memory {
    accounts: Mutex<HashMap<String, AccountState>>,
    applied: Mutex<Vec<Change>>,
    ignore_changes: bool,
    /// Errors `apply` answers with before it applies anything, the first answered first.
    faults: Mutex<Vec<ConnectorError>>,
}

impl Memory {
    fn with(login: &str, state: AccountState) -> Memory {
        let memory = Memory::default();
        memory.lock().insert(login.to_owned(), state);
        memory
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, AccountState>> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn state(&self, login: &str) -> AccountState {
        self.lock()[login].clone()
    }

    fn applied(&self) -> Vec<Change> {
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Connector for Memory {
    fn name(&self) -> &str {
        "mem"
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        Ok(self.lock().contains_key(key).then(|| Principal {
            id: key.to_owned(),
            name: key.to_owned(),
        }))
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        Ok(self.state(&principal.id))
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        {
            let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
            if !faults.is_empty() {
                return Err(faults.remove(0));
            }
        }
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(change.clone());
        if self.ignore_changes {
            return Ok(());
        }
        let mut accounts = self.lock();
        let state = accounts.get_mut(&principal.id).expect("a found account");
        match change {
            Change::Deactivate => state.active = false,
            Change::RemoveGroups { groups } => state.groups.retain(|g| !groups.contains(g)),
            Change::Delete => state.exists = false,
            other => panic!("the test system does not take {other}"),
        }
        Ok(())
    }
}

/// A run journal in memory: the entries in the order recorded, and how many entries it held at
/// each call of `durable`.
#[derive(Default)]
struct Journal(Vec<Entry>, Vec<usize>);

impl Journal {
    fn events(&self) -> Vec<(String, Event)> {
        self.0
            .iter()
            .map(|e| (e.step.clone(), e.event.clone()))
            .collect()
    }
}

impl RunLog for Journal {
    fn events_of(&self, step: &str) -> Vec<Recorded> {
        self.0
            .iter()
            .filter(|e| e.step == step)
            .map(|e| Recorded {
                event: e.event.clone(),
                evidence: e.evidence.clone(),
            })
            .collect()
    }

    fn record(&mut self, entry: Entry) -> Result<(), String> {
        self.0.push(entry);
        Ok(())
    }

    fn durable(&mut self) -> Result<(), String> {
        self.1.push(self.0.len());
        Ok(())
    }
}

struct Quiet;

impl Observer for Quiet {
    fn step_started(&mut self, _: usize, _: usize, _: &Step) {}
    fn step_finished(&mut self, _: &StepOutcome) {}
    fn retrying(&mut self, _: &str, _: u32, _: &str, _: std::time::Duration) {}
}

fn step(id: &str, kind: Action, after: &[&str]) -> Step {
    Step {
        kind,
        connector: Some("mem".to_owned()),
        after: after.iter().map(|a| (*a).to_owned()).collect(),
        destructive: kind == Action::IamDelete,
        confirm: Confirm::Readback,
        ..Step::manual(id)
    }
}

/// Disable the account, take it out of its groups, then delete it (destructive).
fn playbook() -> Playbook {
    Playbook {
        name: "leaver".to_owned(),
        description: None,
        owners: BTreeMap::from([("iam".to_owned(), "IT".to_owned())]),
        triggers: vec![Status::Terminated],
        steps: vec![
            step("disable", Action::IamDeactivate, &[]),
            step("groups", Action::IamRemoveGroups, &["disable"]),
            step("delete", Action::IamDelete, &["groups"]),
        ],
    }
}

fn grace() -> HrRecord {
    HrRecord {
        id: "E8".to_owned(),
        username: "grace".to_owned(),
        email: "grace@acme.example".to_owned(),
        display_name: "Grace".to_owned(),
        manager_id: None,
        manager_email: None,
        department: None,
        cost_centre: None,
        role: None,
        new_role: None,
        raw_status: "TERM".to_owned(),
        effective_at: Some(datetime!(2026-11-30 09:00 UTC)),
        employment: Employment::Employee,
        legal_hold: false,
    }
}

fn active_account() -> AccountState {
    AccountState {
        exists: true,
        active: true,
        groups: vec!["finance".to_owned(), "vpn".to_owned()],
        ..AccountState::default()
    }
}

/// What a test changes from the defaults: the legal hold, the tiers needing approval, Ctrl-C.
#[derive(Default)]
struct Setup {
    hold: Option<&'static str>,
    approval_required: Vec<Risk>,
    interrupted: bool,
    mode: Option<Mode>,
}

/// Run `playbook` for Grace against `system`, appending to `journal`.
fn run(
    playbook: &Playbook,
    system: Arc<Memory>,
    journal: &mut Journal,
    setup: &Setup,
) -> RunReport {
    let targets = HashMap::from([(
        "mem".to_owned(),
        Target {
            name: "mem".to_owned(),
            accounts: Some(system as Arc<dyn Connector>),
            messages: None,
            lookup: Template::new("{{ employee.username }}"),
        },
    )]);
    let employee = grace();
    let roles = RoleMatrix::default();
    let interrupted = AtomicBool::new(setup.interrupted);
    let never = |_: &HrRecord, _: &str| -> Result<bool, String> { Err("no HR here".into()) };
    let not_yet = |_: &HrRecord| -> Result<bool, String> { Ok(false) };
    let engine = Engine {
        playbook,
        roles: &roles,
        targets: &targets,
        employee: &employee,
        status: Status::Terminated,
        run_id: "E8-leaver-20261201T000000Z",
        hold: setup.hold,
        now: datetime!(2026-12-01 00:00 UTC),
        retry: RetryPolicy::default(),
        interrupted: &interrupted,
        hr_writeback: &never,
        hr_is_complete: &not_yet,
        mode: setup.mode.unwrap_or(Mode::Apply),
        approval_required: &setup.approval_required,
        sign_off: None::<&SignOff<'_>>,
    };
    engine
        .run(journal, &mut Quiet)
        .expect("the journal takes every record")
}

fn states(report: &RunReport) -> Vec<(&str, &StepState)> {
    report
        .steps
        .iter()
        .map(|s| (s.step.as_str(), &s.state))
        .collect()
}

fn confirmed(id: &str) -> (String, Event) {
    (id.to_owned(), Event::StepConfirmed)
}

#[test]
fn apply_changes_the_system_and_confirms_each_step_with_its_evidence() {
    let system = Arc::new(Memory::with("grace", active_account()));
    let mut journal = Journal::default();
    let report = run(
        &playbook(),
        Arc::clone(&system),
        &mut journal,
        &Setup::default(),
    );
    assert!(report.is_complete(), "{report:?}");
    assert!(!system.state("grace").exists);
    assert_eq!(
        system.applied(),
        [
            Change::Deactivate,
            Change::RemoveGroups {
                groups: vec!["finance".to_owned(), "vpn".to_owned()]
            },
            Change::Delete
        ]
    );
    assert_eq!(
        journal.events(),
        [
            ("disable".to_owned(), Event::StepStarted),
            confirmed("disable"),
            ("groups".to_owned(), Event::StepStarted),
            confirmed("groups"),
            ("delete".to_owned(), Event::StepStarted),
            confirmed("delete"),
        ]
    );
    // Before each change, everything recorded so far (the previous confirmation included) was
    // made durable.
    assert_eq!(journal.1, [1, 3, 5]);
    let disabled = &journal.0[1].evidence;
    assert_eq!(disabled["before"]["active"], true);
    assert_eq!(disabled["after"]["active"], false);
    assert_eq!(
        journal.0[1].target,
        Some(("mem".to_owned(), Some("grace".to_owned())))
    );
}

#[test]
fn a_second_run_finds_every_step_done_and_changes_nothing() {
    let system = Arc::new(Memory::with("grace", active_account()));
    let mut journal = Journal::default();
    run(
        &playbook(),
        Arc::clone(&system),
        &mut journal,
        &Setup::default(),
    );
    let applied = system.applied().len();
    let records = journal.0.len();
    let again = run(
        &playbook(),
        Arc::clone(&system),
        &mut journal,
        &Setup::default(),
    );
    assert!(
        again
            .steps
            .iter()
            .all(|s| s.state == StepState::AlreadyConfirmed),
        "{again:?}"
    );
    assert_eq!(system.applied().len(), applied);
    assert_eq!(journal.0.len(), records);
}

fn busy() -> ConnectorError {
    ConnectorError::Transient {
        message: "503 Service Unavailable".to_owned(),
        retry_after: Some(std::time::Duration::ZERO),
    }
}

#[test]
fn retries_are_recorded_on_the_confirmation_and_a_failure_names_its_system_and_kind() {
    let system = Arc::new(Memory {
        faults: Mutex::new(vec![busy(), busy()]),
        ..Memory::with("grace", active_account())
    });
    let mut journal = Journal::default();
    run(&playbook(), system, &mut journal, &Setup::default());
    let confirmed = journal
        .0
        .iter()
        .find(|e| e.step == "disable" && e.event == Event::StepConfirmed)
        .expect("confirmed after two retries");
    assert_eq!(confirmed.evidence["retries"], 2, "{confirmed:?}");
    assert_eq!(confirmed.evidence["retry_wait_ms"], 0, "{confirmed:?}");
    let groups = journal
        .0
        .iter()
        .find(|e| e.step == "groups" && e.event == Event::StepConfirmed)
        .unwrap();
    assert!(groups.evidence.get("retries").is_none(), "{groups:?}");

    let refused = ConnectorError::Permanent {
        message: "403 Forbidden".to_owned(),
    };
    let system = Arc::new(Memory {
        faults: Mutex::new(vec![busy(), refused]),
        ..Memory::with("grace", active_account())
    });
    let mut journal = Journal::default();
    run(&playbook(), system, &mut journal, &Setup::default());
    let failed = journal
        .0
        .iter()
        .find(|e| e.event == Event::StepFailed)
        .unwrap();
    assert_eq!(failed.target, Some(("mem".to_owned(), None)));
    assert_eq!(
        failed.evidence,
        json!({"error": "403 Forbidden", "kind": "permanent", "retries": 1, "retry_wait_ms": 0})
    );
}

#[test]
fn a_change_the_read_back_does_not_show_fails_the_step_and_stops_the_run() {
    let system = Arc::new(Memory {
        ignore_changes: true,
        ..Memory::with("grace", active_account())
    });
    let mut journal = Journal::default();
    let report = run(
        &playbook(),
        Arc::clone(&system),
        &mut journal,
        &Setup::default(),
    );
    let StepState::Failed { error } = &report.steps[0].state else {
        panic!("{report:?}");
    };
    assert!(
        error.contains("does not show `deactivate the account`"),
        "{error}"
    );
    assert_eq!(
        states(&report)[1..],
        [
            (
                "groups",
                &StepState::Pending {
                    on: "disable".to_owned()
                }
            ),
            (
                "delete",
                &StepState::Pending {
                    on: "disable".to_owned()
                }
            ),
        ]
    );
    assert!(system.state("grace").active);
    assert_eq!(
        journal.events(),
        [
            ("disable".to_owned(), Event::StepStarted),
            ("disable".to_owned(), Event::StepFailed),
        ]
    );
    assert_eq!(report.exit(), crate::exit::Exit::StepFailed);
}

#[test]
fn ctrl_c_leaves_the_remaining_steps_pending_and_untouched() {
    let system = Arc::new(Memory::with("grace", active_account()));
    let mut journal = Journal::default();
    let setup = Setup {
        interrupted: true,
        ..Setup::default()
    };
    let report = run(&playbook(), Arc::clone(&system), &mut journal, &setup);
    assert!(report.interrupted);
    assert!(
        report.steps.iter().all(|s| matches!(
            &s.state,
            StepState::Pending { on } if on == "interruption"
        )),
        "{report:?}"
    );
    assert!(system.applied().is_empty());
    assert!(journal.0.is_empty());
    assert_eq!(report.exit(), crate::exit::Exit::Interrupted);
}

#[test]
fn a_step_interrupted_after_its_change_is_confirmed_from_the_state_it_started_from() {
    // An earlier invocation recorded `step.started` and disabled the account, then stopped
    // before the confirmation.
    let mut account = active_account();
    account.active = false;
    let system = Arc::new(Memory::with("grace", account));
    let mut journal = Journal::default();
    journal.0.push(Entry {
        event: Event::StepStarted,
        step: "disable".to_owned(),
        action: Action::IamDeactivate,
        role: "iam".to_owned(),
        target: Some(("mem".to_owned(), Some("grace".to_owned()))),
        evidence: json!({
            "account": { "id": "grace", "name": "grace" },
            "before": active_account(),
            "changes": [Change::Deactivate],
        }),
        note: None,
    });
    let one = Playbook {
        steps: vec![step("disable", Action::IamDeactivate, &[])],
        ..playbook()
    };
    let report = run(&one, Arc::clone(&system), &mut journal, &Setup::default());
    assert_eq!(
        states(&report),
        [(
            "disable",
            &StepState::Confirmed {
                changed: true,
                kept: None,
            }
        )]
    );
    assert!(system.applied().is_empty(), "nothing is applied twice");
    let evidence = &journal.0[1].evidence;
    assert_eq!(journal.0[1].event, Event::StepConfirmed);
    assert_eq!(evidence["before"]["active"], true);
    assert_eq!(evidence["after"]["active"], false);
    assert_eq!(evidence["resumed"]["applied"], Value::Array(Vec::new()));
}

#[test]
fn a_legal_hold_blocks_the_destructive_step_only() {
    let system = Arc::new(Memory::with("grace", active_account()));
    let mut journal = Journal::default();
    let setup = Setup {
        hold: Some("litigation LIT-7 (holds.yaml)"),
        ..Setup::default()
    };
    let report = run(&playbook(), Arc::clone(&system), &mut journal, &setup);
    assert_eq!(
        states(&report)[2],
        (
            "delete",
            &StepState::Blocked {
                reason: "litigation LIT-7 (holds.yaml)".to_owned()
            }
        )
    );
    let account = system.state("grace");
    assert!(account.exists && !account.active && account.groups.is_empty());
    assert_eq!(
        journal.events().last(),
        Some(&("delete".to_owned(), Event::StepBlocked))
    );
    assert_eq!(
        journal.0.last().map(|e| &e.evidence["legal_hold"]),
        Some(&json!("litigation LIT-7 (holds.yaml)"))
    );
    // Run again under the same hold: the block is not recorded twice.
    let records = journal.0.len();
    run(&playbook(), Arc::clone(&system), &mut journal, &setup);
    assert_eq!(journal.0.len(), records);
    assert_eq!(report.exit(), crate::exit::Exit::Waiting);
}

#[test]
fn a_gated_step_waits_for_its_approval_and_applies_once_approved() {
    let system = Arc::new(Memory::with("grace", active_account()));
    let mut journal = Journal::default();
    let setup = Setup {
        approval_required: vec![Risk::Standard],
        ..Setup::default()
    };
    let report = run(&playbook(), Arc::clone(&system), &mut journal, &setup);
    assert!(
        matches!(&report.steps[0].state, StepState::Waiting { task } if task.contains("approve `disable`")),
        "{report:?}"
    );
    assert!(system.applied().is_empty());
    assert_eq!(
        journal.events(),
        [("disable".to_owned(), Event::StepWaiting)]
    );
    journal.0.push(Entry {
        event: Event::StepApproved,
        step: "disable".to_owned(),
        action: Action::IamDeactivate,
        role: "iam".to_owned(),
        target: None,
        evidence: json!({ "signed_off_by": "approver@acme.example" }),
        note: Some("approved".to_owned()),
    });
    let report = run(&playbook(), Arc::clone(&system), &mut journal, &setup);
    assert_eq!(
        states(&report)[0],
        (
            "disable",
            &StepState::Confirmed {
                changed: true,
                kept: None,
            }
        )
    );
    assert!(!system.state("grace").active);
    assert!(matches!(report.steps[1].state, StepState::Waiting { .. }));
}

#[test]
fn a_dry_run_reads_and_plans_but_changes_and_records_nothing() {
    let system = Arc::new(Memory::with("grace", active_account()));
    let mut journal = Journal::default();
    let setup = Setup {
        mode: Some(Mode::DryRun),
        ..Setup::default()
    };
    let report = run(&playbook(), Arc::clone(&system), &mut journal, &setup);
    assert!(
        report
            .steps
            .iter()
            .all(|s| matches!(s.state, StepState::Planned { .. })),
        "{report:?}"
    );
    assert!(system.applied().is_empty());
    assert_eq!(system.state("grace"), active_account());
    assert!(journal.0.is_empty());
}
