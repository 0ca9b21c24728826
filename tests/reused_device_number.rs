//! A new procfs that gets the device number the handle's own instance
//! freed, put at the handle's fd number, is not taken for ours: device,
//! inode 1, type and procfs magic all match, and with `statx` refused the
//! per-call check has no mount id, yet an unmasked substitute (global
//! files) and a masked one of our own pid namespace (told apart by its
//! root's creation time) are both refused and never opened through.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{Handle, HandleKind, OpenFlags};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// A new procfs instance of our pid namespace made with the mount API, its
/// mount fd: unmasked, or masked as the crate masks its own
/// (`subset=pid`, `hidepid=ptraceable`).
fn new_procfs_instance(masked: bool) -> Result<i32, Msg> {
    const FSCONFIG_SET_STRING: u32 = 1;
    const FSCONFIG_CMD_CREATE: u32 = 6;
    // SAFETY: the mount API with valid NUL-terminated strings; fds ours.
    unsafe {
        let ctx = libc::syscall(libc::SYS_fsopen, c"proc".as_ptr(), 1u32) as i32;
        ensure!(ctx >= 0, "fsopen: errno {}", errno());
        if masked {
            for (key, value) in [(c"subset", c"pid"), (c"hidepid", c"ptraceable")] {
                let r = libc::syscall(
                    libc::SYS_fsconfig,
                    ctx,
                    FSCONFIG_SET_STRING,
                    key.as_ptr(),
                    value.as_ptr(),
                    0u32,
                );
                ensure!(r == 0, "fsconfig {key:?}: errno {}", errno());
            }
        }
        let r = libc::syscall(
            libc::SYS_fsconfig,
            ctx,
            FSCONFIG_CMD_CREATE,
            0usize,
            0usize,
            0u32,
        );
        ensure!(r == 0, "fsconfig create: errno {}", errno());
        let m = libc::syscall(libc::SYS_fsmount, ctx, 1u32, 0u32) as i32;
        ensure!(m >= 0, "fsmount: errno {}", errno());
        libc::close(ctx);
        Ok(m)
    }
}

/// With statx refused (a filter arriving mid-run; or a kernel before 5.8),
/// the per-call check has no mount id. The cached private instance's fd is
/// closed, which frees its device number, and a new procfs that gets that
/// very number is put at the fd's number. Device, inode 1, type and procfs
/// magic all match. An unmasked one shows global files; a masked one
/// (`masked`) of our own pid namespace is told apart only by its root's
/// creation time, made a few clock ticks later. (One made within the same
/// tick would pass: a documented residual, see `Root::ctime`.)
/// `Ok(false)`: the device number was not reused (another test took it),
/// try again.
fn reused_device_case(masked: bool) -> Result<bool, Msg> {
    let h = try_ok!(Handle::open(&[]), "Handle::open");
    ensure!(
        h.kind() == HandleKind::PrivateInstance && h.is_cached(),
        "expected the cached private instance, got {:?}",
        h.kind()
    );
    try_ok!(h.open_self("status", RD), "open_self before");
    let victims = procfs_root_fds();
    ensure!(
        victims.len() == 1,
        "expected one procfs root fd, found {}",
        victims.len()
    );
    let n = victims[0];
    let old_dev = fd_stat(n).0;
    block(&[Facility::Statx], libc::EPERM)?;
    // The substitute is made more than a clock tick (the creation time's
    // granularity) after the victim: wait before freeing its device
    // number, not after (other tests' instances would take it meanwhile).
    std::thread::sleep(std::time::Duration::from_millis(30));
    // SAFETY: closing the number we found.
    unsafe { libc::syscall(libc::SYS_close_range, n as u32, n as u32, 0u32) };
    let sub = new_procfs_instance(masked)?;
    if fd_stat(sub).0 != old_dev {
        return Ok(false);
    }
    // SAFETY: dup2 onto the freed number.
    ensure!(
        unsafe { libc::dup2(sub, n) } == n,
        "dup2: errno {}",
        errno()
    );
    let root = try_ok!(
        h.open_root(".", OpenFlags::O_PATH),
        "open_root . after the swap"
    );
    ensure!(
        fd_stat(root.as_raw_fd()).0 != old_dev,
        "open_root(.) is the substituted procfs"
    );
    // SAFETY: valid dirfd and path.
    let uptime = unsafe {
        libc::openat(
            root.as_raw_fd(),
            c"uptime".as_ptr(),
            libc::O_PATH | libc::O_CLOEXEC,
        )
    };
    ensure!(uptime < 0, "the masked handle's root shows global files");
    let st = try_ok!(h.open_self("status", RD), "open_self after the swap");
    ensure!(
        fd_stat(st.as_raw_fd()).0 != old_dev,
        "open_self: from the substituted procfs"
    );
    Ok(true)
}

#[test]
fn a_new_procfs_on_a_reused_device_number_is_not_ours() {
    reused_device_attack("a_new_procfs_on_a_reused_device_number_is_not_ours", false);
}

#[test]
fn a_new_masked_procfs_on_a_reused_device_number_is_not_ours() {
    reused_device_attack(
        "a_new_masked_procfs_on_a_reused_device_number_is_not_ours",
        true,
    );
}

fn reused_device_attack(name: &str, masked: bool) {
    if !require_root(name) {
        return;
    }
    if under_qemu() {
        // No private instance there (no fsopen), so no device number of
        // ours that could be freed and reused; the VMs run it on aarch64
        // and riscv64 kernels.
        println!("n/a under qemu-user: no private procfs instance");
        return;
    }
    for _ in 0..10 {
        match in_child_report(|| match reused_device_case(masked)? {
            true => Ok(Msg::try_from("reproduced").unwrap_or_default()),
            false => Ok(Msg::new()),
        }) {
            Ok(m) if m == "reproduced" => return,
            Ok(_) => continue,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the device number was never reused: the attack could not be set up");
}
