//! The public [`Handle`] and its methods.

use crate::acquire::{self, Want};
use crate::arch::{
    O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY, O_TMPFILE,
};
use crate::base::ProcBase;
use crate::cache::{self, Published};
use crate::error::{Error, ErrorKind};
use crate::fallback::{self, Retry};
use crate::fd::{BorrowedFd, EndFd, EndOnDrop, OwnedFd};
use crate::flags::{HandleBuilder, OpenFlags, OpenOption, ProcfsOpenFlags, ProcfsOpenHow};
use crate::path::{self, PathBuf};
use crate::root::{self, HandleKind, OwnedRoot, Root};
use crate::step::Step;
use crate::sys::{self, Errno, S_IFDIR, S_IFMT};
use crate::thread::{ThreadCloser, ThreadPin};
use crate::{fork, mount, pidfd, probe, procfs, resolve};
use core::sync::atomic::{AtomicU64, Ordering};

/// A handle to a verified procfs (see [how it stays safe](crate#how-it-stays-safe)).
#[derive(Debug)]
pub struct Handle {
    source: Source,
    kind: HandleKind,
    /// The fork generation at which an owned root's pid namespace was checked.
    checked: AtomicU64,
    /// Never fall back to the host `/proc`, not even for a temporary procfs.
    no_host: bool,
}

#[derive(Debug)]
enum Source {
    /// The process-wide cached root, read from the cache on every call; its
    /// fd as opened, never closed, is for `AsFd` while it is re-published.
    Cached(#[cfg_attr(not(feature = "std"), allow(dead_code))] BorrowedFd<'static>),
    Owned(EndOnDrop<HandleRoot>),
}

/// A root a handle owns, ended by [`close_if_ours`].
#[derive(Debug)]
struct HandleRoot(OwnedRoot);

impl EndFd for HandleRoot {
    fn end(self) {
        let _ = close_if_ours(self.0);
    }
}

impl Handle {
    /// Opens a procfs handle (the Go `OpenProcRoot`/`Open`). Without options
    /// it is the process-wide cached handle (no syscalls once made), masked
    /// (`subset=pid`, `hidepid=ptraceable` where possible); for the options
    /// see [`unmasked_proc_root`](crate::unmasked_proc_root)
    /// and [`no_host_fallback`](crate::no_host_fallback).
    ///
    /// # Errors
    ///
    /// `EOPNOTSUPP` or [`SafetyViolation`](ErrorKind::SafetyViolation) as the
    /// [errno contract](crate#errors) says; `EMFILE`, `ENFILE`, `ENOMEM` when
    /// out of a resource; an [`OpenOption`]'s error.
    pub fn open(opts: &[OpenOption]) -> Result<Handle, Error> {
        let mut how = ProcfsOpenHow::default();
        opts.iter().try_for_each(|opt| opt(&mut how))?;
        Handle::open_flags(how.flags)
    }

    /// A [`HandleBuilder`] without options: [`open`](Handle::open) in Rust style.
    pub const fn builder() -> HandleBuilder {
        HandleBuilder::new()
    }

    /// [`open`](Handle::open) and [`HandleBuilder::open`] with their options.
    fn open_flags(flags: ProcfsOpenFlags) -> Result<Handle, Error> {
        let unmasked = flags.contains(ProcfsOpenFlags::UNMASKED);
        let no_host = flags.contains(ProcfsOpenFlags::NO_HOST_FALLBACK);
        if !unmasked && let Some(c) = cache::cached() {
            return Ok(Handle {
                source: Source::Cached(c.root.fd),
                kind: c.root.kind,
                checked: AtomicU64::new(0),
                no_host,
            });
        }
        Ok(Handle::on(
            acquire::acquire(want(unmasked, no_host, false))?,
            !unmasked,
            no_host,
        ))
    }

