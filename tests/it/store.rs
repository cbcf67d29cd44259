//! The embedded sqlite store through its public API. Every test seeds a store in a fresh temp
//! directory, and checks what the SQLite file holds afterwards with a plain `rusqlite`
//! connection and SQL, independently of the store's own read functions.

use std::fs;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use offboard::connector::sqlite::{
    InventoryAccount, InventorySeat, MatchAttribute, Product, SqliteConnector, SqliteStore,
    StoreError, StoreOptions,
};
use offboard::connector::{
    AccountState, Change, Connector, ConnectorError, Message, Messenger, Principal, Seat,
};
use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn acme_seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store/acme")
}

/// A temp directory with a store seeded from the acme fixture.
struct Fixture {
    dir: TempDir,
    store: Arc<SqliteStore>,
}

impl Fixture {
    fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = SqliteStore::open(dir.path().join("state/acme.db"), Some(&acme_seed()))?;
        Ok(Fixture {
            dir,
            store: Arc::new(store),
        })
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("state/acme.db")
    }

    fn connector(&self, attribute: MatchAttribute) -> SqliteConnector {
        SqliteConnector::new("directory", Arc::clone(&self.store), attribute)
    }

    /// A plain connection to the file, independent of the store.
    fn raw(&self) -> rusqlite::Result<Connection> {
        Connection::open(self.db())
    }
}

