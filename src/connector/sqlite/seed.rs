//! Loading the seed CSV files into an empty store, all in the caller's transaction: either every
//! row lands or none does. It validates everything first and reports every problem with its file,
//! line and column; it never touches a store that was seeded before (the caller checks `meta`).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Transaction, params};

use super::error::{SeedError, SeedErrorKind};
use super::seed_table::{Problems, Row, Table, read_table, unique};

/// The seed files, in the order they are loaded, with their columns.
pub const SEED_FILES: [(&str, &[&str]); 6] = [
    (
        "accounts.csv",
        &[
            "account_id",
            "username",
            "email",
            "employee_id",
            "active",
            "sessions",
        ],
    ),
    ("groups.csv", &["group", "description"]),
    (
        "products.csv",
        &["product", "name", "vendor", "monthly_cost_cents"],
    ),
    ("memberships.csv", &["username", "group"]),
    ("seats.csv", &["username", "product", "assigned_on"]),
    ("assets.csv", &["asset_tag", "kind", "username"]),
];

/// How many rows a seed loaded, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedCounts {
    /// Rows of `accounts.csv`.
    pub accounts: usize,
    /// Rows of `groups.csv`.
    pub groups: usize,
    /// Rows of `products.csv`.
    pub products: usize,
    /// Rows of `memberships.csv`.
    pub memberships: usize,
    /// Rows of `seats.csv`.
    pub seats: usize,
    /// Rows of `assets.csv`.
    pub assets: usize,
}

struct Account {
    id: String,
    username: String,
    email: Option<String>,
    employee_id: Option<String>,
    active: bool,
    sessions: u32,
}

struct Product {
    id: String,
    name: String,
    vendor: String,
    cost: i64,
}

struct Asset {
    tag: String,
    kind: String,
    account_id: Option<String>,
}

/// Everything a valid seed holds, ready to insert.
#[derive(Default)]
struct Seed {
    accounts: Vec<Account>,
    groups: Vec<(String, String)>,
    products: Vec<Product>,
    memberships: Vec<(String, String)>,
    seats: Vec<(String, String, String)>,
    assets: Vec<Asset>,
}

/// Validate the seed files of `dir` and insert them through `tx`. On any problem nothing is
/// inserted and every problem is returned.
pub(crate) fn load(tx: &Transaction<'_>, dir: &Path) -> Result<SeedCounts, SeedFailure> {
    let seed = validate(dir).map_err(SeedFailure::Invalid)?;
    insert(tx, &seed).map_err(SeedFailure::Sql)?;
    Ok(SeedCounts {
        accounts: seed.accounts.len(),
        groups: seed.groups.len(),
        products: seed.products.len(),
        memberships: seed.memberships.len(),
        seats: seed.seats.len(),
        assets: seed.assets.len(),
    })
}

/// Why [`load`] failed.
pub(crate) enum SeedFailure {
    /// The files are invalid.
    Invalid(Vec<SeedError>),
    /// The database refused a row.
    Sql(rusqlite::Error),
}

/// The names a loaded file defines, for checking references to them. A file with problems of
/// its own answers "known" to everything: reporting each reference to it again would only
/// repeat its problems.
struct Known {
    /// Name -> the line that defined it.
    lines: HashMap<String, usize>,
    /// The file had problems.
    dirty: bool,
}

impl Known {
    fn contains(&self, name: &str) -> bool {
        self.dirty || self.lines.contains_key(name)
    }
}

