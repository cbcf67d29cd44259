//! One bound connection to the directory: connect (with TLS or StartTLS as the endpoint says),
//! simple bind, then searches and updates, each under the configured timeout. It owns turning
//! network and protocol failures into [`ConnectorError`]s and hands non-success LDAP results
//! back as data for the caller to judge; it never decides what a result means for an account,
//! never retries, and holds the password only for the bind request.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConn, LdapConnSettings, LdapResult, Mod, Scope, SearchEntry, SearchOptions};
use rustls::ClientConfig;
use secrecy::ExposeSecret;

use super::error::{rc, result_error, transport};
use super::options::LdapOptions;
use super::url::Security;
use crate::connector::ConnectorError;

/// A connection, bound as the configured DN (or anonymous).
pub(crate) struct Session {
    conn: LdapConn,
    timeout: Duration,
}

/// How a streamed search ended.
pub(crate) enum Streamed {
    /// The server sent every entry; its final result (which may still be an error code).
    Finished(LdapResult),
    /// The visitor stopped early; the search was left unfinished.
    Stopped,
}

/// The entries a search returned and its final result (which may be a size limit).
pub(crate) struct Found {
    /// The entries, referrals left out.
    pub entries: Vec<SearchEntry>,
    /// The search's result.
    pub result: LdapResult,
}

impl Session {
    /// Connect to the server of `options` and bind.
    pub fn open(
        options: &LdapOptions,
        tls: Option<&Arc<ClientConfig>>,
    ) -> Result<Session, ConnectorError> {
        let endpoint = &options.endpoint;
        let mut settings = LdapConnSettings::new().set_conn_timeout(options.timeout);
        if let Some(config) = tls {
            settings = settings.set_config(Arc::clone(config));
        }
        if endpoint.security() == Security::StartTls {
            settings = settings.set_starttls(true);
        }
        let conn = LdapConn::with_settings(settings, endpoint.connect_url())
            .map_err(|e| transport(&format!("connect to {endpoint}"), e))?;
        let mut session = Session {
            conn,
            timeout: options.timeout,
        };
        if let Some(bind) = &options.bind {
            let action = format!("bind to {endpoint} as {}", bind.dn);
            let result = session
                .conn
                .with_timeout(session.timeout)
                .simple_bind(&bind.dn, bind.password.expose_secret())
                .map_err(|e| transport(&action, e))?;
            if result.rc != rc::SUCCESS {
                return Err(result_error(&action, &result));
            }
        }
        Ok(session)
    }

    /// Search `base` with `filter`, asking for `attributes`; at most `limit` entries when given.
    pub fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: &[&str],
        limit: Option<i32>,
    ) -> Result<Found, ConnectorError> {
        let mut search_options = SearchOptions::new();
        if let Some(limit) = limit {
            search_options = search_options.sizelimit(limit);
        }
        let action = format!("search {base}");
        let ldap3::SearchResult(entries, result) = self
            .conn
            .with_timeout(self.timeout)
            .with_search_options(search_options)
            .search(base, scope, filter, attributes.to_vec())
            .map_err(|e| transport(&action, e))?;
        let entries = entries
            .into_iter()
            .filter(|entry| !entry.is_ref() && !entry.is_intermediate())
            .map(SearchEntry::construct)
            .collect();
        Ok(Found { entries, result })
    }

    /// Search `base` with `filter` in pages of `page_size` entries (the paged results control,
    /// RFC 2696, which servers without it ignore), handing each entry to `visit` as it arrives:
    /// at most one page is held at a time. Referrals are left out. Each page and each entry
    /// wait at most the configured timeout. After [`Streamed::Stopped`] the session should be
    /// dropped.
    pub fn stream(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: &[&str],
        page_size: i32,
        mut visit: impl FnMut(SearchEntry) -> ControlFlow<()>,
    ) -> Result<Streamed, ConnectorError> {
        let action = format!("search {base}");
        let adapters: Vec<Box<dyn Adapter<String, Vec<String>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(page_size.max(1))),
        ];
        let attributes: Vec<String> = attributes.iter().map(|a| (*a).to_owned()).collect();
        let mut search = self
            .conn
            .with_timeout(self.timeout)
            .streaming_search_with(adapters, base, scope, filter, attributes)
            .map_err(|e| transport(&action, e))?;
        while let Some(entry) = search.next().map_err(|e| transport(&action, e))? {
            if visit(SearchEntry::construct(entry)).is_break() {
                return Ok(Streamed::Stopped);
            }
        }
        Ok(Streamed::Finished(search.result()))
    }

    /// Modify `dn`; the result is returned whatever its code.
    pub fn modify(&mut self, dn: &str, mods: Vec<Mod<&str>>) -> Result<LdapResult, ConnectorError> {
        self.conn
            .with_timeout(self.timeout)
            .modify(dn, mods)
            .map_err(|e| transport(&format!("modify {dn}"), e))
    }

    /// Move `dn` under `new_superior`, keeping `rdn`; the result is returned whatever its code.
    pub fn move_entry(
        &mut self,
        dn: &str,
        rdn: &str,
        new_superior: &str,
    ) -> Result<LdapResult, ConnectorError> {
        self.conn
            .with_timeout(self.timeout)
            .modifydn(dn, rdn, false, Some(new_superior))
            .map_err(|e| transport(&format!("move {dn} to {new_superior}"), e))
    }

    /// Delete `dn`; the result is returned whatever its code.
    pub fn delete(&mut self, dn: &str) -> Result<LdapResult, ConnectorError> {
        self.conn
            .with_timeout(self.timeout)
            .delete(dn)
            .map_err(|e| transport(&format!("delete {dn}"), e))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Best effort: the server drops the connection on close anyway.
        let _ = self.conn.unbind();
    }
}

/// The values of `attribute` in `entry`, matching the name without regard to case.
pub(crate) fn values<'e>(entry: &'e SearchEntry, attribute: &str) -> &'e [String] {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .map(|(_, values)| values.as_slice())
        .unwrap_or(&[])
}

/// A one-attribute value set for [`Mod`].
pub(crate) fn one(value: &str) -> HashSet<&str> {
    HashSet::from([value])
}
