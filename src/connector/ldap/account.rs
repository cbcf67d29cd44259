//! An account as the directory holds it: finding its entry by DN (also after it was moved to
//! the disabled OU), deciding whether it is active under the configured disable method, and
//! listing the groups that name it. It only reads; changes live in `apply`.

use ldap3::{Scope, SearchEntry, ldap_escape};

use super::dn;
use super::error::{rc, result_error};
use super::options::{DisableMethod, LdapOptions, MemberAttribute};
use super::session::{Session, values};
use crate::connector::{ConnectorError, Principal};

/// The `pwdAccountLockedTime` value OpenLDAP's ppolicy reads as "locked until an administrator
/// unlocks it" (any other time is a lockout after failed binds, which expires).
pub(crate) const PERMANENT_LOCK: &str = "000001010000Z";

/// The `userAccountControl` ACCOUNTDISABLE flag.
pub(crate) const UAC_ACCOUNT_DISABLE: i64 = 0x2;

/// The attributes read for an account: enough for every disable method and `memberUid`.
const ACCOUNT_ATTRIBUTES: [&str; 3] = ["uid", "pwdAccountLockedTime", "userAccountControl"];

/// The entry of an account, where it is now.
#[derive(Debug)]
pub(crate) struct AccountEntry {
    /// The entry's current DN (differs from the principal's id once moved).
    pub dn: String,
    entry: SearchEntry,
}

impl AccountEntry {
    /// The entry named `id`, or, when accounts are disabled by moving them, the entry of the
    /// same RDN in the disabled OU. `None` when neither exists.
    pub fn locate(
        session: &mut Session,
        options: &LdapOptions,
        id: &str,
    ) -> Result<Option<AccountEntry>, ConnectorError> {
        if let Some(entry) = read_entry(session, id)? {
            return Ok(Some(entry));
        }
        if let DisableMethod::MoveOu { ou } = &options.disable
            && let Some((rdn, parent)) = dn::split_first_rdn(id)
            && !dn::is_within(parent, ou)
        {
            return read_entry(session, &format!("{rdn},{ou}"));
        }
        Ok(None)
    }

    /// An entry as a search returned it (with the attributes [`AccountEntry::is_active`] reads
    /// for the method in use).
    pub fn from_entry(entry: SearchEntry) -> AccountEntry {
        AccountEntry {
            dn: entry.dn.clone(),
            entry,
        }
    }

    /// The search entry itself.
    pub fn entry(&self) -> &SearchEntry {
        &self.entry
    }

    /// True when the entry is not disabled under `method`.
    pub fn is_active(&self, method: &DisableMethod) -> bool {
        match method {
            DisableMethod::PpolicyLock => !self.permanently_locked(),
            DisableMethod::MoveOu { ou } => !dn::is_below(&self.dn, ou),
            DisableMethod::AdUac => self
                .user_account_control()
                .is_none_or(|uac| uac & UAC_ACCOUNT_DISABLE == 0),
        }
    }

    /// True when `pwdAccountLockedTime` holds the permanent lock.
    pub fn permanently_locked(&self) -> bool {
        values(&self.entry, "pwdAccountLockedTime")
            .iter()
            .any(|v| v == PERMANENT_LOCK)
    }

    /// The `userAccountControl` flags, when present and numeric.
    pub fn user_account_control(&self) -> Option<i64> {
        values(&self.entry, "userAccountControl")
            .first()
            .and_then(|v| v.trim().parse().ok())
    }

    /// The raw `userAccountControl` value, when present.
    pub fn user_account_control_text(&self) -> Option<&str> {
        values(&self.entry, "userAccountControl")
            .first()
            .map(String::as_str)
    }

    /// The entry's `uid`.
    pub fn uid(&self) -> Option<&str> {
        values(&self.entry, "uid").first().map(String::as_str)
    }
}

