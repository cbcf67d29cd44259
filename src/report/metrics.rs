//! The report's figures, computed from journal payloads and the run summaries derived from them.
//! Pure functions: no clock, no files, no printing, so every figure is testable from records
//! alone.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::{
    Breach, Held, MonthCost, OrphanRate, PlaybookCount, ProductSeats, Report, RunTiming,
    SeatsReclaimed, TierTimes, WeekCount,
};
use super::stats::summarize;
use crate::execute::status::{RunStatus, StepStatus};
use crate::journal::{Event, Payload};
use crate::playbook::{Deadlines, Risk};

/// One run: its payloads in order and its summary from
/// [`run_status`](crate::execute::status::run_status).
#[derive(Clone, Debug)]
pub struct RunInput {
    /// The run's payloads, `run.started` first.
    pub records: Vec<Payload>,
    /// Its status (steps, risk tiers, deadlines, breaches).
    pub status: RunStatus,
}

impl RunInput {
    /// When the run started (its first record's time).
    pub fn started_at(&self) -> Option<OffsetDateTime> {
        self.records.first().and_then(|p| parse_time(&p.time))
    }

    /// The employee's display name from the HR record the run started with.
    pub fn display_name(&self) -> Option<String> {
        self.records
            .first()?
            .evidence
            .as_ref()?
            .pointer("/hr_record/display_name")?
            .as_str()
            .map(str::to_owned)
    }
}

/// The reporting window: runs started at or after `start`, seen at `now`.
#[derive(Clone, Debug)]
pub struct Window {
    /// The `--since` text, e.g. `90d`.
    pub since: String,
    /// The report's "now".
    pub now: OffsetDateTime,
    /// `now - period`.
    pub start: OffsetDateTime,
}

/// Whether `run` started inside `window` (runs without a readable start time are left out).
pub fn in_window(run: &RunInput, window: &Window) -> bool {
    run.started_at().is_some_and(|t| t >= window.start)
}

/// Every figure of the report over `runs` (already restricted to the window).
pub fn compute(
    runs: &[RunInput],
    window: &Window,
    deadlines: &Deadlines,
    orphans: OrphanRate,
) -> Report {
    let (seats, cost_by_month) = seats_reclaimed(runs);
    let breaches = breaches(runs);
    Report {
        generated_at: format_time(window.now),
        since: window.since.clone(),
        window_start: format_time(window.start),
        runs: runs.len(),
        playbooks: playbook_counts(runs),
        time_to_deprovision: tier_times(runs, deadlines),
        deprovisioned: deprovisioned(runs),
        breaches_by_week: breaches_by_week(&breaches),
        breaches,
        held: held(runs),
        seats,
        cost_by_month,
        orphans,
        debrief: None,
    }
}

/// Runs per playbook.
pub fn playbook_counts(runs: &[RunInput]) -> Vec<PlaybookCount> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for run in runs {
        let entry = counts.entry(run.status.playbook.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(run.status.finished);
    }
    counts
        .into_iter()
        .map(|(playbook, (count, finished))| PlaybookCount {
            playbook: playbook.to_owned(),
            count,
            finished,
            open: count - finished,
        })
        .collect()
}

/// Seconds from the HR effective time to the last confirmation among `steps`, if they are all
/// done (or the run finished and at least one is); at least 0. Steps held by a legal hold are
/// exempt from deadlines and left out: a hold does not make deprovisioning look slow.
fn time_to_done(status: &RunStatus, steps: &[&StepStatus]) -> Option<(i64, OffsetDateTime)> {
    let effective = parse_time(status.effective_at.as_deref()?)?;
    let steps: Vec<&StepStatus> = steps.iter().copied().filter(|s| !s.held).collect();
    if steps.is_empty() || (!status.finished && steps.iter().any(|s| s.confirmed_at.is_none())) {
        return None;
    }
    let last = steps
        .iter()
        .filter_map(|s| parse_time(s.confirmed_at.as_deref()?))
        .max()?;
    Some(((last - effective).whole_seconds().max(0), last))
}

/// Time to deprovision per tier, most urgent first, then `overall`.
pub fn tier_times(runs: &[RunInput], deadlines: &Deadlines) -> Vec<TierTimes> {
    let mut out: Vec<TierTimes> = Risk::ALL
        .iter()
        .map(|&risk| {
            let values: Vec<i64> = runs
                .iter()
                .filter_map(|run| {
                    let steps: Vec<&StepStatus> =
                        run.status.steps.iter().filter(|s| s.risk == risk).collect();
                    time_to_done(&run.status, &steps).map(|(s, _)| s)
                })
                .collect();
            TierTimes {
                tier: risk.as_str().to_owned(),
                deadline_seconds: Some(deadlines.for_risk(risk).to_std().as_secs() as i64),
                summary: summarize(&values),
            }
        })
        .collect();
    let overall: Vec<i64> = deprovisioned(runs).iter().map(|t| t.seconds).collect();
    out.push(TierTimes {
        tier: "overall".to_owned(),
        deadline_seconds: None,
        summary: summarize(&overall),
    });
    out
}

