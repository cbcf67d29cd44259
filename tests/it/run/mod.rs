//! `offboard run` and `offboard verify` end to end, through the real binary, on a committed copy
//! of the Acme demo repository: what the store holds afterwards (read with plain SQL), the signed
//! journal (checked by `offboard verify` and by stock `ssh-keygen`), resuming after crashes,
//! kills, Ctrl-C and connector failures, and the refusals.

mod crash;
mod failure;
mod files;
mod forged;
mod journal;
mod logging;
mod mallory;
mod refusals;
mod signed;
mod staged;
mod typo;
mod untracked;