fn count(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<i64> {
    conn.query_row(sql, params, |row| row.get(0))
}

fn strings(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map(params, |row| row.get(0))
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The `changes` rows of an account: (change kind, detail JSON).
fn changes(conn: &Connection, account_id: &str) -> Vec<(String, Value)> {
    let mut stmt = conn
        .prepare("SELECT change, detail FROM changes WHERE account_id = ?1 ORDER BY id")
        .expect("prepare changes query");
    stmt.query_map([account_id], |row| {
        let detail: String = row.get(1)?;
        Ok((
            row.get(0)?,
            serde_json::from_str(&detail).unwrap_or(Value::Null),
        ))
    })
    .and_then(|rows| rows.collect())
    .expect("read changes")
}

fn principal(id: &str, name: &str) -> Principal {
    Principal {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

fn alice() -> Principal {
    principal("a-1001", "alice")
}

#[test]
fn seeding_loads_every_row_as_written() -> TestResult {
    let fx = Fixture::new()?;
    let db = fx.raw()?;
    for (table, rows) in [
        ("accounts", 7),
        ("groups", 5),
        ("products", 4),
        ("memberships", 9),
        ("seats", 8),
        ("assets", 4),
        ("outbox", 0),
        ("changes", 0),
    ] {
        let found = count(&db, &format!("SELECT count(*) FROM {table}"), [])?;
        assert_eq!(found, rows, "rows in {table}");
    }
    let alice: (
        String,
        String,
        Option<String>,
        i64,
        i64,
        i64,
        Option<String>,
    ) = db.query_row(
        "SELECT username, email, employee_id, active, sessions, data_retained, deleted_at
         FROM accounts WHERE account_id = 'a-1001'",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    assert_eq!(
        alice,
        (
            "alice".into(),
            "alice@acme.example".into(),
            Some("E1001".into()),
            1,
            3,
            0,
            None
        )
    );
    let service: (Option<String>, Option<String>) = db.query_row(
        "SELECT email, employee_id FROM accounts WHERE username = 'svc-backup'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(service, (None, None), "empty CSV values are NULL");
    assert_eq!(
        strings(
            &db,
            "SELECT description FROM groups WHERE group_name = 'finance, ops'",
            []
        ),
        ["Finance operations, incl. \"payroll\""]
    );
    assert_eq!(
        strings(
            &db,
            "SELECT asset_tag FROM assets WHERE account_id IS NULL",
            []
        ),
        ["LT-0099"],
        "an asset with no holder is stock"
    );
    let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, 1);
    let mode: String = db.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    assert!(fx.store.is_seeded()?);
    Ok(())
}

#[test]
fn opening_again_never_reloads_the_seed() -> TestResult {
    let fx = Fixture::new()?;
    let other_seed = fx.dir.path().join("other-seed");
    copy_seed(&other_seed)?;
    fs::write(
        other_seed.join("accounts.csv"),
        "account_id,username,email,employee_id,active,sessions\nz-1,zed,,,true,0\n",
    )?;
    for seed in [Some(acme_seed()), Some(other_seed), None] {
        SqliteStore::open(fx.db(), seed.as_deref())?;
    }
    let db = fx.raw()?;
    assert_eq!(count(&db, "SELECT count(*) FROM accounts", [])?, 7);
    assert_eq!(count(&db, "SELECT count(*) FROM seats", [])?, 8);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM accounts WHERE username = 'zed'",
            []
        )?,
        0
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM meta WHERE key = 'seeded_at'", [])?,
        1
    );
    Ok(())
}

#[test]
fn a_store_opened_without_seed_is_seeded_on_the_first_open_with_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("deep/er/store.db");
    let store = SqliteStore::open(&db, None)?;
    assert!(!store.is_seeded()?);
    assert!(
        db.exists(),
        "the file and its parent directories are created"
    );
    drop(store);
    let store = SqliteStore::open(&db, Some(&acme_seed()))?;
    assert!(store.is_seeded()?);
    let raw = Connection::open(&db)?;
    assert_eq!(count(&raw, "SELECT count(*) FROM accounts", [])?, 7);
    Ok(())
}

fn copy_seed(to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(acme_seed())? {
        let entry = entry?;
        fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Seed a fresh store from the acme fixture with `file` replaced by `content` (or removed when
/// `None`); return the error message with the seed directory shown as `<seed>`.
fn seed_error(file: &str, content: Option<&str>) -> Result<String, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed");
    copy_seed(&seed)?;
    match content {
        Some(content) => fs::write(seed.join(file), content)?,
        None => fs::remove_file(seed.join(file))?,
    }
    let db = dir.path().join("store.db");
    let error = match SqliteStore::open(&db, Some(&seed)) {
        Ok(_) => return Err(format!("seeding with a bad {file} succeeded").into()),
        Err(error) => error,
    };
    assert!(matches!(error, StoreError::Seed { .. }), "{error:?}");
    // Nothing at all was written: not even the schema.
    let raw = Connection::open(&db)?;
    assert_eq!(count(&raw, "SELECT count(*) FROM sqlite_schema", [])?, 0);
    let version: i64 = raw.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, 0);
    Ok(error
        .to_string()
        .replace(&format!("{}/", seed.display()), "<seed>/"))
}

#[test]
fn bad_seed_files_are_reported_with_file_line_and_column() -> TestResult {
    const ACCOUNTS: &str = "account_id,username,email,employee_id,active,sessions\n";
    let cases: &[(&str, Option<&str>, &str)] = &[
        (
            "assets.csv",
            None,
            "invalid seed: <seed>/assets.csv: cannot read seed file: No such file or directory (os error 2)",
        ),
        (
            "groups.csv",
            Some(""),
            "invalid seed: <seed>/groups.csv: empty file: expected a header row",
        ),
        (
            "accounts.csv",
            Some("account_id,username,email,active,sessions\n"),
            "invalid seed: <seed>/accounts.csv:1: column \"employee_id\": missing from the header row",
        ),
        (
            "groups.csv",
            Some("group,description,colour\n"),
            "invalid seed: <seed>/groups.csv:1: column \"colour\": unknown column",
        ),
        (
            "accounts.csv",
            Some(&format!("{ACCOUNTS}a-1,alice,,,true,0\na-2,bob,,,yes,0\n")),
            "invalid seed: <seed>/accounts.csv:3: column \"active\": expected true or false, found \"yes\"",
        ),
        (
            "accounts.csv",
            Some(&format!("{ACCOUNTS}a-1,alice,,,true,-1\n")),
            "invalid seed: <seed>/accounts.csv:2: column \"sessions\": expected a non-negative whole number, found \"-1\"",
        ),
        (
            "products.csv",
            Some("product,name,vendor,monthly_cost_cents\ngithub,GitHub,GitHub,21.00\n"),
            "invalid seed: <seed>/products.csv:2: column \"monthly_cost_cents\": expected a non-negative whole number, found \"21.00\"",
        ),
        (
            "seats.csv",
            Some("username,product,assigned_on\nalice,github,2023-02-30\n"),
            "invalid seed: <seed>/seats.csv:2: column \"assigned_on\": expected a date YYYY-MM-DD, found \"2023-02-30\"",
        ),
        (
            "accounts.csv",
            Some(&format!(
                "{ACCOUNTS}a-1,alice,,,true,0\na-2,bob,,,true,0\na-3,alice,,,true,0\n"
            )),
            "invalid seed: <seed>/accounts.csv:4: column \"username\": duplicate \"alice\" (first on line 2)",
        ),
        (
            "memberships.csv",
            Some("username,group\nalice,vpn\nmallory,vpn\n"),
            "invalid seed: <seed>/memberships.csv:3: column \"username\": unknown account \"mallory\" (not in accounts.csv)",
        ),
        (
            "memberships.csv",
            Some("username,group\nalice,vpnn\n"),
            "invalid seed: <seed>/memberships.csv:2: column \"group\": unknown group \"vpnn\" (not in groups.csv)",
        ),
        (
            "seats.csv",
            Some("username,product,assigned_on\nalice,figma,2024-01-01\n"),
            "invalid seed: <seed>/seats.csv:2: column \"product\": unknown product \"figma\" (not in products.csv)",
        ),
        (
            "assets.csv",
            Some("asset_tag,kind,username\nLT-1,laptop,ghost\n"),
            "invalid seed: <seed>/assets.csv:2: column \"username\": unknown account \"ghost\" (not in accounts.csv)",
        ),
        (
            "groups.csv",
            Some("group,description\nvpn,\"Remote\naccess\nadmins,x\n"),
            "invalid seed: <seed>/groups.csv:2: quoted field is never closed",
        ),
        (
            "groups.csv",
            Some("group,description\n\"multi\nline\",ok\nvpn\n"),
            "invalid seed: <seed>/groups.csv:4: expected 2 fields, found 1",
        ),
    ];
    for (file, content, expected) in cases {
        assert_eq!(
            &seed_error(file, *content)?,
            expected,
            "{file}: {content:?}"
        );
    }
    Ok(())
}

#[test]
fn every_seed_problem_is_reported_at_once() -> TestResult {
    let message = seed_error(
        "seats.csv",
        Some(
            "username,product,assigned_on\nnobody,github,01/02/2023\nalice,github,2023-01-01\nalice,github,2023-01-02\n",
        ),
    )?;
    assert_eq!(
        message,
        "invalid seed (3 problems):\n  \
         <seed>/seats.csv:2: column \"username\": unknown account \"nobody\" (not in accounts.csv)\n  \
         <seed>/seats.csv:2: column \"assigned_on\": expected a date YYYY-MM-DD, found \"01/02/2023\"\n  \
         <seed>/seats.csv:4: column \"product\": duplicate \"alice,github\" (first on line 3)"
    );
    Ok(())
}

#[test]
fn a_failed_seed_leaves_nothing_and_a_fixed_one_loads() -> TestResult {
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed");
    copy_seed(&seed)?;
    let good = fs::read_to_string(seed.join("assets.csv"))?;
    fs::write(
        seed.join("assets.csv"),
        format!("{good}LT-9,laptop,ghost\n"),
    )?;
    let db = dir.path().join("store.db");
    assert!(SqliteStore::open(&db, Some(&seed)).is_err());
    fs::write(seed.join("assets.csv"), good)?;
    SqliteStore::open(&db, Some(&seed))?;
    let raw = Connection::open(&db)?;
    assert_eq!(count(&raw, "SELECT count(*) FROM accounts", [])?, 7);
    assert_eq!(count(&raw, "SELECT count(*) FROM assets", [])?, 4);
    Ok(())
}

#[test]
fn a_newer_schema_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    fx.raw()?.pragma_update(None, "user_version", 9)?;
    let error = SqliteStore::open(fx.db(), None)
        .err()
        .ok_or("opened a newer schema")?;
    assert_eq!(
        error.to_string(),
        format!(
            "sqlite store {} has schema version 9; this offboard supports up to 1",
            fx.db().display()
        )
    );
    Ok(())
}

#[test]
fn find_matches_the_configured_attribute() -> TestResult {
    let fx = Fixture::new()?;
    let by_name = fx.connector(MatchAttribute::Username);
    let by_email = fx.connector(MatchAttribute::Email);
    let by_id = fx.connector(MatchAttribute::EmployeeId);
    assert_eq!(by_name.find("alice")?, Some(alice()));
    assert_eq!(by_name.find("Alice")?, None, "usernames are exact");
    assert_eq!(by_name.find("alice@acme.example")?, None);
    assert_eq!(by_email.find("ALICE@acme.example")?, Some(alice()));
    assert_eq!(
        by_email.find("bob@acme.example")?,
        Some(principal("a-1002", "bob"))
    );
    assert_eq!(by_id.find("E1003")?, Some(principal("a-1003", "carol")));
    assert_eq!(
        by_id.find("")?,
        None,
        "service accounts have no employee id"
    );
    assert_eq!(by_email.find("")?, None);
    assert_eq!(by_id.find("E9999")?, None);
    Ok(())
}

#[test]
fn an_ambiguous_key_is_a_permanent_error_naming_the_accounts() -> TestResult {
    let fx = Fixture::new()?;
    let error = fx
        .connector(MatchAttribute::EmployeeId)
        .find("E1005")
        .err()
        .ok_or("an ambiguous key matched one account")?;
    let ConnectorError::Permanent { message } = error else {
        return Err(format!("not permanent: {error:?}").into());
    };
    assert_eq!(
        message,
        format!(
            "employee_id \"E1005\" matches 2 accounts in {} (erin, erin-admin); correlation must be unique",
            fx.db().display()
        )
    );
    // Once one of them is deleted, the live one is found.
    fx.store.apply("a-1006", &Change::Delete)?;
    assert_eq!(
        fx.connector(MatchAttribute::Email)
            .find("erin@acme.example")?,
        Some(principal("a-1005", "erin"))
    );
    Ok(())
}

#[test]
fn read_reports_the_account_sorted() -> TestResult {
    let fx = Fixture::new()?;
    let state = fx.connector(MatchAttribute::Username).read(&alice())?;
    assert_eq!(
        state,
        AccountState {
            exists: true,
            active: true,
            groups: vec!["admins".into(), "engineering".into(), "vpn".into()],
            seats: vec![
                Seat {
                    product: "github".into(),
                    monthly_cost_cents: 2100
                },
                Seat {
                    product: "jetbrains".into(),
                    monthly_cost_cents: 2490
                },
                Seat {
                    product: "slack".into(),
                    monthly_cost_cents: 1250
                },
            ],
            sessions: Some(3),
            assets: vec!["LT-0001".into(), "YK-0001".into()],
            data_retained: Some(false),
            groups_skipped: false,
            kept: Vec::new(),
            auto_reply: None,
            manager: None,
            tokens: Vec::new(),
            factors: Vec::new(),
            transfers: Vec::new(),
        }
    );
    let unknown = fx
        .connector(MatchAttribute::Username)
        .read(&principal("a-0000", "nobody"))
        .err()
        .ok_or("read an unknown principal")?;
    assert!(
        matches!(&unknown, ConnectorError::Permanent { message } if message.contains("no account with id \"a-0000\"")),
        "{unknown:?}"
    );
    Ok(())
}

/// Apply `change` to alice twice; the second time changes nothing.
fn apply_twice(fx: &Fixture, change: &Change) -> TestResult {
    let connector = fx.connector(MatchAttribute::Username);
    assert!(
        fx.store.apply("a-1001", change)?,
        "first apply of {change} changed something"
    );
    connector.apply(&alice(), change)?;
    assert!(
        !fx.store.apply("a-1001", change)?,
        "third apply of {change} changed nothing"
    );
    assert!(change.is_satisfied_by(&connector.read(&alice())?));
    Ok(())
}

#[test]
fn deactivate_and_revoke_sessions() -> TestResult {
    let fx = Fixture::new()?;
    apply_twice(&fx, &Change::Deactivate)?;
    apply_twice(&fx, &Change::RevokeSessions)?;
    let db = fx.raw()?;
    let (active, sessions): (i64, i64) = db.query_row(
        "SELECT active, sessions FROM accounts WHERE account_id = 'a-1001'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!((active, sessions), (0, 0));
    assert_eq!(
        changes(&db, "a-1001"),
        [
            ("deactivate".to_owned(), json!({ "active": false })),
            (
                "revoke_sessions".to_owned(),
                json!({ "sessions_revoked": 3 })
            ),
        ]
    );
    // Other accounts are untouched.
    assert_eq!(
        count(&db, "SELECT count(*) FROM accounts WHERE active = 1", [])?,
        5
    );
    Ok(())
}

#[test]
fn remove_groups_leaves_only_those_named() -> TestResult {
    let fx = Fixture::new()?;
    let change = Change::RemoveGroups {
        groups: vec!["vpn".into(), "admins".into(), "sales".into(), "vpn".into()],
    };
    apply_twice(&fx, &change)?;
    let db = fx.raw()?;
    assert_eq!(
        strings(
            &db,
            "SELECT group_name FROM memberships WHERE account_id = 'a-1001'",
            []
        ),
        ["engineering"]
    );
    assert_eq!(
        changes(&db, "a-1001"),
        [(
            "remove_groups".to_owned(),
            json!({ "groups": ["admins", "vpn"] })
        )]
    );
    assert_eq!(count(&db, "SELECT count(*) FROM memberships", [])?, 7);
    Ok(())
}

#[test]
fn release_seats_records_the_monthly_cost_freed() -> TestResult {
    let fx = Fixture::new()?;
    let change = Change::ReleaseSeats {
        products: vec!["slack".into(), "github".into(), "salesforce".into()],
    };
    apply_twice(&fx, &change)?;
    let db = fx.raw()?;
    assert_eq!(
        strings(
            &db,
            "SELECT product FROM seats WHERE account_id = 'a-1001'",
            []
        ),
        ["jetbrains"]
    );
    assert_eq!(
        changes(&db, "a-1001"),
        [(
            "release_seats".to_owned(),
            json!({
                "seats": [
                    { "product": "github", "monthly_cost_cents": 2100 },
                    { "product": "slack", "monthly_cost_cents": 1250 },
                ],
                "monthly_cost_cents": 3350,
            })
        )]
    );
    // Bob's slack seat is still there.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM seats WHERE product = 'slack'",
            []
        )?,
        2
    );
    Ok(())
}

