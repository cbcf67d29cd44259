//! What an LDAP connector is told: the server, who to bind as, where people live, how they are
//! matched, disabled and listed in groups. This module owns checking those settings once, when
//! the connector is built, so that no value from the configuration can reach a filter or a DN
//! unchecked; it never talks to a server.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;

use super::dn;
use super::error::LdapConfigError;
use super::url::Endpoint;

/// The per-request timeout used when the configuration names none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything an [`LdapConnector`](super::LdapConnector) needs, already checked.
#[derive(Clone)]
pub struct LdapOptions {
    /// The server and how to secure the connection.
    pub endpoint: Endpoint,
    /// Who to bind as, with the password; `None` binds anonymously.
    pub bind: Option<Bind>,
    /// Where people are searched (subtree).
    pub base_dn: String,
    /// Where groups are searched (subtree).
    pub groups_base_dn: String,
    /// The attribute `find` compares the key with, e.g. `uid`.
    pub match_attribute: String,
    /// How accounts are disabled.
    pub disable: DisableMethod,
    /// The attribute groups list their members with.
    pub member_attribute: MemberAttribute,
    /// Connection and per-request timeout.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM) for `ldaps://` and StartTLS, besides the system's.
    pub ca_file: Option<PathBuf>,
}

/// A simple bind: a DN and its password.
#[derive(Clone)]
pub struct Bind {
    /// The DN to bind as.
    pub dn: String,
    /// Its password. Only ever handed to the bind request.
    pub password: SecretString,
}

impl fmt::Debug for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bind")
            .field("dn", &self.dn)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl fmt::Debug for LdapOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdapOptions")
            .field("endpoint", &self.endpoint)
            .field("bind", &self.bind)
            .field("base_dn", &self.base_dn)
            .field("groups_base_dn", &self.groups_base_dn)
            .field("match_attribute", &self.match_attribute)
            .field("disable", &self.disable)
            .field("member_attribute", &self.member_attribute)
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl LdapOptions {
    /// Check the settings of a `type: ldap` connector.
    ///
    /// `url` is `ldap://HOST[:PORT]` or `ldaps://HOST[:PORT]`, optionally with the StartTLS URL
    /// extension (`ldap://HOST/????!StartTLS`). Groups are searched under the `dc=` suffix of
    /// `base_dn` (the whole naming context), or under `base_dn` itself when it has none.
    pub fn new(
        url: &str,
        bind: Option<Bind>,
        base_dn: &str,
        match_attribute: &str,
        disable: DisableMethod,
        member_attribute: MemberAttribute,
    ) -> Result<Self, LdapConfigError> {
        let endpoint = Endpoint::parse(url)?;
        let base_dn = checked_dn("base_dn", base_dn)?;
        check_attribute("match.attribute", match_attribute)?;
        if let Some(bind) = &bind {
            checked_dn("bind_dn", &bind.dn)?;
        }
        if let DisableMethod::MoveOu { ou } = &disable {
            checked_dn("disable.ou", ou)?;
        }
        let groups_base_dn = dn::naming_context(&base_dn).unwrap_or(&base_dn).to_owned();
        Ok(LdapOptions {
            endpoint,
            bind,
            base_dn,
            groups_base_dn,
            match_attribute: match_attribute.to_owned(),
            disable,
            member_attribute,
            timeout: DEFAULT_TIMEOUT,
            ca_file: None,
        })
    }

    /// Use `timeout` for connecting and for each request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Search groups under `dn` instead of the naming context of `base_dn`.
    pub fn with_groups_base_dn(mut self, dn: &str) -> Result<Self, LdapConfigError> {
        self.groups_base_dn = checked_dn("groups base DN", dn)?;
        Ok(self)
    }

    /// Trust the CA certificates of this PEM file too, for `ldaps://` and StartTLS.
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }
}