    /// A handle on `root`, published to the cache if `cache` and it may be.
    fn on(root: OwnedRoot, cache: bool, no_host: bool) -> Handle {
        let published = if cache {
            cache::publish(root, None)
        } else {
            Published::Kept(root)
        };
        let (kind, source) = match published {
            Published::Cached(root) => (root.kind, Source::Cached(root.fd)),
            Published::Kept(root) => (root.kind, Source::Owned(EndOnDrop::new(HandleRoot(root)))),
        };
        Handle {
            source,
            kind,
            checked: AtomicU64::new(fork::generation()),
            no_host,
        }
    }

    /// Adopts `fd`, a procfs root opened by the caller (a C caller's
    /// `proc_rootfd`, say), as a handle of its own. How it was made cannot
    /// be told, so it is treated as [`HandleKind::HostMount`]: every result
    /// is checked for mount crossings, and a lookup is never retried on
    /// another instance (a masked root stays masked).
    ///
    /// # Errors
    ///
    /// [`SafetyViolation`](ErrorKind::SafetyViolation) unless `fd` is the root
    /// directory of a procfs of our pid namespace (`fd` is then closed).
    pub fn from_fd(fd: OwnedFd) -> Result<Handle, Error> {
        Ok(Handle::on(acquire::adopt(fd)?, false, false))
    }