#[test]
fn return_assets_marks_only_the_holders_assets() -> TestResult {
    let fx = Fixture::new()?;
    let change = Change::ReturnAssets {
        assets: vec!["LT-0001".into(), "LT-0002".into(), "NOPE-1".into()],
    };
    apply_twice(&fx, &change)?;
    let db = fx.raw()?;
    assert_eq!(
        strings(
            &db,
            "SELECT asset_tag FROM assets WHERE returned_at IS NOT NULL ORDER BY asset_tag",
            []
        ),
        ["LT-0001"],
        "bob's laptop is not alice's to return"
    );
    let returned_at: String = db.query_row(
        "SELECT returned_at FROM assets WHERE asset_tag = 'LT-0001'",
        [],
        |r| r.get(0),
    )?;
    assert!(
        time::OffsetDateTime::parse(&returned_at, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "returned_at {returned_at:?} is RFC 3339"
    );
    assert_eq!(
        changes(&db, "a-1001"),
        [("return_assets".to_owned(), json!({ "assets": ["LT-0001"] }))]
    );
    Ok(())
}

#[test]
fn retain_data_then_delete() -> TestResult {
    let fx = Fixture::new()?;
    apply_twice(&fx, &Change::RetainData)?;
    apply_twice(&fx, &Change::Delete)?;
    let connector = fx.connector(MatchAttribute::Username);
    // The account is still found, and reads as gone.
    assert_eq!(connector.find("alice")?, Some(alice()));
    assert_eq!(
        connector.read(&alice())?,
        AccountState {
            exists: false,
            active: false,
            groups: vec![],
            seats: vec![],
            sessions: Some(0),
            assets: vec!["LT-0001".into(), "YK-0001".into()],
            data_retained: Some(true),
            groups_skipped: false,
            kept: Vec::new(),
            auto_reply: None,
            manager: None,
            tokens: Vec::new(),
            factors: Vec::new(),
            transfers: Vec::new(),
        }
    );
    // Every change is now in effect and changes nothing more.
    for change in [
        Change::Deactivate,
        Change::RevokeSessions,
        Change::RetainData,
    ] {
        assert!(!fx.store.apply("a-1001", &change)?, "{change}");
    }
    let db = fx.raw()?;
    let (deleted_at, active, retained): (Option<String>, i64, i64) = db.query_row(
        "SELECT deleted_at, active, data_retained FROM accounts WHERE account_id = 'a-1001'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    assert!(deleted_at.is_some());
    assert_eq!((active, retained), (0, 1));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM memberships WHERE account_id = 'a-1001'",
            []
        )?,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM seats WHERE account_id = 'a-1001'",
            []
        )?,
        0
    );
    assert_eq!(
        changes(&db, "a-1001"),
        [
            ("retain_data".to_owned(), json!({ "data_retained": true })),
            (
                "delete".to_owned(),
                json!({
                    "groups": ["admins", "engineering", "vpn"],
                    "seats": [
                        { "product": "github", "monthly_cost_cents": 2100 },
                        { "product": "jetbrains", "monthly_cost_cents": 2490 },
                        { "product": "slack", "monthly_cost_cents": 1250 },
                    ],
                    "monthly_cost_cents": 5840,
                    "sessions_revoked": 3,
                    "was_active": true,
                })
            ),
        ]
    );
    // Assets are physical: they can still be returned after the account is gone.
    assert!(fx.store.apply(
        "a-1001",
        &Change::ReturnAssets {
            assets: vec!["YK-0001".into()]
        }
    )?);
    Ok(())
}

