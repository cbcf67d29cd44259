//! The commit that gave a file its committed content, and that commit's signature as git stores
//! it (the `gpgsig` header and the bytes it signs). It reads history only; whether the signature
//! holds, and whose it is, is for the caller to decide.

use std::path::Path;

use git2::{Commit, ErrorCode, Oid, Repository};
use time::OffsetDateTime;

use super::git::{git_error, open};
use crate::error::{Error, Result};

/// The newest commit that changed a file, and its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastChange {
    /// The commit id (hex).
    pub commit: String,
    /// When it was committed (the committer's time, which `git verify-commit` checks the
    /// signer's validity window against).
    pub committed: OffsetDateTime,
    /// The commit's signature, when it has one.
    pub signature: Option<CommitSignature>,
}

/// A commit's signature and the commit bytes it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitSignature {
    /// The signature as stored (for SSH signatures, an armored SSHSIG).
    pub armored: String,
    /// The commit object without its signature header: what was signed.
    pub signed: Vec<u8>,
}

/// The newest commit reachable from HEAD that gave the file at `path` the content HEAD holds,
/// following, at each merge, a parent that already held that content (as `git log` simplifies
/// history). `None` when the file is in no commit of HEAD.
pub fn last_change(path: &Path) -> Result<Option<LastChange>> {
    let (repo, root) = open(path)?;
    let absolute = path
        .canonicalize()
        .map_err(|e| Error::io("cannot resolve", path, e))?;
    let Ok(relative) = absolute.strip_prefix(&root) else {
        return Ok(None);
    };
    let Some(head) = repo.head().ok().and_then(|h| h.peel_to_commit().ok()) else {
        return Ok(None);
    };
    let Some(blob) = entry(&head, relative) else {
        return Ok(None);
    };
    let mut commit = head;
    while let Some(parent) = commit.parents().find(|p| entry(p, relative) == Some(blob)) {
        commit = parent;
    }
    let when = commit.committer().when();
    let committed =
        OffsetDateTime::from_unix_timestamp(when.seconds()).map_err(|_| Error::Git {
            message: format!("commit {} has an impossible time", commit.id()),
        })?;
    Ok(Some(LastChange {
        commit: commit.id().to_string(),
        committed,
        signature: signature(&repo, commit.id())?,
    }))
}

/// The blob id of `relative` in `commit`'s tree.
fn entry(commit: &Commit<'_>, relative: &Path) -> Option<Oid> {
    commit.tree().ok()?.get_path(relative).ok().map(|e| e.id())
}

fn signature(repo: &Repository, commit: Oid) -> Result<Option<CommitSignature>> {
    match repo.extract_signature(&commit, None) {
        Ok((armored, signed)) => Ok(Some(CommitSignature {
            armored: String::from_utf8_lossy(&armored).into_owned(),
            signed: signed.to_vec(),
        })),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(git_error(
            &format!("cannot read the signature of {commit}"),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn the_last_change_skips_commits_and_merges_that_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yaml");
        std::fs::write(&file, "one\n").unwrap();
        git(dir.path(), &["init", "-q"]);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "one"]);
        std::fs::write(&file, "two\n").unwrap();
        git(dir.path(), &["commit", "-qam", "two"]);
        let changed = git(dir.path(), &["rev-parse", "HEAD"]);
        git(dir.path(), &["checkout", "-qb", "side", "HEAD~1"]);
        std::fs::write(dir.path().join("other"), "x\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "side"]);
        git(dir.path(), &["checkout", "-q", "main"]);
        git(dir.path(), &["merge", "-q", "--no-edit", "side"]);
        assert_ne!(git(dir.path(), &["rev-parse", "HEAD"]), changed);
        let last = last_change(&file).unwrap().unwrap();
        assert_eq!(last.commit, changed);
        assert_eq!(last.signature, None);
        let seconds: i64 = git(dir.path(), &["log", "-1", "--format=%ct", &changed])
            .parse()
            .unwrap();
        assert_eq!(last.committed.unix_timestamp(), seconds);
        std::fs::write(dir.path().join("new.yaml"), "n\n").unwrap();
        assert_eq!(last_change(&dir.path().join("new.yaml")).unwrap(), None);
    }
}
