//! Which playbook content a saved plan was made with: the file's path and the git blob id of its
//! bytes, so that `offboard run --plan` can refuse a plan whose playbook changed since, and show
//! how. Reads files and the git object database only; never writes.

use std::path::Path;

use git2::{ObjectType, Oid};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsio;
use crate::journal::Vcs;

/// The identity of a playbook file when a plan was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybookIdentity {
    /// The file, relative to the repository root (as a run's `run.started` records it), or as
    /// configured when the playbooks are not in git.
    pub path: String,
    /// The git blob id (hex SHA-1) of the file's content as read. For a committed, unchanged
    /// file it equals the blob id a run's provenance records.
    pub blob: String,
    /// The HEAD commit when the plan was made, `None` outside git or before the first commit.
    pub commit: Option<String>,
    /// True when the file differed from HEAD (uncommitted changes) when the plan was made.
    pub dirty: bool,
    /// `git`, or `none` when the playbook is in no repository (absent from plans made by
    /// earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Vcs>,
}

impl PlaybookIdentity {
    /// The identity of the playbook at `file` (shown as `path`), in the repository at `commit`
    /// (`vcs` says whether there is one).
    pub fn of(
        file: &Path,
        path: String,
        commit: Option<String>,
        dirty: bool,
        vcs: Vcs,
    ) -> Result<Self> {
        Ok(PlaybookIdentity {
            path,
            blob: blob_id(file)?,
            commit,
            dirty,
            vcs: Some(vcs),
        })
    }

    /// How the playbook changed between `self` (when the plan was made) and `now`, read from
    /// the file `now` names: `None` when its content is the same. The text names both blob ids
    /// and commits, then shows a unified diff when the earlier content is still in the git
    /// object database (it is when it was committed).
    pub fn changes(&self, now: &PlaybookIdentity, file: &Path) -> Option<String> {
        if self.blob == now.blob {
            return None;
        }
        let commit = |c: &Option<String>| {
            c.as_deref().map_or_else(
                || "no commit".to_owned(),
                |c| format!("commit {}", short(c)),
            )
        };
        let mut text = format!(
            "  {}: blob {} ({}{}) -> {} ({}{})",
            now.path,
            short(&self.blob),
            commit(&self.commit),
            if self.dirty { ", uncommitted" } else { "" },
            short(&now.blob),
            commit(&now.commit),
            if now.dirty { ", uncommitted" } else { "" },
        );
        match unified_diff(file, &self.blob, &now.path) {
            Some(diff) => {
                text.push('\n');
                text.push_str(diff.trim_end());
            }
            None => text.push_str(
                "\n  (the content the plan was made with is not in the repository, so no line diff)",
            ),
        }
        Some(text)
    }
}

/// The git blob id of the bytes of `file`, as `git hash-object` computes it.
pub fn blob_id(file: &Path) -> Result<String> {
    let bytes = fsio::read(file, fsio::TEXT, fsio::Links::Follow)
        .map_err(|e| Error::io("cannot read", file, e))?;
    Oid::hash_object(ObjectType::Blob, &bytes)
        .map(|oid| oid.to_string())
        .map_err(|e| Error::Git {
            message: format!("cannot hash {}: {}", crate::human::path(file), e.message()),
        })
}

/// A unified diff from the blob `old` (looked up in the repository holding `file`) to the
/// current content of `file`; `None` when the repository or the blob cannot be read.
fn unified_diff(file: &Path, old: &str, shown: &str) -> Option<String> {
    let repo = crate::load::discover(file.parent()?).ok()?;
    let before = repo.find_blob(Oid::from_str(old).ok()?).ok()?;
    let after = fsio::read(file, fsio::TEXT, fsio::Links::Follow).ok()?;
    let mut patch = git2::Patch::from_buffers(
        before.content(),
        Some(Path::new(shown)),
        &after,
        Some(Path::new(shown)),
        None,
    )
    .ok()?;
    let buf = patch.to_buf().ok()?;
    // The `diff --git` and `index` lines repeat the path and the blob ids named above.
    let text = String::from_utf8_lossy(&buf);
    Some(
        text.lines()
            .filter(|l| !l.starts_with("diff --git ") && !l.starts_with("index "))
            .map(|l| format!("{l}\n"))
            .collect(),
    )
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_is_the_one_git_computes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yaml");
        std::fs::write(&file, "hello\n").unwrap();
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(&file).unwrap(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn same_content_has_no_changes_and_other_content_names_both_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let then = PlaybookIdentity::of(&file, "p.yaml".into(), None, true, Vcs::Git).unwrap();
        assert_eq!(then.changes(&then.clone(), &file), None);
        std::fs::write(&file, "a: 2\n").unwrap();
        let now = PlaybookIdentity::of(&file, "p.yaml".into(), None, true, Vcs::Git).unwrap();
        let text = then.changes(&now, &file).unwrap();
        assert!(
            text.starts_with(&format!(
                "  p.yaml: blob {} (no commit, uncommitted) -> {}",
                &then.blob[..12],
                &now.blob[..12]
            )),
            "{text}"
        );
        assert!(text.contains("not in the repository"), "{text}");
    }
}
