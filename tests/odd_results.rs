//! No panic, whatever the kernel answers: every syscall the crate uses is
//! made to fail with a range of errnos (through the test-only fault
//! injection, so that it also works under qemu-user), and every API call
//! comes back with `Ok` or an `Error`. A panic in the child fails the test.
#![cfg(feature = "__fault_injection")]
#![allow(clippy::result_large_err)]

mod common;

use common::*;
use safe_procfs::{Handle, NoPin, OpenFlags, ProcBase, unmasked_proc_root};
use syscalls::Sysno;

const SYSCALLS: &[Sysno] = &[
    Sysno::openat,
    Sysno::openat2,
    Sysno::statx,
    Sysno::fstat,
    Sysno::fstatfs,
    Sysno::readlinkat,
    Sysno::read,
    Sysno::close,
    Sysno::fsopen,
    Sysno::fsconfig,
    Sysno::fsmount,
    Sysno::open_tree,
    Sysno::uname,
];

const ERRNOS: &[i32] = &[
    libc::EIO,
    libc::ENOENT,
    libc::EXDEV,
    libc::ELOOP,
    libc::EINVAL,
    libc::ENOSYS,
    libc::EPERM,
    4095,
];

/// Runs every API call once; only a panic (in the child) can fail this.
fn exercise() -> usize {
    let mut errors = 0;
    let mut buf = [0u8; 256];
    let mut count = |ok: bool| errors += usize::from(!ok);
    for opts in [
        &[][..],
        &[unmasked_proc_root as safe_procfs::OpenOption][..],
    ] {
        let h = match Handle::open(opts) {
            Ok(h) => h,
            Err(_) => {
                count(false);
                continue;
            }
        };
        count(
            h.open_self("status", OpenFlags::O_RDONLY)
                .and_then(|f| f.read(&mut buf))
                .is_ok(),
        );
        count(h.open_root("uptime", OpenFlags::O_RDONLY).is_ok());
        count(h.open_pid(1, "comm", OpenFlags::O_RDONLY).is_ok());
        count(h.open_self("exe", OpenFlags::O_PATH).is_ok());
        count(h.open_self("fd/0", OpenFlags::O_RDONLY).is_ok());
        count(
            h.open_thread_self("comm", OpenFlags::O_RDONLY, &NoPin)
                .is_ok(),
        );
        count(h.readlink(ProcBase::ProcSelf, "exe", &mut buf).is_ok());
        count(h.open_root("mounts", OpenFlags::O_RDONLY).is_ok());
        count(h.close().is_ok());
    }
    errors
}

#[test]
fn no_panic_whatever_a_syscall_returns() {
    if !require_root("no_panic_whatever_a_syscall_returns") {
        return;
    }
    let mut failed = Vec::new();
    for &nr in SYSCALLS {
        for &errno in ERRNOS {
            let r = in_child(|| {
                fault_inject(&[nr], errno)?;
                let errors = exercise();
                // Report through the exit status: 0 calls failed or some did.
                ensure!(errors == 0, "{errors} calls failed");
                Ok(())
            });
            match r {
                Ok(()) => {}
                Err(msg) if msg.ends_with("calls failed") => failed.push((nr, errno)),
                Err(msg) => panic!("{nr:?} failing with errno {errno}: {msg}"),
            }
        }
    }
    // The injection is real: a failing read or openat2 makes calls fail.
    assert!(failed.contains(&(Sysno::read, libc::EIO)), "{failed:?}");
    assert!(failed.contains(&(Sysno::openat2, libc::EIO)), "{failed:?}");
}
