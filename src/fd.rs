//! An owned file descriptor that closes itself on drop.

use crate::error::Error;
use crate::step::Step;
use crate::sys::{self, Errno};
use core::fmt;

/// An owned file descriptor: closed when dropped. Every descriptor this
/// crate returns carries `O_CLOEXEC`.
pub struct OwnedFd {
    fd: i32,
}

impl OwnedFd {
    /// The raw descriptor number; `self` still owns it.
    pub fn as_raw_fd(&self) -> i32 {
        self.fd
    }

    /// Gives up ownership: the caller must close the returned descriptor.
    pub fn into_raw_fd(self) -> i32 {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }

    /// Takes ownership of `fd`.
    ///
    /// # Safety
    /// `fd` must be an open file descriptor that nothing else owns or will
    /// close: it is closed when the returned value is dropped.
    pub unsafe fn from_raw_fd(fd: i32) -> OwnedFd {
        OwnedFd { fd }
    }

    /// A new descriptor (`O_CLOEXEC`) for the same open file.
    ///
    /// # Errors
    ///
    /// As `fcntl(F_DUPFD_CLOEXEC)`: `EMFILE` when no descriptor is free.
    pub fn try_clone(&self) -> Result<OwnedFd, Error> {
        sys::dup_cloexec(self.fd).map_err(|e| Error::os(e, Step::DupCloexec))
    }

    /// A new descriptor (`O_CLOEXEC`) for the file open at `fd`, which is
    /// only borrowed (to adopt a descriptor a C caller keeps, say). `EBADF`
    /// if `fd` is not open.
    ///
    /// # Errors
    ///
    /// As `fcntl(F_DUPFD_CLOEXEC)`: `EBADF` if `fd` is not open, `EMFILE`
    /// when no descriptor is free.
    pub fn duplicate_raw(fd: i32) -> Result<OwnedFd, Error> {
        sys::dup_cloexec(fd).map_err(|e| Error::os(e, Step::DupCloexec))
    }

    /// `read(2)` into `buf`, retried on `EINTR`; returns the bytes read
    /// (0 at end of file).
    ///
    /// # Errors
    ///
    /// The errno of `read(2)` (`EBADF` for an `O_PATH` fd, `EISDIR`, ...).
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Error> {
        loop {
            match sys::read(self.fd, buf) {
                Err(Errno::EINTR) => continue,
                r => return r.map_err(|e| Error::os(e, Step::Read)),
            }
        }
    }

    /// `pread64(2)`: reads into `buf` from `offset` of the file, without
    /// moving the file's offset; retried on `EINTR`. Returns the bytes
    /// read (0 at or past the end of the file).
    ///
    /// ```
    /// use safe_procfs::{Handle, OpenFlags};
    ///
    /// let proc = Handle::open(&[])?;
    /// let status = proc.open_self("status", OpenFlags::O_RDONLY)?;
    /// let mut name = [0u8; 5];
    /// assert_eq!(status.read_at(&mut name, 0)?, 5);
    /// assert_eq!(&name, b"Name:");
    /// # Ok::<(), safe_procfs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The errno of `pread64(2)` (`ESPIPE` for a pipe, `EBADF` for an
    /// `O_PATH` fd, `EINVAL` for an offset above `i64::MAX`, ...).
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Error> {
        loop {
            match sys::pread64(self.fd, buf, offset) {
                Err(Errno::EINTR) => continue,
                r => return r.map_err(|e| Error::os(e, Step::Pread64)),
            }
        }
    }

    /// `lseek(fd, 0, SEEK_SET)`: the next [`read`](OwnedFd::read) starts
    /// again at the beginning. A procfs file is generated anew from there,
    /// so it shows the process as it is now.
    ///
    /// # Errors
    ///
    /// The errno of `lseek(2)` (`ESPIPE` for a pipe, `EBADF` for an `O_PATH` fd).
    pub fn rewind(&self) -> Result<(), Error> {
        sys::lseek_set(self.fd, 0)
            .map(drop)
            .map_err(|e| Error::os(e, Step::Rewind))
    }

