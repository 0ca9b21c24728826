//! The crate falls back no further than it must: with `no_host_fallback`
//! it fails closed (`EOPNOTSUPP`) where only the host `/proc` is left,
//! instead of using it; and a refusal by the kernel itself (`EPERM` on
//! `map_files/*` or `O_NOATIME` as `nobody`) is returned as it is, never
//! taken as a reason to give up `openat2` for the fallback walk.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    ErrorKind, Handle, HandleKind, OpenFlags, ReadDir, no_host_fallback, unmasked_proc_root,
};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// The first `map_files/` entry name of our own mappings.
fn first_mapping(h: &Handle) -> Result<heapless::String<64>, Msg> {
    // The names in map_files/ itself: under qemu-user, `maps` shows the
    // guest's address space, whose ranges do not exist in map_files/.
    let dir = try_ok!(
        h.open_self("map_files", RD | OpenFlags::O_DIRECTORY),
        "open_self map_files"
    );
    let mut buf = [0u8; 1024];
    for entry in ReadDir::new(&dir, &mut buf) {
        let entry = try_ok!(entry, "list map_files");
        if entry.is_dot_or_dotdot() {
            continue;
        }
        let mut name = heapless::String::new();
        let _ = name.push_str(std::str::from_utf8(entry.name()).unwrap_or(""));
        ensure!(name.contains('-'), "not a mapping range: {name}");
        return Ok(name);
    }
    fail!("no mapping in map_files")
}

/// As a user who may not open `map_files/*` (EPERM from the kernel
/// itself), the refusal is returned and `openat2` stays in use: afterwards
/// plain `openat` (the fallback walk's syscall) is taken away, and opens
/// must still work.
fn legitimate_eperm_case() -> Result<(), Msg> {
    become_nobody()?;
    // As nobody, fsopen and open_tree are refused (no CAP_SYS_ADMIN): this
    // is the host /proc, where every call can fall back to the walk.
    let h = try_ok!(Handle::open(&[]), "Handle::open as nobody");
    ensure!(
        h.kind() == HandleKind::HostMount,
        "expected the host /proc, got {:?}",
        h.kind()
    );
    let range = first_mapping(&h)?;
    let path = cpath!("map_files/{}", range.as_str());
    for flags in [RD, OpenFlags::O_PATH] {
        let r = h.open_self(path.as_str(), flags);
        // The kernel's own refusal: EPERM (Linux 6.18), ENOENT (6.1).
        ensure!(
            matches!(errno_of(&r), libc::EPERM | libc::ENOENT),
            "open_self {} {flags:?} as nobody: expected EPERM or ENOENT, got {}",
            path.as_str(),
            errno_of(&r)
        );
    }
    // O_NOATIME on a file we do not own is EPERM too.
    let r = h.open_pid(1, "comm", RD | OpenFlags::O_NOATIME);
    ensure!(
        errno_of(&r) == libc::EPERM,
        "O_NOATIME on pid 1's comm: got {}",
        errno_of(&r)
    );
    block(&[Facility::Openat], libc::EHWPOISON)?;
    let st = try_ok!(
        h.open_self("status", RD),
        "open_self status after the EPERMs (walk in use?)"
    );
    let mut buf = [0u8; 4096];
    let n = try_ok!(read_all(&st, &mut buf), "read status");
    ensure!(status_pid(&buf[..n]) == Some(getpid()), "not our status");
    Ok(())
}

#[test]
fn a_legitimate_eperm_keeps_openat2() {
    if !require_root("a_legitimate_eperm_keeps_openat2") {
        return;
    }
    under_qemu();
    in_child(legitimate_eperm_case).unwrap_or_else(|e| panic!("{e}"));
}

/// `no_host_fallback`: where only the host /proc is left, `Handle::open`
/// fails closed with EOPNOTSUPP, and so does a `ProcRoot` lookup that needs
/// a temporary unmasked procfs.
fn no_host_fallback_case(errno_: i32) -> Result<(), Msg> {
    let fail_closed: &[safe_procfs::OpenOption] = &[no_host_fallback];
    let both: &[safe_procfs::OpenOption] = &[no_host_fallback, unmasked_proc_root];
    // With the mount API at hand, nothing changes.
    let h = try_ok!(Handle::open(fail_closed), "Handle::open(no_host_fallback)");
    ensure!(h.kind() != HandleKind::HostMount, "got the host /proc");
    try_ok!(h.open_self("status", RD), "open_self");
    block(&[Facility::NewMountApi, Facility::OpenTree], errno_)?;
    // A lookup that needs a new unmasked procfs cannot have one now.
    if h.is_cached() {
        let r = h.open_root("uptime", RD);
        match r {
            Err(e)
                if e.kind() == ErrorKind::NotSupported
                    && e.raw_os_error() == Some(libc::EOPNOTSUPP) => {}
            Err(e) => fail!("open_root uptime: expected EOPNOTSUPP, got {e}"),
            Ok(_) => fail!("open_root uptime: used the host /proc despite no_host_fallback"),
        }
    }
    for opts in [fail_closed, both] {
        match Handle::open(opts) {
            Ok(h) if h.is_cached() => {}
            Err(e)
                if e.kind() == ErrorKind::NotSupported
                    && e.raw_os_error() == Some(libc::EOPNOTSUPP) => {}
            Err(e) => fail!("Handle::open: expected EOPNOTSUPP, got {e}"),
            Ok(h) => fail!("Handle::open gave {:?} despite no_host_fallback", h.kind()),
        }
    }
    // Without the option, the host /proc is what there is.
    let h = try_ok!(
        Handle::open(&[unmasked_proc_root]),
        "Handle::open without the option"
    );
    ensure!(
        h.kind() == HandleKind::HostMount,
        "expected the host /proc, got {:?}",
        h.kind()
    );
    Ok(())
}

#[test]
fn no_host_fallback_fails_closed() {
    if !require_root("no_host_fallback_fails_closed") {
        return;
    }
    under_qemu();
    for e in [libc::ENOSYS, libc::EPERM] {
        in_child(|| no_host_fallback_case(e)).unwrap_or_else(|m| panic!("errno {e}: {m}"));
    }
}
