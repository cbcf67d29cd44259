//! The journal directory's check: it exists, is a directory, and no one but its owner can write
//! to it (a group- or world-writable journal lets others add or remove runs before they are
//! signed into the ledger).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{Check, CheckKind};

const SYSTEM: &str = "journal";

/// The permissions check of the journal directory `dir`.
pub(super) fn check(dir: &Path) -> Check {
    let shown = crate::human::path(dir);
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::warn(
                SYSTEM,
                CheckKind::Permissions,
                format!("{shown} does not exist yet"),
                format!("nothing to do: the first run creates it (or `mkdir -m 700 {shown}`)"),
            );
        }
        Err(e) => {
            return Check::fail(
                SYSTEM,
                CheckKind::Permissions,
                format!("cannot read {shown}: {e}"),
                format!("correct `journal:`, or the permissions of {shown}'s parent"),
            );
        }
    };
    if !meta.is_dir() {
        return Check::fail(
            SYSTEM,
            CheckKind::Permissions,
            format!("{shown} is not a directory"),
            "move it aside, or point `journal:` at a directory".to_owned(),
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        let who = if mode & 0o002 != 0 {
            "everyone"
        } else {
            "its group"
        };
        return Check::fail(
            SYSTEM,
            CheckKind::Permissions,
            format!("{shown} (mode {mode:03o}) can be written by {who}"),
            format!("chmod go-w {shown}"),
        );
    }
    Check::ok(
        SYSTEM,
        CheckKind::Permissions,
        format!("{shown} (mode {mode:03o}) is writable by its owner only"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::doctor::Status;

    #[test]
    fn group_or_world_writable_fails_and_missing_warns() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("journal");
        assert_eq!(check(&dir).status, Status::Warn);
        std::fs::create_dir(&dir).unwrap();
        for (mode, status) in [
            (0o700, Status::Ok),
            (0o755, Status::Ok),
            (0o775, Status::Fail),
            (0o757, Status::Fail),
        ] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
            let found = check(&dir);
            assert_eq!(found.status, status, "{mode:o}: {found:?}");
            assert_eq!(found.fix.is_some(), status == Status::Fail);
        }
        std::fs::write(tmp.path().join("file"), "").unwrap();
        assert_eq!(check(&tmp.path().join("file")).status, Status::Fail);
    }
}
