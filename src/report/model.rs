//! The report's public format: what `--format json` prints and every other format renders. It is
//! a contract (dashboards read it), so fields are only ever added. It owns the types; it never
//! computes or prints them.
//!
//! Times are RFC 3339 in UTC, durations whole seconds, money whole cents a month in the
//! inventory's currency.

use serde::Serialize;

use super::stats::Summary;

/// Every figure of one report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// When the report was made (the engine's clock, `OFFBOARD_NOW` when set).
    pub generated_at: String,
    /// The `--since` period as given, e.g. `90d`.
    pub since: String,
    /// Runs started at or after this time are counted.
    pub window_start: String,
    /// Offboardings (runs) started within the window.
    pub runs: usize,
    /// Runs per playbook, by playbook name.
    pub playbooks: Vec<PlaybookCount>,
    /// Time from HR effective time to deprovisioning, per risk tier and overall.
    pub time_to_deprovision: Vec<TierTimes>,
    /// Each run's overall time to deprovision (complete runs with an HR effective time only).
    pub deprovisioned: Vec<RunTiming>,
    /// Steps confirmed after their deadline or still open past it.
    pub breaches: Vec<Breach>,
    /// Breaches per ISO week of their deadline, oldest first.
    pub breaches_by_week: Vec<WeekCount>,
    /// Steps blocked by a legal hold (an approved exception): exempt from their deadlines, so
    /// never among the breaches nor in the time to deprovision.
    pub held: Vec<Held>,
    /// Seats released by confirmed steps, and what they cost a month.
    pub seats: SeatsReclaimed,
    /// Monthly cost released per calendar month of confirmation, oldest first.
    pub cost_by_month: Vec<MonthCost>,
    /// Orphaned accounts over the accounts in the systems, from the last `offboard reconcile`.
    pub orphans: OrphanRate,
    /// With `--debrief`: failures, retries and late steps of the period, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debrief: Option<Debrief>,
}

/// How many runs one playbook had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlaybookCount {
    /// Playbook name.
    pub playbook: String,
    /// Runs started.
    pub count: usize,
    /// Runs with `run.finished`.
    pub finished: usize,
    /// Runs not finished.
    pub open: usize,
}

/// Time to deprovision for one risk tier (or `overall`).
///
/// For a run and a tier: from the HR effective time to the last confirmation (or skip) of a step
/// of that tier, counted only once every step of that tier is done; `overall` is the same over
/// every step of the run. Work done before the effective time counts as 0 seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierTimes {
    /// `critical`, `high`, `standard`, `low` or `overall`.
    pub tier: String,
    /// The policy deadline of the tier in seconds (`None` for `overall`).
    pub deadline_seconds: Option<i64>,
    /// Count, median, p90, max (nearest rank); `None` when no run completed the tier.
    pub summary: Option<Summary>,
}

/// One run's overall time to deprovision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunTiming {
    /// Run id.
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// Playbook name.
    pub playbook: String,
    /// HR effective time.
    pub effective_at: String,
    /// The last confirmation of the run.
    pub completed_at: String,
    /// `completed_at - effective_at`, at least 0.
    pub seconds: i64,
}

/// One step past its deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breach {
    /// Run id.
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// The employee's display name from the HR record the run started with, if any.
    pub name: Option<String>,
    /// Playbook name.
    pub playbook: String,
    /// Step id.
    pub step: String,
    /// Risk tier.
    pub risk: String,
    /// The deadline that was missed.
    pub deadline: String,
    /// When the step was confirmed; `None` while it is still open.
    pub confirmed_at: Option<String>,
}

/// One step blocked by a legal hold, exempt from its deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Held {
    /// Run id.
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// The employee's display name from the HR record the run started with, if any.
    pub name: Option<String>,
    /// Playbook name.
    pub playbook: String,
    /// Step id.
    pub step: String,
    /// Risk tier.
    pub risk: String,
    /// The deadline it is exempt from.
    pub deadline: Option<String>,
    /// The hold its `step.blocked` record names (reason and where it is recorded).
    pub hold: Option<String>,
    /// When the step was completed after the hold was lifted; `None` while it is held.
    pub confirmed_at: Option<String>,
}

/// Breaches whose deadline fell in one ISO week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// ISO week, e.g. `2026-W48`.
    pub week: String,
    /// Breaches.
    pub count: usize,
}

/// Seats released by confirmed steps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeatsReclaimed {
    /// Seats released.
    pub seats: usize,
    /// Their monthly cost in cents.
    pub monthly_cost_cents: i64,
    /// Per product, most expensive first.
    pub by_product: Vec<ProductSeats>,
}

/// Seats of one product released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProductSeats {
    /// Product id.
    pub product: String,
    /// Seats released.
    pub seats: usize,
    /// Their monthly cost in cents.
    pub monthly_cost_cents: i64,
}

/// Monthly cost released in one calendar month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MonthCost {
    /// Month, e.g. `2026-11`.
    pub month: String,
    /// Cents a month saved by seats released that month.
    pub monthly_cost_cents: i64,
}

