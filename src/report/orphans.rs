//! The orphan rate, read from the result `offboard reconcile` leaves at
//! `<journal dir>/reconcile.json`. The file is optional; when it is absent the rate is "not
//! available". This module only reads it; it never runs a reconcile.
//!
//! Expected shape (other members are ignored):
//!
//! ```json
//! {"findings": [{"kind": "orphan", "system": "directory", "account": "grace",
//!                "entitlement_type": "account", ...}, ...],
//!  "totals": {"count": 3, ...}, "accounts_checked": 27}
//! ```
//!
//! The rate is orphaned accounts over the accounts in the systems, so it stays a rate however
//! many entitlements an orphaned account holds: an orphaned account is a distinct `system` and
//! `account` with a finding of kind `orphan` or `unknown_holder`; the accounts are
//! `accounts_checked` (the enabled accounts the reconcile read) plus the orphaned accounts it
//! saw only through a group or seat (no finding of type `account`), which that count could not
//! include. The number of findings, shown beside it, is `totals.count` when present, else the
//! length of `findings`. `offboard reconcile` writes this file on every run (its
//! `--format json` document, which has these members). It is read as a stream, one finding at
//! a time, keeping only the orphaned accounts, from a regular file (not a link) of at most
//! [`JOURNAL_STATE`]. Beside the rate, it sums the findings of kind `dormant`: the paid seats
//! current employees hold without signing in, and the monthly cost they hold.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::ReportError;
use super::model::OrphanRate;
use crate::fsio::{self, JOURNAL_STATE, Links};

/// The file name of the reconcile result in the journal directory.
pub const RECONCILE_FILE: &str = "reconcile.json";

/// Read the orphan rate from `journal_dir/reconcile.json`, if there is one.
pub fn read_orphan_rate(journal_dir: &Path) -> Result<OrphanRate, ReportError> {
    let path = journal_dir.join(RECONCILE_FILE);
    let file = match fsio::open_regular(&path, JOURNAL_STATE, Links::Refuse) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(OrphanRate::NotAvailable {
                reason: format!("no {RECONCILE_FILE} in {}", crate::human::path(journal_dir)),
            });
        }
        Err(source) => return Err(ReportError::io("cannot read", &path, source)),
    };
    let fail = |reason: String| ReportError::Reconcile {
        path: path.clone(),
        reason,
    };
    let reader = BufReader::new(file.take(JOURNAL_STATE.bytes));
    let summary: Summary = serde_json::from_reader(reader).map_err(|e| fail(e.to_string()))?;
    rate_of(
        summary.accounts_checked.as_ref(),
        summary.totals.as_ref().and_then(|t| t.get("count")),
        summary.findings.and_then(|f| f.0),
        &path.display().to_string(),
    )
    .map_err(fail)
}

/// The members of a reconcile result the rate needs; the findings are tallied, not kept.
#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    accounts_checked: Option<Value>,
    #[serde(default)]
    totals: Option<Value>,
    #[serde(default)]
    findings: Option<Tallied>,
}

/// What the findings say about the rate: how many there are, and the orphaned accounts.
#[derive(Debug, Default)]
struct Tally {
    /// Findings of every kind.
    count: u64,
    /// Orphaned accounts (`system`, `account`), and whether one was read as an account (a
    /// finding of type `account`), so is among `accounts_checked`.
    orphaned: BTreeMap<(String, String), bool>,
    /// Findings of kind `dormant` (paid seats), and their monthly cost in cents.
    dormant: (u64, i64),
    /// The first finding that does not say what the rate needs.
    problem: Option<String>,
}

