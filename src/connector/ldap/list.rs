//! Listing every account entry and every group of the directory, for reconciliation: paged
//! subtree searches (RFC 2696) whose entries are handed over one at a time, on one bound
//! connection. It owns which entries count as accounts and groups, whether an account is
//! active under the configured disable method (the same rule as reading one account), and the
//! keys groups name members by; it never changes the directory and never retries.
//!
//! - Accounts: the entries under `base_dn` that carry the match attribute, and with `move_ou`
//!   those under the disabled OU too when it lies outside `base_dn` (a disabled account's
//!   groups still grant access).
//! - Groups: the entries under the groups base (the naming context of `base_dn`) that carry
//!   the configured member attribute (`groupOfNames`, `groupOfUniqueNames`, `posixGroup`,
//!   Active Directory groups). Active Directory's ranged retrieval of groups with more than
//!   1500 members (`member;range=...`) is not followed.

use std::ops::ControlFlow;

use ldap3::Scope;

use super::account::AccountEntry;
use super::connector::LdapConnector;
use super::dn;
use super::error::{rc, result_error};
use super::options::DisableMethod;
use super::session::{Session, Streamed, values};
use crate::connector::ConnectorError;

/// Entries asked for per page.
pub const LIST_PAGE_SIZE: i32 = 500;

/// The attribute an entry records its holder's HR employee id in (`employeeNumber`, of
/// `inetOrgPerson`).
pub const EMPLOYEE_ID_ATTRIBUTE: &str = "employeeNumber";

/// One account entry, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedAccount<'e> {
    /// The entry's DN.
    pub dn: &'e str,
    /// The first value of the match attribute (e.g. the `uid`).
    pub account: &'e str,
    /// The first value of [`EMPLOYEE_ID_ATTRIBUTE`], when present.
    pub employee_id: Option<&'e str>,
    /// False when the entry is disabled under the configured method.
    pub active: bool,
    /// The key groups name it by: its normalised DN for `member` and `uniqueMember`, its `uid`
    /// for `memberUid` (`None` when it has no `uid`). Compare with [`ListedGroup::members`].
    pub member_key: Option<String>,
    /// With `move_ou`, for an entry under the disabled OU: the key of the DN it had under
    /// `base_dn` before it was moved (same RDN), which groups may still name.
    pub moved_from: Option<String>,
}

/// One group, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedGroup<'e> {
    /// The group's DN.
    pub dn: &'e str,
    /// Its `cn` (its RDN value, else its DN, when it has none).
    pub name: &'e str,
    /// Its members' keys, in the form of [`ListedAccount::member_key`].
    pub members: Vec<String>,
}

/// A bound connection listing the directory of one connector.
pub struct Listing<'c> {
    connector: &'c LdapConnector,
    session: Session,
}

impl LdapConnector {
    /// Connect and bind for listing. A transient failure may be retried by calling again.
    pub fn listing(&self) -> Result<Listing<'_>, ConnectorError> {
        Ok(Listing {
            connector: self,
            session: self.session()?,
        })
    }
}

