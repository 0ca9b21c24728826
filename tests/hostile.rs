//! A hostile or careless process around the crate: it closes the handle's
//! fd (`close_range`), `dup2`s over it and reuses the number; it runs in a
//! foreign pid namespace; it is not root; it asks for what the masked
//! handle hides. Each case is a forked child (private mount namespace where
//! it mounts); each test fails when its protection is removed.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    ErrorKind, Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase, no_host_fallback,
    unmasked_proc_root,
};

const RD: OpenFlags = OpenFlags::O_RDONLY;
const SCRATCH: &str = "/tmp/safe-procfs-hostile";

/// What takes the handle's fd number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Substitute {
    /// A directory holding `self/status` as a FIFO (opening it would block)
    /// and `self/comm` as a file of the attacker's (`O_TRUNC` would empty it).
    Directory,
    /// That FIFO itself.
    Fifo,
    /// The root of another procfs instance.
    OtherProcfs,
    /// Nothing: the number is just closed.
    Closed,
}

/// How the number changes hands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reuse {
    /// `close_range(n, n)`, then plain opens until one lands on `n`.
    CloseRange,
    /// `dup2(substitute, n)`.
    Dup2,
}

/// The attacker's files, in a tmpfs of our private mount namespace.
fn prepare_scratch() -> Result<(), Msg> {
    private_mount_ns()?;
    mkdir(&cpath!("{SCRATCH}"))?;
    mount_tmpfs(&cpath!("{SCRATCH}"))?;
    mkdir(&cpath!("{SCRATCH}/root"))?;
    mkdir(&cpath!("{SCRATCH}/root/self"))?;
    // SAFETY: valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(cpath!("{SCRATCH}/root/self/status").ptr(), 0o644) };
    ensure!(r == 0, "mkfifo: errno {}", errno());
    write_file(&cpath!("{SCRATCH}/root/self/comm"), b"attacker\n")?;
    mkdir(&cpath!("{SCRATCH}/proc"))?;
    mount_proc(&cpath!("{SCRATCH}/proc"))?;
    Ok(())
}

fn open_raw(path: &CPath, flags: i32) -> Result<i32, Msg> {
    // SAFETY: valid NUL-terminated path.
    let fd = unsafe { libc::open(path.ptr(), flags | libc::O_CLOEXEC) };
    ensure!(fd >= 0, "open {}: errno {}", path.as_str(), errno());
    Ok(fd)
}

/// An fd to the substitute, and its (dev, ino) (`None` for `Closed`).
/// An open substitute: its fd and its (dev, ino).
type Opened = Option<(i32, (u64, u64))>;

fn open_substitute(s: Substitute) -> Result<Opened, Msg> {
    let fd = match s {
        Substitute::Directory => open_raw(
            &cpath!("{SCRATCH}/root"),
            libc::O_RDONLY | libc::O_DIRECTORY,
        )?,
        // O_RDWR: opening a FIFO for both ends does not block.
        Substitute::Fifo => open_raw(
            &cpath!("{SCRATCH}/root/self/status"),
            libc::O_RDWR | libc::O_NONBLOCK,
        )?,
        Substitute::OtherProcfs => {
            open_raw(&cpath!("{SCRATCH}/proc"), libc::O_PATH | libc::O_DIRECTORY)?
        }
        Substitute::Closed => return Ok(None),
    };
    let (dev, ino, _) = fd_stat(fd);
    Ok(Some((fd, (dev, ino))))
}