    /// Opens `path` ([rules](crate#paths)) relative to the procfs root (the
    /// Go `OpenRoot`). On a masked handle, global files (`sys/...`, `uptime`)
    /// are looked up on a temporary unmasked procfs, closed right after, at
    /// many times the cost of a plain open; for a batch (sysctl writes, say)
    /// open one [`unmasked_proc_root`](crate::unmasked_proc_root) handle.
    ///
    /// # Errors
    ///
    /// As the [errno contract](crate#errors) says, else as the kernel says,
    /// and those of [`Handle::open`] when the cached handle is re-acquired.
    pub fn open_root(&self, path: impl AsRef<[u8]>, flags: OpenFlags) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcRoot, path.as_ref(), flags)
    }

    /// Opens `path` relative to `/proc/self` (the Go `OpenSelf`).
    ///
    /// # Errors
    ///
    /// As [`Handle::open_root`].
    pub fn open_self(&self, path: impl AsRef<[u8]>, flags: OpenFlags) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcSelf, path.as_ref(), flags)
    }

    /// Opens `path` relative to [`/proc/<pid>`](ProcBase::ProcPid) (the Go `OpenPid`).
    ///
    /// # Errors
    ///
    /// As [`Handle::open_root`] (`EINVAL` for a `pid` of 0 or ≥ 2^31).
    pub fn open_pid(
        &self,
        pid: u32,
        path: impl AsRef<[u8]>,
        flags: OpenFlags,
    ) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcPid(pid), path.as_ref(), flags)
    }

    /// Opens `path` relative to `/proc/<pid of pidfd>`, race-free against
    /// pid recycling: see [`ProcBase::ProcPidFd`]. A pidfd that was dropped
    /// cannot be passed:
    ///
    /// ```compile_fail
    /// use safe_procfs::{Handle, OpenFlags, pidfd_open};
    ///
    /// let proc = Handle::open(&[])?;
    /// let pidfd = pidfd_open(std::process::id())?;
    /// let borrowed = pidfd.as_fd();
    /// drop(pidfd);
    /// let status = proc.open_pidfd(borrowed, "status", OpenFlags::O_RDONLY)?;
    /// # Ok::<(), safe_procfs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Handle::open_root`] (the `ProcPidFd` rows: `ESRCH`, `EBADF`,
    /// `EINVAL`), and `ENOSYS` ([`NotSupported`](ErrorKind::NotSupported))
    /// on kernels without pidfds (before 5.1).
    pub fn open_pidfd(
        &self,
        pidfd: BorrowedFd<'_>,
        path: impl AsRef<[u8]>,
        flags: OpenFlags,
    ) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcPidFd(pidfd), path.as_ref(), flags)
    }

    /// Opens `path` relative to `/proc/thread-self` (the Go
    /// `OpenThreadSelf`), with the thread pinned by `pin` until the returned
    /// [`ThreadCloser`] is closed (after the fd); on error it is unpinned.
    ///
    /// ```
    /// use safe_procfs::{Handle, NoPin, OpenFlags};
    ///
    /// let proc = Handle::open(&[])?;
    /// let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)?;
    /// comm.write_all(b"worker-1")?;
    /// drop(comm); // the fd first,
    /// closer.close(); // then the closer
    /// # Ok::<(), safe_procfs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Handle::open_root`].
    pub fn open_thread_self<'p>(
        &self,
        path: impl AsRef<[u8]>,
        flags: OpenFlags,
        pin: &'p dyn ThreadPin,
    ) -> Result<(OwnedFd, ThreadCloser<'p>), Error> {
        pin.pin();
        let fd = self
            .open_base(ProcBase::ProcThreadSelf, path.as_ref(), flags)
            .inspect_err(|_| pin.unpin())?;
        Ok((fd, ThreadCloser { pin }))
    }

    /// Reads the symlink `path` under `base` into `buf` and returns the
    /// target (the Go `Readlink`): opened with `O_PATH|O_NOFOLLOW`, read with
    /// `readlinkat(fd, "")`, so even `ProcThreadSelf` needs no pinning.
    ///
    /// The target is the kernel's text, for messages, never to open again.
    /// A link into a procfs mounted nowhere (a private instance or detached
    /// clone) reads relative to its root: `/1234/fd`, not `/proc/1234/fd`.
    ///
    /// # Errors
    ///
    /// As [`Handle::open_root`] (the `readlink` rows: `ERANGE`, `EINVAL`).
    pub fn readlink<'b>(
        &self,
        base: ProcBase<'_>,
        path: impl AsRef<[u8]>,
        buf: &'b mut [u8],
    ) -> Result<&'b [u8], Error> {
        let flags = OpenFlags::O_PATH | OpenFlags::O_NOFOLLOW;
        read_link(self.open_base(base, path.as_ref(), flags), buf).map_err(|e| e.under(base))
    }

    /// Closes the handle (the Go `Close`): a no-op for the cached handle.
    ///
    /// # Errors
    ///
    /// [`SafetyViolation`](ErrorKind::SafetyViolation) (`EXDEV`), closing
    /// nothing, if the fd number now names another file; else the errno of
    /// `close(2)` (`EBADF` if it was closed).
    pub fn close(self) -> Result<(), Error> {
        match self.source {
            Source::Cached(_) => Ok(()),
            Source::Owned(root) => close_if_ours(root.into_inner().0),
        }
    }

    /// How this handle's procfs was obtained.
    pub fn kind(&self) -> HandleKind {
        self.kind
    }

    /// Whether this is the process-wide cached handle.
    pub fn is_cached(&self) -> bool {
        matches!(self.source, Source::Cached(..))
    }

    /// This handle's root, checked to still be ours and of our pid
    /// namespace. A root made for this call only leaves its fd in
    /// `call_fd`, in the caller's frame, closed when that frame ends.
    #[inline(never)]
    fn checked_root<'a>(&'a self, call_fd: &'a mut Option<OwnedFd>) -> Result<Root<'a>, Error> {
        let cached = match &self.source {
            Source::Owned(root) => {
                let root = root.get().0.borrow();
                root.check_still_ours()?;
                let now = fork::generation();
                if self.checked.load(Ordering::Acquire) != now {
                    root::check_pid_namespace(&root)?;
                    self.checked.store(now, Ordering::Release);
                }
                return Ok(root);
            }
            Source::Cached(_) => cache::cached(),
        };
        // No entry (another thread is re-publishing it): we make our own.
        if let Some(cached) = cached {
            let now = fork::generation();
            let verdict = cached.root.check_still_ours().and_then(|()| {
                if cached.checked != now {
                    root::check_pid_namespace(&cached.root)?;
                    cache::mark_checked(&cached, now);
                }
                Ok(())
            });
            match verdict {
                Ok(()) => return Ok(cached.root),
                // Another file took the number, or a procfs of our parent's
                // pid namespace: replace it. An error of a check is returned.
                Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
                Err(e) => return Err(e),
            }
        }
        self.refresh(cached, call_fd)
    }

    /// Acquires and re-publishes the cached root, which failed its check
    /// or was not there (the old number is left alone: see [`cache`]).
    fn refresh<'a>(
        &self,
        stale: Option<cache::Cached>,
        call_fd: &'a mut Option<OwnedFd>,
    ) -> Result<Root<'a>, Error> {
        let root = acquire::acquire(want(false, self.no_host, false))?;
        Ok(match cache::publish(root, stale) {
            Published::Cached(root) => root,
            Published::Kept(root) => root.keep_in(call_fd),
        })
    }

    /// Whether this handle's procfs hides global files (`subset=pid`).
    fn subset(&self) -> bool {
        match &self.source {
            Source::Cached(_) => true,
            Source::Owned(root) => root.get().0.subset(),
        }
    }

    /// Every public lookup comes here; its errors name the base.
    fn open_base(
        &self,
        base: ProcBase<'_>,
        path: &[u8],
        flags: OpenFlags,
    ) -> Result<OwnedFd, Error> {
        self.open_valid(base, path, flags)
            .map_err(|e| e.under(base))
    }

    #[inline(always)]
    fn open_valid(
        &self,
        base: ProcBase<'_>,
        path: &[u8],
        flags: OpenFlags,
    ) -> Result<OwnedFd, Error> {
        let kflags = kernel_flags(flags)?;
        path::validate(path)?;
        match base {
            ProcBase::ProcPidFd(pidfd) => self.open_pidfd_base(pidfd, path, kflags),
            ProcBase::ProcRoot if self.subset() && !procfs::visible_in_subset(path) => {
                if procfs::followed_into_self(path, kflags & O_NOFOLLOW != 0) {
                    // `net` -> `self/net`: the same path beneath `self`, on
                    // this handle (a directory there is ours to hand out).
                    return self.open_on_handle(ProcBase::ProcSelf, path, kflags);
                }
                // On a subset=pid instance the global files are not there at
                // all: go straight to the unmasked instance, not failing first.
                open_for_call(want(true, self.no_host, true), base, path, kflags)
            }
            _ => self.open_on_handle(base, path, kflags),
        }
    }

    /// [`ProcBase::ProcPidFd`]: the pidfd's pid, the open under that pid,
    /// then the proof that the pid was still the pidfd's process.
    fn open_pidfd_base(
        &self,
        pidfd: BorrowedFd<'_>,
        path: &[u8],
        kflags: u64,
    ) -> Result<OwnedFd, Error> {
        // Only a live pidfd may be sent the PIDFD_GET_INFO ioctl.
        pidfd::check_alive(pidfd)?;
        // The ioctl gives the pid in our pid namespace, the handle's (made in
        // it, or checked to be); fdinfo read through the handle gives that.
        let pid = pidfd::pid_by_ioctl(pidfd)?.map_or_else(|| self.pid_from_fdinfo(pidfd), Ok)?;
        let fd = self.open_on_handle(ProcBase::ProcPid(pid), path, kflags)?;
        pidfd::check_alive(pidfd)?;
        Ok(fd)
    }

    /// The `Pid:` line of `self/fdinfo/<pidfd>`, read through this handle.
    fn pid_from_fdinfo(&self, pidfd: BorrowedFd<'_>) -> Result<u32, Error> {
        let mut call_fd = None;
        let root = self.checked_root(&mut call_fd)?;
        let mut p = PathBuf::new();
        p.push(b"self/fdinfo/")?;
        p.push_u32(pidfd.as_raw_fd() as u32)?;
        let file = resolve::open(&root, &mut p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)?;
        let mut buf = [0u8; 512];
        let text = file.read_whole(&mut buf)?;
        pidfd::pid_from_fdinfo(text)
    }

    /// Resolves `<base>/<path>` on this handle's own procfs.
    fn open_on_handle(
        &self,
        base: ProcBase<'_>,
        path: &[u8],
        kflags: u64,
    ) -> Result<OwnedFd, Error> {
        let mut call_fd = None;
        let checked = self.checked_root(&mut call_fd);
        let root = match &checked {
            Ok(root) => root,
            Err(e) => return Err(*e),
        };
        match resolve_at(root, base, path, kflags) {
            Err(e) => self.retry(root, e, base, path, kflags),
            // A cached root acquired again unmasked (only a detached clone or
            // the host /proc could be had) hands out files, never directories.
            Ok(fd) if self.is_cached() && !root.subset() => no_unmasked_directory(fd),
            ok => ok,
        }
    }

    #[cold]
    fn retry(
        &self,
        root: &Root<'_>,
        e: Error,
        base: ProcBase<'_>,
        path: &[u8],
        kflags: u64,
    ) -> Result<OwnedFd, Error> {
        match fallback::after_failure(e.errno(), base, root, self.is_cached(), !has_thread_self()) {
            Retry::No => Err(e),
            Retry::OnFreshInstance => {
                open_for_call(want(false, self.no_host, true), base, path, kflags)
            }
            Retry::OnUnmasked => open_for_call(want(true, self.no_host, true), base, path, kflags),
            Retry::UnderSelf => resolve_at(root, ProcBase::ProcSelf, path, kflags),
        }
    }
}