/// The orphan rate, when a reconcile result is there to compute it from.
///
/// It is a share of accounts, so it never exceeds 1: an account counts once however many
/// orphaned entitlements (groups, seats) it holds, and every orphaned account is among the
/// accounts it is divided by.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OrphanRate {
    /// From `<journal dir>/reconcile.json`.
    Available {
        /// Findings of every kind (orphaned, unknown holder, suspend expected, excess), one per
        /// entitlement: context only, not part of the rate.
        findings: u64,
        /// Orphaned accounts: distinct accounts (system and login name) holding at least one
        /// entitlement found `orphan` (the holder left) or `unknown_holder` (HR does not know
        /// the holder).
        orphaned_accounts: u64,
        /// Enabled accounts the reconcile read (its `accounts_checked`).
        accounts_checked: u64,
        /// The accounts in the systems: `accounts_checked`, plus the orphaned accounts the
        /// systems showed only through a group or seat (a disabled account still holding one,
        /// an inventory export without account rows), so each is counted once; never fewer
        /// than `orphaned_accounts`.
        accounts: u64,
        /// `orphaned_accounts / accounts`, between 0 and 1 (0 when there is no account).
        rate: f64,
        /// Paid seats found `dormant`: held by current employees whose accounts have not signed
        /// in for `policy.dormant_after`.
        dormant_seats: u64,
        /// The monthly cost those dormant seats hold, in cents.
        dormant_monthly_cost_cents: i64,
        /// The file read.
        source: String,
    },
    /// No reconcile result exists.
    NotAvailable {
        /// Why, e.g. `no reconcile.json in journal`.
        reason: String,
    },
}

/// Everything the debrief lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Debrief {
    /// Failures by system, step and kind: most failures first, then most runs, most time lost.
    pub failures: Vec<FailureGroup>,
    /// Retries by system and step: most retries first, then most runs.
    pub retries: Vec<RetryGroup>,
    /// Late steps by reason (what they waited on, whom, which system): most steps first.
    pub late_reasons: Vec<LateReason>,
    /// Every late step, latest past its deadline first.
    pub late_steps: Vec<LateStep>,
}

/// The failures of one step in one system, of one kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailureGroup {
    /// The system (connector name), or `unknown`.
    pub system: String,
    /// Step id.
    pub step: String,
    /// `transient`, `permanent`, `unsupported`, `step`, or `unrecorded` for older records.
    pub kind: String,
    /// `step.failed` records.
    pub failures: usize,
    /// Runs with at least one of them.
    pub runs: usize,
    /// Of those runs, how many have the step still not confirmed.
    pub open: usize,
    /// Retries made before these failures (their `evidence.retries`).
    pub retries: u64,
    /// The first failure.
    pub first_seen: String,
    /// The last failure.
    pub last_seen: String,
    /// Seconds from each run's first failure to the step's confirmation (or to now while it is
    /// open), summed over the runs.
    pub time_lost_seconds: i64,
    /// The error of the last failure.
    pub last_error: String,
}

/// The retries of one step in one system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetryGroup {
    /// The system (connector name), or `unknown`.
    pub system: String,
    /// Step id.
    pub step: String,
    /// Retries made.
    pub retries: u64,
    /// Runs in which the step was retried.
    pub runs: usize,
    /// What the retries waited in all, in milliseconds.
    pub waited_ms: u64,
    /// The first record that counted retries.
    pub first_seen: String,
    /// The last record that counted retries.
    pub last_seen: String,
}

/// Late steps that waited on the same thing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LateReason {
    /// What they waited on (see [`LateStep::waiting_on`]).
    pub waiting_on: String,
    /// The owner role they waited on, for a manual confirmation or an approval.
    pub whom: Option<String>,
    /// The system they waited on, for a failure or a transfer.
    pub system: Option<String>,
    /// Late steps.
    pub steps: usize,
    /// Seconds past their deadlines, summed.
    pub late_seconds: i64,
}

/// One step past its deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LateStep {
    /// Run id.
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// Playbook name.
    pub playbook: String,
    /// Step id.
    pub step: String,
    /// Risk tier.
    pub risk: String,
    /// The deadline.
    pub deadline: String,
    /// When the step was confirmed; `None` while it is open.
    pub confirmed_at: Option<String>,
    /// Seconds from the deadline to the confirmation, or to now while it is open.
    pub late_seconds: i64,
    /// What it waited on: `run_started_late` (the run started after the deadline; `detail` is
    /// when), `manual_confirmation`, `approval`, `staged_delay`, `transfer`, `legal_hold`,
    /// `failure`, `in_progress` (started, neither confirmed nor failed: the run stopped inside
    /// it), or `not_reached` (no record of the step before its confirmation, or none yet: the
    /// run reached it late, or not at all).
    pub waiting_on: String,
    /// The owner role, for a manual confirmation or an approval.
    pub whom: Option<String>,
    /// The system, for a failure or a transfer.
    pub system: Option<String>,
    /// The task, error, hold or due time the record gives.
    pub detail: Option<String>,
    /// True for a step held by a legal hold: exempt from its deadline, not an SLO breach.
    pub exempt: bool,
}
