//! Finding and reading files: upward search for the configuration, expansion of directories into
//! YAML files, and reading bytes as text (keeping track of invalid UTF-8 for the analyzer).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsio;
use crate::playbook::Config;

/// The configuration's file name.
pub const CONFIG_FILE: &str = "offboard.yaml";

/// One file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given or found.
    pub path: PathBuf,
    /// The text; invalid UTF-8 sequences are replaced (see `invalid_utf8_at`).
    pub text: String,
    /// Byte offset of the first invalid UTF-8 sequence, if the file is not UTF-8.
    pub invalid_utf8_at: Option<usize>,
}

impl SourceFile {
    /// A file from text already in memory.
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
            invalid_utf8_at: None,
        }
    }

    /// A file from raw bytes.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> SourceFile {
        match String::from_utf8(bytes) {
            Ok(text) => SourceFile::from_text(path, text),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                SourceFile {
                    path: path.into(),
                    text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    invalid_utf8_at: Some(at),
                }
            }
        }
    }
}

/// Read `path`: a regular file (possibly through a link) of at most [`fsio::TEXT`].
pub fn read(path: &Path) -> Result<SourceFile> {
    use std::io::Read;
    let file = fsio::open_regular(path, fsio::TEXT, fsio::Links::Follow)
        .map_err(|e| Error::io("cannot read", path, e))?;
    let mut bytes = Vec::new();
    file.take(fsio::TEXT.bytes)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read", path, e))?;
    Ok(SourceFile::from_bytes(path, bytes))
}

/// What a YAML file of a playbook repository is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `offboard.yaml`.
    Config,
    /// The glossary.
    Glossary,
    /// The role matrix.
    Roles,
    /// The legal holds file.
    Holds,
    /// The service-account allow-list (`service-accounts.yaml` beside the configuration).
    ServiceAccounts,
    /// A playbook.
    Playbook,
}

/// Classify `path`: by the configuration's paths when known, else by its file name.
pub fn classify(path: &Path, config: Option<&Config>) -> FileKind {
    if let Some(c) = config {
        let same = |p: &Path| same_file(p, path);
        if same(&c.path) {
            return FileKind::Config;
        }
        if same(&c.glossary) {
            return FileKind::Glossary;
        }
        if same(&c.roles) {
            return FileKind::Roles;
        }
        if c.holds.as_deref().is_some_and(same) {
            return FileKind::Holds;
        }
        if same(&c.dir.join(crate::playbook::ALLOW_LIST_FILE)) {
            return FileKind::ServiceAccounts;
        }
    }
    match path.file_name().and_then(|n| n.to_str()) {
        Some(CONFIG_FILE) => FileKind::Config,
        Some("glossary.yaml" | "glossary.yml") => FileKind::Glossary,
        Some("roles.yaml" | "roles.yml") => FileKind::Roles,
        Some("holds.yaml" | "holds.yml") => FileKind::Holds,
        Some(crate::playbook::ALLOW_LIST_FILE) => FileKind::ServiceAccounts,
        _ => FileKind::Playbook,
    }
}

/// True when both paths name the same file (compared canonically when they exist).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The first `name` found in `start` (a directory, or a file's directory) or its parents.
pub fn find_upward(start: &Path, name: &str) -> Option<PathBuf> {
    let start = if start.is_dir() {
        start.to_path_buf()
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let start = if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    };
    let absolute = start.canonicalize().ok()?;
    absolute
        .ancestors()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The YAML files (`.yaml`, `.yml`) under `dir`, recursively, skipping hidden entries, sorted.
pub fn playbook_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("cannot list", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot list", &dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry
                .file_type()
                .map_err(|e| Error::io("cannot list", &path, e))?;
            if kind.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located() {
        let f = SourceFile::from_bytes("x.yaml", b"ab\xffcd".to_vec());
        assert_eq!(f.invalid_utf8_at, Some(2));
        assert_eq!(f.text, "ab\u{fffd}cd");
    }

    #[test]
    fn finds_files_and_classifies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("playbooks/sub")).unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        for f in [
            "offboard.yaml",
            "playbooks/b.yaml",
            "playbooks/sub/a.yml",
            "playbooks/x.txt",
            ".git/c.yaml",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let files = playbook_files(&dir.path().join("playbooks")).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["b.yaml", "a.yml"]);
        let found = find_upward(&dir.path().join("playbooks/sub"), CONFIG_FILE).unwrap();
        assert_eq!(found, dir.path().canonicalize().unwrap().join(CONFIG_FILE));
        assert_eq!(classify(&found, None), FileKind::Config);
        assert_eq!(classify(&files[0], None), FileKind::Playbook);
    }
}
