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
//! writes this file on every run (its `--format json` document, which has these members).

use std::path::Path;

use serde_json::Value;

use super::error::ReportError;
use super::model::OrphanRate;

/// The file name of the reconcile result in the journal directory.
pub const RECONCILE_FILE: &str = "reconcile.json";

/// Read the orphan rate from `journal_dir/reconcile.json`, if there is one.
pub fn read_orphan_rate(journal_dir: &Path) -> Result<OrphanRate, ReportError> {
    let path = journal_dir.join(RECONCILE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
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
    let value: Value = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    orphan_rate(&value, &path.display().to_string()).map_err(fail)
}

/// The orphan rate a reconcile result states.
pub fn orphan_rate(value: &Value, source: &str) -> Result<OrphanRate, String> {
    let accounts_checked = value
        .get("accounts_checked")
        .and_then(Value::as_u64)
        .ok_or("`accounts_checked` must be a whole number")?;
    let findings = match value.pointer("/totals/count").and_then(Value::as_u64) {
        Some(count) => count,
        None => value
            .get("findings")
            .and_then(Value::as_array)
            .map(|f| f.len() as u64)
            .ok_or("neither `totals.count` nor a `findings` array")?,
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
