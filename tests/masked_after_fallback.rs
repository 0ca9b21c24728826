//! The cached handle is masked, and stays so when it has to be made again
//! where only an unmasked procfs can be had. After a seccomp filter takes
//! the new mount API away mid-run and the cached fd is replaced (or a
//! mount placed inside our private instance sends a lookup to a fresh
//! one), the handle hands out the files it is asked for but no directory
//! of the unmasked procfs: `..` from any of them reaches
//! `sys/kernel/core_pattern`. Its own test binary, whose parent process
//! never opens a handle, so every forked child starts with a cold cache.
//! Not under qemu-user, which has no private instance to cache (see
//! scripts/test.sh); natively and in the VM matrix.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{ErrorKind, Handle, HandleKind, OpenFlags};

const DIR: OpenFlags = OpenFlags::O_PATH.union(OpenFlags::O_DIRECTORY);

/// In a child: warm the cache, take the mount API away with `errno`,
/// replace the cached fd by a dup of /dev/null, then ask for directories.
fn case(errno_: i32) -> Result<(), Msg> {
    let h = try_ok!(Handle::open(&[]), "Handle::open");
    ensure!(
        h.kind() == HandleKind::PrivateInstance,
        "not a private instance: {:?}",
        h.kind()
    );
    try_ok!(h.open_self("status", OpenFlags::O_RDONLY), "warming");
    let roots = procfs_root_fds();
    ensure!(
        roots.len() == 1,
        "{} procfs roots, not the cached one",
        roots.len()
    );
    block(&[Facility::NewMountApi], errno_)?;
    // SAFETY: plain fd calls on numbers we own.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        ensure!(null >= 0, "open /dev/null");
        libc::dup3(null, roots[0], libc::O_CLOEXEC);
        libc::close(null);
    }
    // Files still come, from whatever procfs could be had.
    let status = try_ok!(
        h.open_self("status", OpenFlags::O_RDONLY),
        "open_self(status)"
    );
    ensure!(
        fs_magic(status.as_raw_fd()) == PROC_SUPER_MAGIC,
        "status not on procfs"
    );
    for (what, r) in [
        ("open_self(fd)", h.open_self("fd", DIR)),
        ("open_self(attr)", h.open_self("attr", DIR)),
        ("open_pid(self, task)", h.open_pid(getpid(), "task", DIR)),
    ] {
        match r {
            Ok(f) => {
                // Only a directory that is not on the unmasked procfs could
                // be fine; none of these is.
                fail!(
                    "{what} handed out a directory (magic {:#x})",
                    fs_magic(f.as_raw_fd())
                )
            }
            Err(e)
                if e.kind() == ErrorKind::SafetyViolation
                    && e.raw_os_error() == Some(libc::EISDIR) => {}
            Err(e) => fail!("{what}: {e}, not the refusal EISDIR"),
        }
    }
    Ok(())
}

#[test]
fn a_cached_handle_made_again_unmasked_hands_out_no_directory() {
    if !require_root("a_cached_handle_made_again_unmasked_hands_out_no_directory") {
        return;
    }
    for errno_ in [libc::ENOSYS, libc::EPERM] {
        if let Err(e) = in_child(|| case(errno_)) {
            panic!("mount API refused with {errno_}: {e}");
        }
    }
}
