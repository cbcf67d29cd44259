//! The integration tests: one test crate, one module per feature, driving the real `offboard`
//! binary (and, for the connectors and the journal, the library) in fresh temp directories.
//! Shared helpers live in `support`: the command builders, the Acme demo repository, journal
//! crafting and the test peers.

mod support;

mod ci;
mod cli;
mod doctor;
mod environment;
mod governance;
mod hr_http;
mod journal;
mod output;
mod peers;
mod reconcile;
mod report;
mod run;
mod schema;
mod store;
mod validate;