impl HandleBuilder {
    /// [`Handle::open`] with these options.
    ///
    /// # Errors
    ///
    /// As [`Handle::open`].
    pub fn open(self) -> Result<Handle, Error> {
        Handle::open_flags(self.flags())
    }
}

/// Resolves `<base>/<path>` on a procfs acquired as `want` says, closed right
/// after; unless it hides global files, its directories are never handed out.
fn open_for_call(
    want: Want,
    base: ProcBase<'_>,
    path: &[u8],
    kflags: u64,
) -> Result<OwnedFd, Error> {
    let root = acquire::acquire(want)?;
    let fd = resolve_at(&root.borrow(), base, path, kflags)?;
    if root.subset() {
        return Ok(fd);
    }
    drop(root);
    no_unmasked_directory(fd)
}

/// `fd`, found on an unmasked procfs for a masked handle, unless it is a
/// directory of that procfs (`..` from any of them is its unmasked root).
/// Fails closed: a directory passes only if `fstatfs` says it is no procfs.
fn no_unmasked_directory(fd: OwnedFd) -> Result<OwnedFd, Error> {
    if mount::identify(fd.as_fd())?.0.mode & S_IFMT != S_IFDIR {
        return Ok(fd);
    }
    match mount::check_procfs(fd.as_fd()) {
        Err(e) if e.kind() == ErrorKind::SafetyViolation => Ok(fd),
        Err(e) => Err(e),
        Ok(()) => Err(Error::new(
            ErrorKind::SafetyViolation,
            Errno::EISDIR,
            Step::TempUnmaskedDirectory,
        )),
    }
}

