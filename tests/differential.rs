//! The fallback walk answers exactly as `openat2` does. One forked child
//! opens an unmasked user-owned handle, resolves every (path, flags) case
//! with `openat2` available (twice, to spot entries that are unstable by
//! themselves), then takes `openat2` away (seccomp natively, fault
//! injection under qemu-user) and resolves every case again on the same
//! handle. The parent compares: an outcome is `Err(errno)` or the
//! (st_dev, st_ino, file type) of the returned fd.
//!
//! The paths are found at run time by listing real procfs directories
//! through the handle, plus hand-written edge cases. The child allocates
//! nothing: it writes fixed-size records into a shared anonymous mapping
//! that the parent made before the fork and reads after the child exited.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{Error, Handle, OpenFlags, OwnedFd, unmasked_proc_root};

const PATH_MAX: usize = 120;
/// Enough for everything listed here, and a cap so that the test stays
/// fast under qemu-user.
const MAX_PATHS: usize = 800;

/// Which method resolves a case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Base {
    Root = 0,
    SelfDir = 1,
}

const FLAGS: [(&str, OpenFlags); 8] = {
    use OpenFlags as F;
    [
        ("O_RDONLY", F::O_RDONLY),
        ("O_PATH", F::O_PATH),
        ("O_PATH|O_NOFOLLOW", F::O_PATH.union(F::O_NOFOLLOW)),
        ("O_NOFOLLOW", F::O_NOFOLLOW),
        ("O_DIRECTORY", F::O_DIRECTORY),
        ("O_PATH|O_DIRECTORY", F::O_PATH.union(F::O_DIRECTORY)),
        (
            "O_PATH|O_NOFOLLOW|O_DIRECTORY",
            F::O_PATH.union(F::O_NOFOLLOW).union(F::O_DIRECTORY),
        ),
        (
            "O_RDONLY|O_DIRECTORY|O_NOFOLLOW",
            F::O_DIRECTORY.union(F::O_NOFOLLOW),
        ),
    ]
};

/// What one open gave: `errno` 0 means an fd, described by the rest.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(C)]
struct Outcome {
    errno: i32,
    kind: u32,
    dev: u64,
    ino: u64,
}

