//! A caller's fd is adopted as a handle (`Handle::from_fd`) only after
//! the same verification as an acquired root: the root of the host
//! `/proc` is accepted (as `HostMount`) and opens our own files; a tmpfs
//! directory or a procfs subdirectory is refused as a safety violation.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{ErrorKind, Handle, HandleKind, OpenFlags};

const RD: OpenFlags = OpenFlags::O_RDONLY;
const SCRATCH: &str = "/tmp/safe-procfs-adopted-root";

/// `Handle::from_fd`: a caller's procfs root is adopted after the same
/// verification as an acquired one; anything else is refused.
fn adopt_case() -> Result<(), Msg> {
    private_mount_ns()?;
    mkdir(&cpath!("{SCRATCH}"))?;
    mount_tmpfs(&cpath!("{SCRATCH}"))?;
    let dir = |p: &CPath| -> Result<safe_procfs::OwnedFd, Msg> {
        let fd = open_raw(p, libc::O_PATH | libc::O_DIRECTORY)?;
        // SAFETY: `fd` was just opened and is never closed here.
        let fd = unsafe { safe_procfs::BorrowedFd::borrow_raw(fd) };
        Ok(try_ok!(fd.try_clone_to_owned(), "try_clone_to_owned"))
    };
    let h = try_ok!(Handle::from_fd(dir(&cpath!("/proc"))?), "adopting /proc");
    ensure!(
        h.kind() == HandleKind::HostMount,
        "adopted kind {:?}",
        h.kind()
    );
    let st = try_ok!(h.open_self("status", RD), "open_self on the adopted handle");
    let mut buf = [0u8; 4096];
    let n = try_ok!(read_all(&st, &mut buf), "read");
    ensure!(status_pid(&buf[..n]) == Some(getpid()), "not our status");
    for (what, p) in [
        ("a tmpfs directory", cpath!("{SCRATCH}")),
        ("a procfs subdirectory", cpath!("/proc/{}", getpid())),
    ] {
        match Handle::from_fd(dir(&p)?) {
            Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
            Err(e) => fail!("adopting {what}: expected a safety violation, got {e}"),
            Ok(_) => fail!("adopted {what}"),
        }
    }
    // SAFETY: -1 is no fd: it breaks `borrow_raw`'s contract on purpose, as
    // a C caller may; it is only handed to the kernel.
    let r = unsafe { safe_procfs::BorrowedFd::borrow_raw(-1) }.try_clone_to_owned();
    ensure!(
        errno_of(&r) == libc::EBADF,
        "try_clone_to_owned(-1): {}",
        errno_of(&r)
    );
    Ok(())
}

#[test]
fn a_callers_procfs_root_is_adopted_only_after_verification() {
    if !require_root("a_callers_procfs_root_is_adopted_only_after_verification") {
        return;
    }
    under_qemu();
    in_child(adopt_case).unwrap_or_else(|e| panic!("{e}"));
}
