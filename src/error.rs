//! [`Error`]: an errno, a category, the step that failed and the base, in 8 bytes.

use crate::base::ProcBase;
use crate::step::Step;
use core::fmt;
use syscalls::Errno;

/// What kind of failure an [`Error`] is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The arguments were refused before the kernel was asked ([errors](crate#errors)).
    InvalidArgument,
    /// A kernel facility the operation needs is missing.
    NotSupported,
    /// A safety check failed: a mount was crossed, the file is not on the
    /// handle's procfs, or no trustworthy procfs could be obtained.
    SafetyViolation,
    /// The kernel refused the operation itself (`ENOENT`, `EACCES`, ...).
    Os,
}

/// The kernel's values (the same on x86_64, aarch64 and riscv64) of the errnos
/// the [crate docs](crate#errors) name, to compare with [`Error::raw_os_error`].
pub mod errno {
    /// Each constant with its doc, one row of the table below.
    macro_rules! errnos {
        ($($name:ident = $value:literal, $doc:literal;)*) => {
            $(#[doc = $doc] pub const $name: i32 = $value;)*
        };
    }
    errnos! {
        EPERM = 1, "Operation not permitted.";
        ENOENT = 2, "No such file or directory.";
        ESRCH = 3, "No such process: the pidfd's process is gone or not visible.";
        EINTR = 4, "Interrupted system call.";
        EIO = 5, "I/O error.";
        EBADF = 9, "Bad file descriptor: closed, or not a pidfd where one is needed.";
        ENOMEM = 12, "Out of memory.";
        EACCES = 13, "Permission denied.";
        EXDEV = 18, "The path crosses or lands on a mount point (a safety violation).";
        ENOTDIR = 20, "Not a directory.";
        EISDIR = 21, "Is a directory.";
        EINVAL = 22, "Invalid argument (bad path, forbidden flag, not a symlink, ...).";
        EMFILE = 24, "The process has too many open files.";
        EFBIG = 27, "File too large: it does not fit the caller's buffer (`read_whole`).";
        ERANGE = 34, "Result too large: a `readlink` target does not fit the buffer.";
        ENAMETOOLONG = 36, "The path is longer than [`PATH_BUF_LEN`](crate::PATH_BUF_LEN).";
        ENOSYS = 38, "Function not implemented (the kernel lacks a system call).";
        ELOOP = 40, "A magic-link inside the path, or a symlink with `O_NOFOLLOW`.";
        EOPNOTSUPP = 95, "Operation not supported (`no_host_fallback` with only the host `/proc`).";
    }
}

/// The base a failed lookup was made under, as an [`Error`] keeps it: a
/// [`ProcBase`] without the borrow (the error may outlive the pidfd).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorBase {
    /// [`ProcBase::ProcRoot`].
    ProcRoot,
    /// [`ProcBase::ProcSelf`].
    ProcSelf,
    /// [`ProcBase::ProcThreadSelf`].
    ProcThreadSelf,
    /// [`ProcBase::ProcPid`], with its pid.
    ProcPid(u32),
    /// [`ProcBase::ProcPidFd`], with the pidfd's number then: it may be another file now.
    ProcPidFd(i32),
}

impl From<ProcBase<'_>> for ErrorBase {
    fn from(base: ProcBase<'_>) -> Self {
        match base {
            ProcBase::ProcRoot => ErrorBase::ProcRoot,
            ProcBase::ProcSelf => ErrorBase::ProcSelf,
            ProcBase::ProcThreadSelf => ErrorBase::ProcThreadSelf,
            ProcBase::ProcPid(pid) => ErrorBase::ProcPid(pid),
            ProcBase::ProcPidFd(fd) => ErrorBase::ProcPidFd(fd.as_raw_fd()),
        }
    }
}

/// An error of this crate: an errno, a category and a message, as the
/// [crate docs](crate#errors) say; it holds no path: 8 bytes and `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
// x86_64: `kind` (where a `Result` keeps its `Ok`) in the low byte.
#[cfg_attr(target_arch = "x86_64", repr(C))]
pub struct Error {
    kind: ErrorKind,
    step: Step,
    /// The errno in the low 12 bits (the kernel's are below 4096), `BASE_*` above.
    errno_base: u16,
    /// The pid of a `ProcPid` base, the fd of a `ProcPidFd` one; else 0.
    base_arg: u32,
}

