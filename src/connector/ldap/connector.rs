//! The [`Connector`] over an LDAP directory: a name, the checked options and the TLS
//! configuration. Each call opens its own bound connection and closes it, so a connector holds
//! no connection between calls and is safe to share between threads. It translates between the
//! trait and the account rules in `account` and `apply`.

use std::sync::Arc;

use ldap3::{Scope, ldap_escape};
use rustls::ClientConfig;

use super::account::{self, AccountEntry};
use super::apply;
use super::dn;
use super::error::{LdapConfigError, rc, result_error};
use super::options::{DisableMethod, LdapOptions};
use super::session::{Session, values};
use super::tls;
use super::url::Security;
use crate::connector::{AccountState, Change, Connector, ConnectorError, Principal, ReadScope};

/// A `type: ldap` connector (OpenLDAP, 389-ds, Active Directory).
#[derive(Clone, Debug)]
pub struct LdapConnector {
    name: String,
    options: LdapOptions,
    tls: Option<Arc<ClientConfig>>,
}

impl LdapConnector {
    /// A connector named `name`. Fails when the TLS trust settings cannot be loaded; nothing
    /// is contacted until the first call.
    pub fn new(name: impl Into<String>, options: LdapOptions) -> Result<Self, LdapConfigError> {
        let tls = match options.endpoint.security() {
            Security::None => None,
            Security::StartTls | Security::Ldaps => {
                Some(tls::client_config(options.ca_file.as_deref())?)
            }
        };
        Ok(LdapConnector {
            name: name.into(),
            options,
            tls,
        })
    }

    /// The options this connector was built with.
    pub fn options(&self) -> &LdapOptions {
        &self.options
    }

    pub(super) fn session(&self) -> Result<Session, ConnectorError> {
        Session::open(&self.options, self.tls.as_ref())
    }

    /// Where `find` looks: the people base, and the disabled OU when accounts are moved
    /// there and it lies outside the people base (so a disabled account is still found).
    pub(super) fn search_bases(&self) -> Vec<&str> {
        let mut bases = vec![self.options.base_dn.as_str()];
        if let DisableMethod::MoveOu { ou } = &self.options.disable
            && !dn::is_within(ou, &self.options.base_dn)
        {
            bases.push(ou);
        }
        bases
    }
}

impl Connector for LdapConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        let attribute = &self.options.match_attribute;
        if key.is_empty() {
            return Err(ConnectorError::Permanent {
                message: format!("cannot find an entry by an empty {attribute}"),
            });
        }
        let filter = format!("({attribute}={})", ldap_escape(key));
        let mut session = self.session()?;
        let mut found = Vec::new();
        for (index, base) in self.search_bases().into_iter().enumerate() {
            let result = session.search(base, Scope::Subtree, &filter, &[attribute], Some(2))?;
            match result.result.rc {
                rc::SUCCESS | rc::SIZE_LIMIT_EXCEEDED => {}
                // The disabled OU may not exist before the first account is moved there.
                rc::NO_SUCH_OBJECT if index > 0 => continue,
                _ => {
                    let action = format!("search {base} for {attribute}={key:?}");
                    return Err(result_error(&action, &result.result));
                }
            }
            let more = result.result.rc == rc::SIZE_LIMIT_EXCEEDED;
            found.extend(result.entries);
            if more || found.len() > 1 {
                let dns: Vec<&str> = found.iter().map(|e| e.dn.as_str()).collect();
                return Err(ConnectorError::Permanent {
                    message: format!(
                        "{attribute} {key:?} matches {} entries ({}{}); correlation must be unique",
                        if more {
                            format!("more than {}", found.len())
                        } else {
                            found.len().to_string()
                        },
                        dns.join("; "),
                        if more { "; ..." } else { "" },
                    ),
                });
            }
        }
        Ok(found.pop().map(|entry| {
            let name = values(&entry, attribute)
                .iter()
                .find(|v| v.eq_ignore_ascii_case(key))
                .or_else(|| values(&entry, attribute).first())
                .cloned()
                .unwrap_or_else(|| key.to_owned());
            Principal { id: entry.dn, name }
        }))
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        self.read_scoped(principal, ReadScope::ALL)
    }

    /// Reads the entry, and searches its groups only when `scope` asks for them.
    fn read_scoped(
        &self,
        principal: &Principal,
        scope: ReadScope,
    ) -> Result<AccountState, ConnectorError> {
        let mut session = self.session()?;
        let entry = AccountEntry::locate(&mut session, &self.options, &principal.id)?;
        let groups = if scope.groups {
            account::groups(&mut session, &self.options, principal, entry.as_ref())?
        } else {
            Vec::new()
        };
        Ok(AccountState {
            exists: entry.is_some(),
            active: entry
                .as_ref()
                .is_some_and(|e| e.is_active(&self.options.disable)),
            groups: groups.into_iter().map(|g| g.name).collect(),
            sessions: None,
            groups_skipped: !scope.groups,
            ..AccountState::default()
        })
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        let unsupported = || ConnectorError::Unsupported {
            connector: self.name.clone(),
            change: change.to_string(),
        };
        if !matches!(
            change,
            Change::Deactivate | Change::RemoveGroups { .. } | Change::Delete
        ) {
            return Err(unsupported());
        }
        let mut session = self.session()?;
        let entry = AccountEntry::locate(&mut session, &self.options, &principal.id)?;
        match change {
            Change::Deactivate => apply::deactivate(&mut session, &self.options, entry.as_ref()),
            Change::RemoveGroups { groups } => apply::remove_groups(
                &mut session,
                &self.options,
                principal,
                entry.as_ref(),
                groups,
            ),
            Change::Delete => apply::delete(&mut session, entry.as_ref()),
            _ => Err(unsupported()),
        }
    }
}
