//! The changes the LDAP connector makes: disable (per the configured method), leave groups,
//! delete. Each reads what is there first and succeeds without writing when the change is
//! already in effect, and treats the server's "already so" answers (no such value, no such
//! entry) as success, so applying twice is harmless. It never retries.

use ldap3::Mod;

use super::account::{self, AccountEntry, PERMANENT_LOCK, UAC_ACCOUNT_DISABLE};
use super::dn;
use super::error::{describe, rc, result_error};
use super::options::{DisableMethod, LdapOptions};
use super::session::{Session, one};
use crate::connector::{ConnectorError, Principal};

/// Disable the account. An account that no longer exists counts as disabled.
pub(crate) fn deactivate(
    session: &mut Session,
    options: &LdapOptions,
    entry: Option<&AccountEntry>,
) -> Result<(), ConnectorError> {
    let Some(entry) = entry else {
        return Ok(());
    };
    if !entry.is_active(&options.disable) {
        return Ok(());
    }
    let dn = entry.dn.as_str();
    let result = match &options.disable {
        DisableMethod::PpolicyLock => session.modify(
            dn,
            vec![Mod::Replace("pwdAccountLockedTime", one(PERMANENT_LOCK))],
        )?,
        DisableMethod::MoveOu { ou } => {
            let Some((rdn, _)) = dn::split_first_rdn(dn) else {
                return Err(ConnectorError::Permanent {
                    message: format!("cannot move {dn:?}: not a DN"),
                });
            };
            let result = session.move_entry(dn, rdn, ou)?;
            if result.rc == rc::ENTRY_ALREADY_EXISTS {
                return Err(ConnectorError::Permanent {
                    message: format!(
                        "{}; another entry named {rdn} is already in {ou}",
                        describe(&format!("move {dn} to {ou}"), &result)
                    ),
                });
            }
            result
        }
        DisableMethod::AdUac => {
            let Some(flags) = entry.user_account_control() else {
                return Err(ConnectorError::Permanent {
                    message: match entry.user_account_control_text() {
                        Some(text) => {
                            format!("{dn}: userAccountControl {text:?} is not a number")
                        }
                        None => format!(
                            "{dn} has no userAccountControl; is this an Active Directory account?"
                        ),
                    },
                });
            };
            let disabled = (flags | UAC_ACCOUNT_DISABLE).to_string();
            session.modify(dn, vec![Mod::Replace("userAccountControl", one(&disabled))])?
        }
    };
    if result.rc == rc::SUCCESS {
        Ok(())
    } else {
        Err(result_error(&format!("disable {dn}"), &result))
    }
}

/// Take the account out of the groups named `names` (by `cn`). Groups that do not exist or do
/// not list the account are left alone.
pub(crate) fn remove_groups(
    session: &mut Session,
    options: &LdapOptions,
    principal: &Principal,
    entry: Option<&AccountEntry>,
    names: &[String],
) -> Result<(), ConnectorError> {
    let groups = account::groups_named(session, options, principal, entry, Some(names))?;
    let attribute = options.member_attribute.as_str();
    let member_values = account::member_values(options, principal, entry);
    for group in &groups {
        // One value per request: a request whose value is absent fails as a whole.
        for value in &member_values {
            let result =
                session.modify(&group.dn, vec![Mod::Delete(attribute, one(value.as_str()))])?;
            match result.rc {
                rc::SUCCESS | rc::NO_SUCH_ATTRIBUTE => {}
                65 => {
                    return Err(ConnectorError::Permanent {
                        message: format!(
                            "{}; the group's object class requires at least one {attribute} \
                             (add another member, or delete the group)",
                            describe(&format!("remove {value} from {}", group.dn), &result)
                        ),
                    });
                }
                _ => {
                    return Err(result_error(
                        &format!("remove {value} from {}", group.dn),
                        &result,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Delete the account's entry. An entry already gone is success.
pub(crate) fn delete(
    session: &mut Session,
    entry: Option<&AccountEntry>,
) -> Result<(), ConnectorError> {
    let Some(entry) = entry else {
        return Ok(());
    };
    let result = session.delete(&entry.dn)?;
    match result.rc {
        rc::SUCCESS | rc::NO_SUCH_OBJECT => Ok(()),
        _ => Err(result_error(&format!("delete {}", entry.dn), &result)),
    }
}