const ERRNO_MASK: u16 = 0xfff;
/// The base's variant in `Error::errno_base` (0: none noted).
const BASE_SHIFT: u32 = 12;
const BASE_ROOT: u16 = 1;
const BASE_SELF: u16 = 2;
const BASE_THREAD_SELF: u16 = 3;
const BASE_PID: u16 = 4;
const BASE_PIDFD: u16 = 5;

impl Error {
    pub(crate) fn new(kind: ErrorKind, errno: Errno, step: Step) -> Self {
        Error {
            base_arg: 0,
            // Errnos are below 4096; anything else reads as 4095.
            errno_base: (errno.into_raw() as u32).min(ERRNO_MASK.into()) as u16,
            kind,
            step,
        }
    }

    /// A failure the kernel reported for `step` (one out-of-line copy).
    #[inline(never)]
    pub(crate) fn os(errno: Errno, step: Step) -> Self {
        Self::new(ErrorKind::Os, errno, step)
    }

    pub(crate) fn invalid(errno: Errno, step: Step) -> Self {
        Self::new(ErrorKind::InvalidArgument, errno, step)
    }

    /// A kernel facility the operation needs is missing (`EOPNOTSUPP`).
    pub(crate) fn unsupported(step: Step) -> Self {
        Self::new(ErrorKind::NotSupported, Errno::EOPNOTSUPP, step)
    }

    /// A failed safety check; the errno is `EXDEV` unless said otherwise.
    pub(crate) fn unsafe_path(step: Step) -> Self {
        Self::new(ErrorKind::SafetyViolation, Errno::EXDEV, step)
    }

    /// Notes the base the error happened under, unless one is noted.
    pub(crate) fn under(self, base: ProcBase<'_>) -> Self {
        if self.base().is_some() {
            return self;
        }
        let (variant, base_arg) = match base {
            ProcBase::ProcRoot => (BASE_ROOT, 0),
            ProcBase::ProcSelf => (BASE_SELF, 0),
            ProcBase::ProcThreadSelf => (BASE_THREAD_SELF, 0),
            ProcBase::ProcPid(pid) => (BASE_PID, pid),
            ProcBase::ProcPidFd(fd) => (BASE_PIDFD, fd.as_raw_fd() as u32),
        };
        Error {
            base_arg,
            errno_base: self.errno_base | variant << BASE_SHIFT,
            ..self
        }
    }

    /// The errno, always present (`Option` as in `std::io::Error`): compare
    /// it with the constants of [`errno`](crate::errno).
    pub fn raw_os_error(&self) -> Option<i32> {
        Some(self.errno().into_raw())
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The system call or rule that failed (`"openat2"`, `"path is absolute"`, ...).
    pub fn step(&self) -> &'static str {
        self.step.text()
    }

    /// The base the failing lookup was made under, where there was one.
    pub fn base(&self) -> Option<ErrorBase> {
        match self.errno_base >> BASE_SHIFT {
            BASE_ROOT => Some(ErrorBase::ProcRoot),
            BASE_SELF => Some(ErrorBase::ProcSelf),
            BASE_THREAD_SELF => Some(ErrorBase::ProcThreadSelf),
            BASE_PID => Some(ErrorBase::ProcPid(self.base_arg)),
            BASE_PIDFD => Some(ErrorBase::ProcPidFd(self.base_arg as i32)),
            _ => None,
        }
    }

