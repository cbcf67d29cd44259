//! Finding and reading accounts: the correlation attribute, and the account state the engine
//! confirms changes against. It only reads; it never changes a row.

use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::StoreError;
use super::store::{Failure, SqliteStore};
use crate::connector::{AccountState, Principal, Seat};

/// The account column a connector matches the rendered `match` value against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatchAttribute {
    /// The login name (unique). The default.
    #[default]
    Username,
    /// The e-mail address, compared without regard to ASCII case.
    Email,
    /// The HR employee id.
    EmployeeId,
}

impl MatchAttribute {
    /// The attribute's name in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchAttribute::Username => "username",
            MatchAttribute::Email => "email",
            MatchAttribute::EmployeeId => "employee_id",
        }
    }

    /// The query finding accounts by this attribute. Fixed text per attribute: the key is
    /// always bound as a parameter. Live accounts come first, then the most recently deleted.
    fn find_sql(self) -> &'static str {
        match self {
            MatchAttribute::Username => {
                "SELECT account_id, username, deleted_at IS NOT NULL FROM accounts
                 WHERE username = ?1 ORDER BY deleted_at IS NOT NULL, deleted_at DESC, username"
            }
            MatchAttribute::Email => {
                "SELECT account_id, username, deleted_at IS NOT NULL FROM accounts
                 WHERE email = ?1 ORDER BY deleted_at IS NOT NULL, deleted_at DESC, username"
            }
            MatchAttribute::EmployeeId => {
                "SELECT account_id, username, deleted_at IS NOT NULL FROM accounts
                 WHERE employee_id = ?1 ORDER BY deleted_at IS NOT NULL, deleted_at DESC, username"
            }
        }
    }
}

impl fmt::Display for MatchAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `match.attribute` the sqlite connector does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown match attribute {found:?} for a sqlite connector: expected username, email or employee_id"
)]
pub struct UnknownMatchAttribute {
    /// The attribute given.
    pub found: String,
}

impl FromStr for MatchAttribute {
    type Err = UnknownMatchAttribute;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "username" => Ok(MatchAttribute::Username),
            "email" => Ok(MatchAttribute::Email),
            "employee_id" => Ok(MatchAttribute::EmployeeId),
            other => Err(UnknownMatchAttribute {
                found: other.to_owned(),
            }),
        }
    }
}

/// How many usernames an ambiguity error lists.
const AMBIGUOUS_SHOWN: usize = 5;

impl SqliteStore {
    /// Find the account whose `attribute` equals `key`. A live account wins over deleted ones;
    /// with no live account, the most recently deleted one is returned (it reads as
    /// `exists: false`). Several live accounts with the key are an error: the correlation is
    /// ambiguous.
    pub fn find(
        &self,
        attribute: MatchAttribute,
        key: &str,
    ) -> Result<Option<Principal>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(attribute.find_sql())?;
            let mut rows = stmt.query(params![key])?;
            let mut first = None;
            let mut live = 0;
            let mut usernames = Vec::new();
            while let Some(row) = rows.next()? {
                let deleted: bool = row.get(2)?;
                let principal = Principal {
                    id: row.get(0)?,
                    name: row.get(1)?,
                };
                if !deleted {
                    live += 1;
                    if usernames.len() < AMBIGUOUS_SHOWN {
                        usernames.push(principal.name.clone());
                    }
                }
                first.get_or_insert(principal);
            }
            if live > 1 {
                return Err(Failure::Store(StoreError::Ambiguous {
                    path: self.path().to_path_buf(),
                    attribute: attribute.as_str(),
                    key: key.to_owned(),
                    count: live,
                    usernames,
                }));
            }
            Ok(first)
        })
    }

    /// Read the state of the account with id `account_id`, in one consistent snapshot. Lists
    /// are sorted. A deleted account reads `exists: false`, `active: false`, no groups, no seats,
    /// no sessions, and still shows its assets not returned and whether its data was retained.
    pub fn read(&self, account_id: &str) -> Result<AccountState, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let state = read_state(&tx, account_id)?.ok_or_else(|| StoreError::UnknownAccount {
                path: self.path().to_path_buf(),
                account_id: account_id.to_owned(),
            })?;
            tx.finish()?;
            Ok(state)
        })
    }
}

/// Read an account's state; `None` when no row has that id.
pub(crate) fn read_state(
    conn: &Connection,
    account_id: &str,
) -> rusqlite::Result<Option<AccountState>> {
    let row = conn
        .prepare_cached(
            "SELECT active, sessions, data_retained, deleted_at IS NOT NULL
             FROM accounts WHERE account_id = ?1",
        )?
        .query_row(params![account_id], |row| {
            Ok((
                row.get::<_, bool>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, bool>(2)?,
                row.get::<_, bool>(3)?,
            ))
        })
        .optional()?;
    let Some((active, sessions, data_retained, deleted)) = row else {
        return Ok(None);
    };
    let groups = conn
        .prepare_cached(
            "SELECT group_name FROM memberships WHERE account_id = ?1 ORDER BY group_name",
        )?
        .query_map(params![account_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let seats = conn
        .prepare_cached(
            "SELECT s.product, p.monthly_cost_cents FROM seats AS s
             JOIN products AS p ON p.product = s.product
             WHERE s.account_id = ?1 ORDER BY s.product",
        )?
        .query_map(params![account_id], |row| {
            Ok(Seat {
                product: row.get(0)?,
                monthly_cost_cents: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<Seat>>>()?;
    let assets = conn
        .prepare_cached(
            "SELECT asset_tag FROM assets WHERE account_id = ?1 AND returned_at IS NULL
             ORDER BY asset_tag",
        )?
        .query_map(params![account_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Some(AccountState {
        exists: !deleted,
        active: active && !deleted,
        groups,
        seats,
        sessions: Some(if deleted { 0 } else { sessions }),
        assets,
        data_retained: Some(data_retained),
        groups_skipped: false,
        kept: Vec::new(),
        auto_reply: None,
        manager: None,
        tokens: Vec::new(),
        factors: Vec::new(),
        transfers: Vec::new(),
    }))
}
