//! Stage 2, analyze: turn raw YAML into validated domain types, collecting every diagnostic
//! (never stopping at the first). Only this stage produces a [`crate::playbook`] value.