/// Puts the substitute at every number in `victims`.
fn take_numbers(victims: &[i32], s: Substitute, reuse: Reuse) -> Result<(u64, u64), Msg> {
    let sub = open_substitute(s)?;
    for &n in victims {
        match (reuse, sub) {
            (Reuse::Dup2, Some((fd, _))) => {
                // SAFETY: dup2 onto a number we chose; both fds are ours.
                ensure!(unsafe { libc::dup2(fd, n) } == n, "dup2: errno {}", errno());
            }
            _ => {
                // SAFETY: close_range on one number of ours.
                let r = unsafe { libc::syscall(libc::SYS_close_range, n as u32, n as u32, 0u32) };
                ensure!(r == 0, "close_range: errno {}", errno());
                if let Some((fd, _)) = sub {
                    // Reopen until the lowest-free-number rule hands out `n`.
                    let mut fillers: heapless::Vec<i32, 1024> = heapless::Vec::new();
                    loop {
                        // SAFETY: F_DUPFD_CLOEXEC from 0 behaves as an open: lowest free number.
                        let got = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
                        ensure!(got >= 0 && got <= n, "reusing fd {n}: got {got}");
                        if got == n {
                            break;
                        }
                        ensure!(fillers.push(got).is_ok(), "too many fillers");
                    }
                    for f in fillers {
                        // SAFETY: closing our own filler fds.
                        unsafe { libc::close(f) };
                    }
                }
            }
        }
    }
    Ok(sub.map_or((0, 0), |(_, id)| id))
}

fn attacker_comm_intact() -> bool {
    let mut st: libc::stat = unsafe_zeroed_stat();
    // SAFETY: valid path and a live struct.
    let r = unsafe { libc::stat(cpath!("{SCRATCH}/root/self/comm").ptr(), &mut st) };
    r == 0 && st.st_size == 9
}

fn unsafe_zeroed_stat() -> libc::stat {
    // SAFETY: struct stat is plain integers: all-zero is valid.
    unsafe { std::mem::zeroed() }
}

fn is_genuine_status(f: &OwnedFd, sub_dev: u64) -> bool {
    let mut buf = [0u8; 4096];
    let n = read_all(f, &mut buf).unwrap_or(0);
    fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC
        && status_pid(&buf[..n]) == Some(getpid())
        && fd_stat(f.as_raw_fd()).0 != sub_dev
}

/// One case: a handle (the default one, or an unmasked one of our own),
/// its number taken by `s` through `reuse`, then every method is tried.
fn fd_reuse_case(mode: &Mode, own: bool, s: Substitute, reuse: Reuse) -> Result<(), Msg> {
    // A call that opened the FIFO would block: fail instead of hanging.
    // SAFETY: alarm has no memory effects; SIGALRM's default kills us.
    unsafe { libc::alarm(20) };
    prepare_scratch()?;
    mode.enter()?;
    let opts: &[safe_procfs::OpenOption] = if own { &[unmasked_proc_root] } else { &[] };
    let h = try_ok!(Handle::open(opts), "Handle::open");
    // Use it once so that a cached handle exists and is in use.
    try_ok!(h.open_self("status", RD), "open_self before the reuse");
    let other = fs_stat_dev(&cpath!("{SCRATCH}/proc"));
    let victims = procfs_root_fds();
    ensure!(!victims.is_empty(), "no procfs root fd found");
    let victims: heapless::Vec<i32, 64> = victims
        .into_iter()
        .filter(|&fd| fd_stat(fd).0 != other)
        .collect();
    let sub_id = take_numbers(&victims, s, reuse)?;
    let expect_errno = if s == Substitute::Closed {
        libc::EBADF
    } else {
        libc::EXDEV
    };

    let status = h.open_self("status", RD);
    let comm = h.open_self("comm", OpenFlags::O_WRONLY | OpenFlags::O_TRUNC);
    let mut buf = [0u8; 256];
    let link = h
        .readlink(ProcBase::ProcSelf, "exe", &mut buf)
        .map(|t| t.len());
    let thread = h.open_thread_self("status", RD, &NoPin).map(|(f, _c)| f);
    ensure!(
        attacker_comm_intact(),
        "the attacker's comm file was truncated"
    );
    if h.is_cached() {
        // The cached handle re-acquires: every call reaches the real procfs.
        let st = try_ok!(status, "cached open_self status after the reuse");
        ensure!(
            is_genuine_status(&st, sub_id.0),
            "cached open_self status: not our genuine status"
        );
        try_ok!(comm, "cached open_self comm");
        try_ok!(link, "cached readlink exe");
        try_ok!(thread, "cached open_thread_self");
        let again = try_ok!(Handle::open(&[]), "Handle::open after the reuse");
        ensure!(again.is_cached(), "the cache was not re-published");
        let st = try_ok!(again.open_self("status", RD), "second open after the reuse");
        ensure!(is_genuine_status(&st, sub_id.0), "second open: not genuine");
    } else {
        for (what, r) in [
            ("open_self status", status.map(drop)),
            ("open_self comm", comm.map(drop)),
            ("readlink exe", link.map(drop)),
            ("open_thread_self", thread.map(drop)),
        ] {
            match r {
                Err(e)
                    if e.kind() == ErrorKind::SafetyViolation
                        && e.raw_os_error() == Some(expect_errno) => {}
                Err(e) => fail!("{what}: expected a safety violation ({expect_errno}), got {e}"),
                Ok(()) => fail!("{what}: succeeded on a handle whose fd was taken"),
            }
        }
        if s != Substitute::Closed {
            ensure!(h.close().is_err(), "close() of a replaced handle succeeded");
        } else {
            drop(h);
        }
    }
    // Nothing of ours closed the number's new owner.
    for &n in &victims {
        if s == Substitute::Closed {
            continue;
        }
        let (dev, ino, _) = fd_stat(n);
        ensure!(
            (dev, ino) == sub_id,
            "fd {n} no longer holds the file that took its number"
        );
    }
    Ok(())
}

