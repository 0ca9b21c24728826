//! The reference differential: libpathrs 0.2.6 (its C library, built from
//! cargo's registry by scripts/libpathrs-ref.sh) and this crate (through its
//! C library, capi/) are asked the same questions in one process, through
//! the same C entry points (`pathrs_proc_openat`, `pathrs_proc_readlinkat`
//! on `PATHRS_PROC_DEFAULT_ROOTFD`): every base (root, self, thread-self,
//! our pid, pid 1) x every path of a list found at run time in /proc plus
//! edge cases x 8 open flags, and readlink of every base x path.
//!
//! What is compared: the errno of a failure; for an fd, its file type, its
//! filesystem, whether it is `O_PATH`, and which file it is. For a file on
//! a procfs that is the entry's path inside its procfs (from the fd's
//! `/proc/self/fd` link): both libraries use a procfs instance of their
//! own, and instances share neither device number nor the inode numbers of
//! per-process entries, so (dev, ino) cannot be compared there. For any
//! other file (a magic-link's target) it is (dev, ino). For readlink: the
//! errno, or the target text.
//!
//! Every difference is either one of the explained kinds (README lists
//! them, with their reasons) or unexplained, and counted as a failure.
//! Usage: reference-differential OUR-LIB REF-LIB. Ends with
//! "reference-differential: N passed, N failed".

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;

const DEFAULT_ROOTFD: c_int = -9;
const PROC_ROOT: u64 = 0xFFFF_FFFE_7072_6F63;
const PROC_SELF: u64 = 0xFFFF_FFFE_091D_5E1F;
const PROC_THREAD_SELF: u64 = 0xFFFF_FFFE_3EAD_5E1F;
const PROC_PID: u64 = 0x8000_0000_0000_0000;
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

#[repr(C)]
struct CError {
    saved_errno: u64,
    description: *const c_char,
}

type OpenAt = unsafe extern "C" fn(c_int, u64, *const c_char, u64) -> c_int;
type ReadlinkAt = unsafe extern "C" fn(c_int, u64, *const c_char, *mut c_char, usize) -> c_int;
type ErrorInfo = unsafe extern "C" fn(c_int) -> *mut CError;
type ErrorFree = unsafe extern "C" fn(*mut CError);

/// One library's procfs C API.
struct Lib {
    openat: OpenAt,
    readlinkat: ReadlinkAt,
    errorinfo: ErrorInfo,
    errorfree: ErrorFree,
}

fn sym(handle: *mut c_void, name: &CStr) -> *mut c_void {
    // SAFETY: a live handle from dlopen and a NUL-terminated name.
    let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
    assert!(!p.is_null(), "dlsym {name:?}");
    p
}

impl Lib {
    fn load(path: &str) -> Lib {
        let c = CString::new(path).unwrap();
        // RTLD_LOCAL|RTLD_DEEPBIND: both are libpathrs.so.0 to the loader;
        // each keeps its own symbols.
        // SAFETY: loading a shared library by path.
        let h = unsafe {
            libc::dlopen(
                c.as_ptr(),
                libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND,
            )
        };
        assert!(!h.is_null(), "dlopen {path}");
        // SAFETY: the symbols have these C signatures (pathrs.h).
        unsafe {
            Lib {
                openat: std::mem::transmute::<*mut c_void, OpenAt>(sym(h, c"pathrs_proc_openat")),
                readlinkat: std::mem::transmute::<*mut c_void, ReadlinkAt>(sym(
                    h,
                    c"pathrs_proc_readlinkat",
                )),
                errorinfo: std::mem::transmute::<*mut c_void, ErrorInfo>(sym(
                    h,
                    c"pathrs_errorinfo",
                )),
                errorfree: std::mem::transmute::<*mut c_void, ErrorFree>(sym(
                    h,
                    c"pathrs_errorinfo_free",
                )),
            }
        }
    }

    /// The errno of an error id (its record freed).
    fn errno(&self, id: c_int) -> i32 {
        // SAFETY: pathrs_errorinfo takes any int; the record is freed once.
        unsafe {
            let e = (self.errorinfo)(id);
            if e.is_null() {
                return -1;
            }
            let n = (*e).saved_errno as i32;
            (self.errorfree)(e);
            n
        }
    }