/// Each complete run's overall time to deprovision, in run order.
pub fn deprovisioned(runs: &[RunInput]) -> Vec<RunTiming> {
    runs.iter()
        .filter_map(|run| {
            let steps: Vec<&StepStatus> = run.status.steps.iter().collect();
            let (seconds, last) = time_to_done(&run.status, &steps)?;
            Some(RunTiming {
                run: run.status.run.clone(),
                employee: run.status.employee.clone(),
                playbook: run.status.playbook.clone(),
                effective_at: run.status.effective_at.clone()?,
                completed_at: format_time(last),
                seconds,
            })
        })
        .collect()
}

/// Every step past its deadline, by run then playbook order.
pub fn breaches(runs: &[RunInput]) -> Vec<Breach> {
    runs.iter()
        .flat_map(|run| {
            let name = run.display_name();
            run.status.breaches().map(move |step| Breach {
                run: run.status.run.clone(),
                employee: run.status.employee.clone(),
                name: name.clone(),
                playbook: run.status.playbook.clone(),
                step: step.step.clone(),
                risk: step.risk.as_str().to_owned(),
                deadline: step.deadline.clone().unwrap_or_default(),
                confirmed_at: step.confirmed_at.clone(),
            })
        })
        .collect()
}

/// Every step blocked by a legal hold (exempt from its deadline), by run then playbook order.
pub fn held(runs: &[RunInput]) -> Vec<Held> {
    runs.iter()
        .flat_map(|run| {
            let name = run.display_name();
            run.status.held().map(move |step| Held {
                run: run.status.run.clone(),
                employee: run.status.employee.clone(),
                name: name.clone(),
                playbook: run.status.playbook.clone(),
                step: step.step.clone(),
                risk: step.risk.as_str().to_owned(),
                deadline: step.deadline.clone(),
                hold: step.hold.clone(),
                confirmed_at: step.confirmed_at.clone(),
            })
        })
        .collect()
}

/// Breaches per ISO week of their deadline.
pub fn breaches_by_week(breaches: &[Breach]) -> Vec<WeekCount> {
    let mut weeks: BTreeMap<String, usize> = BTreeMap::new();
    for breach in breaches {
        if let Some(t) = parse_time(&breach.deadline) {
            let (year, week, _) = t.to_iso_week_date();
            *weeks.entry(format!("{year}-W{week:02}")).or_default() += 1;
        }
    }
    weeks
        .into_iter()
        .map(|(week, count)| WeekCount { week, count })
        .collect()
}

/// Seats released by `step.confirmed` records (`evidence.released_seats`), in total, per
/// product and per month of confirmation.
pub fn seats_reclaimed(runs: &[RunInput]) -> (SeatsReclaimed, Vec<MonthCost>) {
    let mut products: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    let mut total = SeatsReclaimed::default();
    for record in runs.iter().flat_map(|r| &r.records) {
        if record.event != Event::StepConfirmed {
            continue;
        }
        let Some(released) = record
            .evidence
            .as_ref()
            .and_then(|e| e.get("released_seats"))
            .and_then(|v| v.as_array())
        else {
            continue;
        };
        for seat in released {
            let product = seat
                .get("product")
                .and_then(|v| v.as_str())
                .unwrap_or("unknown");
            let cost = seat
                .get("monthly_cost_cents")
                .and_then(|v| v.as_i64())
                .unwrap_or(0);
            let entry = products.entry(product.to_owned()).or_default();
            entry.0 += 1;
            entry.1 += cost;
            total.seats += 1;
            total.monthly_cost_cents += cost;
            if let Some(t) = parse_time(&record.time) {
                *months
                    .entry(format!("{}-{:02}", t.year(), u8::from(t.month())))
                    .or_default() += cost;
            }
        }
    }
    let mut by_product: Vec<ProductSeats> = products
        .into_iter()
        .map(|(product, (seats, monthly_cost_cents))| ProductSeats {
            product,
            seats,
            monthly_cost_cents,
        })
        .collect();
    by_product.sort_by_key(|p| std::cmp::Reverse(p.monthly_cost_cents));
    total.by_product = by_product;
    let by_month = months
        .into_iter()
        .map(|(month, monthly_cost_cents)| MonthCost {
            month,
            monthly_cost_cents,
        })
        .collect();
    (total, by_month)
}

