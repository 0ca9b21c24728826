//! The methods of [`OwnedFd`] and [`BorrowedFd`] that issue system calls.

use crate::error::Error;
use crate::fd::{BorrowedFd, OwnedFd};
use crate::step::Step;
use crate::sys::{self, Errno};

impl BorrowedFd<'_> {
    /// A new descriptor (`O_CLOEXEC`) of its own for the same open file
    /// (to keep a descriptor a C caller only lends, say).
    ///
    /// # Errors
    ///
    /// The errno of `fcntl(F_DUPFD_CLOEXEC)` (`EBADF`, `EMFILE`).
    pub fn try_clone_to_owned(&self) -> Result<OwnedFd, Error> {
        sys::dup_cloexec(*self).map_err(|e| Error::os(e, Step::DupCloexec))
    }
}

impl OwnedFd {
    /// A new descriptor (`O_CLOEXEC`) for the same open file.
    ///
    /// # Errors
    ///
    /// As [`BorrowedFd::try_clone_to_owned`].
    pub fn try_clone(&self) -> Result<OwnedFd, Error> {
        self.as_fd().try_clone_to_owned()
    }

    /// `read(2)` into `buf`, retried on `EINTR`; 0 at end of file.
    ///
    /// # Errors
    ///
    /// The errno of `read(2)` (`EBADF` for an `O_PATH` fd, `EISDIR`, ...).
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Error> {
        retry_eintr(|| sys::read(self.as_fd(), buf)).map_err(|e| Error::os(e, Step::Read))
    }

    /// `pread64(2)` into `buf` from `offset`, without moving the file's
    /// offset; retried on `EINTR`; 0 at or past the end of the file.
    ///
    /// # Errors
    ///
    /// The errno of `pread64(2)` (`EINVAL` for an offset above `i64::MAX`).
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Error> {
        retry_eintr(|| sys::pread64(self.as_fd(), buf, offset))
            .map_err(|e| Error::os(e, Step::Pread64))
    }

    /// `lseek(fd, 0, SEEK_SET)`: the next read regenerates a procfs file,
    /// showing the process as it is now.
    ///
    /// # Errors
    ///
    /// The errno of `lseek(2)`.
    pub fn rewind(&self) -> Result<(), Error> {
        sys::lseek_set(self.as_fd(), 0)
            .map(drop)
            .map_err(|e| Error::os(e, Step::Rewind))
    }

    /// Reads from the current offset to the end of the file into `buf` and
    /// returns the part filled: a small file such as `status`, in one call.
    ///
    /// # Errors
    ///
    /// `EFBIG` if the file does not fit in `buf` (the offset has moved one
    /// byte past it: retry with a larger buffer on a new fd); else as
    /// [`OwnedFd::read`].
    pub fn read_whole<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
        let mut len = 0;
        while let Some(rest) = buf.get_mut(len..).filter(|rest| !rest.is_empty()) {
            match self.read(rest)? {
                0 => return Ok(buf.get(..len).unwrap_or_default()),
                n => len += n,
            }
        }
        // Full: only an end of file proves that it all fitted.
        match self.read(&mut [0u8; 1])? {
            0 => Ok(buf),
            _ => Err(Error::invalid(Errno::EFBIG, Step::ReadWholeTooLarge)),
        }
    }

    /// Writes all of `buf` in as few `write(2)` calls as the kernel allows
    /// (as procfs expects), retrying on `EINTR`.
    ///
    /// # Errors
    ///
    /// The errno of `write(2)` (`EINVAL` for a value a sysctl refuses, ...);
    /// `EIO` if the kernel accepted 0 bytes.
    pub fn write_all(&self, mut buf: &[u8]) -> Result<(), Error> {
        while !buf.is_empty() {
            match retry_eintr(|| sys::write(self.as_fd(), buf)) {
                Ok(0) => return Err(Error::os(Errno::EIO, Step::WriteReturnedZero)),
                Ok(n) => buf = buf.get(n..).unwrap_or(&[]),
                Err(e) => return Err(Error::os(e, Step::Write)),
            }
        }
        Ok(())
    }
}

fn retry_eintr(mut call: impl FnMut() -> Result<usize, Errno>) -> Result<usize, Errno> {
    loop {
        match call() {
            Err(Errno::EINTR) => {}
            r => return r,
        }
    }
}
