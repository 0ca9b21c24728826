//! Open flags and the options of [`Handle::open`](crate::Handle::open).

use crate::arch;
use crate::error::Error;
use bitflags::bitflags;

bitflags! {
    /// `open(2)` flags with the kernel's values for the target architecture
    /// (some differ on aarch64). `O_RDONLY` is zero: the empty set.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct OpenFlags: u64 {
        /// Open for reading only (the value 0).
        const O_RDONLY = arch::O_RDONLY;
        /// Open for writing only.
        const O_WRONLY = arch::O_WRONLY;
        /// Open for reading and writing.
        const O_RDWR = arch::O_RDWR;
        /// Create the file: always refused with `EINVAL` by this crate.
        const O_CREAT = arch::O_CREAT;
        /// Exclusive create: always refused with `EINVAL` by this crate.
        const O_EXCL = arch::O_EXCL;
        /// Do not make a terminal the controlling tty (always added).
        const O_NOCTTY = arch::O_NOCTTY;
        /// Truncate on open.
        const O_TRUNC = arch::O_TRUNC;
        /// Append on each write.
        const O_APPEND = arch::O_APPEND;
        /// Non-blocking I/O.
        const O_NONBLOCK = arch::O_NONBLOCK;
        /// Synchronised data writes.
        const O_DSYNC = arch::O_DSYNC;
        /// Direct I/O.
        const O_DIRECT = arch::O_DIRECT;
        /// Large-file offsets (implied on 64-bit kernels).
        const O_LARGEFILE = arch::O_LARGEFILE;
        /// Fail unless the target is a directory.
        const O_DIRECTORY = arch::O_DIRECTORY;
        /// Do not follow a trailing symlink or magic-link.
        const O_NOFOLLOW = arch::O_NOFOLLOW;
        /// Do not update the access time.
        const O_NOATIME = arch::O_NOATIME;
        /// Close on exec (always added).
        const O_CLOEXEC = arch::O_CLOEXEC;
        /// Synchronised writes.
        const O_SYNC = arch::O_SYNC;
        /// A path-only descriptor.
        const O_PATH = arch::O_PATH;
        /// Unnamed temporary file: always refused with `EINVAL` by this crate.
        const O_TMPFILE = arch::O_TMPFILE;
    }
}

bitflags! {
    /// How [`Handle::open`](crate::Handle::open) obtains its procfs.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ProcfsOpenFlags: u64 {
        /// Set by [`unmasked_proc_root`].
        const UNMASKED = 1;
        /// Set by [`no_host_fallback`].
        const NO_HOST_FALLBACK = 2;
    }
}

/// The accumulated options of [`Handle::open`](crate::Handle::open).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcfsOpenHow {
    /// The flags set by the options.
    pub flags: ProcfsOpenFlags,
}

/// One option of [`Handle::open`](crate::Handle::open), like the Go
/// package's functional options.
pub type OpenOption = fn(&mut ProcfsOpenHow) -> Result<(), Error>;

/// The Go `UnmaskedProcRoot`: a procfs without `subset=pid` and `hidepid`,
/// on which every global file (`sys/...`, `uptime`) is visible. Never
/// cached; close it as soon as it is not needed: an unmasked procfs fd that
/// leaks into a container is an escape route.
///
/// # Errors
///
/// Never: the `Result` is the shape of an [`OpenOption`].
pub fn unmasked_proc_root(how: &mut ProcfsOpenHow) -> Result<(), Error> {
    how.flags |= ProcfsOpenFlags::UNMASKED;
    Ok(())
}

/// Fail closed: [`Handle::open`](crate::Handle::open) fails with
/// `EOPNOTSUPP` rather than use the host `/proc`
/// ([`HandleKind::HostMount`](crate::HandleKind::HostMount) says why).
///
/// # Errors
///
/// Never: the `Result` is the shape of an [`OpenOption`].
pub fn no_host_fallback(how: &mut ProcfsOpenHow) -> Result<(), Error> {
    how.flags |= ProcfsOpenFlags::NO_HOST_FALLBACK;
    Ok(())
}

/// [`Handle::open`](crate::Handle::open)'s options as methods, from
/// [`Handle::builder`](crate::Handle::builder).
///
/// ```
/// use safe_procfs::{ErrorKind, Handle};
///
/// // As Handle::open(&[unmasked_proc_root, no_host_fallback]):
/// match Handle::builder().unmasked().no_host_fallback().open() {
///     Ok(proc) => proc.close()?,
///     // Neither a private procfs nor a detached clone here (not root, say).
///     Err(e) if e.kind() == ErrorKind::NotSupported => {}
///     Err(e) => return Err(e),
/// }
/// # Ok::<(), safe_procfs::Error>(())
/// ```
#[must_use = "a builder does nothing until `open` is called"]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HandleBuilder {
    flags: ProcfsOpenFlags,
}

impl HandleBuilder {
    /// No options: what [`Handle::builder`](crate::Handle::builder) gives.
    pub const fn new() -> HandleBuilder {
        HandleBuilder {
            flags: ProcfsOpenFlags::empty(),
        }
    }

    /// As the option [`unmasked_proc_root`].
    pub const fn unmasked(mut self) -> HandleBuilder {
        self.flags = self.flags.union(ProcfsOpenFlags::UNMASKED);
        self
    }

    /// As the option [`no_host_fallback`].
    pub const fn no_host_fallback(mut self) -> HandleBuilder {
        self.flags = self.flags.union(ProcfsOpenFlags::NO_HOST_FALLBACK);
        self
    }

    /// The flags set so far.
    pub const fn flags(&self) -> ProcfsOpenFlags {
        self.flags
    }
}
