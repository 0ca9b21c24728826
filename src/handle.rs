//! The public [`Handle`]: the Go package's `Handle` with its `Open*`,
//! `Readlink` and `Close` methods.

use crate::arch::{
    O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_TMPFILE,
};
use crate::error::Error;
use crate::fd::OwnedFd;
use crate::flags::{OpenFlags, OpenOption, ProcfsOpenFlags, ProcfsOpenHow};
use crate::path::{self, PathBuf};
use crate::probe;
use crate::resolve;
use crate::root::{self, HandleKind, Root};
use crate::sys::{self, Errno};
use crate::thread::{ThreadCloser, ThreadPin};

/// Where a path is looked up, like the Go package's `ProcfsBase` values.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcBase {
    /// The procfs root (`/proc`). Global files are hidden on the default
    /// (masked) handle, so a lookup that fails there is retried on a
    /// temporary unmasked procfs: this base may be more expensive.
    ProcRoot,
    /// The calling process (`/proc/self`), resolved on every call so that a
    /// forked child sees itself.
    ProcSelf,
    /// The calling thread (`/proc/thread-self`). Opening through it needs
    /// the thread pinned: see [`Handle::open_thread_self`].
    ProcThreadSelf,
    /// Process `pid` (`/proc/<pid>`), as numbered in the handle's pid
    /// namespace. Beware pid recycling: the process may have exited and its
    /// pid been reused between choosing `pid` and using the result.
    ProcPid(u32),
}

/// A handle to a verified procfs. The default handle (no options) is masked
/// (`subset=pid`, `hidepid=ptraceable` where possible) and cached process-
/// wide; every method resolves beneath it without crossing a mount point.
pub struct Handle {
    root: Root,
    cached: bool,
}

impl Handle {
    /// Opens a procfs handle (the Go `OpenProcRoot`/`Open`). Without options
    /// the process-wide cached masked handle is returned when one exists
    /// (no syscalls). With [`unmasked_proc_root`](crate::unmasked_proc_root)
    /// a new, uncached, unmasked handle is made: close it soon.
    pub fn open(opts: &[OpenOption]) -> Result<Handle, Error> {
        let mut how = ProcfsOpenHow::default();
        for opt in opts {
            opt(&mut how)?;
        }
        let unmasked = how.flags.contains(ProcfsOpenFlags::UNMASKED);
        if !unmasked && let Some(root) = root::cached() {
            return Ok(Handle { root, cached: true });
        }
        let (fd, root) = root::acquire(unmasked)?;
        if unmasked {
            return Ok(Handle {
                root: Root {
                    fd: fd.into_raw_fd(),
                    ..root
                },
                cached: false,
            });
        }
        let (root, cached) = root::publish(fd, root);
        Ok(Handle { root, cached })
    }

    /// Opens `path` relative to the procfs root (the Go `OpenRoot`).
    pub fn open_root(&self, path: impl AsRef<[u8]>, flags: OpenFlags) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcRoot, path.as_ref(), flags)
    }

    /// Opens `path` relative to `/proc/self` (the Go `OpenSelf`).
    pub fn open_self(&self, path: impl AsRef<[u8]>, flags: OpenFlags) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcSelf, path.as_ref(), flags)
    }

    /// Opens `path` relative to `/proc/<pid>` (the Go `OpenPid`). Beware
    /// pid recycling (see [`ProcBase::ProcPid`]).
    pub fn open_pid(
        &self,
        pid: u32,
        path: impl AsRef<[u8]>,
        flags: OpenFlags,
    ) -> Result<OwnedFd, Error> {
        self.open_base(ProcBase::ProcPid(pid), path.as_ref(), flags)
    }

    /// Opens `path` relative to `/proc/thread-self` (the Go
    /// `OpenThreadSelf`). Calls `pin.pin()` first; on error the thread is
    /// unpinned again and no closer is returned. On success, close the fd
    /// first and then the [`ThreadCloser`], which unpins exactly once: a
    /// `thread-self` fd used from another thread refers to the wrong thread.
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
    pub fn open_thread_self<'p>(
        &self,
        path: impl AsRef<[u8]>,
        flags: OpenFlags,
        pin: &'p dyn ThreadPin,
    ) -> Result<(OwnedFd, ThreadCloser<'p>), Error> {
        pin.pin();
        match self.open_base(ProcBase::ProcThreadSelf, path.as_ref(), flags) {
            Ok(fd) => Ok((fd, ThreadCloser::new(pin))),
            Err(e) => {
                pin.unpin();
                Err(e)
            }
        }
    }

    /// Reads the symlink `path` under `base` into `buf` and returns the
    /// target (the Go `Readlink`). The link is opened with
    /// `O_PATH|O_NOFOLLOW` and read with `readlinkat(fd, "")`, so no thread
    /// pinning is needed, even for [`ProcBase::ProcThreadSelf`]. Fails with
    /// `ERANGE` unless `buf` is longer than the target, and with `EINVAL`
    /// if `path` is not a symlink.
    pub fn readlink<'b>(
        &self,
        base: ProcBase,
        path: impl AsRef<[u8]>,
        buf: &'b mut [u8],
    ) -> Result<&'b [u8], Error> {
        let flags = OpenFlags::O_PATH | OpenFlags::O_NOFOLLOW;
        let fd = self.open_base(base, path.as_ref(), flags)?;
        if buf.is_empty() {
            return Err(Error::invalid(
                Errno::ERANGE,
                "readlink target longer than the buffer",
            ));
        }
        match sys::readlinkat(fd.as_raw_fd(), c"", buf) {
            Ok(n) if n < buf.len() => Ok(buf.get(..n).unwrap_or_default()),
            Ok(_) => Err(Error::invalid(
                Errno::ERANGE,
                "readlink target longer than the buffer",
            )),
            // We hold the fd, so "does not exist" can only mean "not a symlink".
            Err(Errno::ENOENT) | Err(Errno::EINVAL) => Err(Error::invalid(
                Errno::EINVAL,
                "readlink of something that is not a symlink",
            )),
            Err(e) => Err(Error::os(e, "readlinkat")),
        }
    }

    /// Closes the handle (the Go `Close`): a no-op for the cached handle.
    pub fn close(self) -> Result<(), Error> {
        let this = core::mem::ManuallyDrop::new(self);
        if this.cached {
            return Ok(());
        }
        sys::close(this.root.fd).map_err(|e| Error::os(e, "close procfs handle"))
    }

    /// How this handle's procfs was obtained.
    pub fn kind(&self) -> HandleKind {
        self.root.kind
    }

    /// Whether this is the process-wide cached handle.
    pub fn is_cached(&self) -> bool {
        self.cached
    }

    #[cfg(feature = "std")]
    pub(crate) fn root_fd(&self) -> i32 {
        self.root.fd
    }

    fn open_base(&self, base: ProcBase, path: &[u8], flags: OpenFlags) -> Result<OwnedFd, Error> {
        let kflags = kernel_flags(flags)?;
        path::validate(path)?;
        let full = full_path(base, path)?;
        let retry_unmasked = match base {
            // On a subset=pid instance the global files are not there at all:
            // go straight to the unmasked instance instead of failing first.
            ProcBase::ProcRoot if self.root.subset && !visible_in_subset(path) => {
                return open_unmasked(&full, kflags);
            }
            ProcBase::ProcRoot => self.root.masked(),
            ProcBase::ProcPid(_) => self.root.hidepid,
            _ => false,
        };
        match resolve::open(&self.root, &full, kflags) {
            Err(e) if retry_unmasked && e.errno() == Errno::ENOENT => open_unmasked(&full, kflags),
            Err(e)
                if base == ProcBase::ProcThreadSelf
                    && e.errno() == Errno::ENOENT
                    && old_thread_self() =>
            {
                // Pre-3.17 fallback: self/task/<tid> did not work; try self.
                let fallback = prefixed(b"self/", path)?;
                resolve::open(&self.root, &fallback, kflags)
            }
            r => r,
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if !self.cached {
            let _ = sys::close(self.root.fd);
        }
    }
}

