//! What the tests share: the builder that runs the binary ([`Test`]), the scratch repositories
//! it runs in ([`acme::Acme`], [`repo::Repo`]), journal crafting and reading, and the test
//! peers; plus fixtures and copying.

#![allow(dead_code)]

pub mod acme;
pub mod journal;
pub mod peers;
pub mod repo;
pub mod test;

pub use test::{Output, Test};

use std::path::{Path, PathBuf};

/// The repository's `tests/fixtures` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copy the directory `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
