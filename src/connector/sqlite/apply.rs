//! Applying one [`Change`] to an account, idempotently, each in its own immediate transaction,
//! and recording in the `changes` table what changed, only when something did. It never reads
//! configuration or decides whether a change should happen (the engine does).

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::{Value, json};

use super::error::StoreError;
use super::store::{Failure, SqliteStore};
use crate::clock::now_rfc3339;
use crate::connector::Change;

/// The columns of an account a change looks at.
struct AccountRow {
    active: bool,
    sessions: u32,
    data_retained: bool,
    deleted: bool,
}

impl SqliteStore {
    /// Apply `change` to the account with id `account_id`. Returns whether anything changed:
    /// `false` when the change was already in effect (then nothing is written).
    ///
    /// Groups, products or asset tags the account does not hold are already "removed",
    /// "released" or "returned": they are skipped, not errors. On a deleted account every
    /// change is in effect except recording asset returns, which still works.
    pub fn apply(&self, account_id: &str, change: &Change) -> Result<bool, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let account = load(&tx, account_id)?.ok_or_else(|| StoreError::UnknownAccount {
                path: self.path().to_path_buf(),
                account_id: account_id.to_owned(),
            })?;
            let detail = apply_in(&tx, account_id, &account, change)?;
            if let Some(detail) = &detail {
                tx.execute(
                    "INSERT INTO changes (account_id, change, detail, changed_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![account_id, change.kind(), detail.to_string(), now_rfc3339()],
                )?;
            }
            tx.commit()?;
            Ok(detail.is_some())
        })
    }
}

fn load(tx: &Transaction<'_>, account_id: &str) -> rusqlite::Result<Option<AccountRow>> {
    tx.query_row(
        "SELECT active, sessions, data_retained, deleted_at IS NOT NULL
         FROM accounts WHERE account_id = ?1",
        params![account_id],
        |row| {
            Ok(AccountRow {
                active: row.get(0)?,
                sessions: row.get(1)?,
                data_retained: row.get(2)?,
                deleted: row.get(3)?,
            })
        },
    )
    .optional()
}

/// Make the change; `Some(detail)` describes what changed, `None` means nothing did.
fn apply_in(
    tx: &Transaction<'_>,
    id: &str,
    account: &AccountRow,
    change: &Change,
) -> Result<Option<Value>, Failure> {
    let detail = match change {
        Change::Deactivate if account.deleted || !account.active => None,
        Change::Deactivate => {
            tx.execute(
                "UPDATE accounts SET active = 0 WHERE account_id = ?1",
                params![id],
            )?;
            Some(json!({ "active": false }))
        }
        Change::RevokeSessions if account.deleted || account.sessions == 0 => None,
        Change::RevokeSessions => {
            tx.execute(
                "UPDATE accounts SET sessions = 0 WHERE account_id = ?1",
                params![id],
            )?;
            Some(json!({ "sessions_revoked": account.sessions }))
        }
        Change::RemoveGroups { groups } => {
            let mut left = Vec::new();
            let mut stmt = tx.prepare_cached(
                "DELETE FROM memberships WHERE account_id = ?1 AND group_name = ?2",
            )?;
            for group in sorted(groups) {
                if stmt.execute(params![id, group])? > 0 {
                    left.push(group);
                }
            }
            (!left.is_empty()).then(|| json!({ "groups": left }))
        }
        Change::ReleaseSeats { products } => {
            let seats = release_seats(tx, id, &sorted(products))?;
            (!seats.is_empty()).then(|| seats_detail(&seats))
        }
        Change::ReturnAssets { assets } => {
            let mut returned = Vec::new();
            let mut stmt = tx.prepare_cached(
                "UPDATE assets SET returned_at = ?3
                 WHERE asset_tag = ?1 AND account_id = ?2 AND returned_at IS NULL",
            )?;
            let at = now_rfc3339();
            for tag in sorted(assets) {
                if stmt.execute(params![tag, id, at])? > 0 {
                    returned.push(tag);
                }
            }
            (!returned.is_empty()).then(|| json!({ "assets": returned }))
        }
        Change::RetainData if account.deleted || account.data_retained => None,
        Change::RetainData => {
            tx.execute(
                "UPDATE accounts SET data_retained = 1 WHERE account_id = ?1",
                params![id],
            )?;
            Some(json!({ "data_retained": true }))
        }
        Change::Delete if account.deleted => None,
        Change::Delete => Some(delete(tx, id, account)?),
        // The store has no mailboxes, no data to transfer and no sign-in factors: its
        // connector refuses these changes before the store is asked.
        Change::SetAutoReply { .. } | Change::TransferData { .. } | Change::ResetFactors => None,
    };
    Ok(detail)
}

/// Hard-delete: the account row stays (so the audit trail keeps its subject) but is marked
/// deleted, loses its memberships, seats and sessions, and is never active again.
fn delete(tx: &Transaction<'_>, id: &str, account: &AccountRow) -> Result<Value, Failure> {
    let groups = tx
        .prepare_cached("DELETE FROM memberships WHERE account_id = ?1 RETURNING group_name")?
        .query_map(params![id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let products = tx
        .prepare_cached("SELECT product FROM seats WHERE account_id = ?1")?
        .query_map(params![id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let seats = release_seats(tx, id, &sorted(&products))?;
    tx.execute(
        "UPDATE accounts SET deleted_at = ?2, active = 0, sessions = 0 WHERE account_id = ?1",
        params![id, now_rfc3339()],
    )?;
    let mut groups = groups;
    groups.sort();
    let mut detail = seats_detail(&seats);
    detail["groups"] = json!(groups);
    detail["was_active"] = json!(account.active);
    detail["sessions_revoked"] = json!(account.sessions);
    Ok(detail)
}

/// Release the account's seats of `products`; returns (product, monthly cost) of those freed.
fn release_seats(
    tx: &Transaction<'_>,
    id: &str,
    products: &[&String],
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut freed = Vec::new();
    let mut held = tx.prepare_cached(
        "SELECT p.monthly_cost_cents FROM seats AS s
         JOIN products AS p ON p.product = s.product
         WHERE s.account_id = ?1 AND s.product = ?2",
    )?;
    let mut release =
        tx.prepare_cached("DELETE FROM seats WHERE account_id = ?1 AND product = ?2")?;
    for product in products {
        let cost: Option<i64> = held
            .query_row(params![id, product], |row| row.get(0))
            .optional()?;
        if let Some(cost) = cost {
            release.execute(params![id, product])?;
            freed.push(((*product).clone(), cost));
        }
    }
    Ok(freed)
}

fn seats_detail(seats: &[(String, i64)]) -> Value {
    let total: i64 = seats.iter().map(|(_, cost)| cost).sum();
    let seats: Vec<Value> = seats
        .iter()
        .map(|(product, cost)| json!({ "product": product, "monthly_cost_cents": cost }))
        .collect();
    json!({ "seats": seats, "monthly_cost_cents": total })
}

/// The names of a change, sorted and without repeats, so details are deterministic.
fn sorted(names: &[String]) -> Vec<&String> {
    let mut names: Vec<&String> = names.iter().collect();
    names.sort();
    names.dedup();
    names
}
