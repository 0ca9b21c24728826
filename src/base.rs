//! [`ProcBase`]: where a path is looked up. A plain value that depends on
//! the fd types alone, so that the error type can name it.

use crate::fd::BorrowedFd;

/// Where a path is looked up (the Go `ProcfsBase`). `'fd` is how long a
/// [`ProcPidFd`](ProcBase::ProcPidFd)'s pidfd is borrowed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcBase<'fd> {
    /// The procfs root (`/proc`); see [`Handle::open_root`](crate::Handle::open_root)
    /// for global files on a masked handle.
    ProcRoot,
    /// The calling process (`/proc/self`), resolved on every call so that a
    /// forked child sees itself.
    ProcSelf,
    /// The calling thread (`/proc/thread-self`); opening through it needs
    /// the thread pinned: see [`Handle::open_thread_self`](crate::Handle::open_thread_self).
    ProcThreadSelf,
    /// Process `pid` (`/proc/<pid>`) in the handle's pid namespace. It may
    /// have exited and its pid been reused by the time the result is used:
    /// [`ProcBase::ProcPidFd`] has no such race.
    ProcPid(u32),
    /// The process of the borrowed pidfd `pidfd` (`/proc/<its pid>`),
    /// race-free against pid recycling. The pid is taken from the pidfd
    /// (`PIDFD_GET_INFO`, Linux 6.13+, else its `fdinfo`). After the open,
    /// `pidfd_send_signal(pidfd, 0)` must still find the process, alive or
    /// an unreaped zombie: while it exists its pid cannot be reused, so the
    /// file opened was its file; otherwise the fd is closed and the call
    /// fails with `ESRCH`. Get a pidfd with [`pidfd_open`](crate::pidfd_open),
    /// `clone3(CLONE_PIDFD)` or `pidfd_getfd`.
    ProcPidFd(BorrowedFd<'fd>),
}
