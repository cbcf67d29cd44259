//! The store's SQL schema and its version (`PRAGMA user_version`). It owns table definitions and
//! upgrades of old files; it never reads or writes rows (the other modules do).

use rusqlite::Transaction;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Schema version 1. Account ids and names are TEXT compared byte for byte, except e-mail
/// addresses, which compare without regard to ASCII case. Timestamps are RFC 3339 UTC text;
/// dates are `YYYY-MM-DD`.
pub const SCHEMA_V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE accounts (
    account_id    TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    email         TEXT COLLATE NOCASE,
    employee_id   TEXT,
    active        INTEGER NOT NULL CHECK (active IN (0, 1)),
    sessions      INTEGER NOT NULL CHECK (sessions >= 0),
    data_retained INTEGER NOT NULL DEFAULT 0 CHECK (data_retained IN (0, 1)),
    deleted_at    TEXT
) STRICT;
CREATE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_employee_id ON accounts (employee_id);

CREATE TABLE groups (
    group_name  TEXT PRIMARY KEY,
    description TEXT NOT NULL
) STRICT;

CREATE TABLE memberships (
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    group_name TEXT NOT NULL REFERENCES groups (group_name),
    PRIMARY KEY (account_id, group_name)
) STRICT, WITHOUT ROWID;

CREATE TABLE products (
    product            TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    vendor             TEXT NOT NULL,
    monthly_cost_cents INTEGER NOT NULL CHECK (monthly_cost_cents >= 0)
) STRICT;

CREATE TABLE seats (
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    product     TEXT NOT NULL REFERENCES products (product),
    assigned_on TEXT NOT NULL,
    PRIMARY KEY (account_id, product)
) STRICT, WITHOUT ROWID;
CREATE INDEX seats_product ON seats (product);

CREATE TABLE assets (
    asset_tag   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    account_id  TEXT REFERENCES accounts (account_id),
    returned_at TEXT
) STRICT;
CREATE INDEX assets_account ON assets (account_id);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    topic       TEXT NOT NULL,
    body        TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE changes (
    id         INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    change     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX changes_account ON changes (account_id);
"#;

/// What [`migrate`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Migration {
    /// The schema is current.
    Current,
    /// The file holds a newer schema than this build knows.
    TooNew(i64),
}

/// Bring the schema up to [`SCHEMA_VERSION`] inside `tx` (an immediate transaction, so two
/// processes opening a fresh file never both create the tables).
pub(crate) fn migrate(tx: &Transaction<'_>) -> rusqlite::Result<Migration> {
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    match version {
        0 => {
            tx.execute_batch(SCHEMA_V1)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Ok(Migration::Current)
        }
        SCHEMA_VERSION => Ok(Migration::Current),
        newer => Ok(Migration::TooNew(newer)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn fresh_database_gets_every_table_and_the_version() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        let tx = conn.transaction()?;
        assert_eq!(migrate(&tx)?, Migration::Current);
        tx.commit()?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        assert_eq!(version, SCHEMA_VERSION);
        let mut stmt =
            conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")?;
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        assert_eq!(
            tables,
            [
                "accounts",
                "assets",
                "changes",
                "groups",
                "memberships",
                "meta",
                "outbox",
                "products",
                "seats"
            ]
        );
        Ok(())
    }

    #[test]
    fn migrating_twice_changes_nothing_and_newer_files_are_refused() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        for _ in 0..2 {
            let tx = conn.transaction()?;
            assert_eq!(migrate(&tx)?, Migration::Current);
            tx.commit()?;
        }
        conn.pragma_update(None, "user_version", 7)?;
        let tx = conn.transaction()?;
        assert_eq!(migrate(&tx)?, Migration::TooNew(7));
        Ok(())
    }
}
