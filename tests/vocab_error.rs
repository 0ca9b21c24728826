//! An error reads as documented: the `errno` constants are the kernel's
//! numbers, `Display` is `step[ beneath base]: ERRNO (text)`, `Debug` shows
//! kind, errno name, step and base, and `step()` is the step's text.

use safe_procfs::{DIR_BUF_MIN, Error, Handle, OpenFlags, ReadDir, errno};
use syscalls::Errno;

const DIR: OpenFlags = OpenFlags::O_RDONLY.union(OpenFlags::O_DIRECTORY);

/// `ReadDir::new` with a buffer one byte short: an error with no base.
fn short_buffer_error(h: &Handle) -> Error {
    let fds = h.open_self("fd", DIR).unwrap();
    let mut buf = [0u8; DIR_BUF_MIN - 1];
    ReadDir::new(&fds, &mut buf).next().unwrap().unwrap_err()
}

#[test]
fn errno_constants_are_the_kernels() {
    let pairs = [
        (errno::EPERM, Errno::EPERM),
        (errno::ENOENT, Errno::ENOENT),
        (errno::ESRCH, Errno::ESRCH),
        (errno::EINTR, Errno::EINTR),
        (errno::EIO, Errno::EIO),
        (errno::EBADF, Errno::EBADF),
        (errno::ENOMEM, Errno::ENOMEM),
        (errno::EACCES, Errno::EACCES),
        (errno::EXDEV, Errno::EXDEV),
        (errno::ENOTDIR, Errno::ENOTDIR),
        (errno::EISDIR, Errno::EISDIR),
        (errno::EINVAL, Errno::EINVAL),
        (errno::EMFILE, Errno::EMFILE),
        (errno::EFBIG, Errno::EFBIG),
        (errno::ERANGE, Errno::ERANGE),
        (errno::ENAMETOOLONG, Errno::ENAMETOOLONG),
        (errno::ENOSYS, Errno::ENOSYS),
        (errno::ELOOP, Errno::ELOOP),
        (errno::EOPNOTSUPP, Errno::EOPNOTSUPP),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours, theirs.into_raw(), "{theirs:?}");
    }
}

#[test]
fn display_names_step_base_and_errno() {
    let h = Handle::open(&[]).unwrap();
    let e = h.open_pid(42, "../x", OpenFlags::O_RDONLY).unwrap_err();
    assert_eq!(
        e.to_string(),
        "path's '..' leaves the base beneath /proc/42: EXDEV (Cross-device link)"
    );
    assert_eq!(
        short_buffer_error(&h).to_string(),
        "ReadDir::new: buffer shorter than DIR_BUF_MIN: EINVAL (Invalid argument)"
    );
}

#[test]
fn step_and_debug_give_the_text() {
    let h = Handle::open(&[]).unwrap();
    let e = short_buffer_error(&h);
    assert_eq!(e.step(), "ReadDir::new: buffer shorter than DIR_BUF_MIN");
    assert_eq!(
        format!("{e:?}"),
        "Error { kind: InvalidArgument, errno: \"EINVAL\", \
         step: \"ReadDir::new: buffer shorter than DIR_BUF_MIN\", base: None }"
    );
    let e = h.open_pid(42, "../x", OpenFlags::O_RDONLY).unwrap_err();
    assert_eq!(
        format!("{e:?}"),
        "Error { kind: InvalidArgument, errno: \"EXDEV\", \
         step: \"path's '..' leaves the base\", base: Some(ProcPid(42)) }"
    );
}
