//! [`ProcBase`]: where a path is looked up. A plain value that depends on
//! the fd types alone, so that the error type can name it.

use crate::fd::BorrowedFd;

/// Where a path is looked up, like the Go package's `ProcfsBase` values.
/// `'fd` is how long a [`ProcPidFd`](ProcBase::ProcPidFd)'s pidfd is
/// borrowed; the other bases hold no fd.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcBase<'fd> {
    /// The procfs root (`/proc`). Global files are hidden on the default
    /// (masked) handle, so a lookup of one (`sys/...`, `uptime`, ...) makes
    /// a temporary unmasked procfs instance and tears it down again, many
    /// times the cost of a plain open (`docs/bench.md`).
    ///
    /// # A batch of sysctl writes
    ///
    /// Open one unmasked handle for the batch and close it right after;
    /// never keep one around, and never let its fd reach a container: an
    /// unmasked procfs fd is an escape route.
    ///
    /// ```
    /// use safe_procfs::{Handle, OpenFlags, unmasked_proc_root};
    ///
    /// let sysctls = Handle::open(&[unmasked_proc_root])?;
    /// for name in ["sys/kernel/ostype", "sys/kernel/osrelease"] {
    ///     let mut value = [0u8; 64];
    ///     let n = sysctls.open_root(name, OpenFlags::O_RDONLY)?.read(&mut value)?;
    ///     assert!(n > 0); // (a writer would open with O_WRONLY and write_all)
    /// }
    /// sysctls.close()?; // at once: the whole procfs is visible through it
    /// # Ok::<(), safe_procfs::Error>(())
    /// ```
    ProcRoot,
    /// The calling process (`/proc/self`), resolved on every call so that a
    /// forked child sees itself.
    ProcSelf,
    /// The calling thread (`/proc/thread-self`). Opening through it needs
    /// the thread pinned: see [`Handle::open_thread_self`](crate::Handle::open_thread_self).
    ProcThreadSelf,
    /// Process `pid` (`/proc/<pid>`), as numbered in the handle's pid
    /// namespace. Beware pid recycling: the process may have exited and its
    /// pid been reused between choosing `pid` and using the result. Use
    /// [`ProcBase::ProcPidFd`] where that matters.
    ProcPid(u32),
    /// The process of the pidfd `pidfd` (`/proc/<its pid>`), race-free
    /// against pid recycling. The pidfd is borrowed, not closed: one that
    /// was dropped cannot be named (its number might be another pidfd's
    /// by now, naming another process).
    ///
    /// The pid is taken from the pidfd itself (the `PIDFD_GET_INFO` ioctl,
    /// Linux 6.13+, else the `Pid:` line of the pidfd's `fdinfo`, read
    /// through the handle's own verified procfs). After the open,
    /// `pidfd_send_signal(pidfd, 0)` must still find the process, alive or
    /// an unreaped zombie: while it exists its pid cannot be reused, so the
    /// file opened was its file. Otherwise the opened fd is closed and the
    /// call fails with `ESRCH`. Get a pidfd with [`pidfd_open`](crate::pidfd_open),
    /// `clone3(CLONE_PIDFD)` or `pidfd_getfd`.
    ///
    /// `ESRCH` also when the process is not visible in the handle's pid
    /// namespace; `EBADF` (or `EINVAL`, as the kernel says) when `pidfd` is
    /// not a pidfd.
    ProcPidFd(BorrowedFd<'fd>),
}