/// Run `rows` over the table (if it loaded) and note whether it added problems.
fn check_table(
    table: &Option<Table>,
    problems: &mut Problems,
    mut each: impl FnMut(Row<'_>, &mut Problems),
) -> bool {
    let before = problems.0.len();
    for row in table.iter().flat_map(Table::rows) {
        each(row, problems);
    }
    table.is_none() || problems.0.len() > before
}

/// Report `name` at `column` of `row` unless `known` holds it.
fn reference(
    row: &Row<'_>,
    problems: &mut Problems,
    column: usize,
    name: &str,
    known: &Known,
    kind: fn(String) -> SeedErrorKind,
) -> bool {
    let ok = known.contains(name);
    if !ok {
        row.problem(problems, column, kind(name.to_owned()));
    }
    ok
}

fn validate(dir: &Path) -> Result<Seed, Vec<SeedError>> {
    let mut problems = Problems(Vec::new());
    let mut tables = Vec::with_capacity(SEED_FILES.len());
    let mut unreadable = Vec::with_capacity(SEED_FILES.len());
    for (name, columns) in SEED_FILES {
        let before = problems.0.len();
        tables.push(read_table(dir, name, columns, &mut problems));
        unreadable.push(problems.0.len() > before);
    }
    let mut tables = tables.into_iter();
    let mut next = || tables.next().flatten();
    let (accounts, groups, products) = (next(), next(), next());
    let (memberships, seats, assets) = (next(), next(), next());

    let mut seed = Seed::default();
    let mut usernames = HashMap::new();
    let mut account_ids = HashMap::new();
    let mut account_of: HashMap<String, String> = HashMap::new();
    let dirty = check_table(&accounts, &mut problems, |row, problems| {
        let id = row.required(problems, 0);
        let username = row.required(problems, 1);
        let active = row.boolean(problems, 4);
        let sessions = row.integer::<u32>(problems, 5);
        let id_ok = id.is_some_and(|id| unique(&mut account_ids, id, &row, 0, problems));
        let name_ok = username.is_some_and(|u| unique(&mut usernames, u, &row, 1, problems));
        if let (Some(id), Some(username), Some(active), Some(sessions), true, true) =
            (id, username, active, sessions, id_ok, name_ok)
        {
            account_of.insert(username.to_owned(), id.to_owned());
            seed.accounts.push(Account {
                id: id.to_owned(),
                username: username.to_owned(),
                email: row.optional(2).map(str::to_owned),
                employee_id: row.optional(3).map(str::to_owned),
                active,
                sessions,
            });
        }
    });
    let known_accounts = Known {
        lines: usernames,
        dirty: dirty || unreadable[0],
    };

    let mut group_names = HashMap::new();
    let dirty = check_table(&groups, &mut problems, |row, problems| {
        if let Some(group) = row.required(problems, 0)
            && unique(&mut group_names, group, &row, 0, problems)
        {
            seed.groups.push((group.to_owned(), row.raw(1).to_owned()));
        }
    });
    let known_groups = Known {
        lines: group_names,
        dirty: dirty || unreadable[1],
    };

    let mut product_ids = HashMap::new();
    let dirty = check_table(&products, &mut problems, |row, problems| {
        let id = row.required(problems, 0);
        let name = row.required(problems, 1);
        let cost = row.integer::<i64>(problems, 3);
        let id_ok = id.is_some_and(|id| unique(&mut product_ids, id, &row, 0, problems));
        if let (Some(id), Some(name), Some(cost), true) = (id, name, cost, id_ok) {
            seed.products.push(Product {
                id: id.to_owned(),
                name: name.to_owned(),
                vendor: row.raw(2).to_owned(),
                cost,
            });
        }
    });
    let known_products = Known {
        lines: product_ids,
        dirty: dirty || unreadable[2],
    };

    let mut pairs = HashMap::new();
    check_table(&memberships, &mut problems, |row, problems| {
        let username = row.required(problems, 0);
        let username = username.filter(|name| {
            reference(&row, problems, 0, name, &known_accounts, |value| {
                SeedErrorKind::UnknownAccount { value }
            })
        });
        let group = row.required(problems, 1);
        let group = group.filter(|group| {
            reference(&row, problems, 1, group, &known_groups, |value| {
                SeedErrorKind::UnknownGroup { value }
            })
        });
        if let (Some(username), Some(group)) = (username, group) {
            let pair = format!("{username},{group}");
            if unique(&mut pairs, &pair, &row, 1, problems)
                && let Some(id) = account_of.get(username)
            {
                seed.memberships.push((id.clone(), group.to_owned()));
            }
        }
    });

    let mut pairs = HashMap::new();
    check_table(&seats, &mut problems, |row, problems| {
        let username = row.required(problems, 0);
        let username = username.filter(|name| {
            reference(&row, problems, 0, name, &known_accounts, |value| {
                SeedErrorKind::UnknownAccount { value }
            })
        });
        let product = row.required(problems, 1);
        let product = product.filter(|product| {
            reference(&row, problems, 1, product, &known_products, |value| {
                SeedErrorKind::UnknownProduct { value }
            })
        });
        let date = row.date(problems, 2);
        if let (Some(username), Some(product), Some(date)) = (username, product, date) {
            let pair = format!("{username},{product}");
            if unique(&mut pairs, &pair, &row, 1, problems)
                && let Some(id) = account_of.get(username)
            {
                seed.seats.push((id.clone(), product.to_owned(), date));
            }
        }
    });

    let mut tags = HashMap::new();
    check_table(&assets, &mut problems, |row, problems| {
        let tag = row.required(problems, 0);
        let tag_ok = tag.is_some_and(|tag| unique(&mut tags, tag, &row, 0, problems));
        let kind = row.required(problems, 1);
        let holder = row.optional(2);
        let holder_ok = holder.is_none_or(|name| {
            reference(&row, problems, 2, name, &known_accounts, |value| {
                SeedErrorKind::UnknownAccount { value }
            })
        });
        if let (Some(tag), Some(kind), true, true) = (tag, kind, tag_ok, holder_ok) {
            seed.assets.push(Asset {
                tag: tag.to_owned(),
                kind: kind.to_owned(),
                account_id: holder.and_then(|name| account_of.get(name).cloned()),
            });
        }
    });

    if problems.0.is_empty() {
        Ok(seed)
    } else {
        Err(problems.0)
    }
}

fn insert(tx: &Transaction<'_>, seed: &Seed) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(
        "INSERT INTO accounts (account_id, username, email, employee_id, active, sessions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for a in &seed.accounts {
        stmt.execute(params![
            a.id,
            a.username,
            a.email,
            a.employee_id,
            a.active,
            a.sessions
        ])?;
    }
    let mut stmt = tx.prepare("INSERT INTO groups (group_name, description) VALUES (?1, ?2)")?;
    for (group, description) in &seed.groups {
        stmt.execute(params![group, description])?;
    }
    let mut stmt = tx.prepare(
        "INSERT INTO products (product, name, vendor, monthly_cost_cents) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for p in &seed.products {
        stmt.execute(params![p.id, p.name, p.vendor, p.cost])?;
    }
    let mut stmt =
        tx.prepare("INSERT INTO memberships (account_id, group_name) VALUES (?1, ?2)")?;
    for (account, group) in &seed.memberships {
        stmt.execute(params![account, group])?;
    }
    let mut stmt =
        tx.prepare("INSERT INTO seats (account_id, product, assigned_on) VALUES (?1, ?2, ?3)")?;
    for (account, product, date) in &seed.seats {
        stmt.execute(params![account, product, date])?;
    }
    let mut stmt =
        tx.prepare("INSERT INTO assets (asset_tag, kind, account_id) VALUES (?1, ?2, ?3)")?;
    for a in &seed.assets {
        stmt.execute(params![a.tag, a.kind, a.account_id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const HEADERS: [&str; 6] = [
        "account_id,username,email,employee_id,active,sessions\n",
        "group,description\n",
        "product,name,vendor,monthly_cost_cents\n",
        "username,group\n",
        "username,product,assigned_on\n",
        "asset_tag,kind,username\n",
    ];

    /// Validate a seed made of the bare headers, with `file` given `content` instead.
    fn problems(file: &str, content: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        for ((name, _), header) in SEED_FILES.iter().zip(HEADERS) {
            let text = if *name == file { content } else { header };
            fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        match validate(dir.path()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(|e| {
                    let text = e.to_string();
                    let prefix = format!("{}/", dir.path().display());
                    text.replace(&prefix, "")
                })
                .collect(),
        }
    }

    #[test]
    fn typed_values_are_strict() {
        let header = HEADERS[0];
        let cases = [
            (
                "a,b,,,true,+5",
                "column \"sessions\": expected a non-negative whole number, found \"+5\"",
            ),
            (
                "a,b,,,true,",
                "column \"sessions\": expected a non-negative whole number, found \"\"",
            ),
            (
                "a,b,,,true,4294967296",
                "column \"sessions\": expected a non-negative whole number, found \"4294967296\"",
            ),
            (
                "a,b,,,True,0",
                "column \"active\": expected true or false, found \"True\"",
            ),
            (",b,,,true,0", "column \"account_id\": must not be empty"),
            ("a,,,,true,0", "column \"username\": must not be empty"),
        ];
        for (row, expected) in cases {
            assert_eq!(
                problems("accounts.csv", &format!("{header}{row}\n")),
                [format!("accounts.csv:2: {expected}")],
                "{row}"
            );
        }
        // Surrounding spaces around typed values are tolerated.
        assert!(problems("accounts.csv", &format!("{header}a,b,,, false , 7 \n")).is_empty());
    }

    #[test]
    fn dates_must_be_full_iso_dates() {
        let header = HEADERS[4];
        for bad in [
            "2024-1-05",
            "+2024-01-01",
            "2024-01-01T00:00:00Z",
            "2024/01/01",
        ] {
            // The account and product are unknown in the bare seed, but those files are clean,
            // so only the date and the references are reported.
            let found = problems("seats.csv", &format!("{header}u,p,{bad}\n"));
            assert_eq!(
                found.last().map(String::as_str),
                Some(format!("seats.csv:2: column \"assigned_on\": expected a date YYYY-MM-DD, found {bad:?}").as_str())
            );
        }
    }

    #[test]
    fn header_problems_are_all_reported_and_a_bom_is_fine() {
        assert_eq!(
            problems("groups.csv", "group,group,extra\n"),
            [
                "groups.csv:1: column \"group\": named twice in the header row",
                "groups.csv:1: column \"extra\": unknown column",
                "groups.csv:1: column \"description\": missing from the header row",
            ]
        );
        assert!(problems("groups.csv", "\u{feff}description,group\nhelp,vpn\n").is_empty());
    }

    #[test]
    fn invalid_utf8_is_reported() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        for ((name, _), header) in SEED_FILES.iter().zip(HEADERS) {
            fs::write(dir.path().join(name), header).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        fs::write(
            dir.path().join("groups.csv"),
            b"group,description\n\xff,x\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let errors = validate(dir.path()).err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, SeedErrorKind::NotUtf8);
    }
}
