//! `offboard reconcile --alert`: the findings as one message to the webhook connector that
//! `reconcile.alert` names, signed and recorded like any webhook message. It owns the alert's
//! body (a public format, below) and its idempotency key; the request, the signature and the
//! delivery record belong to the webhook connector, the retries to [`RetryPolicy`].
//!
//! The body:
//!
//! ```json
//! {"now": "2026-11-19T12:00:00Z",
//!  "totals": {"count": 25, "monthly_cost_cents": 32446, "by_kind": {"orphan": {"count": 17, ...}, ...}},
//!  "findings": [{"kind": "orphan", "system": "directory", "account": "grace", ...}, ...],
//!  "truncated": false}
//! ```
//!
//! `findings` holds at most [`MAX_ALERT_FINDINGS`] findings, in report order; `truncated` is
//! true when there were more (the totals always count all of them). The `Idempotency-Key` is
//! `reconcile/<SHA-256 of every finding>`: the same findings (days orphaned included) give the
//! same key whenever they are judged, so a receiver recognises a repeated alert, and an alert
//! already delivered is not sent again.

use std::sync::Arc;

use serde::Serialize;

use crate::app::{Error, Result};
use crate::connector::webhook::sha256_hex;
use crate::connector::{ConnectorError, Message, Messenger, Receipt};
use crate::execute::logged::logged_messenger;
use crate::execute::targets::webhook_connector;
use crate::exit::Exit;
use crate::playbook::{Config, ConnectorSettings};
use crate::reconcile::{Finding, Report, Totals};
use crate::retry::RetryPolicy;
use std::time::Duration;

/// The most findings one alert lists.
pub const MAX_ALERT_FINDINGS: usize = 1000;

/// The `X-Offboard-Topic` of an alert.
pub const ALERT_TOPIC: &str = "reconcile.findings";

/// The body of an alert.
#[derive(Debug, Serialize)]
pub struct AlertBody<'a> {
    /// When the findings were judged (RFC 3339, UTC).
    pub now: &'a str,
    /// Count and monthly cost of every finding, overall and per kind.
    pub totals: &'a Totals,
    /// The first [`MAX_ALERT_FINDINGS`] findings, in report order.
    pub findings: &'a [Finding],
    /// True when `findings` is cut short.
    pub truncated: bool,
}

/// The webhook connector `reconcile.alert` names, ready to send.
pub fn alert_connector(config: &Config) -> Result<Arc<dyn Messenger>> {
    let Some(name) = &config.reconcile.alert else {
        return Err(Error::NoAlertWebhook {
            config: config.path.clone(),
        });
    };
    // The analyzer has checked the name; a configuration built otherwise is still refused.
    let Some(ConnectorSettings::Webhook(settings)) = config.connector(name).map(|c| &c.settings)
    else {
        return Err(Error::AlertNotWebhook {
            config: config.path.clone(),
            name: name.clone(),
        });
    };
    let connector = webhook_connector(config, name, settings).map_err(Error::Setup)?;
    Ok(logged_messenger(Arc::new(connector), "webhook"))
}

/// The alert message for `report`.
pub fn alert_message(report: &Report) -> Result<Message> {
    let encode = |e: serde_json::Error| Error::Cannot {
        action: "encode the alert",
        reason: e.to_string(),
    };
    let every = serde_json::to_vec(&report.findings).map_err(encode)?;
    let listed = &report.findings[..report.findings.len().min(MAX_ALERT_FINDINGS)];
    let body = AlertBody {
        now: &report.now,
        totals: &report.totals,
        findings: listed,
        truncated: listed.len() < report.findings.len(),
    };
    Ok(Message {
        key: format!("reconcile/{}", sha256_hex(&every)),
        topic: ALERT_TOPIC.to_owned(),
        body: serde_json::to_value(&body).map_err(encode)?,
    })
}

