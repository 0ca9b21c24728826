//! An error reads as documented: the `errno` constants are the kernel's
//! numbers, `Display` is `step[ beneath base]: ERRNO (text)`, `Debug` shows
//! kind, errno name, step and base, `step()` is the step's text, and the
//! `is_*` predicates sort the kernel's refusals as their docs say.

#![allow(clippy::result_large_err)] // tests/common's Msg is a fixed-size buffer

mod common;

use common::{become_nobody, in_child};
use safe_procfs::{DIR_BUF_MIN, Error, ErrorKind, Handle, OpenFlags, ReadDir, errno};
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

/// An LSM's attribute file opened for writing is opened, or `ENOENT` (no
/// such LSM), or refused for privilege; a refusal is `is_permission_denied`
/// for both errnos, `EPERM` and `EACCES` (here as nobody).
#[test]
fn permission_denied_is_eperm_or_eacces() {
    let h = Handle::open(&[]).unwrap();
    match h.open_self("attr/apparmor/exec", OpenFlags::O_WRONLY) {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(errno::ENOENT) => {
            assert!(e.is_not_found() && !e.is_permission_denied(), "{e}");
        }
        Err(e) => assert!(e.is_permission_denied(), "{e}"),
    }
    in_child(|| {
        become_nobody()?;
        let h = try_ok!(Handle::open(&[]), "Handle::open as nobody");
        // O_NOATIME on a file not ours; a sysctl is root's to write.
        let noatime = OpenFlags::O_RDONLY | OpenFlags::O_NOATIME;
        for (r, want) in [
            (h.open_pid(1, "comm", noatime), errno::EPERM),
            (
                h.open_root("sys/kernel/printk_ratelimit", OpenFlags::O_WRONLY),
                errno::EACCES,
            ),
        ] {
            let Err(e) = r else {
                fail!("opened as nobody (errno {want} expected)")
            };
            ensure!(
                e.raw_os_error() == Some(want)
                    && e.is_permission_denied()
                    && e.kind() == ErrorKind::Os,
                "{e}"
            );
        }
        Ok(())
    })
    .unwrap_or_else(|m| panic!("{m}"));
}
