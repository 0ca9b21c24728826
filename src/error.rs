//! The crate's error type: an errno, a category and the step that failed.
//! `Copy`, no heap: usable where nothing can be allocated.

use core::fmt;
use syscalls::Errno;

/// What kind of failure an [`Error`] is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's arguments were refused before the kernel was asked
    /// (bad path, forbidden flags, pid out of range, buffer too small).
    InvalidArgument,
    /// A kernel facility the operation needs is missing.
    NotSupported,
    /// A safety check failed: a mount was crossed, the file is not on the
    /// handle's procfs, or no trustworthy procfs could be obtained.
    SafetyViolation,
    /// The kernel refused the operation itself (`ENOENT`, `EACCES`, ...).
    Os,
}

/// An error of this crate: see [`Error::raw_os_error`] for the errno
/// contract and [`Error::kind`] for its category.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    errno: i32,
    step: &'static str,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, errno: Errno, step: &'static str) -> Self {
        Error {
            kind,
            errno: errno.into_raw(),
            step,
        }
    }

    /// A failure reported by the kernel for `step`.
    pub(crate) fn os(errno: Errno, step: &'static str) -> Self {
        Self::new(ErrorKind::Os, errno, step)
    }

    /// An argument refused by the crate with `errno`.
    pub(crate) fn invalid(errno: Errno, step: &'static str) -> Self {
        Self::new(ErrorKind::InvalidArgument, errno, step)
    }

    /// A failed safety check; the errno is `EXDEV` unless said otherwise.
    pub(crate) fn unsafe_path(step: &'static str) -> Self {
        Self::new(ErrorKind::SafetyViolation, Errno::EXDEV, step)
    }

    /// The errno of this error (always present; `Option` mirrors
    /// `std::io::Error::raw_os_error`).
    pub fn raw_os_error(&self) -> Option<i32> {
        Some(self.errno)
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// A short, static description of the step that failed.
    pub fn step(&self) -> &'static str {
        self.step
    }

    pub(crate) fn errno(&self) -> Errno {
        Errno::new(self.errno)
    }

    /// The same error, re-labelled as a safety violation (used when no
    /// trustworthy procfs could be obtained at all).
    pub(crate) fn into_safety_violation(self) -> Self {
        Error {
            kind: ErrorKind::SafetyViolation,
            ..self
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("errno", &Errno::new(self.errno).name().unwrap_or("?"))
            .field("step", &self.step)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = Errno::new(self.errno);
        write!(
            f,
            "{}: {} ({})",
            self.step,
            e.name().unwrap_or("unknown errno"),
            e.description().unwrap_or("no description")
        )
    }
}

impl core::error::Error for Error {}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        std::io::Error::from_raw_os_error(e.errno)
    }
}
