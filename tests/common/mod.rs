//! Helpers shared by the integration tests, each kept once: root checks and
//! skips (`skip`), forked children that report without allocating, pid
//! namespaces and `nobody` (`process`), the fallback modes and the blocking
//! of syscalls (`modes`: real seccomp natively; fault injection under
//! qemu-user, which has no seccomp), and here the mounts in private
//! namespaces, paths on the stack and fd probes.
#![allow(dead_code)]

use safe_procfs::{Error, OwnedFd};
use std::fmt::Write as _;

mod skip;
pub use skip::*;

/// A message from a forked child: fixed-size, so building it never allocates.
pub type Msg = heapless::String<1024>;

/// Returns `Err(Msg)` with a formatted message.
#[macro_export]
macro_rules! fail {
    ($($t:tt)*) => {{
        let mut m = $crate::common::Msg::new();
        let _ = ::core::fmt::Write::write_fmt(&mut m, format_args!($($t)*));
        return Err(m);
    }};
}

/// `fail!` unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($c:expr, $($t:tt)*) => {
        if !$c {
            $crate::fail!($($t)*);
        }
    };
}

/// Unwraps a crate `Result` in a child, failing with the error and a label.
#[macro_export]
macro_rules! try_ok {
    ($e:expr, $($t:tt)*) => {
        match $e {
            Ok(v) => v,
            Err(err) => $crate::fail!("{}: {}", format_args!($($t)*), err),
        }
    };
}

mod modes;
mod process;
// Not every test binary uses every helper.
#[allow(unused_imports)]
pub use modes::*;
#[allow(unused_imports)]
pub use process::*;

/// Whether we run as root. Tests that need root call [`require_root`].
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// True when the test may run: root with `CAP_SYS_ADMIN` (mount
/// namespaces, fsopen, seccomp). Otherwise a visible `SKIPPED:` line, or
/// a failure under `CI=true` (see [`skip_unless`]).
pub fn require_root(test: &str) -> bool {
    skip_unless(
        is_root() && has_cap_sys_admin(),
        test,
        "needs root with CAP_SYS_ADMIN (mount namespaces, fsopen, seccomp)",
    )
}

/// Whether we run under qemu-user: relative to a procfs dirfd, `self/exe`
/// names the emulator. Computed once (call it before forking: the answer
/// must not depend on an attacked /proc).
pub fn under_qemu() -> bool {
    static QEMU: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *QEMU.get_or_init(detect_qemu)
}

