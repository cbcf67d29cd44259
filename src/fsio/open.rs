//! What every open of a file checks, for reading and for writing alike: that it is a regular
//! file, that a refused symbolic link is named as such, and that no descriptor is left
//! non-blocking.

use std::fs::{File, FileType};
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// An error unless `kind` is a regular file.
pub(super) fn check_type(kind: FileType) -> io::Result<()> {
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_symlink() {
        "a symbolic link, which offboard does not follow here"
    } else if kind.is_dir() {
        "a directory, not a regular file"
    } else if kind.is_fifo() {
        "a FIFO (named pipe), not a regular file"
    } else if kind.is_socket() {
        "a socket, not a regular file"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device, not a regular file"
    } else {
        "not a regular file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {what}"),
    ))
}

/// Turn the `ELOOP` of an `O_NOFOLLOW` open into a message that says a link was refused.
pub(super) fn explain_link(path: &Path, error: io::Error) -> io::Error {
    if error.raw_os_error() == Some(libc::ELOOP)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a symbolic link, which offboard does not follow here",
        );
    }
    error
}

/// Clear `O_NONBLOCK` on `file` (opened non-blocking so that a FIFO in its place could not hang
/// the open; on a regular file the flag changes nothing, but it is not left behind).
pub(super) fn set_blocking(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor `file` owns and keeps open for the duration of the call.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above; only the O_NONBLOCK status flag changes.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