/// What became of an alert.
#[derive(Debug)]
pub enum Alerted {
    /// Nothing was found, so nothing was sent.
    NothingFound,
    /// The receiver accepted the findings now.
    Delivered(Receipt),
    /// The same findings were delivered before; nothing was sent.
    AlreadyDelivered(Receipt),
    /// The receiver never took them (after the retries).
    Failed(ConnectorError),
}

impl Alerted {
    /// Exit 3 when the receiver never took the findings, else done.
    pub fn exit(&self) -> Exit {
        match self {
            Alerted::Failed(_) => Exit::StepFailed,
            _ => Exit::Done,
        }
    }
}

/// Called before each retry of a delivery: the attempt that failed, why, and the wait.
pub type OnRetry<'a> = dyn Fn(u32, &ConnectorError, Duration) + 'a;

/// Post the findings of `report` (if any) through `connector`, retrying transient failures as
/// a run does (`on_retry` hears of each); an alert already delivered is not sent again. Errors
/// are the connector's, free of secrets.
pub fn post(connector: &dyn Messenger, report: &Report, on_retry: &OnRetry<'_>) -> Result<Alerted> {
    if report.is_clean() {
        return Ok(Alerted::NothingFound);
    }
    let message = alert_message(report)?;
    let sent = match connector.receipt(&message.key) {
        Ok(Some(receipt)) => return Ok(Alerted::AlreadyDelivered(receipt)),
        Ok(None) => RetryPolicy::default().call(
            || connector.deliver(&message),
            |attempt, error, wait| on_retry(attempt, error, wait),
        ),
        Err(error) => Err(error),
    };
    Ok(match sent {
        Ok(receipt) => Alerted::Delivered(receipt),
        Err(error) => Alerted::Failed(error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Coverage, EntitlementKind, FindingKind};

    fn finding(account: &str) -> Finding {
        Finding {
            kind: FindingKind::Orphan,
            system: "directory".to_owned(),
            account: account.to_owned(),
            employee_id: Some("E1".to_owned()),
            hr_status: None,
            role: None,
            entitlement_type: EntitlementKind::Account,
            entitlement: account.to_owned(),
            monthly_cost_cents: 100,
            days_orphaned: Some(3),
        }
    }

    fn report(n: usize, now: &str) -> Report {
        let findings: Vec<Finding> = (0..n).map(|i| finding(&format!("a{i:05}"))).collect();
        Report {
            now: now.to_owned(),
            totals: Totals::of(&findings),
            findings,
            coverage: Coverage::default(),
        }
    }

    #[test]
    fn the_body_is_capped_and_says_so() {
        let message = alert_message(&report(MAX_ALERT_FINDINGS + 5, "t")).unwrap();
        assert_eq!(message.topic, "reconcile.findings");
        let body = &message.body;
        assert_eq!(
            body["findings"].as_array().unwrap().len(),
            MAX_ALERT_FINDINGS
        );
        assert_eq!(body["truncated"], true);
        assert_eq!(body["totals"]["count"], MAX_ALERT_FINDINGS as u64 + 5);
        assert_eq!(body["now"], "t");
        let small = alert_message(&report(2, "t")).unwrap();
        assert_eq!(small.body["truncated"], false);
        assert_eq!(small.body["findings"][1]["account"], "a00001");
    }

    #[test]
    fn the_key_depends_on_the_findings_only() {
        let key = |n, now| alert_message(&report(n, now)).unwrap().key;
        assert_eq!(
            key(3, "2026-11-19T12:00:00Z"),
            key(3, "2026-11-20T08:00:00Z")
        );
        assert_ne!(key(3, "t"), key(4, "t"));
        let one = key(1, "t");
        let hex = one.strip_prefix("reconcile/").unwrap();
        assert_eq!(hex.len(), 64);
        assert_eq!(
            hex,
            sha256_hex(&serde_json::to_vec(&report(1, "t").findings).unwrap())
        );
    }
}