    fn open(&self, base: u64, path: &CStr, flags: i32) -> Outcome {
        // SAFETY: a NUL-terminated path; the fd is ours to close.
        let fd = unsafe { (self.openat)(DEFAULT_ROOTFD, base, path.as_ptr(), flags as u32 as u64) };
        if fd < -4096 {
            return Outcome::Err(self.errno(fd));
        }
        if fd < 0 {
            return Outcome::Other(format!("returned {fd}"));
        }
        let o = describe(fd);
        // SAFETY: closing the fd the library gave us.
        unsafe { libc::close(fd) };
        o
    }

    fn readlink(&self, base: u64, path: &CStr) -> Outcome {
        let mut buf = [0u8; 4096];
        // SAFETY: a NUL-terminated path and a writable buffer of that size.
        let n = unsafe {
            (self.readlinkat)(
                DEFAULT_ROOTFD,
                base,
                path.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n < -4096 {
            return Outcome::Err(self.errno(n));
        }
        if n < 0 || n as usize > buf.len() {
            return Outcome::Other(format!("returned {n}"));
        }
        Outcome::Link(String::from_utf8_lossy(&buf[..n as usize]).into_owned())
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Outcome {
    Err(i32),
    /// fs magic, S_IFMT, O_PATH, identity (procfs entry path or dev:ino)
    Fd(i64, u32, bool, String),
    Link(String),
    Other(String),
}

fn describe(fd: c_int) -> Outcome {
    // SAFETY: fstat/fstatfs/fcntl write into zeroed structs of their own type.
    let (st, sfs, fl) = unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        let mut sfs: libc::statfs = std::mem::zeroed();
        libc::fstat(fd, &mut st);
        libc::fstatfs(fd, &mut sfs);
        (st, sfs, libc::fcntl(fd, libc::F_GETFL))
    };
    #[allow(clippy::unnecessary_cast)] // f_type's C type differs per architecture
    let magic = sfs.f_type as i64;
    let id = if magic == PROC_SUPER_MAGIC {
        let p = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap_or_default();
        let p = p.as_os_str().as_bytes();
        let p = p.strip_prefix(b"/proc").unwrap_or(p);
        String::from_utf8_lossy(p).into_owned()
    } else {
        format!("{}:{}", st.st_dev, st.st_ino)
    };
    Outcome::Fd(magic, st.st_mode & libc::S_IFMT, fl & libc::O_PATH != 0, id)
}

const FLAGS: [(&str, i32); 8] = [
    ("O_RDONLY", libc::O_RDONLY),
    ("O_PATH", libc::O_PATH),
    ("O_PATH|O_NOFOLLOW", libc::O_PATH | libc::O_NOFOLLOW),
    ("O_NOFOLLOW", libc::O_NOFOLLOW),
    ("O_DIRECTORY", libc::O_DIRECTORY),
    ("O_PATH|O_DIRECTORY", libc::O_PATH | libc::O_DIRECTORY),
    (
        "O_PATH|O_NOFOLLOW|O_DIRECTORY",
        libc::O_PATH | libc::O_NOFOLLOW | libc::O_DIRECTORY,
    ),
    (
        "O_RDONLY|O_DIRECTORY|O_NOFOLLOW",
        libc::O_DIRECTORY | libc::O_NOFOLLOW,
    ),
];

fn names(dir: &str, limit: usize) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.truncate(limit);
    v
}

fn is_pid(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The path list: real entries of /proc, of our own directory and of our
/// thread's, a few subdirectories, each with "/" and "/." appended, paths
/// through self/ and thread-self/ for the root base, and edge cases.
fn paths(me: u32, tid: u32, fds: &[c_int]) -> Vec<String> {
    let mut set = BTreeSet::new();
    let root: Vec<String> = names("/proc", 400)
        .into_iter()
        .filter(|n| !is_pid(n) || *n == me.to_string() || n == "1")
        .collect();
    let own = names("/proc/self", 200);
    let task = names(&format!("/proc/self/task/{tid}"), 200);
    let mut plain = BTreeSet::new();
    plain.extend(root.iter().cloned());
    plain.extend(own.iter().cloned());
    plain.extend(task.iter().cloned());
    for p in &plain {
        set.insert(p.clone());
        set.insert(format!("{p}/"));
        set.insert(format!("{p}/."));
    }
    for p in &own {
        set.insert(format!("self/{p}"));
        set.insert(format!("thread-self/{p}"));
    }
    for fd in fds {
        for d in ["fd", "fdinfo"] {
            set.insert(format!("{d}/{fd}"));
            set.insert(format!("self/{d}/{fd}"));
        }
        set.insert(format!("fd/{fd}/"));
    }
    for (dir, limit) in [
        ("ns", 20),
        ("net", 24),
        ("attr", 12),
        ("sys/kernel", 40),
        ("sys/fs", 16),
        ("tty", 8),
        ("sys", 12),
        ("sys/vm", 24),
        ("sys/net", 8),
        ("fs", 8),
        ("driver", 8),
    ] {
        for n in names(&format!("/proc/self/{dir}"), limit) {
            set.insert(format!("{dir}/{n}"));
        }
        for n in names(&format!("/proc/{dir}"), limit) {
            set.insert(format!("{dir}/{n}"));
        }
    }
    set.insert(format!("task/{tid}/comm"));
    set.insert(format!("task/{tid}"));
    set.insert(format!("self/task/{tid}/exe"));
    for p in [
        "",
        ".",
        "./",
        "./status",
        "..",
        "../x",
        "../self/status",
        "fd/../status",
        "task/..",
        "self/..",
        "/uptime",
        "/proc/self/status",
        "status/x",
        "status//",
        "exe/x",
        "cwd/x",
        "root/etc",
        "root/etc/hostname",
        "no-such",
        "no-such/",
        "net/dev/x",
        "mounts/",
        "net/",
        "net/dev",
        "self/net/dev",
        "self/mounts",
        "self/root/etc",
        "thread-self/exe",
        "1/status",
        "1/exe",
        "uptime/x",
        "sys/kernel/ostype/",
        "sys/kernel/no-such",
        "fs/xfs/stat",
        "fs/xfs/stat/",
        "device-tree/x",
    ] {
        set.insert(p.to_string());
    }
    set.into_iter().collect()
}

/// The reason a difference is known and kept (README lists them), or None.
fn explain(base: &str, path: &str, ours: &Outcome, theirs: &Outcome) -> Option<&'static str> {
    let inside_dotdot = path.split('/').any(|c| c == "..");
    match (ours, theirs) {
        // Ours never hands out a directory of the temporary unmasked procfs
        // (".." from it reaches everything); libpathrs does.
        (Outcome::Err(libc::EISDIR), Outcome::Fd(PROC_SUPER_MAGIC, m, _, _))
            if *m == libc::S_IFDIR =>
        {
            Some(
                "the unmasked-directory guard (ours EISDIR, libpathrs a directory of its unmasked procfs)",
            )
        }
        // A ".." that stays inside the base: refused by the contract.
        (Outcome::Err(libc::EINVAL), _) if inside_dotdot => {
            Some("'..' inside the base refused (EINVAL)")
        }
        // pid 1 is hidden by hidepid=ptraceable on libpathrs's handle, which
        // does not retry; ours retries on a temporary unmasked procfs.
        (_, Outcome::Err(libc::ENOENT)) if base == "pid=1" => {
            Some("pid 1: libpathrs's hidepid handle hides it (ENOENT); ours shows it")
        }
        // The empty path: EINVAL by the contract; libpathrs hands it to the
        // kernel, which says ENOENT.
        (Outcome::Err(libc::EINVAL), Outcome::Err(libc::ENOENT)) if path.is_empty() => {
            Some("empty path: EINVAL (libpathrs: the kernel's ENOENT)")
        }
        // A magic-link named with a trailing "/" ("exe/", "fd/3/"): ours
        // follows a magic-link only as a plain last component and refuses
        // this (ELOOP); libpathrs follows it (a directory) or says ENOTDIR.
        (Outcome::Err(libc::ELOOP), _) if magic_link_with_slash(path) => {
            Some("a magic-link with a trailing '/' refused (ELOOP)")
        }
        _ => None,
    }
}

/// Whether `path` ends in a magic-link (`exe`, `cwd`, `root`, `fd/N`,
/// `ns/X`) followed by a `/` or `/.`.
fn magic_link_with_slash(path: &str) -> bool {
    let Some(stem) = path.strip_suffix('/').or_else(|| path.strip_suffix("/.")) else {
        return false;
    };
    let mut parts = stem.rsplit('/');
    let last = parts.next().unwrap_or("");
    let dir = parts.next().unwrap_or("");
    matches!(last, "exe" | "cwd" | "root") || matches!(dir, "fd" | "ns" | "map_files")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(
        args.len() == 3,
        "usage: reference-differential OUR-LIB REF-LIB"
    );
    let ours = Lib::load(&args[1]);
    let theirs = Lib::load(&args[2]);
    // SAFETY: getpid/gettid have no preconditions.
    let (me, tid) = unsafe { (libc::getpid() as u32, libc::gettid() as u32) };
    // Files of our own at known fd numbers, for fd/N and fdinfo/N.
    let mut fds = Vec::new();
    for (p, fl) in [
        (c"/", libc::O_PATH | libc::O_DIRECTORY),
        (c"/dev/null", libc::O_RDWR),
        (c"/proc/self/status", libc::O_RDONLY),
    ] {
        // SAFETY: a NUL-terminated path.
        let fd = unsafe { libc::open(p.as_ptr(), fl | libc::O_CLOEXEC) };
        assert!(fd >= 0);
        fds.push(fd);
    }
    let list = paths(me, tid, &fds);
    let bases = [
        ("root".to_string(), PROC_ROOT),
        ("self".to_string(), PROC_SELF),
        ("thread-self".to_string(), PROC_THREAD_SELF),
        (format!("pid={me}"), PROC_PID | u64::from(me)),
        ("pid=1".to_string(), PROC_PID | 1),
    ];
    let (mut cases, mut same, mut same_fd, mut same_link) = (0usize, 0usize, 0usize, 0usize);
    let mut explained: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for (bname, base) in &bases {
        let bname = if bname.starts_with("pid=") && *base != PROC_PID | 1 {
            "pid=self"
        } else {
            bname.as_str()
        };
        for path in &list {
            let c = CString::new(path.as_str()).unwrap();
            let mut questions: Vec<(String, Outcome, Outcome)> = FLAGS
                .iter()
                .map(|(fname, fl)| {
                    (
                        fname.to_string(),
                        ours.open(*base, &c, *fl),
                        theirs.open(*base, &c, *fl),
                    )
                })
                .collect();
            questions.push((
                "readlink".into(),
                ours.readlink(*base, &c),
                theirs.readlink(*base, &c),
            ));
            for (q, o, t) in questions {
                cases += 1;
                if o == t {
                    same += 1;
                    match o {
                        Outcome::Fd(..) => same_fd += 1,
                        Outcome::Link(_) => same_link += 1,
                        _ => {}
                    }
                } else if let Some(why) = explain(bname, path, &o, &t) {
                    *explained.entry(why).or_default() += 1;
                } else {
                    unexplained.push(format!("{bname} {path:?} {q}: ours {o:?}, libpathrs {t:?}"));
                }
            }
        }
    }
    for u in &unexplained {
        println!("UNEXPLAINED: {u}");
    }
    let n_exp: usize = explained.values().sum();
    println!(
        "reference differential: {cases} cases ({} paths x {} bases x ({} open flags + readlink)): {same} identical, {n_exp} explained, {} unexplained",
        list.len(),
        bases.len(),
        FLAGS.len(),
        unexplained.len()
    );
    println!(
        "  identical: {same_fd} the same file, {same_link} the same link target, {} the same errno",
        same - same_fd - same_link
    );
    for (why, n) in &explained {
        println!("  explained, {n}: {why}");
    }
    println!(
        "reference-differential: {} passed, {} failed",
        same + n_exp,
        unexplained.len()
    );
    std::process::exit(i32::from(!unexplained.is_empty()));
}
