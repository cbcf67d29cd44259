//! How offboard creates and reads files: the one place that opens them, so that the rules hold
//! everywhere.
//!
//! - Files offboard creates for itself (journal, store, HR write-back, saved plans, evidence
//!   packs, reconcile results) are owner-only, [`PRIVATE_FILE`] (0600) and [`PRIVATE_DIR`]
//!   (0700), whatever the umask.
//! - A file is never created or written through a symbolic link: a new file is created
//!   exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`), a file that is replaced is written to a fresh
//!   temporary file in its own directory and renamed over it, and a lock or append-only file is
//!   opened with `O_NOFOLLOW`.
//! - A read opens only a regular file (a FIFO would block, a device never end), never through a
//!   link where [`Links::Refuse`] says so (the journal directory is ours: no links in it), and
//!   never reads more than the [`Limit`] its caller names. CSV input also goes through
//!   [`CsvGuard`], which bounds each field and row and rejects an unterminated quote.
//!
//! It never interprets what it reads or writes, and decides no policy beyond these rules.

mod create;
mod csv_guard;
mod limits;
mod open;
mod read;

pub use create::{
    PRIVATE_DIR, PRIVATE_FILE, create_dir_all, create_new, open_existing, open_or_create,
    refuse_link, replace, sync_dir,
};
pub use csv_guard::{CsvGuard, CsvLimitError, csv_limit_error};
pub use limits::{
    CSV_FIELD, CSV_ROW, EXPORT, HTTP_ANSWER, HTTP_PAGE, JOURNAL_LINE, JOURNAL_STATE, KEY, Limit,
    RUN_FILE, STATE, TEXT, check_key, size,
};
pub use read::{Links, check_regular, open_regular, read, read_to_string};
