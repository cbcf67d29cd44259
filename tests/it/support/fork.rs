//! Children and file locks in one test process. A child holds a copy of every descriptor of the
//! test process from its fork until its exec, and with it the `flock` of any run journal or
//! employee lock that a test holds open at that moment: a lock one test dropped could, for that
//! moment, still look taken to the next command of the same test, because another test's child
//! was being started. So the children that tests start all the time (the binary, `git`, `sh`)
//! are spawned under a shared guard that lasts from fork to exec ([`spawn`], [`output`]), and
//! the locks taken in this process ([`super::journal::RunJournal`],
//! [`super::journal::EmployeeLock`]) are released under the exclusive guard ([`release`]): no
//! child is then between fork and exec, and none can start until the lock is gone.

use std::process::{Child, Command, Output, Stdio};
use std::sync::{PoisonError, RwLock};

static FORKING: RwLock<()> = RwLock::new(());

/// Spawn `command`: `spawn` returns once the child has exec'd (or failed to), so the guard
/// covers the whole time the child holds copies of this process's descriptors.
pub fn spawn(command: &mut Command) -> std::io::Result<Child> {
    let _forking = FORKING.read().unwrap_or_else(PoisonError::into_inner);
    command.spawn()
}

/// Run `command` to the end with stdout and stderr captured, as [`Command::output`] does
/// (standard input as the command has it: set it to null where nothing should be read).
pub fn output(command: &mut Command) -> std::io::Result<Output> {
    spawn(command.stdout(Stdio::piped()).stderr(Stdio::piped()))?.wait_with_output()
}

/// Run `release` while no child is between fork and exec.
pub fn release<T>(release: impl FnOnce() -> T) -> T {
    let _alone = FORKING.write().unwrap_or_else(PoisonError::into_inner);
    release()
}