#[test]
fn apply_to_an_unknown_principal_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let error = fx
        .connector(MatchAttribute::Username)
        .apply(&principal("a-0000", "ghost"), &Change::Deactivate)
        .err()
        .ok_or("applied to an unknown principal")?;
    assert!(
        matches!(error, ConnectorError::Permanent { .. }),
        "{error:?}"
    );
    assert_eq!(count(&fx.raw()?, "SELECT count(*) FROM changes", [])?, 0);
    Ok(())
}

#[test]
fn delivering_a_key_twice_stores_one_row_and_the_same_receipt() -> TestResult {
    let fx = Fixture::new()?;
    let connector = fx.connector(MatchAttribute::Username);
    let message = Message {
        key: "run-1/notify-finance".into(),
        topic: "finance.notify_reclamation".into(),
        body: json!({ "employee": "E1001", "monthly_cost_cents": 5840, "products": ["github"] }),
    };
    assert_eq!(connector.receipt(&message.key)?, None);
    let first = connector.deliver(&message)?;
    let again = connector.deliver(&message)?;
    let changed = Message {
        body: json!({ "different": true }),
        ..message.clone()
    };
    let third = connector.deliver(&changed)?;
    assert_eq!(first, again);
    assert_eq!(first, third, "the first delivery stands");
    assert_eq!(connector.receipt(&message.key)?, Some(first.clone()));

    let db = fx.raw()?;
    assert_eq!(count(&db, "SELECT count(*) FROM outbox", [])?, 1);
    let (id, topic, body, sha): (i64, String, String, String) = db.query_row(
        "SELECT id, topic, body, body_sha256 FROM outbox WHERE key = ?1",
        [&message.key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    assert_eq!(topic, "finance.notify_reclamation");
    assert_eq!(serde_json::from_str::<Value>(&body)?, message.body);
    let expected_sha: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, expected_sha);
    assert_eq!(first.body_sha256, expected_sha);
    assert_eq!(first.delivered_to, format!("outbox/{id}"));
    Ok(())
}

/// Values that would break a query built by string concatenation, or a LIKE pattern.
const HOSTILE: [&str; 7] = [
    "o'brien",
    "' OR 1=1 --",
    "%",
    "_",
    "line\nbreak",
    "\"quoted\", with comma",
    "x'); DROP TABLE accounts; --",
];

#[test]
fn hostile_values_are_plain_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed");
    copy_seed(&seed)?;
    let long = "é".repeat(20_000);
    let names: Vec<String> = HOSTILE
        .iter()
        .map(|s| (*s).to_owned())
        .chain([long.clone()])
        .collect();
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut accounts = fs::read_to_string(seed.join("accounts.csv"))?;
    let mut memberships = fs::read_to_string(seed.join("memberships.csv"))?;
    let mut groups = fs::read_to_string(seed.join("groups.csv"))?;
    for (i, name) in names.iter().enumerate() {
        accounts.push_str(&format!(
            "h-{i},{},{},{},true,1\n",
            quote(name),
            quote(name),
            quote(name)
        ));
        groups.push_str(&format!("{},hostile\n", quote(name)));
        memberships.push_str(&format!("{},{}\n", quote(name), quote(name)));
    }
    fs::write(seed.join("accounts.csv"), accounts)?;
    fs::write(seed.join("groups.csv"), groups)?;
    fs::write(seed.join("memberships.csv"), memberships)?;
    let db = dir.path().join("store.db");
    let store = Arc::new(SqliteStore::open(&db, Some(&seed))?);

    for attribute in [
        MatchAttribute::Username,
        MatchAttribute::Email,
        MatchAttribute::EmployeeId,
    ] {
        let connector = SqliteConnector::new("directory", Arc::clone(&store), attribute);
        for (i, name) in names.iter().enumerate() {
            let found = connector
                .find(name)?
                .ok_or_else(|| format!("{attribute} {name:?} not found"))?;
            assert_eq!(found, principal(&format!("h-{i}"), name), "{attribute}");
        }
        for absent in ["' OR '1'='1", "%%", "a%", "' OR 1=1 --x", "*"] {
            assert_eq!(connector.find(absent)?, None, "{attribute} {absent:?}");
        }
    }

    let connector = SqliteConnector::new("directory", Arc::clone(&store), MatchAttribute::Username);
    for (i, name) in names.iter().enumerate() {
        let who = principal(&format!("h-{i}"), name);
        assert_eq!(connector.read(&who)?.groups, std::slice::from_ref(name));
        connector.apply(
            &who,
            &Change::RemoveGroups {
                groups: vec![name.clone(), "%".into()],
            },
        )?;
        connector.deliver(&Message {
            key: name.clone(),
            topic: name.clone(),
            body: json!({ "who": name }),
        })?;
    }

    let raw = Connection::open(&db)?;
    assert_eq!(
        count(&raw, "SELECT count(*) FROM accounts", [])?,
        7 + names.len() as i64
    );
    assert_eq!(
        count(
            &raw,
            "SELECT count(*) FROM memberships WHERE account_id LIKE 'h-%'",
            []
        )?,
        0
    );
    assert_eq!(
        count(&raw, "SELECT count(*) FROM memberships", [])?,
        9,
        "others keep theirs"
    );
    assert_eq!(
        count(&raw, "SELECT count(*) FROM outbox", [])?,
        names.len() as i64
    );
    assert_eq!(
        count(
            &raw,
            "SELECT length(username) FROM accounts WHERE account_id = ?1",
            [format!("h-{}", names.len() - 1)]
        )?,
        20_000
    );
    assert_eq!(
        strings(
            &raw,
            "SELECT username FROM accounts WHERE account_id = 'h-4'",
            []
        ),
        ["line\nbreak"]
    );
    Ok(())
}