impl Listing<'_> {
    /// Hand every account entry to `visit`, `page_size` entries per request, until it breaks.
    pub fn accounts(
        &mut self,
        page_size: i32,
        mut visit: impl FnMut(&ListedAccount<'_>) -> ControlFlow<()>,
    ) -> Result<(), ConnectorError> {
        let options = self.connector.options();
        let attribute = options.match_attribute.as_str();
        let filter = format!("({attribute}=*)");
        let attributes = [
            attribute,
            EMPLOYEE_ID_ATTRIBUTE,
            "uid",
            "pwdAccountLockedTime",
            "userAccountControl",
        ];
        for (index, base) in self.connector.search_bases().into_iter().enumerate() {
            let streamed = self.session.stream(
                base,
                Scope::Subtree,
                &filter,
                &attributes,
                page_size,
                |entry| {
                    let entry = AccountEntry::from_entry(entry);
                    let Some(account) = values(entry.entry(), attribute).first() else {
                        return ControlFlow::Continue(());
                    };
                    let listed = ListedAccount {
                        dn: &entry.dn,
                        account,
                        employee_id: values(entry.entry(), EMPLOYEE_ID_ATTRIBUTE)
                            .first()
                            .map(String::as_str),
                        active: entry.is_active(&options.disable),
                        member_key: account_key(options.member_attribute.holds_dn(), &entry),
                        moved_from: moved_from(
                            options.member_attribute.holds_dn(),
                            &options.disable,
                            &options.base_dn,
                            &entry.dn,
                        ),
                    };
                    visit(&listed)
                },
            )?;
            match streamed {
                Streamed::Stopped => return Ok(()),
                Streamed::Finished(result) => match result.rc {
                    rc::SUCCESS => {}
                    // The disabled OU may not exist before the first account is moved there.
                    rc::NO_SUCH_OBJECT if index > 0 => {}
                    _ => {
                        return Err(result_error(
                            &format!("list the accounts under {base}"),
                            &result,
                        ));
                    }
                },
            }
        }
        Ok(())
    }

    /// Hand every group to `visit`, `page_size` entries per request, until it breaks.
    pub fn groups(
        &mut self,
        page_size: i32,
        mut visit: impl FnMut(&ListedGroup<'_>) -> ControlFlow<()>,
    ) -> Result<(), ConnectorError> {
        let options = self.connector.options();
        let member = options.member_attribute;
        let base = options.groups_base_dn.as_str();
        let filter = format!("({member}=*)");
        let streamed = self.session.stream(
            base,
            Scope::Subtree,
            &filter,
            &["cn", member.as_str()],
            page_size,
            |entry| {
                let rdn = dn::rdn_value(&entry.dn, "cn");
                let name = values(&entry, "cn")
                    .first()
                    .map(String::as_str)
                    .or(rdn.as_deref())
                    .unwrap_or(&entry.dn);
                let members = values(&entry, member.as_str())
                    .iter()
                    .map(|value| member_key(member.holds_dn(), value))
                    .collect();
                visit(&ListedGroup {
                    dn: &entry.dn,
                    name,
                    members,
                })
            },
        )?;
        match streamed {
            Streamed::Finished(result) if result.rc != rc::SUCCESS => Err(result_error(
                &format!("list the groups under {base}"),
                &result,
            )),
            _ => Ok(()),
        }
    }
}

/// The key of a member value: a normalised DN, or the `uid` as it is.
pub fn member_key(holds_dn: bool, value: &str) -> String {
    if holds_dn {
        dn::normalize(value)
    } else {
        value.to_owned()
    }
}

fn account_key(holds_dn: bool, entry: &AccountEntry) -> Option<String> {
    if holds_dn {
        Some(dn::normalize(&entry.dn))
    } else {
        entry
            .uid()
            .map(str::to_owned)
            .or_else(|| dn::rdn_value(&entry.dn, "uid"))
    }
}

/// For an entry moved under the disabled OU, the key of the same RDN under `base_dn`.
fn moved_from(
    holds_dn: bool,
    disable: &DisableMethod,
    base_dn: &str,
    entry_dn: &str,
) -> Option<String> {
    let DisableMethod::MoveOu { ou } = disable else {
        return None;
    };
    if !holds_dn || !dn::is_below(entry_dn, ou) {
        return None;
    }
    let (rdn, _) = dn::split_first_rdn(entry_dn)?;
    let before = dn::normalize(&format!("{rdn},{base_dn}"));
    (before != dn::normalize(entry_dn)).then_some(before)
}

#[cfg(test)]
mod tests {
    use ldap3::SearchEntry;

    use super::*;

    /// A search entry as a server would send it.
    fn entry(dn: &str, attrs: &[(&str, &[&str])]) -> SearchEntry {
        SearchEntry {
            dn: dn.to_owned(),
            attrs: attrs
                .iter()
                .map(|(name, values)| {
                    (
                        (*name).to_owned(),
                        values.iter().map(|v| (*v).to_owned()).collect(),
                    )
                })
                .collect(),
            bin_attrs: Default::default(),
        }
    }

    const PEOPLE: &str = "ou=people,dc=acme,dc=example";
    const DISABLED: &str = "ou=disabled,dc=acme,dc=example";

    #[test]
    fn member_keys_match_however_the_dn_is_spelt() {
        assert_eq!(
            member_key(true, "UID=Alice, OU=People,dc=acme,dc=example"),
            member_key(true, "uid=alice,ou=people,dc=acme,dc=example")
        );
        assert_eq!(member_key(false, "Alice"), "Alice");
        let account = AccountEntry::from_entry(entry(
            "uid=bob,ou=people,dc=acme,dc=example",
            &[("uid", &["bob"])],
        ));
        assert_eq!(
            account_key(true, &account).as_deref(),
            Some("uid=bob,ou=people,dc=acme,dc=example")
        );
        assert_eq!(account_key(false, &account).as_deref(), Some("bob"));
        let no_uid = AccountEntry::from_entry(entry("cn=svc,ou=people,dc=acme,dc=example", &[]));
        assert_eq!(account_key(false, &no_uid), None);
    }

    #[test]
    fn a_moved_entry_is_also_known_by_its_old_dn() {
        let move_ou = DisableMethod::MoveOu {
            ou: DISABLED.to_owned(),
        };
        assert_eq!(
            moved_from(
                true,
                &move_ou,
                PEOPLE,
                "uid=erin,ou=disabled,dc=acme,dc=example"
            )
            .as_deref(),
            Some("uid=erin,ou=people,dc=acme,dc=example")
        );
        assert_eq!(
            moved_from(
                true,
                &move_ou,
                PEOPLE,
                "uid=erin,ou=people,dc=acme,dc=example"
            ),
            None
        );
        assert_eq!(
            moved_from(
                false,
                &move_ou,
                PEOPLE,
                "uid=erin,ou=disabled,dc=acme,dc=example"
            ),
            None
        );
        assert_eq!(
            moved_from(
                true,
                &DisableMethod::PpolicyLock,
                PEOPLE,
                "uid=erin,ou=disabled,dc=acme,dc=example"
            ),
            None
        );
    }
}