/// Closes a handle's own fd unless its number provably names another
/// file now (after a `close_range` and a reuse, or a `dup2`, it belongs to
/// someone else, and is left alone). Anything short of proof (an error of
/// the check, a closed number, a changed creation time) closes it.
fn close_if_ours(root: OwnedRoot) -> Result<(), Error> {
    if root.borrow().names_another_file() {
        core::mem::forget(root.fd);
        return Err(Error::unsafe_path(Step::HandleFdReused));
    }
    sys::close(root.fd).map_err(|e| Error::os(e, Step::CloseHandle))
}

/// The caller's flags as the kernel gets them: `O_CREAT`, `O_EXCL` and
/// `O_TMPFILE` refused; `O_CLOEXEC` always added, `O_NOCTTY` for non-`O_PATH`
/// opens; an `O_PATH` open keeps only the flags `openat2` accepts with it.
fn kernel_flags(flags: OpenFlags) -> Result<u64, Error> {
    let bits = flags.bits();
    if bits & !OpenFlags::all().bits() != 0 {
        // Unknown bits: openat2 refuses them, a plain openat would drop
        // them; refuse them the same way in every mode.
        return Err(Error::invalid(Errno::EINVAL, Step::UnknownOpenFlags));
    }
    if bits & (O_CREAT | O_EXCL) != 0 || bits & (O_TMPFILE & !O_DIRECTORY) != 0 {
        return Err(Error::invalid(Errno::EINVAL, Step::CreateFlagsRefused));
    }
    Ok(if bits & O_PATH != 0 {
        bits & (O_PATH | O_DIRECTORY | O_NOFOLLOW) | O_CLOEXEC
    } else {
        bits | O_CLOEXEC | O_NOCTTY
    })
}

