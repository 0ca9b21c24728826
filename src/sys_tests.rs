//! Every wrapper of the syscall layer against the real kernel. The test
//! command runs them as root and again as `nobody`; `fsopen` and
//! `open_tree` need CAP_SYS_ADMIN, and without it they must say `EPERM`.

use super::*;

// The skip rule of the integration tests, the same file.
#[path = "../tests/common/skip.rs"]
mod skip;
use crate::arch::{
    O_CLOEXEC, O_DIRECTORY, O_LARGEFILE, O_NOFOLLOW, O_PATH, O_RDONLY, O_RDWR, O_WRONLY,
};
use skip::{has_cap_sys_admin, skip_unless};

/// Runs `f` in a forked child and returns its answer. The child runs only
/// `f` (which must not allocate: another test thread may hold a lock) and
/// `_exit`s; for the unit tests of the layers above, which have no unsafe.
pub(crate) fn in_forked_child(f: impl FnOnce() -> bool) -> bool {
    // SAFETY: the child runs `f` and leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        let ok = f();
        // SAFETY: leaving the child at once, without running destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: reaping our own child into a valid int.
    let reaped = unsafe { libc::waitpid(pid, &mut status, 0) };
    reaped == pid && status == 0
}

fn dir(path: &CStr) -> OwnedFd {
    openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC).expect("open dir")
}

fn under_qemu() -> bool {
    // qemu-user fakes absolute /proc/self/exe; relative to a procfs dirfd it
    // shows the emulator itself.
    let mut buf = [0u8; 256];
    let n = readlinkat(dir(c"/proc").as_fd(), c"self/exe", &mut buf).unwrap();
    buf[..n].windows(4).any(|w| w == b"qemu")
}

/// Whether `test` may run: it needs CAP_SYS_ADMIN, and without it `call`
/// (of `name`) must fail with `EPERM` (what the crate's fallbacks to
/// open_tree and the host /proc rest on) and the test skips.
fn admin_or_eperm(test: &str, name: &str, call: impl Fn() -> Result<OwnedFd>) -> bool {
    if !has_cap_sys_admin() {
        assert_eq!(call().err(), Some(Errno::EPERM), "{name}");
    }
    let why = std::format!("needs CAP_SYS_ADMIN ({name} said EPERM)");
    skip_unless(has_cap_sys_admin(), test, &why)
}

#[test]
fn fstatfs_of_proc_is_procfs_and_of_root_is_not() {
    let p = dir(c"/proc");
    assert_eq!(fstatfs_type(p.as_fd()), Ok(PROC_SUPER_MAGIC));
    assert_ne!(fstatfs_type(dir(c"/").as_fd()), Ok(PROC_SUPER_MAGIC));
    assert_eq!(fstatfs_type(BorrowedFd::number_only(-1)), Err(Errno::EBADF));
}

#[test]
fn statx_gives_inode_one_and_distinct_mount_ids() {
    let (p, root) = (dir(c"/proc"), dir(c"/"));
    let mask = STATX_INO | STATX_MNT_ID | STATX_MNT_ID_UNIQUE | STATX_TYPE;
    let sp = statx(p.as_fd(), c"", AT_EMPTY_PATH, mask).unwrap();
    let sr = statx(root.as_fd(), c"", AT_EMPTY_PATH, mask).unwrap();
    assert_eq!(sp.file.ino, PROC_ROOT_INO);
    assert_eq!(sp.file.mode & S_IFMT, S_IFDIR);
    assert_ne!(sp.mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE), 0);
    if under_qemu() {
        // The emulator reports the mask bit with an id of 0: why the crate
        // falls back to fdinfo.
        assert_eq!(sp.mnt_id, 0);
    } else {
        assert_ne!(sp.mnt_id, 0);
        assert_ne!(sp.mnt_id, sr.mnt_id);
    }
    let missing = statx(p.as_fd(), c"no-such-entry", 0, mask);
    assert_eq!(missing.err(), Some(Errno::ENOENT));
}

#[test]
fn fstat_matches_statx_inode() {
    let p = dir(c"/proc");
    let id = fstat(p.as_fd()).unwrap();
    assert_eq!(id.ino, PROC_ROOT_INO);
    assert_eq!(id.mode & S_IFMT, S_IFDIR);
    assert_ne!(id.ctime, 0);
    // The decoded st_dev is the device statx reports (of `/` too, on another
    // filesystem, whose device may have a non-zero major).
    let ids = STATX_INO | STATX_TYPE | STATX_MODE | STATX_CTIME;
    for d in [p, dir(c"/")] {
        let stx = statx(d.as_fd(), c"", AT_EMPTY_PATH, ids).unwrap();
        assert_eq!(stx.file, fstat(d.as_fd()).unwrap());
    }
}

#[test]
fn readlinkat_empty_path_on_a_magic_link() {
    let p = dir(c"/proc");
    let link = openat(p.as_fd(), c"self/fd/0", O_PATH | O_NOFOLLOW | O_CLOEXEC).unwrap();
    let mut buf = [0u8; 256];
    assert!(readlinkat(link.as_fd(), c"", &mut buf).unwrap() > 0);
    assert_eq!(fstat(link.as_fd()).unwrap().mode & S_IFMT, S_IFLNK);
    // Through the dirfd too, and a too-small buffer truncates.
    assert_eq!(readlinkat(p.as_fd(), c"self", &mut [0u8; 1]), Ok(1));
    // Not a symlink: the kernel refuses.
    assert!(readlinkat(p.as_fd(), c"uptime", &mut buf).is_err());
}

