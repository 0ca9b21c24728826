//! Resource errors are not feature errors: with the fd table full, a
//! request for a masked (or private) procfs fails with EMFILE instead of
//! quietly getting a weaker, unmasked kind. Its own test binary, whose
//! parent process never opens a handle, so every forked child starts
//! without a cached one.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{Handle, HandleKind, OpenOption, unmasked_proc_root};

/// Leaves exactly `free` fd numbers usable (RLIMIT_NOFILE), then opens a
/// handle with `opts`.
fn open_with_free_fds(free: i32, opts: &[OpenOption]) -> Result<Result<HandleKind, i32>, Msg> {
    // The `free` lowest free numbers; below the last of them every other
    // number is taken, so a limit just above it leaves exactly those.
    // SAFETY: F_GETFD has no memory effects.
    let mut unused = (0..).filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0);
    let last = unused.nth(free as usize - 1).unwrap_or(0);
    let limit = libc::rlimit {
        rlim_cur: (last + 1) as libc::rlim_t,
        rlim_max: (last + 1) as libc::rlim_t,
    };
    // SAFETY: a valid, live struct.
    ensure!(
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0,
        "setrlimit: errno {}",
        errno()
    );
    Ok(Handle::open(opts)
        .map(|h| h.kind())
        .map_err(|e| e.raw_os_error().unwrap_or(0)))
}

#[test]
fn a_full_fd_table_is_an_error_not_a_downgrade() {
    if !require_root("a_full_fd_table_is_an_error_not_a_downgrade") {
        return;
    }
    let qemu = under_qemu();
    let unmasked: &[OpenOption] = &[unmasked_proc_root];
    for (name, opts) in [("masked", &[][..]), ("unmasked", unmasked)] {
        // One free fd: fsopen gets it, fsmount (or, where there is no mount
        // API, the pid-namespace check of the clone) needs a second one.
        let r = in_child_report(|| match open_with_free_fds(1, opts)? {
            Err(libc::EMFILE) => Ok(Msg::new()),
            Err(e) => fail!("{name}, one free fd: expected EMFILE, got errno {e}"),
            Ok(kind) => fail!("{name}, one free fd: quietly got {kind:?} instead of EMFILE"),
        });
        r.unwrap_or_else(|e| panic!("{e}"));
        // Two free fds are enough for the kind this kernel gives.
        let expected = if qemu {
            HandleKind::DetachedClone
        } else {
            HandleKind::PrivateInstance
        };
        let r = in_child_report(|| match open_with_free_fds(2, opts)? {
            Ok(kind) if kind == expected => Ok(Msg::new()),
            other => fail!("{name}, two free fds: expected {expected:?}, got {other:?}"),
        });
        r.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The same rule at each acquisition step, with the resource error made
/// by a seccomp filter (fault injection under qemu-user) on the step that
/// makes the stronger kind: the new mount API (or, under qemu-user, where
/// that does not exist, `open_tree`). The weaker kind would need no more
/// fds than the stronger one, so only this shows a downgrade.
#[test]
fn a_resource_error_of_one_kind_never_falls_back_to_a_weaker_one() {
    if !require_root("a_resource_error_of_one_kind_never_falls_back_to_a_weaker_one") {
        return;
    }
    let qemu = under_qemu();
    let step = if qemu {
        Facility::OpenTree
    } else {
        Facility::NewMountApi
    };
    let unmasked: &[OpenOption] = &[unmasked_proc_root];
    for errno_ in [libc::EMFILE, libc::ENFILE, libc::ENOMEM] {
        for (name, opts) in [("masked", &[][..]), ("unmasked", unmasked)] {
            let r = in_child(|| {
                block(&[step], errno_)?;
                match Handle::open(opts) {
                    Err(e) if e.raw_os_error() == Some(errno_) => Ok(()),
                    Err(e) => fail!("{name}, {step:?} failing with {errno_}: got {e}"),
                    Ok(h) => fail!(
                        "{name}, {step:?} failing with {errno_}: quietly fell back to {:?}",
                        h.kind()
                    ),
                }
            });
            r.unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
