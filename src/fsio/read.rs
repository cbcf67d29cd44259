//! Opening files for reading: regular files only, through a symbolic link or not, within a size
//! limit. A FIFO, socket or device is refused before it is opened (opening a FIFO would block,
//! a device would never end), and checked again on the open file.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::limits::{Limit, size};
use super::open::{check_type, explain_link, set_blocking};

/// Whether a read may go through a symbolic link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Follow a link; its target must still be a regular file. For files users may keep
    /// elsewhere and link: configuration, playbooks, keys, HR and inventory exports, plans.
    Follow,
    /// Refuse a link. For files offboard writes itself: the journal directory's files, the HR
    /// write-back.
    Refuse,
}

/// Open `path` for reading: a regular file (reached through a link only with
/// [`Links::Follow`]) of at most `limit` bytes.
pub fn open_regular(path: &Path, limit: Limit, links: Links) -> io::Result<File> {
    let meta = match links {
        Links::Follow => std::fs::metadata(path)?,
        Links::Refuse => std::fs::symlink_metadata(path)?,
    };
    check_type(meta.file_type())?;
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = File::options()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| explain_link(path, e))?;
    let meta = file.metadata()?;
    check_type(meta.file_type())?;
    check_size(meta.len(), limit)?;
    set_blocking(&file)?;
    Ok(file)
}

/// An error unless `path` is a regular file (reached through a link only with
/// [`Links::Follow`]); for files another library opens, such as the SQLite store.
pub fn check_regular(path: &Path, links: Links) -> io::Result<()> {
    let meta = match links {
        Links::Follow => std::fs::metadata(path)?,
        Links::Refuse => std::fs::symlink_metadata(path)?,
    };
    check_type(meta.file_type())
}

/// Read all of `path` (see [`open_regular`]).
pub fn read(path: &Path, limit: Limit, links: Links) -> io::Result<Vec<u8>> {
    let file = open_regular(path, limit, links)?;
    let expected = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(limit.bytes + 1).read_to_end(&mut bytes)?;
    // The file may have grown since it was opened.
    check_size(bytes.len() as u64, limit)?;
    Ok(bytes)
}

/// Read all of `path` as UTF-8 text (see [`open_regular`]).
pub fn read_to_string(path: &Path, limit: Limit, links: Links) -> io::Result<String> {
    String::from_utf8(read(path, limit, links)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// An error when `len` bytes exceed `limit`.
fn check_size(len: u64, limit: Limit) -> io::Result<()> {
    if len <= limit.bytes {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("it is {}, over {limit}", size(len)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsio::TEXT;

    const SMALL: Limit = Limit {
        bytes: 4,
        what: "a test file",
    };

    #[test]
    fn regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        std::fs::write(&path, "abcd").unwrap();
        assert_eq!(read(&path, SMALL, Links::Refuse).unwrap(), b"abcd");
        std::fs::write(&path, "abcde").unwrap();
        let err = read(&path, SMALL, Links::Refuse).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is 5 bytes, over the 4 bytes limit for a test file"
        );
    }

    #[test]
    fn links_are_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read(&link, TEXT, Links::Follow).unwrap(), b"x");
        let err = read(&link, TEXT, Links::Refuse).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let err = read(&zero, TEXT, Links::Follow).unwrap_err();
        assert!(err.to_string().contains("a device"), "{err}");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read(&fifo, TEXT, Links::Follow).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        let err = read(dir.path(), TEXT, Links::Follow).unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }
}
