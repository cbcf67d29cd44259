//! Stage 4, execute: apply a plan step by step, read each target back, and append a signed
//! confirmation to the journal before the next side effect.

mod account_step;
pub mod approval;
pub use crate::clock;
pub mod context;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod hold;
pub mod journal_log;
pub mod logged;
mod message_step;
pub mod outcome;
pub mod run_log;
mod simulated;
pub mod status;
mod step_record;
mod tally;
pub mod targets;
