//! pidfds: [`pidfd_open`], and the kernel's answers `ProcBase::ProcPidFd` needs.

use crate::error::{Error, ErrorKind};
use crate::fd::{BorrowedFd, OwnedFd};
use crate::procfs;
use crate::step::Step;
use crate::sys::{self, Errno};

/// Opens a pidfd (`O_CLOEXEC`) for process `pid` with `pidfd_open(2)`, for
/// [`ProcBase::ProcPidFd`](crate::ProcBase::ProcPidFd) or
/// [`Handle::open_pidfd`](crate::Handle::open_pidfd): it keeps naming its
/// process after the pid number is reused.
///
/// It pins only *which* process is meant: open it while `pid` still is
/// that process (for your child, until you reap it; `clone3(CLONE_PIDFD)`
/// gets the pidfd atomically with the child).
///
/// # Errors
///
/// `EINVAL` ([`InvalidArgument`](ErrorKind::InvalidArgument)) for a `pid`
/// of 0 or not below 2^31; `ENOSYS` ([`NotSupported`](ErrorKind::NotSupported))
/// before Linux 5.3; else the kernel's (`ESRCH`: not in our pid namespace).
pub fn pidfd_open(pid: u32) -> Result<OwnedFd, Error> {
    if pid == 0 || pid >= 1 << 31 {
        return Err(Error::invalid(Errno::EINVAL, Step::PidfdOpenPidOutOfRange));
    }
    sys::pidfd_open(pid).map_err(|e| match e {
        Errno::ENOSYS => Error::new(ErrorKind::NotSupported, e, Step::PidfdOpen),
        e => Error::os(e, Step::PidfdOpen),
    })
}

/// Checks by signal 0 that `pidfd` is a pidfd whose process still exists
/// (alive or an unreaped zombie): `EPERM` (not allowed to signal) proves it too.
pub(crate) fn check_alive(pidfd: BorrowedFd<'_>) -> Result<(), Error> {
    // A C caller may lend any number (the C ABI borrows what it is given).
    if pidfd.as_raw_fd() < 0 {
        return Err(Error::invalid(Errno::EBADF, Step::PidfdNegative));
    }
    Err(match sys::pidfd_send_signal(pidfd, 0) {
        Ok(()) | Err(Errno::EPERM) => return Ok(()),
        Err(e @ Errno::ESRCH) => Error::os(e, Step::PidfdSignalReaped),
        // Checked after the fd is known to be a pidfd: the process is in a
        // pid namespace that is not ours nor beneath ours.
        Err(Errno::EINVAL) => Error::os(Errno::ESRCH, Step::PidfdSignalOtherNamespace),
        Err(e @ Errno::EBADF) => Error::os(e, Step::PidfdSignalNotPidfd),
        Err(e @ Errno::ENOSYS) => Error::new(ErrorKind::NotSupported, e, Step::PidfdSendSignal),
        Err(e) => Error::os(e, Step::PidfdSendSignal),
    })
}

/// The pid of the pidfd's process by `PIDFD_GET_INFO`, once [`check_alive`] accepted
/// `pidfd`: `Ok(None)` where the kernel lacks that ioctl (then read `fdinfo`).
pub(crate) fn pid_by_ioctl(pidfd: BorrowedFd<'_>) -> Result<Option<u32>, Error> {
    match sys::pidfd_get_pid(pidfd) {
        Ok(pid) => Ok(Some(pid)),
        Err(Errno::ESRCH) => Err(Error::os(Errno::ESRCH, Step::PidfdGetInfoGone)),
        // ENOTTY (no such ioctl, or a /proc/<pid> directory fd), EINVAL,
        // ENOSYS, or a seccomp filter: fall back to fdinfo.
        Err(_) => Ok(None),
    }
}

/// The pid on the `Pid:` line of a pidfd's `fdinfo` (`-1`: reaped; `0`: not
/// visible in that procfs's pid namespace; both `ESRCH`).
pub(crate) fn pid_from_fdinfo(text: &[u8]) -> Result<u32, Error> {
    let value = procfs::line_value(text, b"Pid:");
    match (value, value.and_then(procfs::decimal)) {
        (None, _) => Err(Error::os(Errno::EINVAL, Step::FdinfoNoPidLine)),
        (Some([b'-', ..]), _) => Err(Error::os(Errno::ESRCH, Step::FdinfoPidReaped)),
        (_, Some(0)) => Err(Error::os(Errno::ESRCH, Step::FdinfoPidOtherNamespace)),
        (_, Some(pid)) if pid < 1 << 31 => Ok(pid as u32),
        _ => Err(Error::os(Errno::EINVAL, Step::FdinfoPidUnreadable)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errno(r: Result<u32, Error>) -> i32 {
        r.unwrap_err().raw_os_error().unwrap()
    }

    #[test]
    fn fdinfo_pid_line() {
        let t = b"pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1234\nPid:\t4321\nNSpid:\t4321\n";
        assert_eq!(pid_from_fdinfo(t).unwrap(), 4321);
        assert_eq!(errno(pid_from_fdinfo(b"Pid:\t-1\nNSpid:\t-1\n")), 3);
        assert_eq!(errno(pid_from_fdinfo(b"Pid:\t0\n")), 3);
        assert_eq!(errno(pid_from_fdinfo(b"pos:\t0\nflags:\t0\n")), 22);
        assert_eq!(errno(pid_from_fdinfo(b"Pid:\tx\n")), 22);
        assert_eq!(errno(pid_from_fdinfo(b"Pid:\t2147483648\n")), 22);
        assert_eq!(errno(pid_from_fdinfo(b"")), 22);
    }
}
