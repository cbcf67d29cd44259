//! The service-account allow-list (`service-accounts.yaml` beside `offboard.yaml`): accounts
//! that belong to no person and are known to be legitimate, each with an owner and a reason.
//! Plain data and matching; [`crate::analyze`] builds it, `validate` and `reconcile` alike.

/// The file name, in the configuration's directory.
pub const ALLOW_LIST_FILE: &str = "service-accounts.yaml";

/// One allowed service account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccount {
    /// The account name; `*` matches any run of characters (e.g. `svc-*`).
    pub account: String,
    /// Only in this system (connector or export `system`); every system when absent.
    pub system: Option<String>,
    /// Who answers for it (a person or team).
    pub owner: String,
    /// Why it exists.
    pub reason: Option<String>,
}

/// The allow-list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Every entry, in file order.
    pub entries: Vec<ServiceAccount>,
}

impl AllowList {
    /// True when `account` in `system` is an allowed service account.
    pub fn permits(&self, system: &str, account: &str) -> bool {
        self.entries.iter().any(|e| {
            e.system.as_deref().is_none_or(|s| s == system) && glob_match(&e.account, account)
        })
    }
}

/// True when `pattern` matches every account name (it is made of `*` only, or empty).
pub fn allows_everything(pattern: &str) -> bool {
    pattern.chars().all(|c| c == '*')
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
        assert!(allows_everything("**") && allows_everything(""));
        assert!(!allows_everything("svc-*"));
    }

    #[test]
    fn matches_by_system() {
        let entry = |account: &str, system: Option<&str>| ServiceAccount {
            account: account.to_owned(),
            system: system.map(str::to_owned),
            owner: "it-ops".to_owned(),
            reason: None,
        };
        let list = AllowList {
            entries: vec![entry("svc-*", None), entry("deploy", Some("sso"))],
        };
        assert!(list.permits("directory", "svc-ci"));
        assert!(list.permits("sso", "deploy"));
        assert!(!list.permits("directory", "deploy"));
        assert!(!list.permits("directory", "temp-admin"));
    }
}
