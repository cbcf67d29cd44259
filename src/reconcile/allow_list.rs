//! Loading the service-account allow-list (`service-accounts.yaml` beside `offboard.yaml`) for
//! a reconciliation. The rules are those `offboard validate` reports
//! ([`crate::analyze::analyze_service_accounts`]); a list breaking any of them stops the scan
//! with every diagnostic, never a partial list. It never decides anything about accounts.

use std::path::Path;

use super::error::ReconcileError;
use crate::analyze::{analyze_service_accounts, encoding_problem, file_id};
use crate::error::Error;
use crate::playbook::AllowList;

/// Read the allow-list at `path`; a missing file is an empty list.
pub fn load(path: &Path) -> Result<AllowList, ReconcileError> {
    // Read through the one file reader (a regular file within its limit); absent is empty.
    let source = match crate::load::read(path) {
        Ok(source) => source,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(AllowList::default());
        }
        Err(Error::Io { source, .. }) => {
            return Err(ReconcileError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        Err(e) => {
            return Err(ReconcileError::AllowList {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let (list, diagnostics) = match encoding_problem(&source) {
        Some(d) => (None, vec![d]),
        None => analyze_service_accounts(file_id(path), &source.text),
    };
    match list {
        Some(list) if diagnostics.is_empty() => Ok(list),
        _ => {
            let mut message = format!(
                "{} problem(s); `offboard validate` shows them in full:",
                diagnostics.len()
            );
            for d in &diagnostics {
                message.push_str(&format!("\n  {d}"));
            }
            Err(ReconcileError::AllowList {
                path: path.to_path_buf(),
                message,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_list_is_empty_and_a_bad_one_names_every_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service-accounts.yaml");
        assert_eq!(load(&path).unwrap(), AllowList::default());
        std::fs::write(
            &path,
            "version: 1\nservice_accounts:\n  - account: x\n  - account: '*'\n    owner: a\n",
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("2 problem(s)"), "{err}");
        assert!(err.contains(":3:5: OB004"), "{err}");
        assert!(
            err.contains(":4:14: OB060 service account `*` matches every account"),
            "{err}"
        );
    }
}