fn fs_stat_dev(path: &CPath) -> u64 {
    let mut st = unsafe_zeroed_stat();
    // SAFETY: valid path and a live struct.
    unsafe { libc::stat(path.ptr(), &mut st) };
    st.st_dev
}

#[test]
fn handle_fd_closed_or_reused() {
    if !require_root("handle_fd_closed_or_reused") {
        return;
    }
    let qemu = under_qemu();
    let _ = qemu;
    let mut failures = Vec::new();
    let mut cases = 0;
    for mode in MODES {
        for own in [false, true] {
            for (s, reuse) in [
                (Substitute::Directory, Reuse::CloseRange),
                (Substitute::Directory, Reuse::Dup2),
                (Substitute::Fifo, Reuse::CloseRange),
                (Substitute::Fifo, Reuse::Dup2),
                (Substitute::OtherProcfs, Reuse::CloseRange),
                (Substitute::OtherProcfs, Reuse::Dup2),
                (Substitute::Closed, Reuse::CloseRange),
            ] {
                cases += 1;
                let who = if own { "own unmasked" } else { "default" };
                if let Err(e) = in_child(|| fd_reuse_case(mode, own, s, reuse)) {
                    failures.push(format!(
                        "[{}] {who} handle, {s:?} via {reuse:?}: {e}",
                        mode.name
                    ));
                }
            }
        }
    }
    println!("fd reuse: {cases} cases, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Item 3: a procfs of another pid namespace on `/proc`, whose init is the
/// attacker, with the new mount API (and, in the second variant, also
/// `open_tree`) taken away. Also a symlink naming our own pid mounted over
/// its `self`, to vouch for it. The handle must be refused.
fn foreign_pid_namespace_case(block_open_tree: bool, vouch: bool) -> Result<(), Msg> {
    private_mount_ns()?;
    let our_pid = getpid();
    let mut facilities: heapless::Vec<Facility, 2> = heapless::Vec::new();
    let _ = facilities.push(Facility::NewMountApi);
    if block_open_tree {
        let _ = facilities.push(Facility::OpenTree);
    }
    let mut ready = [0; 2];
    // SAFETY: a valid array of two ints.
    ensure!(
        unsafe { libc::pipe2(ready.as_mut_ptr(), libc::O_CLOEXEC) } == 0,
        "pipe"
    );
    // SAFETY: our next child becomes pid 1 of a new pid namespace.
    ensure!(
        unsafe { libc::unshare(libc::CLONE_NEWPID) } == 0,
        "unshare(CLONE_NEWPID): errno {}",
        errno()
    );
    // SAFETY: the child only makes syscalls and _exits (or is killed).
    let init = unsafe { libc::fork() };
    ensure!(init >= 0, "fork: errno {}", errno());
    if init == 0 {
        // The attacker: pid 1 of its namespace mounts that namespace's
        // procfs on /proc (our shared mount namespace), then waits.
        // SAFETY: plain syscalls, then waiting to be killed.
        unsafe {
            let ok = libc::getpid() == 1
                && libc::mount(
                    c"proc".as_ptr(),
                    c"/proc".as_ptr(),
                    c"proc".as_ptr(),
                    0,
                    std::ptr::null(),
                ) == 0;
            libc::write(ready[1], [u8::from(ok)].as_ptr().cast(), 1);
            loop {
                libc::pause();
            }
        }
    }
    let mut ok = [0u8];
    // SAFETY: reading one byte into a live buffer.
    unsafe { libc::read(ready[0], ok.as_mut_ptr().cast(), 1) };
    let result = (|| {
        ensure!(
            ok[0] == 1,
            "the foreign init could not mount its procfs on /proc"
        );
        if vouch {
            // A symlink naming our pid, mounted over the foreign `self`.
            symlink(&cpath!("{our_pid}"), &cpath!("{SCRATCH}-self"))?;
            move_tree_onto(&cpath!("{SCRATCH}-self"), &cpath!("/proc/self"))?;
        }
        // Only now take the mount API away (the mounts above needed it).
        block(&facilities, libc::ENOSYS)?;
        let unmasked: &[safe_procfs::OpenOption] = &[unmasked_proc_root];
        for opts in [&[][..], unmasked] {
            match Handle::open(opts) {
                Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
                Err(e) => fail!("Handle::open: expected a refusal, got {e}"),
                Ok(h) => {
                    let mut buf = [0u8; 4096];
                    let n = h
                        .open_pid(1, "status", RD)
                        .and_then(|f| read_all(&f, &mut buf))
                        .unwrap_or(0);
                    fail!(
                        "Handle::open accepted the foreign procfs ({:?}); open_pid(1) read: {}",
                        h.kind(),
                        String::from_utf8_lossy(&buf[..n.min(64)]).as_ref() as &str
                    );
                }
            }
        }
        Ok(())
    })();
    // SAFETY: ending our own child, then reaping it.
    unsafe {
        libc::kill(init, libc::SIGKILL);
        libc::waitpid(init, std::ptr::null_mut(), 0);
    }
    if vouch {
        // SAFETY: valid path.
        unsafe { libc::unlink(cpath!("{SCRATCH}-self").ptr()) };
    }
    result
}

#[test]
fn procfs_of_another_pid_namespace_is_refused() {
    if !require_root("procfs_of_another_pid_namespace_is_refused") {
        return;
    }
    under_qemu();
    for (block_open_tree, vouch) in [(false, false), (true, false), (false, true), (true, true)] {
        let kind = if block_open_tree { "host" } else { "detached" };
        in_child(|| foreign_pid_namespace_case(block_open_tree, vouch)).unwrap_or_else(|e| {
            panic!("{kind} /proc of a foreign pid namespace (self vouched: {vouch}): {e}")
        });
    }
}

/// Drops to the unprivileged user `nobody` (65534) for good.
fn become_nobody() -> Result<(), Msg> {
    // SAFETY: plain credential syscalls.
    unsafe {
        ensure!(
            libc::setgroups(0, std::ptr::null()) == 0,
            "setgroups: errno {}",
            errno()
        );
        ensure!(
            libc::setresgid(65534, 65534, 65534) == 0,
            "setresgid: errno {}",
            errno()
        );
        ensure!(
            libc::setresuid(65534, 65534, 65534) == 0,
            "setresuid: errno {}",
            errno()
        );
    }
    Ok(())
}

/// The first `map_files/` entry name of our own mappings.
fn first_mapping(h: &Handle) -> Result<heapless::String<64>, Msg> {
    // The names in map_files/ itself: under qemu-user, `maps` shows the
    // guest's address space, whose ranges do not exist in map_files/.
    let dir = try_ok!(
        h.open_self("map_files", RD | OpenFlags::O_DIRECTORY),
        "open_self map_files"
    );
    let mut buf = [0u8; 1024];
    for entry in dir.read_dir(&mut buf) {
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

/// Item 5: as a user who may not open `map_files/*` (EPERM from the kernel
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

/// Item 6: the masked (default) handle hands out its own root for `.`, and
/// never the root of an unmasked procfs; a directory the masked instance
/// has comes from the masked instance.
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

/// Since Linux 6.15 a process that may mount can put a mount on our own
/// private (or detached) procfs, reaching it through
/// `/proc/<pid>/fd/<root fd>/...`; such a mount cannot be removed. A file
/// mounted over `<pid>/exe` in the window between the crate's lookup of
/// the parent and its follow of the magic-link must not be handed out.
/// One-shot attempts at random moments; without the check after the
/// follow, about half of them won on this machine (a third in walk mode).
fn mount_race_attempt(walk: bool, delay_us: u64) -> Result<Option<bool>, String> {
    let evil = "/tmp/safe-procfs-hostile-evil-exe";
    // `up`: the victim tells its root fd; `done`: the attacker says it has
    // made its mount (or failed to), after which the victim stops soon.
    let (mut up, mut done) = ([0i32; 2], [0i32; 2]);
    // SAFETY: valid arrays of two ints.
    unsafe {
        assert_eq!(libc::pipe2(up.as_mut_ptr(), libc::O_CLOEXEC), 0);
        assert_eq!(
            libc::pipe2(done.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK),
            0
        );
    }
    // SAFETY: the child makes syscalls, uses the crate (no allocation) and _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let code = (|| -> Result<i32, Msg> {
            if walk {
                block(&[Facility::Openat2], libc::ENOSYS)?;
            }
            let h = try_ok!(Handle::open(&[]), "Handle::open");
            try_ok!(h.open_self("status", RD), "open_self status");
            let fds = procfs_root_fds();
            let fd = *fds.last().unwrap_or(&-1);
            // SAFETY: writing a live i32 to our pipe.
            unsafe { libc::write(up[1], (&fd as *const i32).cast(), 4) };
            let mut after = 0;
            for _ in 0..20_000 {
                if let Ok(f) = h.open_self("exe", RD) {
                    let mut b = [0u8; 8];
                    let n = f.read(&mut b).unwrap_or(0);
                    if b[..n].starts_with(b"EVIL") {
                        return Ok(42);
                    }
                }
                let mut byte = [0u8];
                // SAFETY: a non-blocking read of one byte into a live buffer.
                if after == 0 && unsafe { libc::read(done[0], byte.as_mut_ptr().cast(), 1) } == 1 {
                    after = 1;
                } else if after > 0 {
                    after += 1;
                    if after > 20 {
                        break;
                    }
                }
            }
            Ok(0)
        })()
        .unwrap_or(3);
        // SAFETY: leaving the child at once.
        unsafe { libc::_exit(code) };
    }
    let mut fd = -1i32;
    // SAFETY: closing our write end, reading one i32 into a live value.
    unsafe {
        libc::close(up[1]);
        libc::read(up[0], (&mut fd as *mut i32).cast(), 4);
        libc::close(up[0]);
    }
    std::thread::sleep(std::time::Duration::from_micros(delay_us));
    let target = cpath!("/proc/{pid}/fd/{fd}/{pid}/exe");
    let mounted = move_tree_onto(&cpath!("{evil}"), &target).is_ok();
    let mut status = 0;
    // SAFETY: telling the victim, then reaping it.
    unsafe {
        libc::write(done[1], [1u8].as_ptr().cast(), 1);
        libc::close(done[1]);
        libc::close(done[0]);
        libc::waitpid(pid, &mut status, 0);
    }
    match libc::WEXITSTATUS(status) {
        42 => Ok(Some(true)),
        0 if mounted => Ok(Some(false)),
        0 => Ok(None),
        code => Err(format!("victim failed with exit code {code}")),
    }
}

#[test]
fn a_mount_made_on_our_own_procfs_during_a_follow_is_caught() {
    if !require_root("a_mount_made_on_our_own_procfs_during_a_follow_is_caught") {
        return;
    }
    let qemu = under_qemu();
    std::fs::write("/tmp/safe-procfs-hostile-evil-exe", b"EVIL-EXE\n").unwrap();
    for (walk, attempts) in [(false, 40), (true, 60)] {
        let (mut won, mut mounted) = (0, 0);
        for attempt in 0..attempts {
            match mount_race_attempt(walk, attempt * 7919 % 300) {
                Ok(Some(true)) => won += 1,
                Ok(Some(false)) => mounted += 1,
                // Kernels before 6.15 refuse such a mount: no window here.
                Ok(None) if attempt == 0 && !kernel_at_least(6, 15) => break,
                Ok(None) => {}
                Err(e) => panic!("{e}"),
            }
        }
        println!(
            "mount race (walk: {walk}): {attempts} attempts, {mounted} mounts made, {won} handed out the attacker's file"
        );
        assert_eq!(won, 0, "the attacker's file was handed out");
        // Kernels before 6.15 refuse the mount (no window to test there).
        if !qemu && kernel_at_least(6, 15) {
            assert!(
                mounted >= attempts * 9 / 10,
                "the attack could not be set up ({mounted} of {attempts} mounts made)"
            );
        }
    }
}

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
/// tick would pass: a documented residual, see `Root::ctime`.) `Ok(false)`: the device
/// number was not reused (another test took it), try again.
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

/// The `Name:` line of a `status` file.
fn status_name(f: &OwnedFd) -> heapless::Vec<u8, 64> {
    let mut buf = [0u8; 4096];
    let n = read_all(f, &mut buf).unwrap_or(0);
    let line = buf[..n]
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Name:"))
        .unwrap_or(b"");
    heapless::Vec::from_slice(&line[..line.len().min(64)]).unwrap_or_default()
}

/// Handles opened before `unshare(CLONE_NEWPID)` + `fork` are used in the
/// child, pid 1 of the new namespace: `open_pid(1)` must be the child
/// itself or a refusal, never pid 1 of the parent's namespace.
fn forked_into_new_pid_namespace_case() -> Result<(), Msg> {
    let cached = try_ok!(Handle::open(&[]), "Handle::open");
    let own = try_ok!(
        Handle::open(&[unmasked_proc_root]),
        "Handle::open(unmasked)"
    );
    // Pid 1 of the new namespace will be our child, a copy of us.
    let name = status_name(&try_ok!(cached.open_self("status", RD), "open_self status"));
    ensure!(!name.is_empty(), "no Name line");
    // SAFETY: our next child becomes pid 1 of a new pid namespace.
    ensure!(
        unsafe { libc::unshare(libc::CLONE_NEWPID) } == 0,
        "unshare: errno {}",
        errno()
    );
    // SAFETY: the child uses the crate (no allocation) and _exits.
    let child = unsafe { libc::fork() };
    ensure!(child >= 0, "fork: errno {}", errno());
    if child == 0 {
        // 0: all good; 10+: which check failed.
        let code = (|| {
            // SAFETY: getpid has no preconditions.
            if unsafe { libc::getpid() } != 1 {
                return 10;
            }
            let again = Handle::open(&[]);
            for (i, h) in [Some(&cached), Some(&own), again.as_ref().ok()]
                .into_iter()
                .enumerate()
            {
                let Some(h) = h else { continue };
                match h.open_pid(1, "status", RD) {
                    // Pid 1 of our new namespace is ourselves.
                    Ok(f) if status_name(&f) == name => {}
                    Ok(_) => return 20 + i as i32,
                    Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
                    Err(_) => return 30 + i as i32,
                }
            }
            0
        })();
        // SAFETY: leaving the child at once.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: reaping our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    let code = libc::WEXITSTATUS(status);
    ensure!(
        libc::WIFEXITED(status) && code == 0,
        "in the new pid namespace: check {code} failed (20+i: handle i gave pid 1 of the parent's namespace; handles: cached, own, opened after the fork)"
    );
    Ok(())
}

#[test]
fn handles_used_after_a_fork_into_a_new_pid_namespace() {
    if !require_root("handles_used_after_a_fork_into_a_new_pid_namespace") {
        return;
    }
    under_qemu();
    in_child(forked_into_new_pid_namespace_case).unwrap_or_else(|e| panic!("{e}"));
}

/// `Handle::from_fd`: a caller's procfs root is adopted after the same
/// verification as an acquired one; anything else is refused.
fn adopt_case() -> Result<(), Msg> {
    private_mount_ns()?;
    mkdir(&cpath!("{SCRATCH}-adopt"))?;
    mount_tmpfs(&cpath!("{SCRATCH}-adopt"))?;
    let dir = |p: &CPath| -> Result<safe_procfs::OwnedFd, Msg> {
        let fd = open_raw(p, libc::O_PATH | libc::O_DIRECTORY)?;
        // SAFETY: `fd` was just opened and is never closed here.
        let fd = unsafe { safe_procfs::BorrowedFd::borrow_raw(fd) };
        Ok(try_ok!(fd.try_clone_to_owned(), "try_clone_to_owned"))
    };
    let h = try_ok!(Handle::from_fd(dir(&cpath!("/proc"))?), "adopting /proc");
    ensure!(
        h.kind() == HandleKind::HostMount,
        "adopted kind {:?}",
        h.kind()
    );
    let st = try_ok!(h.open_self("status", RD), "open_self on the adopted handle");
    let mut buf = [0u8; 4096];
    let n = try_ok!(read_all(&st, &mut buf), "read");
    ensure!(status_pid(&buf[..n]) == Some(getpid()), "not our status");
    for (what, p) in [
        ("a tmpfs directory", cpath!("{SCRATCH}-adopt")),
        ("a procfs subdirectory", cpath!("/proc/{}", getpid())),
    ] {
        match Handle::from_fd(dir(&p)?) {
            Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
            Err(e) => fail!("adopting {what}: expected a safety violation, got {e}"),
            Ok(_) => fail!("adopted {what}"),
        }
    }
    // SAFETY: -1 is no fd: it breaks `borrow_raw`'s contract on purpose, as
    // a C caller may; it is only handed to the kernel.
    let r = unsafe { safe_procfs::BorrowedFd::borrow_raw(-1) }.try_clone_to_owned();
    ensure!(
        errno_of(&r) == libc::EBADF,
        "try_clone_to_owned(-1): {}",
        errno_of(&r)
    );
    Ok(())
}

#[test]
fn a_callers_procfs_root_is_adopted_only_after_verification() {
    if !require_root("a_callers_procfs_root_is_adopted_only_after_verification") {
        return;
    }
    under_qemu();
    in_child(adopt_case).unwrap_or_else(|e| panic!("{e}"));
}