#[test]
fn openat2_refuses_escapes_magic_links_and_mount_crossings() {
    let p = dir(c"/proc");
    let resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    let ok = openat2(p.as_fd(), c"self/status", O_RDONLY | O_CLOEXEC, resolve).unwrap();
    assert!(read(ok.as_fd(), &mut [0u8; 16]).unwrap() > 0);
    let refused = |path, flags| openat2(p.as_fd(), path, flags | O_CLOEXEC, resolve).err();
    assert_eq!(refused(c"../etc", O_PATH), Some(Errno::EXDEV)); // an escape
    assert_eq!(refused(c"self/exe", O_RDONLY), Some(Errno::ELOOP)); // a magic-link
    let crossing = openat2(AT_FDCWD, c"/proc", O_PATH | O_CLOEXEC, RESOLVE_NO_XDEV);
    assert_eq!(crossing.err(), Some(Errno::EXDEV));
    // O_PATH with O_LARGEFILE is refused by openat2 (why the crate strips
    // it); qemu-user rewrites the flags and lets it through.
    let r = openat2(p.as_fd(), c"self", O_PATH | O_LARGEFILE, resolve).err();
    assert_eq!(r, (!under_qemu()).then_some(Errno::EINVAL));
}

#[test]
fn read_write_close() {
    let p = dir(c"/proc");
    let f = openat(p.as_fd(), c"self/comm", O_RDWR | O_CLOEXEC).unwrap();
    let mut buf = [0u8; 32];
    let n = read(f.as_fd(), &mut buf).unwrap();
    assert!(n > 0 && buf[n - 1] == b'\n');
    let g = openat(p.as_fd(), c"thread-self/comm", O_WRONLY | O_CLOEXEC).unwrap();
    assert_eq!(write(g.as_fd(), &buf[..n]), Ok(n));
    assert_eq!(write(BorrowedFd::number_only(-1), b"x"), Err(Errno::EBADF));
    let file = openat(p.as_fd(), c"uptime", O_RDONLY | O_CLOEXEC).unwrap();
    assert_eq!(close(file), Ok(()));
    // (Not that number again: another test's thread may have reused it.)
    assert_eq!(close_number(-1), Err(Errno::EBADF));
}

#[test]
fn new_mount_api_makes_a_private_procfs() {
    let new_ctx = || fsopen(c"proc", FSOPEN_CLOEXEC);
    if under_qemu() {
        // qemu-user does not implement the new mount API.
        assert_eq!(new_ctx().err(), Some(Errno::ENOSYS));
        return;
    }
    if !admin_or_eperm("new_mount_api_makes_a_private_procfs", "fsopen", new_ctx) {
        return;
    }
    let ctx = new_ctx().expect("fsopen proc");
    fsconfig_set_string(ctx.as_fd(), c"subset", c"pid").unwrap();
    let unknown = fsconfig_set_string(ctx.as_fd(), c"no-such-option", c"x");
    assert_eq!(unknown.err(), Some(Errno::EINVAL));
    fsconfig_create(ctx.as_fd()).unwrap();
    let attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    let m = fsmount(ctx.as_fd(), FSMOUNT_CLOEXEC, attrs).unwrap();
    assert_eq!(fstatfs_type(m.as_fd()), Ok(PROC_SUPER_MAGIC));
    // subset=pid hides the global files.
    let open = |path| openat(m.as_fd(), path, O_RDONLY | O_CLOEXEC).err();
    assert_eq!(open(c"uptime"), Some(Errno::ENOENT));
    assert_eq!(open(c"self/status"), None);
}

#[test]
fn open_tree_clones_proc() {
    let flags = OPEN_TREE_CLONE | O_CLOEXEC as u32;
    let clone = || open_tree(AT_FDCWD, c"/proc", flags);
    if !admin_or_eperm("open_tree_clones_proc", "open_tree", clone) {
        return;
    }
    let t = clone().expect("open_tree");
    assert_eq!(fstatfs_type(t.as_fd()), Ok(PROC_SUPER_MAGIC));
    assert_eq!(fstat(t.as_fd()).unwrap().ino, PROC_ROOT_INO);
}

#[test]
fn ids_and_uname() {
    assert_eq!(getpid(), std::process::id());
    let tid = gettid();
    assert!(tid > 0);
    assert_ne!(tid, std::thread::spawn(gettid).join().unwrap());
    let release = uname_release().unwrap();
    // SAFETY: utsname is plain bytes: all-zero is a valid value.
    let mut ours: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: a live struct for libc's uname to fill.
    assert_eq!(unsafe { libc::uname(&mut ours) }, 0);
    // SAFETY: libc's uname NUL-terminates `release` within the array.
    let theirs = unsafe { CStr::from_ptr(ours.release.as_ptr()) };
    assert_eq!(CStr::from_bytes_until_nul(&release), Ok(theirs));
}
