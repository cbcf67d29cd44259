//! The one place an [`Engine`] is assembled, for a run ([`Mode::Apply`]) and for a plan
//! ([`Mode::DryRun`]) alike, so that a plan can never drift from the run it announces.

use std::sync::atomic::AtomicBool;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::session::{Hr, Targets};
use crate::analyze::Workspace;
use crate::execute::engine::{Engine, Mode, SignOff};
use crate::hr::HrRecord;
use crate::playbook::{Playbook, Status};
use crate::retry::RetryPolicy;

/// Who is offboarded, with what, and against which systems: what a run and a plan share.
pub(super) struct Inputs<'a> {
    /// The repository.
    pub workspace: &'a Workspace,
    /// The playbook that runs.
    pub playbook: &'a Playbook,
    /// The employee, and their status through the glossary.
    pub employee: &'a HrRecord,
    pub status: Status,
    /// The run id (a placeholder for a plan of a run not started yet).
    pub run_id: &'a str,
    /// The legal hold on the employee, when there is one.
    pub hold: Option<&'a str>,
    /// The playbook's connectors.
    pub targets: &'a Targets,
    /// The current time.
    pub now: OffsetDateTime,
    /// Set by Ctrl-C.
    pub interrupted: &'a AtomicBool,
}

/// The HR write-back a run makes, and the read of it a plan makes: both against `hr`.
pub(super) struct HrHooks<'a> {
    hr: &'a Hr,
    completed_at: String,
}

impl<'a> HrHooks<'a> {
    /// Hooks that stamp the write-back with `now`.
    pub fn new(hr: &'a Hr, now: OffsetDateTime) -> HrHooks<'a> {
        HrHooks {
            hr,
            completed_at: now.format(&Rfc3339).unwrap_or_default(),
        }
    }

    fn write_back(&self, employee: &HrRecord, run: &str) -> Result<bool, String> {
        self.hr
            .source
            .mark_complete(&employee.id, run, &self.completed_at)
            .map_err(|e| e.to_string())
    }

    fn is_complete(&self, employee: &HrRecord) -> Result<bool, String> {
        self.hr
            .source
            .is_marked_complete(&employee.id)
            .map_err(|e| e.to_string())
    }
}

/// Writes "IT offboarding complete" back to HR for a run; true when HR now shows it.
type WriteBack<'a> = dyn Fn(&HrRecord, &str) -> Result<bool, String> + 'a;
/// Reads whether HR already shows IT offboarding complete.
type IsComplete<'a> = dyn Fn(&HrRecord) -> Result<bool, String> + 'a;

/// Everything an engine borrows that the inputs do not hold.
pub(super) struct Wiring<'a> {
    write_back: Box<WriteBack<'a>>,
    is_complete: Box<IsComplete<'a>>,
}

impl<'a> Wiring<'a> {
    /// The HR calls of `hooks`.
    pub fn new(hooks: &'a HrHooks<'a>) -> Wiring<'a> {
        Wiring {
            write_back: Box::new(|e, run| hooks.write_back(e, run)),
            is_complete: Box::new(|e| hooks.is_complete(e)),
        }
    }
}

impl<'a> Inputs<'a> {
    /// The engine for these inputs in `mode`; `sign_off` asks for a manual step's sign-off in
    /// place (a run at a terminal only).
    pub fn engine(
        &self,
        mode: Mode,
        wiring: &'a Wiring<'a>,
        sign_off: Option<&'a SignOff<'a>>,
    ) -> Engine<'a> {
        Engine {
            playbook: self.playbook,
            roles: &self.workspace.roles,
            targets: self.targets,
            employee: self.employee,
            status: self.status,
            run_id: self.run_id,
            hold: self.hold,
            now: self.now,
            retry: RetryPolicy::default(),
            interrupted: self.interrupted,
            hr_writeback: &*wiring.write_back,
            hr_is_complete: &*wiring.is_complete,
            mode,
            approval_required: &self.workspace.config.policy.approval_required,
            sign_off: match mode {
                Mode::Apply => sign_off,
                Mode::DryRun => None,
            },
        }
    }
}