/// A seed of `n` accounts `u000`.., each in groups `g1`, `g2` with seats on `p1`, `p2`.
fn big_seed(dir: &Path, n: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut accounts = String::from("account_id,username,email,employee_id,active,sessions\n");
    let mut memberships = String::from("username,group\n");
    let mut seats = String::from("username,product,assigned_on\n");
    for i in 0..n {
        accounts.push_str(&format!(
            "id-{i:04},u{i:04},u{i:04}@x.example,E{i:04},true,2\n"
        ));
        for g in ["g1", "g2"] {
            memberships.push_str(&format!("u{i:04},{g}\n"));
        }
        for p in ["p1", "p2"] {
            seats.push_str(&format!("u{i:04},{p},2024-05-01\n"));
        }
    }
    fs::write(dir.join("accounts.csv"), accounts)?;
    fs::write(
        dir.join("groups.csv"),
        "group,description\ng1,one\ng2,two\n",
    )?;
    fs::write(
        dir.join("products.csv"),
        "product,name,vendor,monthly_cost_cents\np1,P1,V,100\np2,P2,V,250\n",
    )?;
    fs::write(dir.join("memberships.csv"), memberships)?;
    fs::write(dir.join("seats.csv"), seats)?;
    fs::write(dir.join("assets.csv"), "asset_tag,kind,username\n")?;
    Ok(())
}

