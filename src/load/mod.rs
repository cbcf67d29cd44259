//! Stage 1, load: find and read the configuration, playbooks, glossary and role matrix from disk,
//! and record their git provenance (commit, blob id, dirty flag, the signature of the commit that
//! last changed a file). It reads bytes; it never interprets them.

mod commit_signature;
mod files;
mod git;

pub use commit_signature::{CommitSignature, LastChange, last_change};
pub use files::{
    CONFIG_FILE, FileKind, SourceFile, classify, find_upward, playbook_files, read, same_file,
};
pub use git::{Changes, Provenance, changed_since, changes_since, discover, provenance};