/// How the connector disables an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisableMethod {
    /// Set `pwdAccountLockedTime: 000001010000Z` (OpenLDAP ppolicy: locked until an
    /// administrator unlocks it). Active means the attribute is absent.
    PpolicyLock,
    /// Move the entry under this OU, keeping its RDN. Active means the entry is not under it.
    MoveOu {
        /// The OU's DN.
        ou: String,
    },
    /// Set the Active Directory `userAccountControl` ACCOUNTDISABLE bit (0x2). Active means
    /// the bit is clear.
    AdUac,
}

/// The attribute a group lists its members with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberAttribute {
    /// `member` (groupOfNames, Active Directory): the member's DN.
    Member,
    /// `uniqueMember` (groupOfUniqueNames): the member's DN.
    UniqueMember,
    /// `memberUid` (posixGroup): the member's `uid`.
    MemberUid,
}

impl MemberAttribute {
    /// The attribute's name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberAttribute::Member => "member",
            MemberAttribute::UniqueMember => "uniqueMember",
            MemberAttribute::MemberUid => "memberUid",
        }
    }

    /// True when values are DNs rather than uids.
    pub fn holds_dn(self) -> bool {
        !matches!(self, MemberAttribute::MemberUid)
    }
}

impl FromStr for MemberAttribute {
    type Err = LdapConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "member" => Ok(MemberAttribute::Member),
            "uniquemember" => Ok(MemberAttribute::UniqueMember),
            "memberuid" => Ok(MemberAttribute::MemberUid),
            _ => Err(LdapConfigError::MemberAttribute {
                value: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for MemberAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An attribute description as RFC 4512 allows it: a name (letter, then letters, digits and
/// hyphens) or a numeric OID. Anything else could change the meaning of a filter.
fn check_attribute(field: &'static str, value: &str) -> Result<(), LdapConfigError> {
    let name = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let oid = !value.is_empty()
        && value
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    if name || oid {
        Ok(())
    } else {
        Err(LdapConfigError::Attribute {
            field,
            value: value.to_owned(),
        })
    }
}

fn checked_dn(field: &'static str, value: &str) -> Result<String, LdapConfigError> {
    let trimmed = value.trim();
    if dn::split_first_rdn(trimmed).is_some_and(|(rdn, _)| rdn.contains('=')) {
        Ok(trimmed.to_owned())
    } else {
        Err(LdapConfigError::Dn {
            field,
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_names_or_oids() {
        for good in ["uid", "mail", "sAMAccountName", "x-custom", "2.5.4.3"] {
            assert!(check_attribute("a", good).is_ok(), "{good}");
        }
        for bad in ["", "uid)(cn=*", "1uid", "u id", "2.5..3", "uid=", "*"] {
            assert!(check_attribute("a", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn member_attribute_parses_case_insensitively() {
        assert_eq!(
            "uniquemember".parse::<MemberAttribute>().ok(),
            Some(MemberAttribute::UniqueMember)
        );
        assert_eq!(
            "memberUid".parse::<MemberAttribute>().ok(),
            Some(MemberAttribute::MemberUid)
        );
        assert!("members".parse::<MemberAttribute>().is_err());
    }

    #[test]
    fn groups_are_searched_in_the_naming_context() {
        let options = LdapOptions::new(
            "ldap://127.0.0.1:389",
            None,
            "ou=people,dc=acme,dc=example",
            "uid",
            DisableMethod::PpolicyLock,
            MemberAttribute::Member,
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            options.map(|o| o.groups_base_dn),
            Ok("dc=acme,dc=example".to_owned())
        );
    }

    #[test]
    fn bad_dns_are_refused() {
        let options = LdapOptions::new(
            "ldap://127.0.0.1:389",
            None,
            "people",
            "uid",
            DisableMethod::PpolicyLock,
            MemberAttribute::Member,
        );
        assert_eq!(
            options.err().map(|e| e.to_string()),
            Some(
                "base_dn \"people\" is not a DN (expected e.g. ou=people,dc=example,dc=com)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn debug_never_shows_the_password() {
        let bind = Bind {
            dn: "cn=admin,dc=acme,dc=example".to_owned(),
            password: SecretString::from("hunter2-secret"),
        };
        let shown = format!("{bind:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("cn=admin"), "{shown}");
    }
}
