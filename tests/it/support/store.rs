//! The store as the tests read it: plain `rusqlite` and SQL on the SQLite file, never the
//! store's own read functions, so a wrong write cannot hide behind a matching wrong read.

use std::path::Path;

use rusqlite::Connection;
use serde_json::Value;

/// A plain connection to the store file at `path`.
pub fn open(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

/// One integer.
pub fn count(db: &Connection, sql: &str, params: impl rusqlite::Params) -> i64 {
    db.query_row(sql, params, |row| row.get(0)).unwrap()
}

/// The audit trail: `(account, change)` in order of application.
pub fn changes(db: &Connection) -> Vec<(String, String)> {
    let mut stmt = db
        .prepare("SELECT account_id, change FROM changes ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The outbox: `(key, topic, body)` in order of delivery.
pub fn outbox(db: &Connection) -> Vec<(String, String, Value)> {
    let mut stmt = db
        .prepare("SELECT key, topic, body FROM outbox ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        let body: String = r.get(2)?;
        Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&body).unwrap()))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}
