//! The embedded store (`type: sqlite`): a real directory and license inventory in one SQLite
//! file, created and seeded from CSV files on first use, and the connector over it. It owns the
//! file's schema, seeding, account changes, the message outbox and inventory queries; it never
//! retries, journals or reads the playbook (the engine does).
//!
//! # Schema (version 1, in `PRAGMA user_version`)
//!
//! | table | columns | notes |
//! |---|---|---|
//! | `meta` | `key`, `value` | `seeded_at`, `seed_dir` once a seed was loaded |
//! | `accounts` | `account_id` (key), `username` (unique), `email`, `employee_id`, `active`, `sessions`, `data_retained`, `deleted_at` | a deleted account keeps its row, with `deleted_at` set |
//! | `groups` | `group_name` (key), `description` | |
//! | `memberships` | `account_id`, `group_name` | one row per membership |
//! | `products` | `product` (key), `name`, `vendor`, `monthly_cost_cents` | the license catalogue |
//! | `seats` | `account_id`, `product`, `assigned_on` | a released seat's row is removed |
//! | `assets` | `asset_tag` (key), `kind`, `account_id`, `returned_at` | `account_id` empty for stock |
//! | `outbox` | `id`, `key` (unique), `topic`, `body`, `body_sha256`, `created_at` | delivered messages |
//! | `changes` | `id`, `account_id`, `change`, `detail` (JSON), `changed_at` | one row per change that changed something |
//!
//! The exact SQL is [`SCHEMA_V1`]. The file runs in WAL mode with a busy timeout, so another
//! process (a cron `offboard due` next to an interactive run) can use it at the same time; a
//! lock held past the timeout is a transient error. Commits are synchronous (`synchronous =
//! FULL`): a change is durable before the engine reads it back and journals its confirmation. Every change runs in an immediate
//! transaction that re-reads the account first, so two writers never both apply one change.

mod account;
mod apply;
mod connector;
mod csv;
mod error;
mod inventory;
mod outbox;
mod schema;
mod seed;
mod seed_table;
mod store;

pub use account::{MatchAttribute, UnknownMatchAttribute};
pub use connector::SqliteConnector;
pub use error::{SeedError, SeedErrorKind, StoreError};
pub use inventory::{InventoryAccount, InventorySeat, Product};
pub use schema::{SCHEMA_V1, SCHEMA_VERSION};
pub use seed::SEED_FILES;
pub use store::{SqliteStore, StoreOptions};
