//! The last reconciliation, kept at `<journal>/reconcile.json` for `offboard report` (which
//! computes the orphan rate from it, see [`crate::report::RECONCILE_FILE`]). The document is
//! the `--format json` output: the report's members plus `accounts_checked`. The file is
//! replaced atomically (a synced temporary file renamed over it), so a reader never sees half
//! of it, and is owner-only. This module only writes that one file; it never reads a journal.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analyze::Workspace;
use crate::app::personal_data::minimised_findings;
use crate::error::{Error, Result};
use crate::fsio;
use crate::reconcile::Report;
use crate::report::RECONCILE_FILE;

/// The saved (and `--format json`) document of one reconciliation.
#[derive(Debug, Serialize)]
pub struct Saved<'a> {
    /// `now`, `findings`, `totals` and `coverage`, as documented on [`Report`].
    #[serde(flatten)]
    pub report: &'a Report,
    /// Enabled accounts read from all sources (entitlements of type `account`): the
    /// denominator of the orphan rate.
    pub accounts_checked: u64,
}

/// Write `doc` into the journal directory of `workspace`, with the accounts minimised when
/// `policy.minimise_personal_data` is on (see `personal_data`); returns the file's path.
pub fn save_in(workspace: &Workspace, doc: &Saved<'_>) -> crate::app::Result<PathBuf> {
    let minimised = minimised_findings(workspace, doc.report)?;
    let kept = Saved {
        report: minimised.as_ref().unwrap_or(doc.report),
        accounts_checked: doc.accounts_checked,
    };
    Ok(save(&workspace.config.journal, &kept)?)
}

/// Write `doc` to `<journal>/reconcile.json` (owner-only), creating the directory; returns the
/// file's path.
pub fn save(journal: &Path, doc: &Saved<'_>) -> Result<PathBuf> {
    let path = journal.join(RECONCILE_FILE);
    fsio::create_dir_all(journal, fsio::PRIVATE_DIR)
        .map_err(|e| Error::io("cannot create", journal, e))?;
    fsio::replace(&path, fsio::PRIVATE_FILE, |file| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
        serde_json::to_writer(&mut out, doc)?;
        out.write_all(b"\n")?;
        out.flush()
    })
    .map_err(|source| Error::io("cannot write", &path, source))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Coverage, EntitlementKind, Finding, FindingKind, Totals};
    use crate::report::{OrphanRate, read_orphan_rate};

    fn report() -> Report {
        let grace = |entitlement_type, entitlement: &str| Finding {
            kind: FindingKind::Orphan,
            system: "directory".to_owned(),
            account: "grace".to_owned(),
            employee_id: Some("E1008".to_owned()),
            hr_status: None,
            role: None,
            entitlement_type,
            entitlement: entitlement.to_owned(),
            monthly_cost_cents: 0,
            days_orphaned: None,
            last_sign_in: None,
            days_dormant: None,
        };
        Report {
            now: "2026-11-19T12:00:00Z".to_owned(),
            findings: vec![
                grace(EntitlementKind::Account, "grace"),
                grace(EntitlementKind::Group, "finance"),
                grace(EntitlementKind::License, "netsuite"),
            ],
            totals: Totals {
                count: 3,
                ..Totals::default()
            },
            coverage: Coverage {
                entitlements: 40,
                ..Coverage::default()
            },
        }
    }

    #[test]
    fn the_saved_file_is_what_the_report_reads() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal");
        let report = report();
        let doc = Saved {
            report: &report,
            accounts_checked: 12,
        };
        let path = save(&journal, &doc).unwrap();
        assert_eq!(path, journal.join("reconcile.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["now"], "2026-11-19T12:00:00Z");
        assert_eq!(value["totals"]["count"], 3);
        assert_eq!(value["coverage"]["entitlements"], 40);
        assert_eq!(value["accounts_checked"], 12);
        let rate = read_orphan_rate(&journal).unwrap();
        let OrphanRate::Available {
            findings,
            orphaned_accounts,
            accounts_checked,
            accounts,
            rate,
            source,
            ..
        } = rate
        else {
            panic!("{rate:?}")
        };
        assert_eq!(
            (findings, orphaned_accounts, accounts_checked, accounts),
            (3, 1, 12, 12)
        );
        assert!((rate - 1.0 / 12.0).abs() < 1e-12, "{rate}");
        assert_eq!(source, path.display().to_string());
        // Saving again replaces the file and leaves no temporary file behind.
        save(&journal, &doc).unwrap();
        let names: Vec<String> = std::fs::read_dir(&journal)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["reconcile.json"]);
    }

    #[test]
    fn an_unwritable_journal_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("journal");
        std::fs::write(&blocker, "a file, not a directory").unwrap();
        let report = report();
        let error = save(
            &blocker,
            &Saved {
                report: &report,
                accounts_checked: 0,
            },
        )
        .unwrap_err();
        assert!(error.to_string().contains("journal"), "{error}");
    }
}
