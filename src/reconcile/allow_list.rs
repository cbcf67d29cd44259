//! The service-account allow-list (`service-accounts.yaml` beside `offboard.yaml`): accounts
//! that belong to no person and are known to be legitimate, each with an owner and a reason.
//! An allow-listed account is never reported as unknown to HR. It owns reading and matching the
//! list; it never decides anything about accounts that HR knows.

use std::path::Path;

use serde::Deserialize;

use super::error::ReconcileError;
use crate::fsio;

/// The file name looked for in the configuration's directory.
pub const ALLOW_LIST_FILE: &str = "service-accounts.yaml";

/// One allowed service account.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    /// The account name; `*` matches any run of characters (e.g. `svc-*`).
    pub account: String,
    /// Only in this system (connector or export `system`); every system when absent.
    #[serde(default)]
    pub system: Option<String>,
    /// Who answers for it (a person or team).
    pub owner: String,
    /// Why it exists.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: i64,
    #[serde(default)]
    service_accounts: Vec<ServiceAccount>,
}

/// The allow-list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Every entry, in file order.
    pub entries: Vec<ServiceAccount>,
}

impl AllowList {
    /// Read the allow-list at `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<AllowList, ReconcileError> {
        let text = match fsio::read_to_string(path, fsio::TEXT, fsio::Links::Follow) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(AllowList::default());
            }
            Err(source) => {
                return Err(ReconcileError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        AllowList::parse(&text).map_err(|message| ReconcileError::AllowList {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parse the YAML `text`.
    pub fn parse(text: &str) -> Result<AllowList, String> {
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        if raw.version != crate::playbook::FORMAT_VERSION {
            return Err(format!(
                "version {} is not supported; this build reads version {}",
                raw.version,
                crate::playbook::FORMAT_VERSION
            ));
        }
        for (i, entry) in raw.service_accounts.iter().enumerate() {
            let n = i + 1;
            if entry.account.trim().is_empty() || entry.account.chars().all(|c| c == '*') {
                return Err(format!(
                    "service account {n}: `account` must name an account (a pattern of only `*` would allow everything)"
                ));
            }
            if entry.owner.trim().is_empty() {
                return Err(format!(
                    "service account {n} ({}): `owner` is empty",
                    entry.account
                ));
            }
        }
        Ok(AllowList {
            entries: raw.service_accounts,
        })
    }

    /// True when `account` in `system` is an allowed service account.
    pub fn permits(&self, system: &str, account: &str) -> bool {
        self.entries.iter().any(|e| {
            e.system.as_deref().is_none_or(|s| s == system) && glob_match(&e.account, account)
        })
    }
}

/// Match `text` against `pattern`, where `*` matches any run of characters.
fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*` at all.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let table = [
            ("svc-ci", "svc-ci", true),
            ("svc-ci", "svc-cix", false),
            ("svc-*", "svc-backup", true),
            ("svc-*", "svc-", true),
            ("svc-*", "xsvc-a", false),
            ("*-bot", "deploy-bot", true),
            ("*-bot", "deploy-bot2", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "acb", false),
            ("ab*ba", "aba", false),
        ];
        for (pattern, text, expected) in table {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn parses_and_matches_by_system() {
        let list = AllowList::parse(
            "version: 1\nservice_accounts:\n  - account: svc-*\n    owner: it-ops\n    reason: jobs\n  - account: deploy\n    system: sso\n    owner: release\n",
        )
        .unwrap();
        assert_eq!(list.entries.len(), 2);
        assert!(list.permits("directory", "svc-ci"));
        assert!(list.permits("sso", "deploy"));
        assert!(!list.permits("directory", "deploy"));
        assert!(!list.permits("directory", "temp-admin"));
    }

    #[test]
    fn rejects_bad_lists() {
        let cases = [
            ("version: 2\n", "version 2 is not supported"),
            ("version: 1\nservice_accounts:\n  - account: x\n", "owner"),
            (
                "version: 1\nservice_accounts:\n  - account: '*'\n    owner: a\n",
                "allow everything",
            ),
            (
                "version: 1\nservice_accounts:\n  - account: x\n    owner: a\n    colour: red\n",
                "colour",
            ),
        ];
        for (text, expected) in cases {
            let err = AllowList::parse(text).unwrap_err();
            assert!(err.contains(expected), "{err} should contain {expected}");
        }
    }
}
