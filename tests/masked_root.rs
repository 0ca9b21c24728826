//! The masked (default) handle never hands out a directory of an unmasked
//! procfs: `.` and its spellings are its own root, directories it has come
//! from its own instance, and those it hides (`sys`, `fs`, a pid hidden by
//! `hidepid`) are refused with `EISDIR`, while their files are handed out.
//! In every fallback mode.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{ErrorKind, Handle, HandleKind, OpenFlags};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// The masked (default) handle hands out its own root for `.`, and never
/// the root of an unmasked procfs; a directory the masked instance has
/// comes from the masked instance.
fn masked_root_case(mode: &Mode) -> Result<(), Msg> {
    mode.enter()?;
    let h = try_ok!(Handle::open(&[]), "Handle::open");
    let masked = try_ok!(h.open_self(".", OpenFlags::O_PATH), "open_self .");
    let masked_dev = fd_stat(masked.as_raw_fd()).0;
    // A private instance with subset=pid hides every global file; a copy of
    // /proc shows them all (nothing to tell apart there but the device).
    let subset = h.kind() == HandleKind::PrivateInstance;
    for path in [".", "./", "./.", "self/..."] {
        let r = h.open_root(path, OpenFlags::O_PATH | OpenFlags::O_DIRECTORY);
        if path == "self/..." {
            ensure!(errno_of(&r) == libc::ENOENT, "self/...: {}", errno_of(&r));
            continue;
        }
        let d = try_ok!(r, "open_root {path}");
        let (dev, ino, _) = fd_stat(d.as_raw_fd());
        ensure!(ino == 1, "open_root {path}: not a root (ino {ino})");
        ensure!(
            dev == masked_dev,
            "open_root {path}: the root of another procfs instance"
        );
        if subset {
            // SAFETY: valid dirfd and path.
            let uptime = unsafe {
                libc::openat(
                    d.as_raw_fd(),
                    c"uptime".as_ptr(),
                    libc::O_PATH | libc::O_CLOEXEC,
                )
            };
            ensure!(
                uptime < 0,
                "open_root {path}: global files are visible (unmasked root)"
            );
        }
    }
    // Directories the masked instance has come from it. Those it hides
    // would come from a temporary unmasked one, whose root is one `..`
    // away: refused; its files are handed out.
    let dir = OpenFlags::O_PATH | OpenFlags::O_DIRECTORY;
    // `net` and `mounts` are links into self/: followed on the masked
    // instance itself (as libpathrs answers), never the unmasked one.
    for path in [
        "self",
        "self/",
        "thread-self/.",
        "self/fd",
        "net",
        "net/",
        "./net/.",
    ] {
        let d = try_ok!(h.open_root(path, dir), "open_root {path}");
        let (dev, ino, _) = fd_stat(d.as_raw_fd());
        ensure!(ino != 1, "open_root {path}: a procfs root");
        ensure!(
            dev == masked_dev,
            "open_root {path}: not from the masked instance"
        );
    }
    for path in ["sys", "sys/kernel", "fs"] {
        for flags in [dir, OpenFlags::O_PATH, RD] {
            let r = h.open_root(path, flags);
            if subset {
                match r {
                    Err(e)
                        if e.kind() == ErrorKind::SafetyViolation
                            && e.raw_os_error() == Some(libc::EISDIR) => {}
                    Err(e) => fail!("open_root {path} {flags:?}: expected EISDIR, got {e}"),
                    Ok(_) => fail!("open_root {path} {flags:?}: a directory of an unmasked procfs"),
                }
            } else {
                let d = try_ok!(r, "open_root {path} {flags:?}");
                ensure!(
                    fd_stat(d.as_raw_fd()).1 != 1,
                    "open_root {path}: a procfs root"
                );
            }
        }
    }
    if subset {
        // A file it hides comes from the unmasked instance.
        let f = try_ok!(
            h.open_root("sys/kernel/ostype", RD),
            "open_root sys/kernel/ostype"
        );
        ensure!(
            fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC,
            "ostype not on a procfs"
        );
        // A pid hidepid hides (pid 1 on Linux 6.18, even from root; not on
        // 6.1) is retried on an unmasked instance: its files, never its
        // directory. A pid the masked instance shows comes from it.
        match h.open_pid(1, ".", OpenFlags::O_PATH) {
            Ok(d) => ensure!(
                fd_stat(d.as_raw_fd()).0 == masked_dev,
                "open_pid(1, .): a directory of another instance"
            ),
            Err(e) => ensure!(
                e.raw_os_error() == Some(libc::EISDIR),
                "open_pid(1, .) on the masked handle: {e}"
            ),
        }
    }
    Ok(())
}

#[test]
fn the_masked_handle_never_hands_out_an_unmasked_root() {
    if !require_root("the_masked_handle_never_hands_out_an_unmasked_root") {
        return;
    }
    under_qemu();
    for mode in MODES {
        in_child(|| masked_root_case(mode)).unwrap_or_else(|e| panic!("[{}] {e}", mode.name));
    }
}