impl core::fmt::Debug for Handle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Handle")
            .field("fd", &self.root.fd)
            .field("kind", &self.root.kind)
            .field("cached", &self.cached)
            .finish()
    }
}

/// Resolves `full` on a temporary unmasked procfs, closed right after.
fn open_unmasked(full: &PathBuf, kflags: u64) -> Result<OwnedFd, Error> {
    let (fd, root) = root::acquire(true)?;
    let r = resolve::open(&root, full, kflags);
    drop(fd);
    r
}

/// The caller's flags as the kernel gets them: `O_CREAT`, `O_EXCL` and
/// `O_TMPFILE` refused; `O_CLOEXEC` always added, `O_NOCTTY` for non-`O_PATH`
/// opens; an `O_PATH` open keeps only the flags `openat2` accepts with it.
fn kernel_flags(flags: OpenFlags) -> Result<u64, Error> {
    let bits = flags.bits();
    if bits & (O_CREAT | O_EXCL) != 0 || bits & (O_TMPFILE & !O_DIRECTORY) != 0 {
        return Err(Error::invalid(
            Errno::EINVAL,
            "O_CREAT, O_EXCL and O_TMPFILE are not allowed",
        ));
    }
    Ok(if bits & O_PATH != 0 {
        bits & (O_PATH | O_DIRECTORY | O_NOFOLLOW) | O_CLOEXEC
    } else {
        bits | O_CLOEXEC | O_NOCTTY
    })
}

/// Whether the first component of `path` exists on a `subset=pid` procfs.
fn visible_in_subset(path: &[u8]) -> bool {
    let first = path
        .split(|&b| b == b'/')
        .find(|c| !c.is_empty() && *c != b".")
        .unwrap_or(b"");
    first == b"self"
        || first == b"thread-self"
        || (!first.is_empty() && first.iter().all(u8::is_ascii_digit))
}

/// Kernels before 3.17 have no `thread-self`.
fn old_thread_self() -> bool {
    !probe::kernel_at_least(3, 17)
}

fn prefixed(prefix: &[u8], path: &[u8]) -> Result<PathBuf, Error> {
    let mut p = PathBuf::from_bytes(prefix)?;
    p.push(path)?;
    Ok(p)
}

/// `<base>/<path>` relative to the procfs root.
fn full_path(base: ProcBase, path: &[u8]) -> Result<PathBuf, Error> {
    match base {
        ProcBase::ProcRoot => PathBuf::from_bytes(path),
        ProcBase::ProcSelf => prefixed(b"self/", path),
        ProcBase::ProcThreadSelf if old_thread_self() => {
            let mut p = PathBuf::from_bytes(b"self/task/")?;
            p.push_u32(sys::gettid())?;
            p.push(b"/")?;
            p.push(path)?;
            Ok(p)
        }
        ProcBase::ProcThreadSelf => prefixed(b"thread-self/", path),
        ProcBase::ProcPid(pid) => {
            if pid == 0 || pid >= 1 << 31 {
                return Err(Error::invalid(Errno::EINVAL, "pid out of range"));
            }
            let mut p = PathBuf::new();
            p.push_u32(pid)?;
            p.push(b"/")?;
            p.push(path)?;
            Ok(p)
        }
    }
}