impl Outcome {
    fn of(r: Result<OwnedFd, Error>) -> Outcome {
        match r {
            Ok(fd) => {
                let (dev, ino, mode) = fd_stat(fd.as_raw_fd());
                Outcome {
                    errno: 0,
                    kind: mode & libc::S_IFMT,
                    dev,
                    ino,
                }
            }
            // An error without an errno never happens today; keep it
            // distinguishable from every errno if it ever does.
            Err(e) => Outcome {
                errno: e.raw_os_error().unwrap_or(-1),
                ..Outcome::default()
            },
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.errno != 0 {
            return write!(f, "Err({})", errno_name(self.errno));
        }
        let kind = match self.kind {
            libc::S_IFREG => "file",
            libc::S_IFDIR => "dir",
            libc::S_IFLNK => "symlink",
            libc::S_IFIFO => "fifo",
            libc::S_IFSOCK => "socket",
            libc::S_IFCHR => "chardev",
            libc::S_IFBLK => "blockdev",
            _ => "?",
        };
        write!(f, "Ok({kind} dev={:#x} ino={})", self.dev, self.ino)
    }
}

fn errno_name(e: i32) -> String {
    let name = match e {
        libc::ENOENT => "ENOENT",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::ELOOP => "ELOOP",
        libc::EXDEV => "EXDEV",
        libc::EINVAL => "EINVAL",
        libc::EACCES => "EACCES",
        libc::EPERM => "EPERM",
        libc::ENXIO => "ENXIO",
        libc::ENOSYS => "ENOSYS",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ESRCH => "ESRCH",
        libc::EBUSY => "EBUSY",
        _ => return format!("errno {e}"),
    };
    name.to_string()
}

/// One path and its outcomes under every flag: two `openat2` runs and one
/// walk.
#[derive(Clone, Copy)]
#[repr(C)]
struct PathCase {
    base: Base,
    len: u8,
    path: [u8; PATH_MAX],
    openat2: [[Outcome; FLAGS.len()]; 2],
    walk: [Outcome; FLAGS.len()],
}

impl PathCase {
    fn path(&self) -> &str {
        std::str::from_utf8(&self.path[..self.len as usize]).unwrap_or("<not utf-8>")
    }
}

/// The shared record area; all-zero is a valid (empty) value.
#[repr(C)]
struct Shared {
    n: usize,
    /// Set by the child when a path did not fit, so the parent can say so.
    dropped: usize,
    cases: [PathCase; MAX_PATHS],
}

impl Shared {
    fn add(&mut self, base: Base, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if self.n >= MAX_PATHS || len > PATH_MAX {
            self.dropped += 1;
            return;
        }
        let mut path = [0u8; PATH_MAX];
        let mut at = 0;
        for p in parts {
            path[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        // Edge cases may repeat a discovered path: count each once.
        let dup = |c: &PathCase| c.base == base && c.path[..c.len as usize] == path[..len];
        if self.cases[..self.n].iter().any(dup) {
            return;
        }
        let c = &mut self.cases[self.n];
        c.base = base;
        c.len = len as u8;
        c.path = path;
        self.n += 1;
    }
}

fn open(h: &Handle, base: Base, path: &[u8], flags: OpenFlags) -> Result<OwnedFd, Error> {
    match base {
        Base::Root => h.open_root(path, flags),
        Base::SelfDir => h.open_self(path, flags),
    }
}

/// Calls `each(name, d_type)` for the entries of directory `dir` (no `.`
/// and `..`), at most `limit` of them. Returns the directory fd number it
/// used (now closed), so that `fd/` listings can leave it out.
fn list(
    h: &Handle,
    base: Base,
    dir: &[u8],
    limit: usize,
    mut each: impl FnMut(&[u8], u8),
) -> Result<i32, Msg> {
    let fd = try_ok!(
        open(h, base, dir, OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY),
        "list {:?} {}",
        base,
        std::str::from_utf8(dir).unwrap_or("?")
    );
    let mut buf = [0u8; 16384];
    let mut seen = 0;
    loop {
        // SAFETY: getdents64 writes at most buf.len() bytes into buf.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                fd.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        ensure!(n >= 0, "getdents64 failed");
        if n == 0 {
            break;
        }
        let mut off = 0;
        while off < n as usize {
            // struct linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, name.
            let rec = &buf[off..];
            let reclen = u16::from_ne_bytes([rec[16], rec[17]]) as usize;
            let d_type = rec[18];
            let name = &rec[19..reclen];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            off += reclen;
            if name == b"." || name == b".." || seen >= limit {
                continue;
            }
            seen += 1;
            each(name, d_type);
        }
    }
    Ok(fd.as_raw_fd())
}

fn is_pid(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(u8::is_ascii_digit)
}

/// Lists `dir` (beneath the root) and its subdirectories down to `depth`.
fn add_tree(h: &Handle, sh: &mut Shared, dir: &[u8], depth: u32, limit: usize) -> Result<(), Msg> {
    let mut subdirs: heapless::Vec<heapless::Vec<u8, PATH_MAX>, 32> = heapless::Vec::new();
    list(h, Base::Root, dir, limit, |name, t| {
        sh.add(Base::Root, &[dir, b"/", name]);
        let mut sub = heapless::Vec::new();
        if t == libc::DT_DIR
            && sub.extend_from_slice(dir).is_ok()
            && sub.push(b'/').is_ok()
            && sub.extend_from_slice(name).is_ok()
        {
            let _ = subdirs.push(sub);
        }
    })?;
    if depth > 0 {
        for sub in &subdirs {
            add_tree(h, sh, sub, depth - 1, limit)?;
        }
    }
    Ok(())
}

/// An fd number from a listing that is still open now (the listing's own
/// fd is closed) and not a named FIFO (whose open would block).
fn usable_fd(name: &[u8], listing_fd: i32) -> bool {
    let Some(n) = std::str::from_utf8(name)
        .ok()
        .and_then(|s| s.parse::<i32>().ok())
    else {
        return false;
    };
    // SAFETY: F_GETFD has no memory effects.
    if n == listing_fd || unsafe { libc::fcntl(n, libc::F_GETFD) } < 0 {
        return false;
    }
    const PIPEFS_MAGIC: i64 = 0x5049_5045;
    fd_stat(n).2 & libc::S_IFMT != libc::S_IFIFO || fs_magic(n) == PIPEFS_MAGIC
}

/// Finds the cases: real entries, then edge cases.
fn discover(h: &Handle, sh: &mut Shared) -> Result<(), Msg> {
    let pid = cpath!("{}", getpid());
    let pid = pid.as_str().as_bytes();
    let tid = cpath!("task/{}/", gettid());
    let tid = tid.as_str().as_bytes();

    // The root: everything but other processes' directories.
    list(h, Base::Root, b".", 200, |name, _| {
        if !is_pid(name) || name == pid || name == b"1" {
            sh.add(Base::Root, &[name]);
        }
    })?;
    list(h, Base::SelfDir, b".", 200, |name, _| {
        sh.add(Base::SelfDir, &[name]);
    })?;
    // Trailing "/" and "/." on every entry of the root and of self/
    // (files, directories, regular symlinks and magic-links alike).
    for i in 0..sh.n {
        let c = sh.cases[i];
        let p = &c.path[..c.len as usize];
        sh.add(c.base, &[p, b"/"]);
        sh.add(c.base, &[p, b"/."]);
    }
    list(h, Base::SelfDir, tid, 200, |name, _| {
        sh.add(Base::SelfDir, &[tid, name]);
    })?;
    let mut fds: heapless::Vec<heapless::Vec<u8, 16>, 64> = heapless::Vec::new();
    let listing = list(h, Base::SelfDir, b"fd", 64, |name, _| {
        let _ = fds.push(heapless::Vec::from_slice(name).unwrap_or_default());
    })?;
    for n in fds.iter().filter(|n| usable_fd(n, listing)) {
        sh.add(Base::SelfDir, &[b"fd/", n]);
        sh.add(Base::SelfDir, &[b"fdinfo/", n]);
        sh.add(Base::SelfDir, &[b"fd/", n, b"/"]);
    }
    list(h, Base::SelfDir, b"ns", 50, |name, _| {
        sh.add(Base::SelfDir, &[b"ns/", name]);
    })?;
    list(h, Base::SelfDir, b"net", 24, |name, _| {
        sh.add(Base::SelfDir, &[b"net/", name]);
    })?;
    list(h, Base::SelfDir, b"map_files", 3, |name, _| {
        sh.add(Base::SelfDir, &[b"map_files/", name]);
    })?;
    list(h, Base::SelfDir, b"attr", 10, |name, _| {
        sh.add(Base::SelfDir, &[b"attr/", name]);
    })?;
    list(h, Base::Root, b"sys/kernel", 40, |name, _| {
        sh.add(Base::Root, &[b"sys/kernel/", name]);
    })?;
    // fs/ holds absolute regular symlinks (fs/xfs/stat -> /sys/...).
    add_tree(h, sh, b"fs", 4, 40)?;
    for dir in [&b"bus"[..], b"driver", b"device-tree", b"sys/fs"] {
        // Optional: not every kernel or architecture has them.
        if open(
            h,
            Base::Root,
            dir,
            OpenFlags::O_PATH | OpenFlags::O_DIRECTORY,
        )
        .is_ok()
        {
            add_tree(h, sh, dir, 2, 16)?;
        }
    }

    // Hand-written edge cases.
    for p in [
        &b"."[..],
        b"./",
        b"./uptime",
        b"./self/status",
        b"self//status",
        b"self/./status",
        b"self/status/",
        b"self/status/.",
        b"self/status/x",
        b"self/exe/x",
        b"self/exe/",
        b"self/root/etc",
        b"self/root/",
        b"self/cwd",
        b"self/cwd/",
        b"self/cwd/.",
        b"self/cwd/x",
        b"self/fd/0/x",
        b"self/fd/0/",
        b"self/fd/",
        b"self/ns/mnt/",
        b"self/task",
        b"mounts",
        b"mounts/",
        b"mounts/x",
        b"self/mounts/x",
        b"net/dev",
        b"net/dev/",
        b"net/dev/x",
        b"net/no-such",
        b"self/net/dev",
        b"thread-self",
        b"thread-self/",
        b"thread-self/status",
        b"thread-self/exe",
        b"thread-self/fd/0",
        b"thread-self/fd/",
        b"thread-self/ns/mnt",
        b"no-such",
        b"no-such/",
        b"no-such/x",
        b"self/no-such",
        b"self/no-such/",
        b"fs/xfs/stat",
        b"fs/xfs/stat/",
        b"fs/xfs/stat/.",
        b"fs/xfs/stat/x",
        b"device-tree/x",
        b"uptime/x",
        b"sys/kernel/ostype/",
        b"sys/kernel/no-such",
        b"self/..",
        b"../proc",
        b"/uptime",
        b"",
    ] {
        sh.add(Base::Root, &[p]);
    }
    sh.add(Base::Root, &[pid, b"/exe"]);
    sh.add(Base::Root, &[pid, b"/status/"]);
    sh.add(Base::Root, &[b"self/", tid, b"exe"]);
    sh.add(Base::Root, &[b"self/", tid, b"fd/0"]);
    for p in [
        &b"./status"[..],
        b"exe/x",
        b"cwd/x",
        b"root/etc/hostname",
        b"fd/0/x",
        b"task",
        b"task/",
        b"no-such",
        b"status//",
        b"net/dev/x",
        b"..",
        b"",
    ] {
        sh.add(Base::SelfDir, &[p]);
    }
    Ok(())
}

/// Runs every case with every flag, storing the outcomes with `store`.
fn run_all(h: &Handle, sh: &mut Shared, store: fn(&mut PathCase, usize, Outcome)) {
    for i in 0..sh.n {
        let c = &mut sh.cases[i];
        for (f, (_, flags)) in FLAGS.iter().enumerate() {
            let o = Outcome::of(open(h, c.base, &c.path[..c.len as usize], *flags));
            store(c, f, o);
        }
    }
}

fn child(sh: &mut Shared) -> Result<(), Msg> {
    let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open unmasked");
    ensure!(!h.is_cached(), "an unmasked handle is never cached");
    discover(&h, sh)?;
    run_all(&h, sh, |c, f, o| c.openat2[0][f] = o);
    run_all(&h, sh, |c, f, o| c.openat2[1][f] = o);
    block(&[Facility::Openat2], libc::ENOSYS)?;
    if !under_qemu() {
        // The filter is real: a walk run that still had openat2 would hide
        // every difference. (Under qemu-user the crate's own fault
        // injection blocks it, invisible to a raw syscall here.)
        let how = [0u64; 3];
        // SAFETY: openat2 with a valid path and a zeroed open_how.
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                c"/proc".as_ptr(),
                how.as_ptr(),
                24usize,
            )
        };
        let e = std::io::Error::last_os_error().raw_os_error();
        ensure!(
            r == -1 && e == Some(libc::ENOSYS),
            "openat2 is not blocked: {r}, errno {e:?}"
        );
    }
    run_all(&h, sh, |c, f, o| c.walk[f] = o);
    Ok(())
}

#[test]
fn walk_answers_exactly_as_openat2() {
    if !require_root("walk_answers_exactly_as_openat2") {
        return;
    }
    let _ = under_qemu(); // computed before the fork
    let size = std::mem::size_of::<Shared>();
    // SAFETY: a fresh anonymous shared mapping, unmapped below.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(map, libc::MAP_FAILED, "mmap");
    let shared = map.cast::<Shared>();
    in_child(|| {
        // SAFETY: the mapping is zero-filled (a valid empty Shared), large
        // enough, and only this child touches it until it exits.
        child(unsafe { &mut *shared })
    })
    .unwrap();
    // SAFETY: the child has exited: nothing writes the mapping any more.
    let sh = unsafe { &*shared };

    let mut diffs = Vec::new();
    let mut unstable = Vec::new();
    // The openat2 runs must have used openat2 throughout: an EPERM or
    // ENOSYS there may have made the crate mark it missing (a kernel's own
    // EPERM must not: tests/downgrade.rs), and a run that silently walked
    // would hide every difference.
    let suspicious: Vec<String> = sh.cases[..sh.n]
        .iter()
        .flat_map(|c| c.openat2.iter().flatten().map(move |o| (c, o)))
        .filter(|(_, o)| o.errno == libc::EPERM || o.errno == libc::ENOSYS)
        .map(|(c, o)| format!("{:?} {}: {o}", c.base, c.path()))
        .collect();
    for c in &sh.cases[..sh.n] {
        for (f, (fname, _)) in FLAGS.iter().enumerate() {
            let [a, a2] = [c.openat2[0][f], c.openat2[1][f]];
            let b = c.walk[f];
            let base = match c.base {
                Base::Root => "open_root",
                Base::SelfDir => "open_self",
            };
            let line = format!("{base}({:?}, {fname}): openat2 {a}, walk {b}", c.path());
            if a != a2 {
                unstable.push(format!("{line} (second openat2 run: {a2})"));
            } else if a != b {
                diffs.push(line);
            }
        }
    }
    let compared = sh.n * FLAGS.len();
    eprintln!(
        "differential: {compared} cases compared ({} paths x {} flags), {} differences, {} unstable{}",
        sh.n,
        FLAGS.len(),
        diffs.len(),
        unstable.len(),
        if sh.dropped > 0 {
            format!(", {} paths did not fit", sh.dropped)
        } else {
            String::new()
        }
    );
    for d in &diffs {
        eprintln!("DIFF {d}");
    }
    for u in &unstable {
        eprintln!("UNSTABLE {u}");
    }
    // SAFETY: our own mapping; `sh` is not used after this.
    unsafe { libc::munmap(map, size) };
    assert!(
        suspicious.is_empty(),
        "the openat2 runs may have fallen back to the walk after:\n{}",
        suspicious.join("\n")
    );
    assert!(
        compared >= 300,
        "only {compared} cases were compared: the discovery failed"
    );
    assert!(
        diffs.is_empty() && unstable.is_empty(),
        "{} of {compared} cases differ between openat2 and the fallback walk, {} are unstable:\n{}",
        diffs.len(),
        unstable.len(),
        diffs
            .iter()
            .chain(&unstable)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