    /// Reads from the current offset to the end of the file into `buf`
    /// and returns the part of `buf` that was filled: the whole of a small
    /// file such as `status`, `cmdline` or a sysctl, in one call.
    ///
    /// ```
    /// use safe_procfs::{Handle, OpenFlags};
    ///
    /// let proc = Handle::open(&[])?;
    /// let mut buf = [0u8; 64];
    /// let ostype = proc.open_root("sys/kernel/ostype", OpenFlags::O_RDONLY)?.read_whole(&mut buf)?;
    /// assert_eq!(ostype, b"Linux\n");
    /// # Ok::<(), safe_procfs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// * `EFBIG` ([`InvalidArgument`](crate::ErrorKind::InvalidArgument)):
    ///   the file does not fit in `buf` (one more byte was there after `buf`
    ///   was full; the offset has moved past it). Retry with a larger
    ///   buffer on a new fd, or read in pieces with [`OwnedFd::read`].
    /// * the errno of `read(2)` (`EBADF` for an `O_PATH` fd, `EISDIR`, ...).
    pub fn read_whole<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
        let mut len = 0;
        loop {
            let rest = buf.get_mut(len..).unwrap_or_default();
            if rest.is_empty() {
                // Full: only an end of file proves that it all fitted.
                let mut one = [0u8; 1];
                if self.read(&mut one)? == 0 {
                    break;
                }
                return Err(Error::invalid(Errno::EFBIG, Step::ReadWholeTooLarge));
            }
            match self.read(rest)? {
                0 => break,
                n => len += n,
            }
        }
        Ok(buf.get(..len).unwrap_or_default())
    }

    /// Writes all of `buf` (as procfs expects, in as few `write(2)` calls
    /// as the kernel allows), retrying on `EINTR`.
    ///
    /// # Errors
    ///
    /// The errno of `write(2)` (`EINVAL` for a value a sysctl refuses,
    /// `EPERM`/`EACCES`, `EBADF` for an `O_PATH` or read-only fd, ...);
    /// `EIO` if the kernel accepted 0 bytes.
    pub fn write_all(&self, mut buf: &[u8]) -> Result<(), Error> {
        while !buf.is_empty() {
            match sys::write(self.fd, buf) {
                Ok(0) => return Err(Error::os(Errno::EIO, Step::WriteReturnedZero)),
                Ok(n) => buf = buf.get(n..).unwrap_or(&[]),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::os(e, Step::Write)),
            }
        }
        Ok(())
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // Errors from close(2) cannot be acted on here (the fd is gone either way).
        let _ = sys::close(self.fd);
    }
}

impl fmt::Debug for OwnedFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedFd").field("fd", &self.fd).finish()
    }
}

#[cfg(feature = "std")]
pub(crate) use std_interop::Lent;

#[cfg(feature = "std")]
mod std_interop {
    use super::OwnedFd;
    use core::marker::PhantomData;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, RawFd};

    /// A descriptor the crate keeps open for as long as `'a` (a handle's
    /// root: open while the handle lives, the cached one for the life of
    /// the process), to be lent to std as a `BorrowedFd`. Only this module
    /// turns it into one.
    pub(crate) struct Lent<'a> {
        fd: i32,
        owner: PhantomData<&'a ()>,
    }

    impl<'a> Lent<'a> {
        /// `fd`, kept open by the crate while `_owner` is borrowed.
        pub(crate) fn new<T>(fd: i32, _owner: &'a T) -> Self {
            Lent {
                fd,
                owner: PhantomData,
            }
        }

        pub(crate) fn borrowed(self) -> BorrowedFd<'a> {
            // SAFETY: `Lent::new` is given only descriptors the crate keeps
            // open for `'a` (see the type's documentation).
            unsafe { BorrowedFd::borrow_raw(self.fd) }
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    impl From<OwnedFd> for std::os::fd::OwnedFd {
        fn from(fd: OwnedFd) -> Self {
            // SAFETY: `into_raw_fd` hands over sole ownership of an open fd.
            unsafe { std::os::fd::OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    impl From<OwnedFd> for std::fs::File {
        fn from(fd: OwnedFd) -> Self {
            std::fs::File::from(std::os::fd::OwnedFd::from(fd))
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    impl From<std::os::fd::OwnedFd> for OwnedFd {
        fn from(fd: std::os::fd::OwnedFd) -> Self {
            // SAFETY: std's OwnedFd hands over sole ownership of an open fd.
            unsafe { OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    impl AsRawFd for OwnedFd {
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    impl AsFd for OwnedFd {
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: `self.fd` stays open for as long as `self` is borrowed.
            unsafe { BorrowedFd::borrow_raw(self.fd) }
        }
    }
}
