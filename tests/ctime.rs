//! The per-call root check survives `statx` going away mid-run: it falls
//! back to `fstat` and compares the root's creation time to what `statx`
//! recorded, so every handle goes on working; and a `chmod` of the root,
//! which changes that time, fails closed only where no unique mount id
//! pins the mount. Its own test binary, the cases one at a time: they make
//! and free procfs instances, and so take device numbers that the attacks
//! of `reused_device_number.rs` wait for.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{Handle, OpenFlags, unmasked_proc_root};
use std::sync::Mutex;

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// One case at a time (each makes procfs instances and waits for device
/// numbers).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A seccomp filter takes `statx` away mid-run (`ENOSYS` or `EPERM`): the
/// per-call root check falls back to `fstat`, whose device, inode and
/// creation time must be exactly what `statx` recorded at acquisition (the
/// creation time to the nanosecond), or every handle of one's own fails
/// for good as "replaced" and cannot even be closed. Each kind of handle,
/// masked and unmasked, owned and cached.
fn statx_gone_mid_run_case(mode: &Mode, unmasked: bool, errno_: i32) -> Result<(), Msg> {
    mode.enter()?;
    let opts: &[safe_procfs::OpenOption] = if unmasked { &[unmasked_proc_root] } else { &[] };
    let h = try_ok!(Handle::open(opts), "Handle::open");
    let (kind, cached) = (h.kind(), h.is_cached());
    try_ok!(h.open_self("status", RD), "open_self before");
    block(&[Facility::Statx], errno_)?;
    try_ok!(
        h.open_self("status", RD),
        "{kind:?} (cached {cached}): open_self after statx went"
    );
    try_ok!(
        h.open_root("uptime", RD),
        "{kind:?}: open_root(uptime) after statx went"
    );
    if !cached {
        try_ok!(h.close(), "{kind:?}: close after statx went");
    }
    Ok(())
}

#[test]
fn statx_taken_away_mid_run_keeps_every_handle() {
    if !require_root("statx_taken_away_mid_run_keeps_every_handle") {
        return;
    }
    // Computed before forking (the children's block() asks it).
    let _ = under_qemu();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut failed = Vec::new();
    for mode in ONE_MODE_PER_KIND {
        for unmasked in [false, true] {
            for errno_ in [libc::ENOSYS, libc::EPERM] {
                if let Err(e) = in_child(|| statx_gone_mid_run_case(mode, unmasked, errno_)) {
                    failed.push(format!(
                        "[{}] unmasked {unmasked} errno {errno_}: {e}",
                        mode.name
                    ));
                }
            }
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A `chmod` of the handle's procfs root (here through
/// `/proc/self/fd/<root fd>`; on the host `/proc`, any `chmod`/`touch` of
/// it) changes the root's creation-time stamp. Where a unique mount id
/// (Linux 6.8+) pins the mount, the handle goes on working; where none
/// does, that stamp is what tells a new instance on our freed device number
/// apart, so the handle counts as replaced: a `SafetyViolation`, fail
/// closed.
fn chmod_case() -> Result<(), Msg> {
    let before = procfs_root_fds();
    let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open");
    // The handle's root fd: the procfs root that was not open before.
    let fd = procfs_root_fds()
        .into_iter()
        .find(|fd| !before.contains(fd));
    let fd = fd.ok_or_else(|| Msg::try_from("no new procfs root fd").unwrap_or_default())?;
    ensure!(
        h.kind() == safe_procfs::HandleKind::PrivateInstance,
        "expected a private instance, got {:?}",
        h.kind()
    );
    try_ok!(h.open_self("status", RD), "open_self before the chmod");
    let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}"))
        .map_err(|_| Msg::try_from("path").unwrap_or_default())?;
    // A clock tick (the stamp's granularity) after the instance was made.
    std::thread::sleep(std::time::Duration::from_millis(30));
    // SAFETY: a valid NUL-terminated path.
    ensure!(
        unsafe { libc::chmod(path.as_ptr(), 0o555) } == 0,
        "chmod of the root: errno {}",
        errno()
    );
    let after = h.open_self("status", RD);
    if kernel_at_least(6, 8) {
        try_ok!(after, "open_self after the chmod, with a unique mount id");
        try_ok!(h.close(), "close after the chmod");
    } else {
        match after {
            Err(e) if e.is_safety_violation() => {}
            other => fail!("without unique mount ids: {other:?}, expected a safety violation"),
        }
    }
    Ok(())
}

#[test]
fn a_chmod_of_the_root_fails_closed_only_without_a_unique_mount_id() {
    if !require_root("a_chmod_of_the_root_fails_closed_only_without_a_unique_mount_id") {
        return;
    }
    if under_qemu() {
        // No private instance there (no fsopen); a chmod of the detached
        // clone's root would be one of the host /proc. The VMs run it.
        println!("n/a under qemu-user: no private procfs instance");
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = in_child(chmod_case) {
        panic!("{e}");
    }
}

/// A handle closes its own fd unless the number provably names another
/// file (another device, inode or mount): neither a changed creation time
/// (a `chmod` of the root, seen without mount ids) nor a faked `EBADF` from
/// `statx` and `fstat` (a seccomp filter) keeps it open, on `close` or on
/// drop.
fn closes_its_fd_case(chmod: bool, faked_ebadf: bool, by_drop: bool) -> Result<(), Msg> {
    let before = procfs_root_fds();
    let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open");
    let fd = procfs_root_fds()
        .into_iter()
        .find(|fd| !before.contains(fd));
    let fd = fd.ok_or_else(|| Msg::try_from("no new procfs root fd").unwrap_or_default())?;
    try_ok!(h.open_self("status", RD), "open_self before");
    if faked_ebadf {
        block(&[Facility::Statx, Facility::Fstat], libc::EBADF)?;
    } else {
        block(&[Facility::Statx], libc::ENOSYS)?;
    }
    if chmod {
        // A clock tick (the stamp's granularity) after the instance was made.
        std::thread::sleep(std::time::Duration::from_millis(30));
        let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}"))
            .map_err(|_| Msg::try_from("path").unwrap_or_default())?;
        // SAFETY: a valid NUL-terminated path.
        let rc = unsafe { libc::chmod(path.as_ptr(), 0o555) };
        ensure!(rc == 0, "chmod of the root: errno {}", errno());
    }
    if by_drop {
        drop(h);
    } else {
        let _ = h.close();
    }
    // SAFETY: F_GETFD on a number: no memory effects.
    let open = unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0;
    ensure!(
        !open,
        "the handle's fd {fd} is still open after it was closed"
    );
    Ok(())
}

#[test]
fn a_handle_closes_its_fd_unless_the_number_is_provably_someone_elses() {
    if !require_root("a_handle_closes_its_fd_unless_the_number_is_provably_someone_elses") {
        return;
    }
    let qemu = under_qemu();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut failed = Vec::new();
    for chmod in [false, true] {
        // Under qemu-user the unmasked handle is a detached clone: a chmod
        // of its root would be one of the host /proc. The VMs run it.
        if chmod && qemu {
            continue;
        }
        for faked_ebadf in [false, true] {
            for by_drop in [false, true] {
                if let Err(e) = in_child(|| closes_its_fd_case(chmod, faked_ebadf, by_drop)) {
                    failed.push(format!(
                        "chmod {chmod}, faked EBADF {faked_ebadf}, drop {by_drop}: {e}"
                    ));
                }
            }
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}
