//! The validated playbook model: playbooks, steps, the action catalogue, the glossary, the role
//! matrix and the configuration. Plain data; it knows no other module of the crate.

pub mod schema;
