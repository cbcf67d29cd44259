//! Inventory queries for planning, reconciling and reporting: every live account with its
//! groups and seats, streamed in account id order, and the product catalogue. Reads only, on
//! a connection of their own so a long listing never blocks changes.

use std::collections::HashMap;
use std::iter::Peekable;
use std::ops::ControlFlow;

use rusqlite::params;

use super::error::StoreError;
use super::store::SqliteStore;

/// One seat in an inventory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventorySeat {
    /// The product id.
    pub product: String,
    /// Monthly cost of the seat, in cents.
    pub monthly_cost_cents: i64,
    /// When it was assigned, `YYYY-MM-DD`.
    pub assigned_on: String,
}

/// One live (not deleted) account with its entitlements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryAccount {
    /// The store's account id.
    pub account_id: String,
    /// The login name.
    pub username: String,
    /// The e-mail address, when known.
    pub email: Option<String>,
    /// The HR employee id; `None` for service accounts.
    pub employee_id: Option<String>,
    /// Whether the account is enabled.
    pub active: bool,
    /// Group names, sorted.
    pub groups: Vec<String>,
    /// Seats, sorted by product.
    pub seats: Vec<InventorySeat>,
}

/// A product of the license catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// The product id, e.g. `github`.
    pub product: String,
    /// Its display name.
    pub name: String,
    /// Who sells it.
    pub vendor: String,
    /// Monthly cost of one seat, in cents.
    pub monthly_cost_cents: i64,
    /// Seats currently assigned.
    pub seats_assigned: u64,
}

impl SqliteStore {
    /// Call `f` with every live account, in account id order, with its groups and seats, until
    /// `f` breaks. Memory stays constant whatever the inventory's size: accounts, memberships
    /// and seats are read as three ordered cursors and merged, in one read snapshot.
    pub fn for_each_account(
        &self,
        mut f: impl FnMut(InventoryAccount) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut conn = self.read_connection()?;
        let sql = |e| StoreError::sqlite(self.path(), e);
        let tx = conn.transaction().map_err(sql)?;
        let costs = product_costs(&tx).map_err(sql)?;
        let mut accounts = tx
            .prepare(
                "SELECT account_id, username, email, employee_id, active FROM accounts
                 WHERE deleted_at IS NULL ORDER BY account_id",
            )
            .map_err(sql)?;
        let mut memberships = tx
            .prepare(
                "SELECT account_id, group_name FROM memberships ORDER BY account_id, group_name",
            )
            .map_err(sql)?;
        let mut seats = tx
            .prepare(
                "SELECT account_id, product, assigned_on FROM seats ORDER BY account_id, product",
            )
            .map_err(sql)?;
        let mut groups = memberships
            .query_map(params![], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))
            .map_err(sql)?
            .peekable();
        let mut seats = seats
            .query_map(params![], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    (row.get::<_, String>(1)?, row.get::<_, String>(2)?),
                ))
            })
            .map_err(sql)?
            .peekable();
        let rows = accounts
            .query_map(params![], |row| {
                Ok(InventoryAccount {
                    account_id: row.get(0)?,
                    username: row.get(1)?,
                    email: row.get(2)?,
                    employee_id: row.get(3)?,
                    active: row.get(4)?,
                    groups: Vec::new(),
                    seats: Vec::new(),
                })
            })
            .map_err(sql)?;
        for account in rows {
            let mut account = account.map_err(sql)?;
            account.groups = take_for(&mut groups, &account.account_id).map_err(sql)?;
            account.seats = take_for(&mut seats, &account.account_id)
                .map_err(sql)?
                .into_iter()
                .map(|(product, assigned_on)| InventorySeat {
                    monthly_cost_cents: costs.get(&product).copied().unwrap_or(0),
                    product,
                    assigned_on,
                })
                .collect();
            if f(account).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The product catalogue with the number of seats assigned, sorted by product id.
    pub fn products(&self) -> Result<Vec<Product>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT p.product, p.name, p.vendor, p.monthly_cost_cents,
                        (SELECT count(*) FROM seats AS s WHERE s.product = p.product)
                 FROM products AS p ORDER BY p.product",
            )?;
            let products = stmt
                .query_map(params![], |row| {
                    Ok(Product {
                        product: row.get(0)?,
                        name: row.get(1)?,
                        vendor: row.get(2)?,
                        monthly_cost_cents: row.get(3)?,
                        seats_assigned: row.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(products)
        })
    }
}

fn product_costs(conn: &rusqlite::Connection) -> rusqlite::Result<HashMap<String, i64>> {
    conn.prepare("SELECT product, monthly_cost_cents FROM products")?
        .query_map(params![], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

/// Take from the ordered cursor `rows` the values of `account_id`, skipping rows of accounts
/// before it (those of deleted accounts).
fn take_for<T, I>(rows: &mut Peekable<I>, account_id: &str) -> rusqlite::Result<Vec<T>>
where
    I: Iterator<Item = rusqlite::Result<(String, T)>>,
{
    let mut values = Vec::new();
    while let Some(next) = rows.peek() {
        match next {
            Err(_) => {
                if let Some(Err(error)) = rows.next() {
                    return Err(error);
                }
            }
            Ok((id, _)) if id.as_str() < account_id => {
                rows.next();
            }
            Ok((id, _)) if id == account_id => {
                if let Some(Ok((_, value))) = rows.next() {
                    values.push(value);
                }
            }
            Ok(_) => break,
        }
    }
    Ok(values)
}
