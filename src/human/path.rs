//! Paths as messages show them: normalised lexically (`acme/../../playbooks` is shown as
//! `../playbooks`, `./a/./b` as `a/b`) and made printable. It never touches the file system,
//! so it resolves no symlink; the path the program opens is never changed by it.

use std::path::{Component, Path, PathBuf};

/// `path` for a message: `.` components dropped, each `..` cancelling the name before it, a
/// `..` at the root dropped, and control characters in names made visible.
pub fn path(path: &Path) -> String {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    super::printable(&out.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_lexically() {
        for (given, shown) in [
            ("acme/../../playbooks", "../playbooks"),
            ("/repo/examples/acme/../../playbooks", "/repo/playbooks"),
            ("./a/./b/", "a/b"),
            ("a/..", "."),
            ("../../x", "../../x"),
            ("/../x", "/x"),
            ("journal", "journal"),
            ("", "."),
            ("in\u{1b}[2Jside/x", "in\u{241b}[2Jside/x"),
        ] {
            assert_eq!(path(Path::new(given)), shown, "{given}");
        }
    }
}
