//! An account step of the engine: find the employee's account, read it, apply only what is
//! left, read it back, and give the evidence the confirmation carries. Before the first change
//! it records `step.started` (the write-ahead record), so that a run resumed after a crash
//! between the change and its confirmation is judged from the state it started from. In a dry
//! run it says what it would change instead, taking into account what earlier planned steps
//! would already have removed from the same account.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::engine::Engine;
use super::outcome::StepState;
use super::run_log::Observer;
use super::run_log::Recorded;
use super::simulated::Simulated;
use super::step_record::{Done, Intent};
use crate::connector::{
    AccountState, Change, DataTransfer, Kept, Principal, ReadScope, TransferStatus, latest_to,
};
use crate::journal::Event;
use crate::plan::desired::{
    AUTO_REPLY, Move, Release, Review, Scope, desired_changes, kept_for, kept_note,
    released_cost_cents,
};
use crate::playbook::{Action, Role, Step};

impl Engine<'_> {
    /// Read, apply what is left, read back. Before the first change of a step it records
    /// `step.started` with the state it found and the changes it is about to make, so that a run
    /// resumed after a crash between the change and its confirmation still confirms with the
    /// state from before the step (and finance hears of the seats that step released).
    pub(super) fn account_step(
        &self,
        step: &Step,
        context: &Value,
        params: &BTreeMap<String, String>,
        intent: &mut Intent<'_, '_>,
        observer: &mut dyn Observer,
        simulated: &mut Simulated,
    ) -> Result<Done, String> {
        let (release, mover) = self.scope_of(step, params)?;
        let target = self.target(step)?;
        let connector = target.accounts()?;
        let key = target
            .lookup
            .render(context)
            .map_err(|e| format!("connector `{}` match: {e}", connector.name()))?;
        let Some(principal) = self.call(step, observer, || connector.find(&key))? else {
            return Ok(Done::NoAccount {
                target: (connector.name().to_owned(), None),
                key,
            });
        };
        let target_json = (connector.name().to_owned(), Some(principal.name.clone()));
        // Only group steps need the memberships and only session steps the sessions, which
        // some systems list at a cost.
        let scope = ReadScope {
            groups: matches!(step.kind, Action::IamRemoveGroups | Action::IamRemoveExcess),
            sessions: step.kind == Action::IamRevokeSessions,
            transfers: step.kind == Action::IamTransferData,
            mailbox: step.kind == Action::IamSetAutoReply,
            factors: step.kind == Action::IamResetFactors,
        };
        let mut before = self.call(step, observer, || connector.read_scoped(&principal, scope))?;
        if self.dry_run() {
            simulated.apply_to(&principal, &mut before);
        }
        let transfer_to = match step.kind {
            Action::IamTransferData => Some(transfer_to(step, params, context)?),
            _ => None,
        };
        let scope_of_changes = Scope {
            mover,
            release,
            auto_reply: params.get(AUTO_REPLY).map(String::as_str),
            transfer_to: transfer_to.as_deref(),
        };
        let changes = desired_changes(step.kind, &before, &scope_of_changes);
        let review = match step.kind {
            Action::IamRemoveExcess => mover.map(|m| m.outside_both(&before)),
            _ => None,
        }
        .filter(|r| !r.is_empty());
        if self.dry_run() {
            simulated.add(&principal, &changes);
        }
        if self.dry_run() {
            let kept = kept_for(step.kind, &before);
            if !changes.is_empty() {
                let account = format!("{}: {}", connector.name(), principal.name);
                let mut done = planned(account, changes, &before, review.as_ref(), &kept);
                if let Done::Planned(StepState::Planned {
                    changes, detail, ..
                }) = &mut done
                {
                    for note in changes.iter().filter_map(|c| connector.plan_note(c)) {
                        detail.push_str("; ");
                        detail.push_str(note);
                    }
                }
                return Ok(done);
            }
            if !kept.is_empty() {
                // Nothing left to change, but what the system keeps is still worth saying.
                return Ok(Done::Planned(StepState::Confirmed {
                    changed: false,
                    kept: Some(kept_note(&kept)),
                }));
            }
        }
        if let Some(error) = failed_transfer(intent.recorder.history, &before) {
            return Err(error);
        }
        let started = intent.started();
        if started.is_none() && !changes.is_empty() {
            intent.record(
                Event::StepStarted,
                target_json.clone(),
                json!({ "account": principal, "before": before, "changes": changes }),
            )?;
        }
        if !changes.is_empty() {
            intent.durable()?;
        }
        for change in &changes {
            self.call(step, observer, || connector.apply(&principal, change))?;
        }
        let after = if changes.is_empty() {
            before.clone()
        } else {
            self.call(step, observer, || connector.read_scoped(&principal, scope))?
        };
        if let Some(unmet) = changes.iter().find(|c| !c.is_satisfied_by(&after)) {
            if let Some(done) = self.transfer_running(unmet, &after, &target_json)? {
                return Ok(done);
            }
            return Err(format!(
                "read-back of {} in `{}` does not show `{unmet}` in effect",
                principal.name,
                connector.name()
            ));
        }
        let evidence = Confirmation {
            principal: &principal,
            started: started.as_ref(),
            before: &before,
            changes: &changes,
            after: &after,
        }
        .evidence(release, review, &kept_for(step.kind, &after));
        Ok(Done::Confirmed {
            changed: started.is_some() || !changes.is_empty(),
            target: Some(target_json),
            evidence,
        })
    }

    /// Which seats a step releases (`release:` of `inventory.release_seats`), and the mover's
    /// change of role when what the step removes depends on it.
    fn scope_of(
        &self,
        step: &Step,
        params: &BTreeMap<String, String>,
    ) -> Result<(Release, Option<Move<'_>>), String> {
        let release = match step.kind {
            Action::InventoryReleaseSeats => {
                Release::from_param(params.get(Release::PARAMETER).map(String::as_str))
                    .map_err(|e| format!("step `{}`: {e}", step.id))?
            }
            _ => Release::All,
        };
        let mover = match (step.kind, release) {
            (Action::IamRemoveExcess, _) | (Action::InventoryReleaseSeats, Release::RoleChange) => {
                Some(self.mover()?)
            }
            _ => None,
        };
        Ok((release, mover))
    }

    /// A mover's change of role: the old role (HR `role`) and the new one (`new_role`), both
    /// from the role matrix. Without both, what the mover loses cannot be computed, so the step
    /// fails rather than guess.
    fn mover(&self) -> Result<Move<'_>, String> {
        let id = &self.employee.id;
        let lookup = |field: &str, name: Option<&str>| -> Result<&Role, String> {
            let name = name
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("{id} has no {field} in HR; cannot compute the excess"))?;
            self.roles
                .role(name)
                .ok_or_else(|| format!("{field} `{name}` of {id} is not in the role matrix"))
        };
        Ok(Move {
            from: lookup("role", self.employee.role.as_deref())?,
            to: lookup("new role", self.employee.new_role.as_deref())?,
        })
    }
}

