//! Git provenance of the files a run uses (repository, HEAD commit, blob id, dirty flag) and the
//! set of files changed since a revision. Local repositories only; nothing is fetched.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::{DiffOptions, ObjectType, Oid, Repository, RepositoryOpenFlags, Status, StatusOptions};
use serde::Serialize;

use crate::error::{Error, Result};

/// Where a file comes from in git.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The repository's working directory.
    pub repo_root: PathBuf,
    /// The HEAD commit id (hex), `None` in a repository without commits.
    pub commit: Option<String>,
    /// The git blob id (hex) of the file's content as it is now, the content a run uses: HEAD's
    /// blob when the file is clean, `git hash-object` of the edited file when it is dirty.
    pub blob: Option<String>,
    /// True when the working tree or the index differs from HEAD for this file (including a file
    /// that is not committed at all).
    pub dirty: bool,
}

pub(super) fn git_error(action: &str, error: git2::Error) -> Error {
    Error::Git {
        message: format!("{action}: {}", error.message()),
    }
}

/// A revision the repository cannot resolve. In a shallow clone (CI checkouts are one commit
/// deep by default) the usual cause is missing history, so the message says what to fetch.
fn unknown_revision(repo: &Repository, rev: &str, error: git2::Error) -> Error {
    if !repo.is_shallow() {
        return git_error(&format!("unknown revision `{rev}`"), error);
    }
    Error::Git {
        message: format!(
            "revision `{rev}` is not in this clone: the clone is shallow (it holds only the \
             newest commits, as CI checkouts do by default), so the history to compare with is \
             missing. Fetch it first: for a parent commit, `git fetch --deepen=1` (or check out \
             with `fetch-depth: 2`); on a pull request, fetch the base branch and compare with it: \
             `git fetch --no-tags --depth=1 origin +refs/heads/main:refs/remotes/origin/main` \
             then `--changed-since origin/main`"
        ),
    }
}

/// The repository holding `path`, searched upward as `git` does: no higher than the
/// directories `GIT_CEILING_DIRECTORIES` lists, so that offboard and git agree on whether a
/// playbook is under version control.
pub fn discover(path: &Path) -> std::result::Result<Repository, git2::Error> {
    let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
        .map(|dirs| std::env::split_paths(&dirs).collect())
        .unwrap_or_default();
    Repository::open_ext(path, RepositoryOpenFlags::empty(), &ceilings)
}

pub(super) fn open(path: &Path) -> Result<(Repository, PathBuf)> {
    let absolute = path
        .canonicalize()
        .map_err(|e| Error::io("cannot resolve", path, e))?;
    let repo = discover(&absolute)
        .map_err(|e| git_error(&format!("no repository at {}", crate::human::path(path)), e))?;
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Git {
            message: "the repository is bare".into(),
        })?
        .canonicalize()
        .map_err(|e| Error::io("cannot resolve", path, e))?;
    Ok((repo, root))
}

/// The provenance of the file at `path`; `None` when it is not inside a git repository.
pub fn provenance(path: &Path) -> Result<Option<Provenance>> {
    let absolute = path
        .canonicalize()
        .map_err(|e| Error::io("cannot resolve", path, e))?;
    if discover(&absolute).is_err() {
        return Ok(None);
    }
    let (repo, root) = open(path)?;
    let relative = absolute.strip_prefix(&root).map_err(|_| Error::Git {
        message: format!(
            "{} is outside the repository {}",
            crate::human::path(path),
            crate::human::path(&root)
        ),
    })?;
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let commit = head.as_ref().map(|c| c.id().to_string());
    let committed = head
        .as_ref()
        .and_then(|c| c.tree().ok())
        .and_then(|t| t.get_path(relative).ok())
        .map(|entry| entry.id());
    let status = repo
        .status_file(relative)
        .map_err(|e| git_error("cannot read status", e))?;
    let dirty = committed.is_none() || status != Status::CURRENT;
    let blob = match committed {
        Some(id) if !dirty => id,
        _ => Oid::hash_file(ObjectType::Blob, &absolute)
            .map_err(|e| git_error(&format!("cannot hash {}", crate::human::path(path)), e))?,
    };
    let blob = Some(blob.to_string());
    Ok(Some(Provenance {
        repo_root: root,
        commit,
        blob,
        dirty,
    }))
}