fn detect_qemu() -> bool {
    let exe = std::fs::File::open("/proc").ok().and_then(|d| {
        use std::os::fd::AsRawFd;
        let mut buf = [0u8; 512];
        // SAFETY: valid fd, NUL-terminated path, buffer of the given size.
        let n = unsafe {
            libc::readlinkat(
                d.as_raw_fd(),
                c"self/exe".as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        (n > 0).then(|| String::from_utf8_lossy(&buf[..n as usize]).into_owned())
    });
    exe.is_some_and(|e| e.contains("qemu"))
}

/// A NUL-terminated path formatted on the stack.
pub struct CPath(heapless::String<256>);

impl CPath {
    pub fn new(args: std::fmt::Arguments<'_>) -> CPath {
        let mut s = heapless::String::new();
        let _ = s.write_fmt(args);
        let _ = s.push('\0');
        CPath(s)
    }
    pub fn ptr(&self) -> *const libc::c_char {
        self.0.as_ptr().cast()
    }
    pub fn as_str(&self) -> &str {
        self.0.trim_end_matches('\0')
    }
}

/// `cpath!("/proc/{}/status", pid)`
#[macro_export]
macro_rules! cpath {
    ($($t:tt)*) => { $crate::common::CPath::new(format_args!($($t)*)) };
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Enters a private mount namespace: `unshare(CLONE_NEWNS)` and `/` made
/// `MS_REC|MS_PRIVATE`, so nothing mounted here leaks out.
pub fn private_mount_ns() -> Result<(), Msg> {
    // SAFETY: plain syscalls with valid, NUL-terminated arguments.
    unsafe {
        ensure!(
            libc::unshare(libc::CLONE_NEWNS) == 0,
            "unshare(CLONE_NEWNS): errno {}",
            last_errno()
        );
        let r = libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        );
        ensure!(r == 0, "making / MS_REC|MS_PRIVATE: errno {}", last_errno());
    }
    Ok(())
}

/// `mount -t tmpfs tmpfs <target>`.
pub fn mount_tmpfs(target: &CPath) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated strings.
    let r = unsafe {
        libc::mount(
            c"tmpfs".as_ptr(),
            target.ptr(),
            c"tmpfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    ensure!(
        r == 0,
        "mount tmpfs on {}: errno {}",
        target.as_str(),
        last_errno()
    );
    Ok(())
}

/// `mount -t proc proc <target>`: a second procfs instance.
pub fn mount_proc(target: &CPath) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated strings.
    let r = unsafe {
        libc::mount(
            c"proc".as_ptr(),
            target.ptr(),
            c"proc".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    ensure!(
        r == 0,
        "mount proc on {}: errno {}",
        target.as_str(),
        last_errno()
    );
    Ok(())
}

/// `mount --bind <src> <dst>`.
pub fn bind(src: &CPath, dst: &CPath) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated strings.
    let r = unsafe {
        libc::mount(
            src.ptr(),
            dst.ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        )
    };
    ensure!(
        r == 0,
        "bind {} on {}: errno {}",
        src.as_str(),
        dst.as_str(),
        last_errno()
    );
    Ok(())
}

/// Bind-mounts `src` over `dst` without following either when they are
/// symlinks or magic-links (so a symlink can cover a symlink, or a file a
/// magic-link), through `O_PATH|O_NOFOLLOW` fds and `/proc/self/fd`.
pub fn bind_via_fds(src: &CPath, dst: &CPath) -> Result<(), Msg> {
    let flags = libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: valid NUL-terminated strings; fds closed below.
    unsafe {
        let s = open_unfaked(src, flags);
        let d = open_unfaked(dst, flags);
        ensure!(
            s >= 0 && d >= 0,
            "open symlinks {} {}: errno {}",
            src.as_str(),
            dst.as_str(),
            last_errno()
        );
        let r = bind(&cpath!("/proc/self/fd/{s}"), &cpath!("/proc/self/fd/{d}"));
        libc::close(s);
        libc::close(d);
        r
    }
}

/// Opens `path` with `flags | O_CLOEXEC`: the fd, or a failure naming the
/// path and the errno.
pub fn open_raw(path: &CPath, flags: i32) -> Result<i32, Msg> {
    // SAFETY: valid NUL-terminated path.
    let fd = unsafe { libc::open(path.ptr(), flags | libc::O_CLOEXEC) };
    ensure!(fd >= 0, "open {}: errno {}", path.as_str(), errno());
    Ok(fd)
}

/// `stat(path)`, following symlinks: (st_dev, st_ino, st_size), or `None`.
pub fn path_stat(path: &CPath) -> Option<(u64, u64, i64)> {
    // SAFETY: struct stat is plain integers: all-zero is valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid path and a live struct.
    let r = unsafe { libc::stat(path.ptr(), &mut st) };
    (r == 0).then_some((st.st_dev as u64, st.st_ino as u64, st.st_size as i64))
}

/// Opens `path`; a path under /proc is opened relative to a /proc dirfd,
/// because qemu-user fakes absolute /proc/self and /proc/<pid> paths.
pub fn open_unfaked(path: &CPath, flags: i32) -> i32 {
    let p = path.as_str();
    // SAFETY: valid NUL-terminated strings; the dirfd is closed below.
    unsafe {
        if let Some(rel) = p.strip_prefix("/proc/") {
            let dir = libc::open(
                c"/proc".as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            );
            let fd = libc::openat(dir, cpath!("{rel}").ptr(), flags);
            libc::close(dir);
            fd
        } else {
            libc::open(path.ptr(), flags)
        }
    }
}

/// An fd to our mount table (`thread-self/mountinfo`), opened before an
/// attack so that it can be read after /proc was covered.
pub fn open_mountinfo() -> i32 {
    open_unfaked(
        &cpath!("/proc/thread-self/mountinfo"),
        libc::O_RDONLY | libc::O_CLOEXEC,
    )
}

/// The filesystem type of the topmost mount at `path` in the mount table
/// read from `mountinfo_fd` (from its start), or `None` if nothing is
/// mounted there. No allocation: a 64 KiB stack buffer.
pub fn mounted_at(mountinfo_fd: i32, path: &str) -> Option<heapless::String<32>> {
    let mut buf = [0u8; 65536];
    let mut len = 0;
    loop {
        // SAFETY: pread into the unused tail of a live buffer.
        let n = unsafe {
            libc::pread(
                mountinfo_fd,
                buf[len..].as_mut_ptr().cast(),
                buf.len() - len,
                len as libc::off_t,
            )
        };
        if n <= 0 {
            break;
        }
        len += n as usize;
    }
    let mut found = None;
    for line in buf[..len].split(|&b| b == b'\n') {
        // "id parent major:minor root mountpoint opts [optional...] - fstype source superopts"
        let mut fields = line.split(|&b| b == b' ');
        if fields.nth(4) != Some(path.as_bytes()) {
            continue;
        }
        let mut rest = fields.skip_while(|f| *f != b"-");
        rest.next();
        let fstype = std::str::from_utf8(rest.next().unwrap_or(b"?")).unwrap_or("?");
        found = heapless::String::try_from(fstype).ok();
    }
    found
}

/// Unmounts `target` (lazily).
pub fn umount(target: &CPath) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated string.
    let r = unsafe { libc::umount2(target.ptr(), libc::MNT_DETACH) };
    ensure!(r == 0, "umount {}: errno {}", target.as_str(), last_errno());
    Ok(())
}

/// Creates (or truncates) `path` with `content`.
pub fn write_file(path: &CPath, content: &[u8]) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated string and buffer.
    unsafe {
        let fd = libc::open(
            path.ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC,
            0o644,
        );
        ensure!(fd >= 0, "create {}: errno {}", path.as_str(), last_errno());
        let n = libc::write(fd, content.as_ptr().cast(), content.len());
        libc::close(fd);
        ensure!(n == content.len() as isize, "write {}", path.as_str());
    }
    Ok(())
}

