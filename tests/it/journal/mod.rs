//! The signed journal: writing, resuming and crash recovery through the library, tampering,
//! key validity windows, verification with the stock OpenSSH tools, and `offboard verify` on the
//! command line.

mod cli;
mod prune;
mod resume;
mod sshkeygen;
mod tamper;
mod validity;
mod writer;