/// Files (absolute, canonical paths) whose content differs between revision `rev` and the working
/// tree of the repository holding `path`: committed, staged and unstaged changes, and untracked
/// new files. Deleted files are not listed.
pub fn changed_since(path: &Path, rev: &str) -> Result<HashSet<PathBuf>> {
    changes_since(path, rev).map(|c| c.changed)
}

/// What differs between a revision and the working tree, as absolute paths under the
/// repository's canonical root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files added or modified (committed, staged, unstaged or untracked).
    pub changed: HashSet<PathBuf>,
    /// Files present at the revision and gone from the working tree.
    pub deleted: HashSet<PathBuf>,
}

/// Like [`changed_since`], and the files deleted since `rev` as well.
pub fn changes_since(path: &Path, rev: &str) -> Result<Changes> {
    let (repo, root) = open(path)?;
    let object = repo
        .revparse_single(rev)
        .map_err(|e| unknown_revision(&repo, rev, e))?;
    let tree = object
        .peel_to_tree()
        .map_err(|e| git_error(&format!("`{rev}` is not a commit"), e))?;
    let mut options = DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_typechange(true);
    let diff = repo
        .diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))
        .map_err(|e| git_error("cannot compare with the working tree", e))?;
    let mut changed = HashSet::new();
    let mut deleted = HashSet::new();
    for delta in diff.deltas() {
        if delta.status() == git2::Delta::Deleted {
            if let Some(p) = delta.old_file().path() {
                deleted.insert(root.join(p));
            }
            continue;
        }
        if let Some(p) = delta.new_file().path() {
            changed.insert(root.join(p));
        }
    }
    // Untracked files inside ignored-by-default directories are not in the diff; ask status too.
    let mut status_options = StatusOptions::new();
    status_options
        .include_untracked(true)
        .recurse_untracked_dirs(true);
    if let Ok(statuses) = repo.statuses(Some(&mut status_options)) {
        for entry in statuses.iter() {
            if entry.status().contains(Status::WT_NEW)
                && let Some(p) = entry.path()
            {
                changed.insert(root.join(p));
            }
        }
    }
    Ok(Changes { changed, deleted })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn provenance_matches_git() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yaml");
        std::fs::write(&file, "version: 1\n").unwrap();
        assert_eq!(provenance(&file).unwrap(), None);
        git(dir.path(), &["init", "-q"]);
        let nested = dir.path().join("inner");
        std::fs::create_dir(&nested).unwrap();
        assert!(discover(&nested).is_ok());
        let untracked = provenance(&file).unwrap().unwrap();
        assert!(untracked.dirty);
        assert_eq!(
            untracked.blob.as_deref(),
            Some(git(dir.path(), &["hash-object", "p.yaml"]).as_str())
        );
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "one"]);
        let clean = provenance(&file).unwrap().unwrap();
        assert_eq!(
            clean.commit.as_deref(),
            Some(git(dir.path(), &["rev-parse", "HEAD"]).as_str())
        );
        assert_eq!(
            clean.blob.as_deref(),
            Some(git(dir.path(), &["rev-parse", "HEAD:p.yaml"]).as_str())
        );
        assert!(!clean.dirty);
        assert_eq!(clean.repo_root, dir.path().canonicalize().unwrap());
        std::fs::write(&file, "version: 2\n").unwrap();
        let edited = provenance(&file).unwrap().unwrap();
        assert!(edited.dirty);
        assert_eq!(
            edited.blob.as_deref(),
            Some(git(dir.path(), &["hash-object", "p.yaml"]).as_str()),
            "a dirty file's blob is that of the content that runs"
        );
        assert_ne!(edited.blob, clean.blob);
        git(dir.path(), &["add", "."]);
        assert!(
            provenance(&file).unwrap().unwrap().dirty,
            "staged counts as dirty"
        );
    }

    #[test]
    fn changes_list_deleted_files_apart() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "a\n").unwrap();
        std::fs::write(dir.path().join("b.yaml"), "b\n").unwrap();
        git(dir.path(), &["init", "-q"]);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "one"]);
        std::fs::remove_file(dir.path().join("a.yaml")).unwrap();
        std::fs::write(dir.path().join("b.yaml"), "b2\n").unwrap();
        let root = dir.path().canonicalize().unwrap();
        let changes = changes_since(dir.path(), "HEAD").unwrap();
        assert_eq!(changes.changed, HashSet::from([root.join("b.yaml")]));
        assert_eq!(changes.deleted, HashSet::from([root.join("a.yaml")]));
    }
}