const RACED: [Change; 3] = [
    Change::Deactivate,
    Change::RevokeSessions,
    Change::RetainData,
];

fn race(connector: &SqliteConnector, n: usize, reverse: bool) -> Result<(), ConnectorError> {
    let mut order: Vec<usize> = (0..n).collect();
    if reverse {
        order.reverse();
    }
    for i in order {
        let who = principal(&format!("id-{i:04}"), &format!("u{i:04}"));
        for change in &RACED {
            connector.apply(&who, change)?;
        }
        connector.apply(
            &who,
            &Change::RemoveGroups {
                groups: vec!["g1".into(), "g2".into()],
            },
        )?;
        connector.apply(
            &who,
            &Change::ReleaseSeats {
                products: vec!["p1".into()],
            },
        )?;
        connector.deliver(&Message {
            key: format!("notify/{i}"),
            topic: "notify.manager".into(),
            body: json!({ "account": i }),
        })?;
    }
    Ok(())
}

fn assert_raced(db: &Path, n: usize) -> TestResult {
    let raw = Connection::open(db)?;
    let n = n as i64;
    assert_eq!(
        count(
            &raw,
            "SELECT count(*) FROM accounts WHERE active = 0 AND sessions = 0 AND data_retained = 1",
            []
        )?,
        n
    );
    assert_eq!(count(&raw, "SELECT count(*) FROM memberships", [])?, 0);
    assert_eq!(
        count(&raw, "SELECT count(*) FROM seats", [])?,
        n,
        "p2 seats stay"
    );
    assert_eq!(count(&raw, "SELECT count(*) FROM outbox", [])?, n);
    // Each effect was applied exactly once although both writers asked for it.
    for kind in [
        "deactivate",
        "revoke_sessions",
        "retain_data",
        "remove_groups",
        "release_seats",
    ] {
        assert_eq!(
            count(
                &raw,
                "SELECT count(*) FROM changes WHERE change = ?1",
                [kind]
            )?,
            n,
            "{kind}"
        );
    }
    assert_eq!(
        count(
            &raw,
            "SELECT count(*) FROM (SELECT account_id, change FROM changes GROUP BY 1, 2 HAVING count(*) > 1)",
            []
        )?,
        0
    );
    let check: String = raw.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(check, "ok");
    Ok(())
}