/// Parse an RFC 3339 time.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Format a time as RFC 3339 in UTC.
pub fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::status::StepStatus;
    use serde_json::json;

    fn payload(seq: u64, time: &str, event: Event, step: Option<&str>) -> Payload {
        Payload {
            v: 1,
            run: "r".into(),
            seq,
            prev: String::new(),
            time: time.into(),
            signer: "it@acme".into(),
            event,
            employee: Some("E1".into()),
            step: step.map(str::to_owned),
            action: None,
            role: None,
            target: None,
            evidence: None,
            playbook: None,
            note: None,
        }
    }

    fn step(id: &str, risk: Risk, confirmed: Option<&str>, breached: bool) -> StepStatus {
        StepStatus {
            step: id.into(),
            risk,
            state: "step.confirmed".into(),
            confirmed_at: confirmed.map(str::to_owned),
            due_at: None,
            deadline: Some("2026-11-30T00:15:00Z".into()),
            breached,
            held: false,
            hold: None,
        }
    }

    fn run(id: &str, playbook: &str, finished: bool, steps: Vec<StepStatus>) -> RunInput {
        let mut start = payload(0, "2026-11-30T00:00:00Z", Event::RunStarted, None);
        start.evidence = Some(json!({"hr_record": {"display_name": "Zoë <O'Brien>"}}));
        let mut confirmed = payload(1, "2026-12-01T00:00:00Z", Event::StepConfirmed, Some("s"));
        confirmed.evidence = Some(json!({"released_seats": [
            {"product": "figma", "monthly_cost_cents": 4500},
            {"product": "slack", "monthly_cost_cents": 875}
        ]}));
        RunInput {
            records: vec![start, confirmed],
            status: RunStatus {
                run: id.into(),
                employee: "E1".into(),
                playbook: playbook.into(),
                effective_at: Some("2026-11-30T00:00:00Z".into()),
                finished,
                steps,
                hold_released: false,
            },
        }
    }

    #[test]
    fn tiers_count_only_when_complete() {
        let runs = vec![
            run(
                "a",
                "leaver",
                true,
                vec![
                    step("x", Risk::Critical, Some("2026-11-30T00:10:00Z"), false),
                    step("y", Risk::Low, Some("2026-12-01T00:00:00Z"), false),
                ],
            ),
            run(
                "b",
                "leaver",
                false,
                vec![
                    step("x", Risk::Critical, Some("2026-11-30T02:00:00Z"), true),
                    step("y", Risk::Low, None, false),
                ],
            ),
        ];
        let times = tier_times(&runs, &Deadlines::default());
        let critical = times[0].summary.unwrap();
        assert_eq!((critical.count, critical.median_seconds), (2, 600));
        assert_eq!(critical.max_seconds, 7200);
        let low = times[3].summary.unwrap();
        assert_eq!((low.count, low.max_seconds), (1, 86_400));
        assert_eq!(times[1].summary, None);
        assert_eq!(times[4].tier, "overall");
        assert_eq!(times[4].summary.unwrap().count, 1);
        let counts = playbook_counts(&runs);
        assert_eq!(
            counts,
            [PlaybookCount {
                playbook: "leaver".into(),
                count: 2,
                finished: 1,
                open: 1
            }]
        );
        let b = breaches(&runs);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].name.as_deref(), Some("Zoë <O'Brien>"));
        assert_eq!(
            breaches_by_week(&b),
            [WeekCount {
                week: "2026-W49".into(),
                count: 1
            }]
        );
    }

    #[test]
    fn seats_sum_by_product_and_month() {
        let runs = vec![run("a", "p", true, vec![]), run("b", "p", true, vec![])];
        let (seats, months) = seats_reclaimed(&runs);
        assert_eq!(seats.seats, 4);
        assert_eq!(seats.monthly_cost_cents, 2 * 5375);
        assert_eq!(seats.by_product[0].product, "figma");
        assert_eq!(seats.by_product[0].monthly_cost_cents, 9000);
        assert_eq!(
            months,
            [MonthCost {
                month: "2026-12".into(),
                monthly_cost_cents: 10_750
            }]
        );
    }

    #[test]
    fn a_held_step_is_listed_apart_and_left_out_of_the_times() {
        let mut delete = step("d", Risk::Low, Some("2027-03-01T00:00:00Z"), false);
        delete.held = true;
        delete.hold = Some("Case 42 [holds.yaml]".into());
        let runs = vec![run(
            "a",
            "p",
            true,
            vec![
                step("x", Risk::Low, Some("2026-11-30T01:00:00Z"), false),
                delete,
            ],
        )];
        assert!(breaches(&runs).is_empty());
        let held = held(&runs);
        assert_eq!(held.len(), 1);
        assert_eq!(
            (held[0].step.as_str(), held[0].hold.as_deref()),
            ("d", Some("Case 42 [holds.yaml]"))
        );
        assert_eq!(
            held[0].confirmed_at.as_deref(),
            Some("2027-03-01T00:00:00Z")
        );
        assert_eq!(deprovisioned(&runs)[0].seconds, 3600);
        let low = tier_times(&runs, &Deadlines::default())[3].summary.unwrap();
        assert_eq!((low.count, low.max_seconds), (1, 3600));
    }

    #[test]
    fn work_before_the_effective_time_counts_as_zero() {
        let runs = vec![run(
            "a",
            "p",
            true,
            vec![step("x", Risk::High, Some("2026-11-29T00:00:00Z"), false)],
        )];
        assert_eq!(deprovisioned(&runs)[0].seconds, 0);
    }
}
