//! offboard: employee offboarding as a version-controlled, verifiable program.
//!
//! The crate is a pipeline; each stage is a module with one entry point, and dependencies point
//! downward only:
//!
//! ```text
//! load (files, git provenance)
//!   -> analyze (raw YAML -> validated Playbook + every diagnostic)
//!   -> plan (Playbook + employee + live state -> Plan)
//!   -> execute (Plan -> signed journal records)
//! ```
//!
//! `validate` stops after analyze, `plan` after plan, `run` goes to the end: one code path, so a
//! dry run cannot drift from a real run. Above the pipeline, [`app`] holds the use cases (one
//! entry function each, every policy decision), and [`cli`] only parses, calls and prints; see
//! `docs/architecture.md`.

pub mod analyze;
pub mod app;
pub mod call_log;
pub mod cli;
pub mod clock;
pub mod connector;
pub mod error;
pub mod execute;
pub mod exit;
pub mod fsio;
pub mod hex;
pub mod hr;
pub mod human;
pub mod journal;
pub mod load;
pub mod plan;
pub mod playbook;
pub mod reconcile;
pub mod report;
pub mod retry;
pub mod schema;

pub use error::{Error, Result};
pub use exit::Exit;