/// Dry run: what an account step would change on `account`, seen in the state `before`.
fn planned(
    account: String,
    changes: Vec<Change>,
    before: &AccountState,
    review: Option<&Review>,
    kept: &[&Kept],
) -> Done {
    let mut detail = changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(review) = review {
        detail = format!("{detail}; {review}");
    }
    if !kept.is_empty() {
        detail = format!("{detail}; {}", kept_note(kept));
    }
    let seats = before
        .seats
        .iter()
        .filter(|s| {
            changes.iter().any(
                |c| matches!(c, Change::ReleaseSeats { products } if products.contains(&s.product)),
            )
        })
        .cloned()
        .collect();
    Done::Planned(StepState::Planned {
        account: Some(account),
        released_monthly_cost_cents: released_cost_cents(&changes, before),
        changes,
        detail,
        seats,
        params: BTreeMap::new(),
    })
}

/// What an account step's confirmation shows: the account, the state found and the state read
/// back, what was changed, and for a step an earlier invocation started, the state it started
/// from (the step is judged from it).
struct Confirmation<'a> {
    principal: &'a Principal,
    started: Option<&'a (AccountState, Vec<Change>)>,
    before: &'a AccountState,
    changes: &'a [Change],
    after: &'a AccountState,
}

impl Confirmation<'_> {
    fn evidence(&self, release: Release, review: Option<Review>, kept: &[&Kept]) -> Value {
        let (first, planned) = match self.started {
            Some((first, planned)) => (first, planned.as_slice()),
            None => (self.before, self.changes),
        };
        let released: Vec<&crate::connector::Seat> = first
            .seats
            .iter()
            .filter(|s| !self.after.seats.contains(s))
            .collect();
        let mut evidence = json!({
            "account": self.principal,
            "changes": planned,
            "before": first,
            "after": self.after,
            "released_seats": released,
            "released_monthly_cost_cents": released_cost_cents(planned, first),
        });
        let removed: Vec<&crate::connector::Factor> = first
            .factors
            .iter()
            .filter(|f| !self.after.factors.contains(f))
            .collect();
        if !removed.is_empty() {
            evidence["removed_factors"] = json!(removed);
        }
        if self.started.is_some() {
            evidence["resumed"] = json!({ "found": self.before, "applied": self.changes });
        }
        if release == Release::None {
            let kept: i64 = self.after.seats.iter().map(|s| s.monthly_cost_cents).sum();
            evidence["kept_seats"] = json!(self.after.seats);
            evidence["kept_monthly_cost_cents"] = json!(kept);
        }
        if !kept.is_empty() {
            evidence["kept"] = json!(kept);
        }
        if let Some(review) = review {
            evidence["kept_for_review"] = json!({
                "note": Review::NOTE,
                "groups": review.groups,
                "licenses": review.licenses,
            });
        }
        evidence
    }
}

