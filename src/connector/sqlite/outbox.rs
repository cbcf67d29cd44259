//! The `outbox` table: finance notices and notifications delivered into the store, idempotent
//! by key. It stores the exact body bytes and their SHA-256; it never sends anything anywhere.

use crate::hex::sha256_hex;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::error::StoreError;
use super::store::{Failure, SqliteStore};
use crate::clock::now_rfc3339;
use crate::connector::{Message, Receipt};

impl SqliteStore {
    /// Store `message` in the outbox unless a message with its key is there already. Either way
    /// returns the receipt of the stored row: delivering a key twice stores one row and returns
    /// the same receipt, whose `body_sha256` is that of the body stored first.
    pub fn deliver(&self, message: &Message) -> Result<Receipt, StoreError> {
        let body = message.body.to_string();
        let sha = sha256_hex(body.as_bytes());
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(receipt) = stored(&tx, &message.key)? {
                return Ok(receipt);
            }
            tx.execute(
                "INSERT INTO outbox (key, topic, body, body_sha256, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![message.key, message.topic, body, sha, now_rfc3339()],
            )?;
            let receipt = Receipt {
                key: message.key.clone(),
                delivered_to: delivered_to(tx.last_insert_rowid()),
                body_sha256: sha,
            };
            tx.commit()?;
            Ok::<_, Failure>(receipt)
        })
    }

    /// The receipt of the message stored under `key`, if any.
    pub fn receipt(&self, key: &str) -> Result<Option<Receipt>, StoreError> {
        self.with_conn(|conn| Ok(stored(conn, key)?))
    }
}

fn stored(conn: &Connection, key: &str) -> rusqlite::Result<Option<Receipt>> {
    conn.prepare_cached("SELECT id, body_sha256 FROM outbox WHERE key = ?1")?
        .query_row(params![key], |row| {
            Ok(Receipt {
                key: key.to_owned(),
                delivered_to: delivered_to(row.get(0)?),
                body_sha256: row.get(1)?,
            })
        })
        .optional()
}

/// Where a message went: its outbox row.
fn delivered_to(id: i64) -> String {
    format!("outbox/{id}")
}

#[cfg(test)]
mod tests {
    use super::sha256_hex;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