fn want(unmasked: bool, no_host: bool, for_one_call: bool) -> Want {
    Want {
        unmasked,
        no_host,
        for_one_call,
    }
}

fn has_thread_self() -> bool {
    let (major, minor) = procfs::THREAD_SELF_SINCE;
    probe::kernel_at_least(major, minor)
}

/// `readlinkat(fd, "")` into `buf`, on the symlink [`Handle::readlink`] opened.
fn read_link(opened: Result<OwnedFd, Error>, buf: &mut [u8]) -> Result<&[u8], Error> {
    let read = match opened {
        // A directory of the temporary unmasked procfs is never handed
        // out, but readlink hands out nothing: it is simply no symlink.
        Err(e) if e.is_step(Step::TempUnmaskedDirectory) => Err(Errno::EINVAL),
        Err(e) => return Err(e),
        // The kernel refuses an empty buffer with EINVAL: too short.
        Ok(_) if buf.is_empty() => Ok(0),
        Ok(fd) => sys::readlinkat(fd.as_fd(), c"", buf),
    };
    Err(match read {
        Ok(n) if n < buf.len() => return Ok(buf.get(..n).unwrap_or_default()),
        Ok(_) => Error::invalid(Errno::ERANGE, Step::ReadlinkTargetTooLong),
        // We hold the fd, so "does not exist" can only mean "not a symlink".
        Err(Errno::ENOENT | Errno::EINVAL) => {
            Error::invalid(Errno::EINVAL, Step::ReadlinkNotSymlink)
        }
        Err(e) => Error::os(e, Step::Readlinkat),
    })
}

fn resolve_at(
    root: &Root<'_>,
    base: ProcBase<'_>,
    path: &[u8],
    kflags: u64,
) -> Result<OwnedFd, Error> {
    let mut full = PathBuf::new();
    build_path(&mut full, base, path)?;
    resolve::open(root, &mut full, kflags)
}

/// Writes `<base>/<path>`, relative to the procfs root, into `full`.
fn build_path(full: &mut PathBuf, base: ProcBase<'_>, path: &[u8]) -> Result<(), Error> {
    match base {
        ProcBase::ProcRoot => {}
        ProcBase::ProcSelf => full.push(b"self/")?,
        ProcBase::ProcThreadSelf if !has_thread_self() => {
            full.push(b"self/task/")?;
            full.push_u32(sys::gettid())?;
            full.push(b"/")?;
        }
        ProcBase::ProcThreadSelf => full.push(b"thread-self/")?,
        ProcBase::ProcPid(pid) => {
            if pid == 0 || pid >= 1 << 31 {
                return Err(Error::invalid(Errno::EINVAL, Step::PidOutOfRange));
            }
            full.push_u32(pid)?;
            full.push(b"/")?;
        }
        // Resolved to ProcPid by the caller.
        ProcBase::ProcPidFd(_) => {
            return Err(Error::invalid(Errno::EINVAL, Step::PidfdBaseUnresolved));
        }
    }
    full.push(path)
}

#[cfg(feature = "std")]
mod std_interop {
    use super::{Handle, Source, cache};
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

    /// The root's fd (the cached one as last published), without the
    /// methods' per-call check: after a `dup2` over it, or in a child forked
    /// into a new pid namespace before its first call, it names what the
    /// number names then.
    impl AsFd for Handle {
        fn as_fd(&self) -> BorrowedFd<'_> {
            // The handle's root fd stays open while the handle lives (the
            // cached one for the life of the process).
            match &self.source {
                Source::Cached(fd) => cache::cached().map_or(*fd, |c| c.root.fd),
                Source::Owned(root) => root.get().0.fd.as_fd(),
            }
            .into()
        }
    }

    /// As [`AsFd`]: unchecked.
    impl AsRawFd for Handle {
        fn as_raw_fd(&self) -> RawFd {
            self.as_fd().as_raw_fd()
        }
    }
}