impl Engine<'_> {
    /// A data transfer asked for and still running: the step waits, recorded with a `due_at`
    /// of now so that `offboard due` reads it again. A failed one is the step's error, naming
    /// each application and what became of it. `None` for any other unmet change.
    fn transfer_running(
        &self,
        unmet: &Change,
        after: &AccountState,
        target: &(String, Option<String>),
    ) -> Result<Option<Done>, String> {
        let Change::TransferData { to } = unmet else {
            return Ok(None);
        };
        let Some(transfer) = latest_to(&after.transfers, to) else {
            return Ok(None);
        };
        match transfer.status {
            TransferStatus::Failed => Err(failure_text(transfer)),
            TransferStatus::Completed => Ok(None),
            TransferStatus::InProgress => {
                let task = format!(
                    "data transfer {} to {to} ({}); `offboard due` or a rerun checks it again",
                    transfer.id,
                    transfer.applications_text()
                );
                let due_at = self
                    .now
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| e.to_string())?;
                Ok(Some(Done::InProgress {
                    target: target.clone(),
                    evidence: json!({ "task": task, "due_at": due_at, "transfer": transfer }),
                    task,
                }))
            }
        }
    }
}

/// Who an `iam.transfer_data` step hands the data to: `with.to`, else the manager's email.
fn transfer_to(
    step: &Step,
    params: &BTreeMap<String, String>,
    context: &Value,
) -> Result<String, String> {
    let to = match params.get("to") {
        Some(to) => to.trim().to_owned(),
        None => context["employee"]["manager_email"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if to.is_empty() {
        return Err(format!(
            "step `{}`: no one to hand the data to: HR has no manager email for the employee; \
             name a custodian in `with.to`",
            step.id
        ));
    }
    Ok(to)
}

/// When the step's last record is `step.waiting` on a transfer that `state` now shows failed:
/// the error the step fails with. A rerun after that failure starts a new transfer.
fn failed_transfer(history: &[Recorded], state: &AccountState) -> Option<String> {
    let last = history.last()?;
    if last.event != Event::StepWaiting {
        return None;
    }
    let id = last.evidence.pointer("/transfer/id")?.as_str()?;
    let transfer = state.transfers.iter().find(|t| t.id == id)?;
    (transfer.status == TransferStatus::Failed).then(|| failure_text(transfer))
}

fn failure_text(transfer: &DataTransfer) -> String {
    format!(
        "data transfer {} to {} failed: {}",
        transfer.id,
        transfer.to,
        transfer.applications_text()
    )
}
