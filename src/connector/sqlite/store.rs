//! The store file itself: opening it (creating the file and its directory owner-only, WAL mode,
//! busy timeout, foreign keys), bringing its schema up to date and seeding it once. It owns the
//! connection; it never interprets accounts or changes (see `account`, `apply`, `outbox`,
//! `inventory`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::error::StoreError;
use super::schema::{self, Migration, SCHEMA_VERSION};
use super::seed::{self, SeedFailure};
use crate::fsio;

/// How the store behaves under contention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long a call waits for another connection's lock before failing with
    /// [`StoreError::Busy`] (a transient error). Default: 5 seconds.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The embedded directory and license inventory: one SQLite file.
///
/// Share it between connectors with an `Arc`: calls from several threads take turns on one
/// connection, and other processes may open the same file at the same time (WAL mode).
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    options: StoreOptions,
    conn: Mutex<Connection>,
}

/// A failure inside a store call, before the file path is attached.
pub(crate) enum Failure {
    /// SQLite said no.
    Sql(rusqlite::Error),
    /// The store said no.
    Store(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Failure::Sql(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Failure::Store(error)
    }
}

impl SqliteStore {
    /// Open the store at `path` with default [`StoreOptions`], creating the file and its parent
    /// directories when missing. With `seed_dir`, a store never seeded before is loaded from the
    /// seed CSV files of that directory, in one transaction; a store seeded before is left as it
    /// is, whatever `seed_dir` holds now.
    pub fn open(path: impl AsRef<Path>, seed_dir: Option<&Path>) -> Result<Self, StoreError> {
        Self::open_with(path, seed_dir, StoreOptions::default())
    }

    /// [`SqliteStore::open`] with explicit options.
    pub fn open_with(
        path: impl AsRef<Path>,
        seed_dir: Option<&Path>,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fsio::create_dir_all(parent, fsio::PRIVATE_DIR).map_err(|source| StoreError::Io {
                action: "cannot create directory",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        create_private(&path)?;
        let mut conn = connect(&path, options, false)?;
        prepare(&mut conn, &path, seed_dir).map_err(|f| f.with_path(&path))?;
        Ok(SqliteStore {
            path,
            options,
            conn: Mutex::new(conn),
        })
    }

    /// Open an existing store for reading only: no file is created, no schema migrated and no
    /// seed loaded (what `offboard doctor` needs to look without changing anything). SQLite
    /// opens it as immutable, so not even the `-wal` and `-shm` files a reader of a WAL
    /// database would create appear; a change another process commits meanwhile may be missed.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| StoreError::Io {
            action: "cannot open",
            path: path.clone(),
            source,
        };
        fsio::check_regular(&path, fsio::Links::Refuse).map_err(io)?;
        let absolute = std::path::absolute(&path).map_err(io)?;
        let mut uri = url::Url::from_file_path(&absolute)
            .map_err(|()| io(std::io::Error::other("not an absolute path")))?;
        uri.set_query(Some("immutable=1"));
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(uri.as_str(), flags)
            .map_err(|error| StoreError::sqlite(&path, error))?;
        let options = StoreOptions::default();
        Ok(SqliteStore {
            path,
            options,
            conn: Mutex::new(conn),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a seed was ever loaded into this store.
    pub fn is_seeded(&self) -> Result<bool, StoreError> {
        self.with_conn(|conn| Ok(seeded_at(conn)?.is_some()))
    }

    /// Run `f` on the shared connection, attaching the file path to its errors.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        // A panic while holding the lock leaves no transaction open (rusqlite rolls back on
        // drop), so the connection is still sound.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn).map_err(|failure| failure.with_path(&self.path))
    }

    /// A fresh read-only connection, for long reads that must not hold the shared one.
    pub(crate) fn read_connection(&self) -> Result<Connection, StoreError> {
        connect(&self.path, self.options, true)
    }
}

impl Failure {
    /// Turn into a [`StoreError`] naming `path`.
    pub(crate) fn with_path(self, path: &Path) -> StoreError {
        match self {
            Failure::Sql(error) => StoreError::sqlite(path, error),
            Failure::Store(error) => error,
        }
    }
}

/// Create the database file owner-only before SQLite opens it, so that it never exists with
/// the umask's mode (SQLite gives the `-wal` and `-shm` files it creates beside it the database
/// file's mode); refuse a link, FIFO or device in its place, which SQLite would follow or hang on.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        action: "cannot open",
        path: path.to_path_buf(),
        source,
    };
    match fsio::create_new(path, fsio::PRIVATE_FILE) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fsio::check_regular(path, fsio::Links::Refuse).map_err(io)
        }
        Err(e) => Err(io(e)),
    }
}

/// Open and configure a connection.
fn connect(path: &Path, options: StoreOptions, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let configure = || -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(options.busy_timeout)?;
        if !read_only {
            // WAL lets readers and one writer of other processes work at the same time.
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(path = %path.display(), mode, "sqlite store is not in WAL mode");
            }
            // FULL: a commit is on disk before it returns, so a change is never lost to a power
            // cut after the journal has confirmed it (NORMAL would only sync at checkpoints).
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        Ok(conn)
    };
    configure().map_err(|error| StoreError::sqlite(path, error))
}

/// Bring the schema up to date and seed a store never seeded, in one immediate transaction.
fn prepare(conn: &mut Connection, path: &Path, seed_dir: Option<&Path>) -> Result<(), Failure> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Migration::TooNew(found) = schema::migrate(&tx)? {
        return Err(Failure::Store(StoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        }));
    }
    if let Some(dir) = seed_dir
        && seeded_at(&tx)?.is_none()
    {
        let counts = seed::load(&tx, dir).map_err(|failure| match failure {
            SeedFailure::Invalid(errors) => Failure::Store(StoreError::Seed { errors }),
            SeedFailure::Sql(error) => Failure::Sql(error),
        })?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seeded_at', ?1), ('seed_dir', ?2)",
            params![crate::clock::now_rfc3339(), dir.display().to_string()],
        )?;
        tracing::info!(dir = %dir.display(), ?counts, "sqlite store seeded");
    }
    tx.commit()?;
    Ok(())
}

/// When the store was seeded, if ever.
fn seeded_at(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM meta WHERE key = 'seeded_at'",
        [],
        |row| row.get(0),
    )
    .optional()
}
