//! A process without privileges gets the host /proc and the kernel's own
//! refusals: without CAP_SYS_ADMIN neither `fsopen` nor `open_tree` works,
//! so the handle is the host /proc, checked on every call, and EPERM/EACCES
//! come back as the kernel gave them. Runs as root too: the body runs in a
//! forked child that first becomes `nobody` (as `nobody` already, nothing
//! changes). One test in this binary, forked before anything opened a
//! handle: the child's handle is acquired anew, never inherited from a
//! cache.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    ErrorKind, Handle, HandleKind, OpenFlags, OpenOption, ProcBase, ReadDir, errno,
    no_host_fallback, unmasked_proc_root,
};

const RD: OpenFlags = OpenFlags::O_RDONLY;

fn as_nobody() -> Result<(), Msg> {
    become_nobody()?;
    ensure!(
        !has_cap_sys_admin_nofs(),
        "still has CAP_SYS_ADMIN after setresuid"
    );

    // A handle as good as the host /proc allows: fsopen and open_tree are
    // refused (EPERM), so the host /proc, checked on every call, not cached.
    let h = try_ok!(Handle::open(&[]), "Handle::open as nobody");
    ensure!(
        h.kind() == HandleKind::HostMount,
        "default handle: {:?}",
        h.kind()
    );
    ensure!(!h.is_cached(), "a host /proc handle must not be cached");
    let status = try_ok!(h.open_self("status", RD), "open_self(status)");
    let mut buf = [0u8; 4096];
    let text = try_ok!(status.read_whole(&mut buf), "read status");
    let uid = safe_procfs::parse::status_value(text, b"Uid").unwrap_or_default();
    let mut want = heapless::String::<16>::new();
    // SAFETY: getuid has no preconditions.
    let _ = core::fmt::Write::write_fmt(&mut want, format_args!("{}\t", unsafe { libc::getuid() }));
    ensure!(uid.starts_with(want.as_bytes()), "Uid: {:?}", uid);
    let u = try_ok!(Handle::open(&[unmasked_proc_root]), "unmasked handle");
    ensure!(
        u.kind() == HandleKind::HostMount,
        "unmasked: {:?}",
        u.kind()
    );
    try_ok!(
        u.open_root("uptime", RD),
        "open_root(uptime) on the host /proc"
    );

    // no_host_fallback fails closed: EOPNOTSUPP, NotSupported, masked or not.
    let fail_closed: [&[OpenOption]; 2] =
        [&[no_host_fallback], &[unmasked_proc_root, no_host_fallback]];
    for opts in fail_closed {
        match Handle::open(opts) {
            Ok(h) => fail!("no_host_fallback gave a handle: {:?}", h.kind()),
            Err(e) => {
                ensure!(
                    e.raw_os_error() == Some(errno::EOPNOTSUPP),
                    "no_host_fallback: {}",
                    e
                );
                ensure!(
                    e.kind() == ErrorKind::NotSupported,
                    "no_host_fallback kind: {:?}",
                    e.kind()
                );
            }
        }
    }

    // The kernel's refusals come back as they are, and the handle goes on.
    // pid 1 is root's: its environ and exe are not ours to see (EACCES).
    let e = match h.open_pid(1, "environ", RD) {
        Ok(_) => fail!("open_pid(1, environ) as nobody succeeded"),
        Err(e) => e,
    };
    ensure!(
        e.raw_os_error() == Some(errno::EACCES),
        "open_pid(1, environ): {}",
        e
    );
    ensure!(
        e.is_permission_denied() && e.kind() == ErrorKind::Os,
        "{}",
        e
    );
    match h.readlink(ProcBase::ProcPid(1), "exe", &mut buf) {
        Ok(_) => fail!("readlink(1, exe) as nobody succeeded"),
        Err(e) => ensure!(
            e.raw_os_error() == Some(errno::EACCES),
            "readlink(1, exe): {}",
            e
        ),
    }
    // A sysctl is root's to write.
    match h.open_root("sys/kernel/printk_ratelimit", OpenFlags::O_WRONLY) {
        Ok(_) => fail!("a sysctl opened for writing as nobody"),
        Err(e) => ensure!(
            e.raw_os_error() == Some(errno::EACCES),
            "sysctl O_WRONLY: {}",
            e
        ),
    }
    // Following map_files/* needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE):
    // EPERM on 6.18, ENOENT on 6.1; either way returned as the kernel says.
    // One entry of our map_files (listing it needs no capability; under
    // qemu-user `maps` shows the guest's view, not the host's entries).
    let dir = OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY;
    let listing = try_ok!(h.open_self("map_files", dir), "open_self(map_files)");
    let mut dirbuf = [0u8; 1024];
    let mut range = heapless::Vec::<u8, 64>::new();
    for entry in ReadDir::new(&listing, &mut dirbuf) {
        let entry = try_ok!(entry, "ReadDir::new(map_files)");
        if !entry.is_dot_or_dotdot() {
            let _ = range.extend_from_slice(entry.name());
            break;
        }
    }
    ensure!(!range.is_empty(), "map_files is empty");
    let range = &range[..];
    let mut path = heapless::String::<64>::new();
    let _ = core::fmt::Write::write_fmt(
        &mut path,
        format_args!("map_files/{}", core::str::from_utf8(range).unwrap_or("?")),
    );
    // (Reading the link is allowed; following it needs the capability.)
    try_ok!(
        h.readlink(ProcBase::ProcSelf, path.as_str(), &mut buf),
        "readlink({})",
        path
    );
    match h.open_self(path.as_str(), RD) {
        Ok(_) => fail!("open_self({}) as nobody succeeded", path),
        Err(e) => ensure!(
            matches!(e.raw_os_error(), Some(errno::EPERM | errno::ENOENT)),
            "open_self({}): {}",
            path,
            e
        ),
    }
    try_ok!(
        h.open_self("status", RD),
        "open_self(status) after the refusals"
    );
    Ok(())
}

/// CAP_SYS_ADMIN in the effective set, read without std::fs (the child
/// must not allocate): through the crate itself.
fn has_cap_sys_admin_nofs() -> bool {
    let Ok(h) = Handle::open(&[unmasked_proc_root]) else {
        return true;
    };
    let mut buf = [0u8; 4096];
    let Ok(f) = h.open_self("status", RD) else {
        return true;
    };
    let Ok(text) = f.read_whole(&mut buf) else {
        return true;
    };
    let caps = safe_procfs::parse::status_value(text, b"CapEff").unwrap_or(b"ffff");
    let hex = core::str::from_utf8(caps).unwrap_or("ffff");
    u64::from_str_radix(hex, 16).map_or(true, |c| c & (1 << 21) != 0)
}

#[test]
fn a_process_without_privileges_gets_the_host_proc_and_the_kernels_refusals() {
    in_child(as_nobody).unwrap();
}