#[test]
fn two_threads_sharing_a_connector_apply_each_change_once() -> TestResult {
    const N: usize = 60;
    let dir = tempfile::tempdir()?;
    big_seed(&dir.path().join("seed"), N)?;
    let db = dir.path().join("store.db");
    let store = Arc::new(SqliteStore::open(&db, Some(&dir.path().join("seed")))?);
    let connector = Arc::new(SqliteConnector::new(
        "directory",
        store,
        MatchAttribute::Username,
    ));
    let handles: Vec<_> = [false, true]
        .into_iter()
        .map(|reverse| {
            let connector = Arc::clone(&connector);
            thread::spawn(move || race(&connector, N, reverse))
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| "thread panicked")??;
    }
    assert_raced(&db, N)
}

#[test]
fn two_connections_to_one_file_apply_each_change_once() -> TestResult {
    const N: usize = 60;
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed");
    big_seed(&seed, N)?;
    let db = dir.path().join("store.db");
    // Both open (and race to seed) the fresh file at once.
    let handles: Vec<_> = [false, true]
        .into_iter()
        .map(|reverse| {
            let (db, seed) = (db.clone(), seed.clone());
            thread::spawn(move || -> Result<(), String> {
                let store = SqliteStore::open(&db, Some(&seed)).map_err(|e| e.to_string())?;
                let connector =
                    SqliteConnector::new("directory", Arc::new(store), MatchAttribute::Username);
                race(&connector, N, reverse).map_err(|e| e.to_string())
            })
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| "thread panicked")??;
    }
    let raw = Connection::open(&db)?;
    assert_eq!(
        count(&raw, "SELECT count(*) FROM accounts", [])?,
        N as i64,
        "seeded once"
    );
    assert_raced(&db, N)
}

