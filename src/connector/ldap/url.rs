//! The server address of an LDAP connector: an RFC 4516 URL naming only the scheme, host and
//! port, and optionally the StartTLS extension. This module owns deciding how the connection is
//! secured; it refuses URLs that carry credentials (`x-bindpw`, `bindname`), a search, or a
//! critical extension it does not know, and never connects.

use std::fmt;

use url::Url;

use super::error::LdapConfigError;

/// The StartTLS extended operation's OID, also its URL extension name (RFC 4516 style).
const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";

/// How the connection to the server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain LDAP (`ldap://`).
    None,
    /// Plain LDAP upgraded with the StartTLS operation before binding (`ldap://...????!StartTLS`).
    StartTls,
    /// TLS from the first byte (`ldaps://`).
    Ldaps,
}

/// A checked server address.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    security: Security,
}

impl Endpoint {
    /// Parse and check `text`. Accepted: `ldap://HOST[:PORT][/]`, `ldaps://HOST[:PORT][/]`, and
    /// either with the StartTLS extension `????StartTLS` (or `????!StartTLS`, or the OID
    /// `1.3.6.1.4.1.1466.20037`) on `ldap://`.
    pub fn parse(text: &str) -> Result<Self, LdapConfigError> {
        let invalid = |reason: &str| LdapConfigError::Url {
            url: redact(text),
            reason: reason.to_owned(),
        };
        let mut url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
        let mut security = match url.scheme() {
            "ldap" => Security::None,
            "ldaps" => Security::Ldaps,
            other => {
                return Err(invalid(&format!(
                    "scheme `{other}` is not supported (use ldap:// or ldaps://)"
                )));
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL names no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "credentials do not belong in the URL (use bind_dn and password_env)",
            ));
        }
        if !matches!(url.path(), "" | "/") {
            return Err(invalid(
                "the URL must not name a base DN (use base_dn instead)",
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("the URL must not have a fragment"));
        }
        if let Some(query) = url.query() {
            let mut parts = query.splitn(4, '?');
            let search: Vec<&str> = parts.by_ref().take(3).collect();
            if search.iter().any(|p| !p.is_empty()) {
                return Err(invalid(
                    "the URL must not name attributes, a scope or a filter",
                ));
            }
            for extension in parts.next().unwrap_or("").split(',') {
                let (critical, rest) = match extension.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, extension),
                };
                let name = rest.split('=').next().unwrap_or("");
                if name.is_empty() {
                    continue;
                }
                if name == STARTTLS_OID || name.eq_ignore_ascii_case("starttls") {
                    if security == Security::Ldaps {
                        return Err(invalid("StartTLS is for ldap://; ldaps:// is TLS already"));
                    }
                    security = Security::StartTls;
                } else if name.eq_ignore_ascii_case("x-bindpw")
                    || name.eq_ignore_ascii_case("bindname")
                    || name == "1.3.6.1.4.1.10094.1.5.1"
                {
                    return Err(invalid(
                        "credentials do not belong in the URL (use bind_dn and password_env)",
                    ));
                } else if critical {
                    return Err(invalid(&format!(
                        "critical extension `{name}` is not supported"
                    )));
                }
            }
        }
        url.set_query(None);
        url.set_path("");
        Ok(Endpoint { url, security })
    }

    /// The URL to connect to: scheme, host and port only.
    pub fn connect_url(&self) -> &str {
        self.url.as_str()
    }

    /// How the connection is secured.
    pub fn security(&self) -> Security {
        self.security
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url.as_str())
            .field("security", &self.security)
            .finish()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str().trim_end_matches('/'))?;
        if self.security == Security::StartTls {
            f.write_str(" (StartTLS)")?;
        }
        Ok(())
    }
}

/// `text` as it may be shown in an error: everything after `?` and any `user:password@` cut,
/// since those are the places a careless URL carries a secret.
fn redact(text: &str) -> String {
    let mut shown = text.split('?').next().unwrap_or("").to_owned();
    if let Some(scheme_end) = shown.find("://") {
        let after = &shown[scheme_end + 3..];
        if let Some(at) = after.find('@') {
            shown = format!("{}{}", &shown[..scheme_end + 3], &after[at + 1..]);
        }
    }
    if shown.len() < text.len() {
        shown.push_str(" (rest not shown)");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<(String, Security), String> {
        Endpoint::parse(text)
            .map(|e| (e.connect_url().to_owned(), e.security()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_the_three_ways_to_connect() {
        assert_eq!(
            parsed("ldap://127.0.0.1:3890"),
            Ok(("ldap://127.0.0.1:3890".to_owned(), Security::None))
        );
        assert_eq!(
            parsed("ldaps://ldap.acme.example/"),
            Ok(("ldaps://ldap.acme.example".to_owned(), Security::Ldaps))
        );
        for starttls in [
            "ldap://ldap.acme.example:389/????!StartTLS",
            "ldap://ldap.acme.example:389/????starttls",
            "ldap://ldap.acme.example:389/????!1.3.6.1.4.1.1466.20037",
        ] {
            assert_eq!(
                parsed(starttls),
                Ok((
                    "ldap://ldap.acme.example:389".to_owned(),
                    Security::StartTls
                )),
                "{starttls}"
            );
        }
    }

    #[test]
    fn refuses_what_does_not_belong() {
        let cases = [
            ("http://x", "scheme `http` is not supported"),
            ("ldap:///", "names no host"),
            ("ldap://x/dc=acme", "must not name a base DN"),
            ("ldap://x/?cn??(uid=*)", "must not name attributes"),
            ("ldaps://x/????!StartTLS", "ldaps:// is TLS already"),
            ("ldap://x/????!1.2.3", "critical extension `1.2.3`"),
        ];
        for (url, expected) in cases {
            let error = parsed(url).err().unwrap_or_default();
            assert!(error.contains(expected), "{url}: {error}");
        }
    }

    #[test]
    fn never_shows_a_password_from_the_url() {
        for url in [
            "ldap://admin:hunter2@x",
            "ldap://x/????x-bindpw=hunter2",
            "ldap://x/????!X-BindPW=hunter2,bindname=cn%3Dadmin",
        ] {
            let error = parsed(url).err().unwrap_or_default();
            assert!(
                error.contains("credentials do not belong"),
                "{url}: {error}"
            );
            assert!(!error.contains("hunter2"), "{url}: {error}");
        }
    }
}