    /// The errno's symbolic name (`"ENOENT"`), if it is a known errno.
    pub fn errno_name(&self) -> Option<&'static str> {
        self.errno().name()
    }

    /// `ENOENT`: the entry does not exist (or is hidden from this handle).
    pub fn is_not_found(&self) -> bool {
        self.errno() == Errno::ENOENT
    }

    /// `EPERM` or `EACCES`: the kernel refused for lack of privilege.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self.errno(), Errno::EPERM | Errno::EACCES)
    }

    /// `ESRCH`: the process is gone (reaped, or not visible in the handle's pid namespace).
    pub fn is_process_gone(&self) -> bool {
        self.errno() == Errno::ESRCH
    }

    /// Whether this is a [`SafetyViolation`](ErrorKind::SafetyViolation).
    pub fn is_safety_violation(&self) -> bool {
        self.kind == ErrorKind::SafetyViolation
    }

    pub(crate) fn is_step(&self, step: Step) -> bool {
        self.step == step
    }

    pub(crate) fn errno(&self) -> Errno {
        Errno::new((self.errno_base & ERRNO_MASK).into())
    }

    /// Re-labelled: no trustworthy procfs could be obtained at all.
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
            .field("errno", &self.errno_name().unwrap_or("?"))
            .field("step", &self.step.text())
            .field("base", &self.base())
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.step.text())?;
        match self.base() {
            None => {}
            Some(ErrorBase::ProcRoot) => f.write_str(" beneath /proc")?,
            Some(ErrorBase::ProcSelf) => f.write_str(" beneath /proc/self")?,
            Some(ErrorBase::ProcThreadSelf) => f.write_str(" beneath /proc/thread-self")?,
            Some(ErrorBase::ProcPid(pid)) => write!(f, " beneath /proc/{pid}")?,
            Some(ErrorBase::ProcPidFd(fd)) => write!(f, " beneath /proc/<pid of pidfd {fd}>")?,
        }
        let e = self.errno();
        match (e.name(), e.description()) {
            (Some(name), Some(text)) => write!(f, ": {name} ({text})"),
            _ => write!(f, ": errno {}", e.into_raw()),
        }
    }
}

impl core::error::Error for Error {}

/// Keeps the message: the `io::Error` has the errno's [`std::io::ErrorKind`]
/// and this `Error` inside (`get_ref()`, downcast); its own `raw_os_error()`
/// is `None`, as for every `io::Error` that carries a message.
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        let kind = std::io::Error::from_raw_os_error(e.errno().into_raw()).kind();
        std::io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_of_an_unknown_errno_is_its_number() {
        let e = Error::os(Errno::new(4000), Step::Read);
        assert_eq!(std::format!("{e}"), "read: errno 4000");
    }

    #[test]
    fn eight_bytes() {
        assert_eq!(size_of::<Step>(), 1);
        assert_eq!(size_of::<Error>(), 8);
        assert_eq!(size_of::<Result<crate::OwnedFd, Error>>(), 8);
        assert_eq!(size_of::<Result<(), Error>>(), 8);
    }

    /// What is packed comes back out: every base (the first one noted
    /// stays), every errno the kernel has, kind and step.
    #[test]
    fn packed_fields_round_trip() {
        // Numbers only: a pidfd's number is all an error keeps.
        let [minus_one, max] = [-1, i32::MAX].map(crate::BorrowedFd::number_only);
        let bases = [
            ProcBase::ProcRoot,
            ProcBase::ProcSelf,
            ProcBase::ProcThreadSelf,
            ProcBase::ProcPid(0),
            ProcBase::ProcPid(u32::MAX),
            ProcBase::ProcPidFd(minus_one),
            ProcBase::ProcPidFd(max),
        ];
        for errno in 1..4096 {
            let e = Error::new(ErrorKind::SafetyViolation, Errno::new(errno), Step::Fsmount);
            assert_eq!((e.raw_os_error(), e.base()), (Some(errno), None));
            for base in bases {
                let noted = e.under(base).under(ProcBase::ProcSelf);
                assert_eq!(noted.base(), Some(base.into()));
                assert_eq!(noted.raw_os_error(), Some(errno));
                assert_eq!(noted.kind(), ErrorKind::SafetyViolation);
                assert_eq!(noted.step(), "fsmount");
            }
        }
        // Not an errno (the kernel's are below 4096): the largest one.
        let e = Error::os(Errno::new(70000), Step::Read);
        assert_eq!(e.raw_os_error(), Some(4095));
    }
}