#[test]
fn a_lock_held_past_the_busy_timeout_is_transient() -> TestResult {
    let fx = Fixture::new()?;
    let options = StoreOptions {
        busy_timeout: Duration::from_millis(100),
    };
    let store = Arc::new(SqliteStore::open_with(fx.db(), None, options)?);
    let connector = SqliteConnector::new("directory", store, MatchAttribute::Username);
    let blocker = fx.raw()?;
    blocker.execute_batch(
        "BEGIN IMMEDIATE; UPDATE accounts SET sessions = 9 WHERE account_id = 'a-1002';",
    )?;
    let error = connector
        .apply(&alice(), &Change::Deactivate)
        .err()
        .ok_or("applied while another connection held the write lock")?;
    match &error {
        ConnectorError::Transient {
            message,
            retry_after: None,
        } => assert_eq!(
            message,
            &format!(
                "sqlite store {} is busy (locked by another process); try again",
                fx.db().display()
            )
        ),
        other => return Err(format!("not transient: {other:?}").into()),
    }
    // Readers are not blocked by the writer (WAL).
    assert!(connector.read(&alice())?.active);
    blocker.execute_batch("COMMIT")?;
    connector.apply(&alice(), &Change::Deactivate)?;
    assert!(!connector.read(&alice())?.active);
    Ok(())
}

#[test]
fn inventory_streams_live_accounts_with_groups_and_seats() -> TestResult {
    let fx = Fixture::new()?;
    fx.store.apply("a-1003", &Change::Delete)?;
    let mut seen = Vec::new();
    fx.store.for_each_account(|account| {
        seen.push(account);
        ControlFlow::Continue(())
    })?;
    let usernames: Vec<&str> = seen.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        usernames,
        ["alice", "bob", "dave", "erin", "erin-admin", "svc-backup"]
    );
    assert_eq!(
        seen[1],
        InventoryAccount {
            account_id: "a-1002".into(),
            username: "bob".into(),
            email: Some("Bob@Acme.example".into()),
            employee_id: Some("E1002".into()),
            active: true,
            groups: vec!["sales".into(), "vpn".into()],
            seats: vec![
                InventorySeat {
                    product: "salesforce".into(),
                    monthly_cost_cents: 16500,
                    assigned_on: "2022-11-15".into()
                },
                InventorySeat {
                    product: "slack".into(),
                    monthly_cost_cents: 1250,
                    assigned_on: "2022-11-15".into()
                },
            ],
        }
    );
    assert_eq!(seen[5].employee_id, None);
    assert!(seen[5].groups.is_empty() && seen[5].seats.is_empty());
    let total: i64 = seen
        .iter()
        .flat_map(|a| &a.seats)
        .map(|s| s.monthly_cost_cents)
        .sum();
    assert_eq!(total, 2100 + 2490 + 1250 + 16500 + 1250 + 2100 + 1250);

    let mut first_two = Vec::new();
    fx.store.for_each_account(|account| {
        first_two.push(account.username);
        if first_two.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    assert_eq!(first_two, ["alice", "bob"]);

    assert_eq!(
        fx.store.products()?,
        [
            Product {
                product: "github".into(),
                name: "GitHub Enterprise".into(),
                vendor: "GitHub".into(),
                monthly_cost_cents: 2100,
                seats_assigned: 2
            },
            Product {
                product: "jetbrains".into(),
                name: "JetBrains All Products".into(),
                vendor: "JetBrains".into(),
                monthly_cost_cents: 2490,
                seats_assigned: 1
            },
            Product {
                product: "salesforce".into(),
                name: "Salesforce Sales Cloud".into(),
                vendor: "Salesforce".into(),
                monthly_cost_cents: 16500,
                seats_assigned: 1
            },
            Product {
                product: "slack".into(),
                name: "Slack Business+".into(),
                vendor: "Salesforce".into(),
                monthly_cost_cents: 1250,
                seats_assigned: 3
            },
        ]
    );
    Ok(())
}

#[test]
fn match_attributes_parse_from_configuration_names() {
    for (text, attribute) in [
        ("username", MatchAttribute::Username),
        ("email", MatchAttribute::Email),
        ("employee_id", MatchAttribute::EmployeeId),
    ] {
        assert_eq!(text.parse::<MatchAttribute>(), Ok(attribute));
        assert_eq!(attribute.to_string(), text);
    }
    let error = "userName"
        .parse::<MatchAttribute>()
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some(
            "unknown match attribute \"userName\" for a sqlite connector: expected username, email or employee_id"
        )
    );
}

#[test]
fn the_connector_is_named_as_configured() -> TestResult {
    let fx = Fixture::new()?;
    let connector = fx.connector(MatchAttribute::Username);
    assert_eq!(Connector::name(&connector), "directory");
    assert_eq!(Messenger::name(&connector), "directory");
    Ok(())
}
