//! Stage 4, execute: apply a plan step by step, read each target back, and append a signed
//! confirmation to the journal before the next side effect.

pub mod approval;
pub use crate::clock;
pub mod context;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod hold;
pub mod journal_log;
pub mod logged;
pub mod outcome;
pub mod status;
pub mod targets;
