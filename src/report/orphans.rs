//! The orphan rate, read from the result `offboard reconcile` leaves at
//! `<journal dir>/reconcile.json`. The file is optional; when it is absent the rate is "not
//! available". This module only reads it; it never runs a reconcile.
//!
//! Expected shape (other members are ignored):
//!
//! ```json
//! {"findings": [...], "totals": {"count": 3, ...}, "accounts_checked": 27}
//! ```
//!
//! The number of findings is `totals.count` when present, else the length of `findings`;
//! `accounts_checked` is the number of enabled accounts the reconcile read. `offboard reconcile`
//! writes this file on every run (its `--format json` document, which has these members). It is
//! read as a stream, counting the findings without keeping them, from a regular file (not a
//! link) of at most [`JOURNAL_STATE`].

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
                reason: format!("no {RECONCILE_FILE} in {}", journal_dir.display()),
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

/// The members of a reconcile result the rate needs; the findings are counted, not kept.
#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    accounts_checked: Option<Value>,
    #[serde(default)]
    totals: Option<Value>,
    #[serde(default)]
    findings: Option<Counted>,
}

/// How many items an array holds; `None` for any other value.
struct Counted(Option<u64>);

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CountItems)
    }
}

struct CountItems;

impl<'de> Visitor<'de> for CountItems {
    type Value = Counted;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Counted, A::Error> {
        let mut count = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        Ok(Counted(Some(count)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Counted, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Counted(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Counted, E> {
        Ok(Counted(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Counted, E> {
        Ok(Counted(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Counted, E> {
        Ok(Counted(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Counted, E> {
        Ok(Counted(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Counted, E> {
        Ok(Counted(None))
    }

    fn visit_unit<E>(self) -> Result<Counted, E> {
        Ok(Counted(None))
    }
}

/// The orphan rate a reconcile result states.
pub fn orphan_rate(value: &Value, source: &str) -> Result<OrphanRate, String> {
    rate_of(
        value.get("accounts_checked"),
        value.pointer("/totals/count"),
        value
            .get("findings")
            .and_then(Value::as_array)
            .map(|f| f.len() as u64),
        source,
    )
}

/// The rate from `accounts_checked`, `totals.count` and the number of findings.
fn rate_of(
    accounts_checked: Option<&Value>,
    count: Option<&Value>,
    listed: Option<u64>,
    source: &str,
) -> Result<OrphanRate, String> {
    let accounts_checked = accounts_checked
        .and_then(Value::as_u64)
        .ok_or("`accounts_checked` must be a whole number")?;
    let findings = match count.and_then(Value::as_u64) {
        Some(count) => count,
        None => listed.ok_or("neither `totals.count` nor a `findings` array")?,
    };
    let rate = if accounts_checked == 0 {
        0.0
    } else {
        findings as f64 / accounts_checked as f64
    };
    Ok(OrphanRate::Available {
        findings,
        accounts_checked,
        rate,
        source: source.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn totals_count_wins_over_the_array() {
        let rate = orphan_rate(
            &json!({"findings": [1, 2], "totals": {"count": 3}, "accounts_checked": 27}),
            "f",
        )
        .unwrap();
        let OrphanRate::Available { findings, rate, .. } = rate else {
            panic!("{rate:?}")
        };
        assert_eq!(findings, 3);
        assert!((rate - 3.0 / 27.0).abs() < 1e-12);
        let from_array =
            orphan_rate(&json!({"findings": [1, 2], "accounts_checked": 4}), "f").unwrap();
        assert!(matches!(
            from_array,
            OrphanRate::Available { findings: 2, .. }
        ));
    }

    #[test]
    fn wrong_shapes_and_absence() {
        assert!(orphan_rate(&json!({"findings": []}), "f").is_err());
        assert!(orphan_rate(&json!({"accounts_checked": 1}), "f").is_err());
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
