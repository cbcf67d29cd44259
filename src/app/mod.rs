//! The application layer: one module per use case, each with one entry function that takes a
//! request and returns a result, between a front end (the CLI, a benchmark, a scheduler) and the
//! pipeline (load, analyze, plan, execute, journal).
//!
//! It owns every policy decision a command makes: the batch limit and canary, four eyes and
//! separation of duties, the dirty-playbook and drift refusals, legal holds, trusting a run only
//! once it verifies. It never parses arguments and never prints: progress, warnings and
//! questions go through [`Interaction`], which the front end implements, and every refusal is an
//! [`Error`] that knows its exit code.

pub mod batch;
pub mod confirm;
pub mod doctor;
pub mod due;
pub mod employee;
mod engine;
pub mod error;
pub mod generated;
pub mod init;
mod interaction;
pub mod lifecycle;
pub mod pack_runs;
mod personal_data;
pub mod plan;
pub mod plan_file;
pub mod playbook_signature;
pub mod prune;
pub mod reconcile;
pub mod report;
pub mod run;
pub mod runs;
pub mod session;
pub mod status;
pub mod trust;
pub mod validate;
pub mod verify;
pub mod workspace;

use std::sync::atomic::AtomicBool;

pub use error::{Error, Result};
pub use interaction::{Interaction, RunView, SignOffPrompt, Silent};
pub use session::Session;

use crate::analyze::Workspace;

/// What every use case that runs playbooks needs: the loaded repository, the front end, and the
/// flag Ctrl-C sets (the engine finishes the step in hand, records it, and stops).
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The playbook repository, loaded and validated.
    pub workspace: &'a Workspace,
    /// The front end: progress, warnings, questions.
    pub interaction: &'a dyn Interaction,
    /// Set when the user interrupts.
    pub interrupted: &'a AtomicBool,
}