/// A base search for `dn`: `None` when there is no such entry.
fn read_entry(session: &mut Session, dn: &str) -> Result<Option<AccountEntry>, ConnectorError> {
    let found = session.search(
        dn,
        Scope::Base,
        "(objectClass=*)",
        &ACCOUNT_ATTRIBUTES,
        None,
    )?;
    match found.result.rc {
        rc::SUCCESS => Ok(found.entries.into_iter().next().map(|entry| AccountEntry {
            dn: entry.dn.clone(),
            entry,
        })),
        rc::NO_SUCH_OBJECT => Ok(None),
        _ => Err(result_error(&format!("read {dn}"), &found.result)),
    }
}

/// A group naming the account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Group {
    /// The group's `cn` (its RDN value when it has none).
    pub name: String,
    /// The group's DN.
    pub dn: String,
}

/// The values groups hold for this account: its DNs (as first found, and now) for `member`
/// and `uniqueMember`, its `uid` for `memberUid`.
pub(crate) fn member_values(
    options: &LdapOptions,
    principal: &Principal,
    entry: Option<&AccountEntry>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if options.member_attribute.holds_dn() {
        out.push(principal.id.clone());
        if let Some(entry) = entry
            && dn::normalize(&entry.dn) != dn::normalize(&principal.id)
        {
            out.push(entry.dn.clone());
        }
    } else if let Some(uid) = entry
        .and_then(AccountEntry::uid)
        .map(str::to_owned)
        .or_else(|| dn::rdn_value(&principal.id, "uid"))
    {
        out.push(uid);
    }
    out
}

/// The groups under the groups base that list the account, sorted by name; only those named in
/// `names` (by `cn`) when given.
pub(crate) fn groups_named(
    session: &mut Session,
    options: &LdapOptions,
    principal: &Principal,
    entry: Option<&AccountEntry>,
    names: Option<&[String]>,
) -> Result<Vec<Group>, ConnectorError> {
    let member_values = member_values(options, principal, entry);
    if member_values.is_empty() || names.is_some_and(<[String]>::is_empty) {
        return Ok(Vec::new());
    }
    let filter = group_filter(options.member_attribute, &member_values, names);
    let base = &options.groups_base_dn;
    let found = session.search(base, Scope::Subtree, &filter, &["cn"], None)?;
    if found.result.rc != rc::SUCCESS {
        return Err(result_error(
            &format!("search {base} for groups"),
            &found.result,
        ));
    }
    let mut groups: Vec<Group> = found
        .entries
        .into_iter()
        .map(|entry| Group {
            name: values(&entry, "cn")
                .first()
                .cloned()
                .or_else(|| dn::rdn_value(&entry.dn, "cn"))
                .unwrap_or_else(|| entry.dn.clone()),
            dn: entry.dn,
        })
        .collect();
    groups.sort();
    groups.dedup();
    Ok(groups)
}

/// Every group listing the account, sorted by name.
pub(crate) fn groups(
    session: &mut Session,
    options: &LdapOptions,
    principal: &Principal,
    entry: Option<&AccountEntry>,
) -> Result<Vec<Group>, ConnectorError> {
    groups_named(session, options, principal, entry, None)
}

/// `(|(member=V1)(member=V2))`, and `(|(cn=N1)...)` with it when names are given; every value
/// escaped (RFC 4515).
fn group_filter(
    attribute: MemberAttribute,
    member_values: &[String],
    names: Option<&[String]>,
) -> String {
    let any_of = |attribute: &str, values: &[String]| {
        let terms: String = values
            .iter()
            .map(|v| format!("({attribute}={})", ldap_escape(v.as_str())))
            .collect();
        format!("(|{terms})")
    };
    let members = any_of(attribute.as_str(), member_values);
    match names {
        Some(names) => format!("(&{members}{})", any_of("cn", names)),
        None => members,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_filters_escape_every_value() {
        let filter = group_filter(
            MemberAttribute::Member,
            &[r"cn=Smith\, J (x)*,dc=acme".to_owned()],
            Some(&["eng*".to_owned(), "a)(cn=*".to_owned()]),
        );
        assert_eq!(
            filter,
            r"(&(|(member=cn=Smith\5c, J \28x\29\2a,dc=acme))(|(cn=eng\2a)(cn=a\29\28cn=\2a)))"
        );
        assert!(ldap3::parse_filter(&filter).is_ok());
    }
}