/// `mkdir -p`-less mkdir (ignores EEXIST).
pub fn mkdir(path: &CPath) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated string.
    let r = unsafe { libc::mkdir(path.ptr(), 0o755) };
    ensure!(
        r == 0 || last_errno() == libc::EEXIST,
        "mkdir {}: errno {}",
        path.as_str(),
        last_errno()
    );
    Ok(())
}

/// Creates the symlink `path` -> `target`.
pub fn symlink(target: &CPath, path: &CPath) -> Result<(), Msg> {
    // SAFETY: valid NUL-terminated strings.
    let r = unsafe { libc::symlink(target.ptr(), path.ptr()) };
    ensure!(r == 0, "symlink {}: errno {}", path.as_str(), last_errno());
    Ok(())
}

/// Reads `fd` to the end into `buf`; returns the length.
pub fn read_all(fd: &OwnedFd, buf: &mut [u8]) -> Result<usize, Error> {
    let mut len = 0;
    while len < buf.len() {
        match fd.read(&mut buf[len..])? {
            0 => break,
            n => len += n,
        }
    }
    Ok(len)
}

/// The filesystem magic of `fd`.
pub fn fs_magic(fd: i32) -> i64 {
    // SAFETY: fstatfs writes one struct statfs into a zeroed value.
    unsafe {
        let mut s: libc::statfs = std::mem::zeroed();
        if libc::fstatfs(fd, &mut s) != 0 {
            return -1;
        }
        s.f_type as i64
    }
}

pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// (st_dev, st_ino, st_mode) of `fd`.
pub fn fd_stat(fd: i32) -> (u64, u64, u32) {
    // SAFETY: fstat writes one struct stat into a zeroed value.
    unsafe {
        let mut s: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut s);
        (s.st_dev as u64, s.st_ino as u64, s.st_mode as u32)
    }
}

/// Whether `fd` has FD_CLOEXEC.
pub fn has_cloexec(fd: i32) -> bool {
    // SAFETY: F_GETFD has no memory effects.
    let f = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    f >= 0 && f & libc::FD_CLOEXEC != 0
}

/// The number of open file descriptors (probing 0..4096; no allocation).
pub fn count_fds() -> usize {
    // SAFETY: F_GETFD has no memory effects.
    (0..4096)
        .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0)
        .count()
}

pub fn getpid() -> u32 {
    std::process::id()
}

