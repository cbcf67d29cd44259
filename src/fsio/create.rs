//! Creating and writing files: owner-only modes whatever the umask, and never through a
//! symbolic link.

use std::fs::{DirBuilder, File, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::open::{check_type, explain_link, set_blocking};

/// The mode of files offboard creates for itself: read and write for the owner only.
pub const PRIVATE_FILE: u32 = 0o600;

/// The mode of directories offboard creates for itself: the owner only.
pub const PRIVATE_DIR: u32 = 0o700;

/// How many fresh names [`replace`] tries for its temporary file before giving up.
const TEMP_ATTEMPTS: u32 = 16;

/// Create `dir` and its missing parents with `mode` (see [`set_mode`]). Directories that exist
/// are left as they are; one reached through a link is accepted (see [`refuse_link`] for
/// directories that must not be).
pub fn create_dir_all(dir: &Path, mode: u32) -> io::Result<()> {
    let mut missing: Vec<&Path> = Vec::new();
    let mut current = dir;
    loop {
        match std::fs::metadata(current) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a directory", current.display()),
                ));
            }
            // ENOTDIR: a parent is a file; the loop reaches it and says so.
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                missing.push(current)
            }
            Err(e) => return Err(e),
        }
        match current.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => current = parent,
            _ => break,
        }
    }
    for dir in missing.into_iter().rev() {
        match DirBuilder::new().mode(mode).create(dir) {
            Ok(()) => {
                // On the directory itself, not on whatever a link planted in its place would
                // point to.
                let created = File::options()
                    .read(true)
                    .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
                    .open(dir)?;
                set_mode(&created, mode)?;
            }
            // Another process created it meanwhile.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An error when `path` is a symbolic link (for directories and files of the journal, which
/// are offboard's own and never links).
pub fn refuse_link(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => check_type(meta.file_type()),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Create `path`, which must not exist (not even as a link), with `mode` (see [`set_mode`]);
/// the file is open for reading and writing.
pub fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    create_exclusive(path, mode, false)
}

fn create_exclusive(path: &Path, mode: u32, append: bool) -> io::Result<File> {
    let file = File::options()
        .read(true)
        .write(!append)
        .append(append)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    set_mode(&file, mode)?;
    Ok(file)
}

/// Give a file or directory just created its `mode`. An owner-only mode ([`PRIVATE_FILE`],
/// [`PRIVATE_DIR`]) is set exactly, whatever the umask took away; a mode that lets group or
/// others in (man pages, a scaffolded repository) keeps the umask's narrowing, so a strict
/// umask is honoured.
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    if mode & 0o077 == 0 {
        file.set_permissions(Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// Open the existing regular file `path` for reading and writing (appending with `append`),
/// refusing a link, a FIFO or a device.
pub fn open_existing(path: &Path, append: bool) -> io::Result<File> {
    let file = File::options()
        .read(true)
        .write(!append)
        .append(append)
        // Non-blocking so that a FIFO in its place cannot hang the open; refused just below.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| explain_link(path, e))?;
    check_type(file.metadata()?.file_type())?;
    set_blocking(&file)?;
    Ok(file)
}

/// Open `path` as [`open_existing`] does, or create it owner-only ([`PRIVATE_FILE`]) when it
/// does not exist; the flag tells whether it was created. For lock files and append-only
/// journal files.
pub fn open_or_create(path: &Path, append: bool) -> io::Result<(File, bool)> {
    match create_exclusive(path, PRIVATE_FILE, append) {
        Ok(file) => Ok((file, true)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            open_existing(path, append).map(|file| (file, false))
        }
        Err(e) => Err(e),
    }
}

/// Replace `path` atomically with what `write` writes: into a new temporary file (created
/// exclusively, `mode`) in the same directory, synced, then renamed over `path` and the
/// directory synced. A crash leaves the old file or the new one, never half of one; a link at
/// `path` is replaced, never followed. The temporary file is removed on failure.
pub fn replace(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent_of(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let (tmp, mut file) = temporary(&dir, &name.to_string_lossy(), mode)?;
    let written = write(&mut file)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir)
}

/// Sync directory `dir`, so that a file created or renamed in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

/// A fresh hidden temporary file beside `name` in `dir`.
fn temporary(dir: &Path, name: &str, mode: u32) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let tmp = dir.join(format!(
            ".{name}.{}.{:08x}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        match create_new(&tmp, mode) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary file name was free")))
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::fs::MetadataExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn created_files_and_directories_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all(&deep, PRIVATE_DIR).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&dir.path().join(d)), 0o700, "{d}");
        }
        let file = deep.join("f");
        create_new(&file, PRIVATE_FILE).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(
            create_new(&file, PRIVATE_FILE).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let err = create_dir_all(&blocker.join("x"), PRIVATE_DIR).unwrap_err();
        assert!(err.to_string().contains("is not a directory"), "{err}");
    }

    #[test]
    fn links_are_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();

        assert!(create_new(&link, PRIVATE_FILE).is_err());
        let err = open_or_create(&link, true).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(refuse_link(&link).is_err());
        replace(&link, PRIVATE_FILE, |f| f.write_all(b"new")).unwrap();

        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
        assert_eq!(mode(&link), 0o600);
    }

    #[test]
    fn open_or_create_appends_and_replace_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let (mut file, created) = open_or_create(&path, true).unwrap();
        assert!(created);
        file.write_all(b"a\n").unwrap();
        let (mut file, created) = open_or_create(&path, true).unwrap();
        assert!(!created);
        file.write_all(b"b\n").unwrap();
        let mut text = String::new();
        File::open(&path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "a\nb\n");

        let target = dir.path().join("out");
        let err = replace(&target, PRIVATE_FILE, |_| Err(io::Error::other("boom"))).unwrap_err();
        assert_eq!(err.to_string(), "boom");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["log"]);
    }
}