impl Tally {
    /// Count finding `i`, and note its account when it is orphaned.
    fn add(&mut self, i: u64, finding: &Value) {
        self.count += 1;
        if self.problem.is_some() {
            return;
        }
        let text = |member: &str| {
            finding
                .get(member)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("findings[{i}] has no `{member}` text"))
        };
        let noted = (|| {
            let kind = text("kind")?;
            if kind == "dormant" {
                let cost = finding.get("monthly_cost_cents").and_then(Value::as_i64);
                self.dormant.0 += 1;
                self.dormant.1 = self.dormant.1.saturating_add(cost.unwrap_or(0));
            }
            if !matches!(kind, "orphan" | "unknown_holder") {
                return Ok(());
            }
            let read_as_account = text("entitlement_type")? == "account";
            let key = (text("system")?.to_owned(), text("account")?.to_owned());
            *self.orphaned.entry(key).or_default() |= read_as_account;
            Ok::<(), String>(())
        })();
        self.problem = noted.err();
    }
}

/// The tally of an array of findings; `None` for any other value.
struct Tallied(Option<Tally>);

impl<'de> Deserialize<'de> for Tallied {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TallyItems)
    }
}

struct TallyItems;

impl<'de> Visitor<'de> for TallyItems {
    type Value = Tallied;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tallied, A::Error> {
        let mut tally = Tally::default();
        while let Some(finding) = seq.next_element::<Value>()? {
            tally.add(tally.count, &finding);
        }
        Ok(Tallied(Some(tally)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tallied, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Tallied(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Tallied, E> {
        Ok(Tallied(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Tallied, E> {
        Ok(Tallied(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Tallied, E> {
        Ok(Tallied(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Tallied, E> {
        Ok(Tallied(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Tallied, E> {
        Ok(Tallied(None))
    }

    fn visit_unit<E>(self) -> Result<Tallied, E> {
        Ok(Tallied(None))
    }
}

/// The orphan rate a reconcile result states.
pub fn orphan_rate(value: &Value, source: &str) -> Result<OrphanRate, String> {
    let tally = value.get("findings").and_then(Value::as_array).map(|list| {
        let mut tally = Tally::default();
        for finding in list {
            tally.add(tally.count, finding);
        }
        tally
    });
    rate_of(
        value.get("accounts_checked"),
        value.pointer("/totals/count"),
        tally,
        source,
    )
}

/// The rate from `accounts_checked`, `totals.count` and the tally of the findings.
fn rate_of(
    accounts_checked: Option<&Value>,
    count: Option<&Value>,
    tally: Option<Tally>,
    source: &str,
) -> Result<OrphanRate, String> {
    let accounts_checked = accounts_checked
        .and_then(Value::as_u64)
        .ok_or("`accounts_checked` must be a whole number")?;
    let tally = tally.ok_or("no `findings` array")?;
    if let Some(problem) = tally.problem {
        return Err(problem);
    }
    let findings = count.and_then(Value::as_u64).unwrap_or(tally.count);
    let orphaned_accounts = tally.orphaned.len() as u64;
    let only_through_grants = tally.orphaned.values().filter(|read| !**read).count() as u64;
    // An orphaned account read as an account is among `accounts_checked`; a hand-written file
    // saying otherwise cannot push the rate above 1.
    let accounts =
        accounts_checked.max(orphaned_accounts - only_through_grants) + only_through_grants;
    let rate = if accounts == 0 {
        0.0
    } else {
        orphaned_accounts as f64 / accounts as f64
    };
    Ok(OrphanRate::Available {
        findings,
        orphaned_accounts,
        accounts_checked,
        accounts,
        rate,
        dormant_seats: tally.dormant.0,
        dormant_monthly_cost_cents: tally.dormant.1,
        source: source.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(kind: &str, system: &str, account: &str, kind_of: &str) -> Value {
        json!({"kind": kind, "system": system, "account": account, "entitlement_type": kind_of})
    }

    #[test]
    fn each_orphaned_account_counts_once() {
        // grace: her account and four grants; temp-admin: unknown to HR; judy: excess only;
        // on `saas`, grace's seat with no account row.
        let mut findings = vec![finding("orphan", "directory", "grace", "account")];
        for grant in ["group", "group", "license", "license"] {
            findings.push(finding("orphan", "directory", "grace", grant));
        }
        findings.push(finding(
            "unknown_holder",
            "directory",
            "temp-admin",
            "account",
        ));
        findings.push(finding("excess", "directory", "judy", "license"));
        findings.push(finding("suspend_expected", "directory", "dave", "account"));
        findings.push(finding("orphan", "saas", "grace", "license"));
        let rate = orphan_rate(
            &json!({"findings": findings, "totals": {"count": 9}, "accounts_checked": 4}),
            "f",
        )
        .unwrap();
        let OrphanRate::Available {
            findings,
            orphaned_accounts,
            accounts_checked,
            accounts,
            rate,
            ..
        } = rate
        else {
            panic!("{rate:?}")
        };
        assert_eq!(
            (findings, orphaned_accounts, accounts_checked, accounts),
            (9, 3, 4, 5)
        );
        assert!((rate - 0.6).abs() < 1e-12, "{rate}");
    }

    #[test]
    fn the_file_is_read_as_a_stream_with_the_same_result() {
        let dir = tempfile::tempdir().unwrap();
        let doc = json!({
            "now": "2026-11-19T12:00:00Z",
            "findings": [
                finding("orphan", "directory", "grace", "account"),
                finding("orphan", "directory", "grace", "license"),
                finding("unknown_holder", "saas", "x", "license"),
                finding("excess", "directory", "judy", "license"),
            ],
            "totals": {"count": 4},
            "accounts_checked": 10
        });
        std::fs::write(dir.path().join(RECONCILE_FILE), doc.to_string()).unwrap();
        let read = read_orphan_rate(dir.path()).unwrap();
        let OrphanRate::Available {
            findings,
            orphaned_accounts,
            accounts,
            ..
        } = read
        else {
            panic!("{read:?}")
        };
        assert_eq!((findings, orphaned_accounts, accounts), (4, 2, 11));
        std::fs::write(
            dir.path().join(RECONCILE_FILE),
            r#"{"findings": [{"kind": "orphan"}], "accounts_checked": 1}"#,
        )
        .unwrap();
        let err = read_orphan_rate(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("findings[0] has no `entitlement_type` text"),
            "{err}"
        );
    }

    #[test]
    fn totals_count_wins_over_the_array() {
        let one = [finding("orphan", "d", "a", "account")];
        let rate = orphan_rate(
            &json!({"findings": one, "totals": {"count": 3}, "accounts_checked": 27}),
            "f",
        )
        .unwrap();
        let OrphanRate::Available { findings, rate, .. } = rate else {
            panic!("{rate:?}")
        };
        assert_eq!(findings, 3);
        assert!((rate - 1.0 / 27.0).abs() < 1e-12);
        let from_array =
            orphan_rate(&json!({"findings": one, "accounts_checked": 0}), "f").unwrap();
        let OrphanRate::Available {
            findings,
            accounts,
            rate,
            ..
        } = from_array
        else {
            panic!("{from_array:?}")
        };
        assert_eq!((findings, accounts), (1, 1));
        assert!((rate - 1.0).abs() < 1e-12, "{rate}");
        let none = orphan_rate(&json!({"findings": [], "accounts_checked": 0}), "f").unwrap();
        assert!(
            matches!(none, OrphanRate::Available { accounts: 0, .. }),
            "{none:?}"
        );
    }

    #[test]
    fn wrong_shapes_and_absence() {
        assert!(orphan_rate(&json!({"findings": []}), "f").is_err());
        assert!(orphan_rate(&json!({"accounts_checked": 1}), "f").is_err());
        let err = orphan_rate(&json!({"findings": [{}], "accounts_checked": 1}), "f").unwrap_err();
        assert_eq!(err, "findings[0] has no `kind` text");
        assert!(orphan_rate(&json!({"findings": {}, "accounts_checked": 1}), "f").is_err());
        let dir = tempfile::tempdir().unwrap();
        let rate = read_orphan_rate(dir.path()).unwrap();
        assert!(matches!(rate, OrphanRate::NotAvailable { .. }), "{rate:?}");
        std::fs::write(dir.path().join(RECONCILE_FILE), "not json").unwrap();
        let err = read_orphan_rate(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("reconcile.json: not a reconcile result"),
            "{err}"
        );
    }
}