pub fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// The value of the `Pid:` line of a `status` file.
pub fn status_pid(text: &[u8]) -> Option<u32> {
    let line = text
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Pid:"))?;
    std::str::from_utf8(&line[4..]).ok()?.trim().parse().ok()
}

/// The errno of an expected error (`-1` if the call succeeded).
pub fn errno_of<T>(r: &Result<T, Error>) -> i32 {
    match r {
        Ok(_) => -1,
        Err(e) => e.raw_os_error().unwrap_or(0),
    }
}

/// The fds (below 1024) that are the root directory of some procfs: where
/// a handle's fd is, without knowing its number (no allocation).
pub fn procfs_root_fds() -> heapless::Vec<i32, 64> {
    let mut v = heapless::Vec::new();
    for fd in 0..1024 {
        // SAFETY: F_GETFD has no memory effects.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            continue;
        }
        let (_, ino, mode) = fd_stat(fd);
        if fs_magic(fd) == PROC_SUPER_MAGIC && ino == 1 && mode & libc::S_IFMT == libc::S_IFDIR {
            let _ = v.push(fd);
        }
    }
    v
}

/// The lowest fd number not in use.
pub fn lowest_free_fd() -> i32 {
    // SAFETY: F_GETFD has no memory effects.
    (0..)
        .find(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0)
        .unwrap_or(0)
}

pub fn errno() -> i32 {
    last_errno()
}

/// Whether the running kernel is at least `major.minor`.
pub fn kernel_at_least(major: u32, minor: u32) -> bool {
    // SAFETY: a live struct for uname to fill.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::uname(&mut u) }, 0);
    let release: String = u
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| char::from(c.to_ne_bytes()[0]))
        .collect();
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

/// Mounts a clone of `src` on `dst` (`open_tree(OPEN_TREE_CLONE)` +
/// `move_mount`), following neither when it is a symlink: a symlink can
/// cover a symlink, a file or FIFO a magic-link, with no path through
/// `/proc/self/fd`.
pub fn move_tree_onto(src: &CPath, dst: &CPath) -> Result<(), Msg> {
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 4;
    // SAFETY: valid NUL-terminated paths; the tree fd is closed below.
    unsafe {
        let tree = libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            src.ptr(),
            OPEN_TREE_CLONE
                | libc::O_CLOEXEC as libc::c_uint
                | libc::AT_SYMLINK_NOFOLLOW as libc::c_uint,
        );
        ensure!(tree >= 0, "open_tree {}: errno {}", src.as_str(), errno());
        let r = libc::syscall(
            libc::SYS_move_mount,
            tree as libc::c_int,
            c"".as_ptr(),
            libc::AT_FDCWD,
            dst.ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        );
        let e = errno();
        libc::close(tree as libc::c_int);
        ensure!(r == 0, "move_mount onto {}: errno {e}", dst.as_str());
    }
    Ok(())
}

/// `openat2(dirfd, path, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
/// RESOLVE_NO_XDEV)`, as the crate asks it: the fd, or the errno.
pub fn openat2_beneath(dirfd: i32, path: &CPath, flags: i32) -> Result<i32, i32> {
    #[repr(C)]
    struct How {
        flags: u64,
        mode: u64,
        resolve: u64,
    }
    let how = How {
        flags: flags as u32 as u64,
        mode: 0,
        resolve: 0x08 | 0x02 | 0x01,
    };
    // SAFETY: valid fd, path and struct of the given size.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dirfd,
            path.ptr(),
            &how as *const How,
            core::mem::size_of::<How>(),
        )
    };
    if fd < 0 { Err(errno()) } else { Ok(fd as i32) }
}

/// The kernel's own answer for `path` beneath the procfs root `dirfd`, as
/// the crate promises it: [`openat2_beneath`], and where that refuses a
/// trailing magic-link (`ELOOP` without `O_NOFOLLOW`), a plain `openat` of
/// the path. The fd (the caller closes it), or the errno.
pub fn kernel_open(dirfd: i32, path: &CPath, flags: i32) -> Result<i32, i32> {
    match openat2_beneath(dirfd, path, flags) {
        Err(libc::ELOOP) if flags & libc::O_NOFOLLOW == 0 => {
            // SAFETY: valid fd and path.
            let fd = unsafe { libc::openat(dirfd, path.ptr(), flags) };
            if fd < 0 { Err(errno()) } else { Ok(fd) }
        }
        r => r,
    }
}
