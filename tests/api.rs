//! Every method and base of the public API keeps its contract on the real
//! /proc: the genuine files, magic-links to our own files, the errno
//! contract, `O_CLOEXEC` on every fd, no fd leaked, the right process's
//! files after a fork and from other threads; and the same checks hold
//! under every fallback mode (seccomp filters natively).

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    Error, ErrorKind, Handle, HandleKind, NoPin, OpenFlags, ProcBase, ThreadPin, unmasked_proc_root,
};
use std::sync::atomic::{AtomicUsize, Ordering};

const RD: OpenFlags = OpenFlags::O_RDONLY;

fn handle() -> Handle {
    Handle::open(&[]).expect("Handle::open")
}

fn read_to_vec(fd: &safe_procfs::OwnedFd) -> Vec<u8> {
    let mut buf = vec![0u8; 64 * 1024];
    let n = read_all(fd, &mut buf).expect("read");
    buf.truncate(n);
    buf
}

fn assert_errno<T>(r: Result<T, Error>, errno: i32, what: &str) {
    assert_eq!(
        errno_of(&r),
        errno,
        "{what}: expected errno {errno}, got {:?}",
        r.err()
    );
}

/// The checks run in every fallback mode, in a forked child (no allocation).
fn api_checks(h: &Handle) -> Result<(), Msg> {
    let mut buf = [0u8; 8192];
    let pid = getpid();
    let fd = try_ok!(h.open_self("status", RD), "open_self status");
    let n = try_ok!(read_all(&fd, &mut buf), "read status");
    ensure!(
        status_pid(&buf[..n]) == Some(pid),
        "self/status is not ours"
    );
    ensure!(has_cloexec(fd.as_raw_fd()), "no FD_CLOEXEC");

    let fd = try_ok!(h.open_root("uptime", RD), "open_root uptime");
    ensure!(
        try_ok!(fd.read(&mut buf), "read uptime") > 0,
        "empty uptime"
    );
    let fd = try_ok!(h.open_root("sys/kernel/ostype", RD), "open_root ostype");
    let n = try_ok!(read_all(&fd, &mut buf), "read ostype");
    ensure!(&buf[..n] == b"Linux\n", "ostype");
    let fd = try_ok!(
        h.open_root("mounts", RD),
        "open_root mounts (a regular symlink)"
    );
    ensure!(
        fs_magic(fd.as_raw_fd()) == PROC_SUPER_MAGIC,
        "mounts not on procfs"
    );
    // Top-level links into self/ followed on the handle itself, as
    // libpathrs does: `net` is this process's net directory (a directory,
    // which the temporary unmasked procfs would never hand out).
    let dir = OpenFlags::O_DIRECTORY | OpenFlags::O_RDONLY;
    let net = try_ok!(h.open_root("net", dir), "open_root net O_DIRECTORY");
    let own = try_ok!(h.open_self("net", dir), "open_self net O_DIRECTORY");
    ensure!(
        fd_stat(net.as_raw_fd()) == fd_stat(own.as_raw_fd()),
        "open_root(net) is not self/net"
    );
    let dev = try_ok!(h.open_root("net/dev", RD), "open_root net/dev");
    ensure!(
        fs_magic(dev.as_raw_fd()) == PROC_SUPER_MAGIC,
        "net/dev not on procfs"
    );
    ensure!(
        errno_of(&h.open_root("mounts", dir)) == libc::ENOTDIR,
        "open_root mounts O_DIRECTORY is not ENOTDIR"
    );
    for link in ["net", "mounts", "self"] {
        ensure!(
            errno_of(&h.open_root(link, RD | OpenFlags::O_NOFOLLOW)) == libc::ELOOP,
            "open_root O_NOFOLLOW of a symlink is not ELOOP"
        );
    }
    let n = try_ok!(
        h.readlink(ProcBase::ProcRoot, "net", &mut buf),
        "readlink net"
    )
    .len();
    ensure!(&buf[..n] == b"self/net", "readlink net");
    // readlink of a directory (also one only the unmasked procfs has):
    // EINVAL, named after readlinkat.
    for (base, path) in [
        (ProcBase::ProcRoot, "tty"),
        (ProcBase::ProcRoot, "self/fdinfo"),
        (ProcBase::ProcSelf, "task"),
        (ProcBase::ProcRoot, "uptime"),
    ] {
        let r = h.readlink(base, path, &mut buf);
        ensure!(errno_of(&r) == libc::EINVAL, "readlink of a non-link");
        ensure!(
            r.err().is_some_and(|e| e.step().contains("readlinkat")),
            "readlink's EINVAL does not name readlinkat"
        );
    }
    let r = h.readlink(ProcBase::ProcRoot, "no-such", &mut buf);
    ensure!(
        errno_of(&r) == libc::ENOENT && r.err().is_some_and(|e| !e.step().contains("readlinkat")),
        "readlink of a missing entry: not a lookup ENOENT"
    );

    let fd = try_ok!(h.open_pid(pid, "status", RD), "open_pid self");
    let n = try_ok!(read_all(&fd, &mut buf), "read");
    ensure!(
        status_pid(&buf[..n]) == Some(pid),
        "open_pid(getpid) is not ours"
    );
    let fd = try_ok!(
        h.open_pid(1, "status", RD),
        "open_pid 1 (hidden by hidepid)"
    );
    let n = try_ok!(read_all(&fd, &mut buf), "read");
    ensure!(status_pid(&buf[..n]) == Some(1), "open_pid(1) is not pid 1");

    let (fd, closer) = try_ok!(h.open_thread_self("status", RD, &NoPin), "open_thread_self");
    let n = try_ok!(read_all(&fd, &mut buf), "read");
    ensure!(
        status_pid(&buf[..n]) == Some(gettid()),
        "thread-self is not our thread"
    );
    drop(fd);
    closer.close();

    // Magic-links: followed at the end without O_NOFOLLOW, never inside.
    let exe = try_ok!(h.open_self("exe", OpenFlags::O_PATH), "open_self exe");
    ensure!(
        fd_stat(exe.as_raw_fd()).2 & libc::S_IFMT == libc::S_IFREG,
        "exe is not a file"
    );
    let link = try_ok!(
        h.open_self("exe", OpenFlags::O_PATH | OpenFlags::O_NOFOLLOW),
        "exe nofollow"
    );
    ensure!(
        fd_stat(link.as_raw_fd()).2 & libc::S_IFMT == libc::S_IFLNK,
        "exe O_NOFOLLOW is not the link"
    );
    let dir_link = OpenFlags::O_PATH | OpenFlags::O_NOFOLLOW | OpenFlags::O_DIRECTORY;
    let e = errno_of(&h.open_self("exe", dir_link));
    ensure!(
        e == libc::ENOTDIR,
        "exe O_PATH|O_NOFOLLOW|O_DIRECTORY: errno {e}"
    );
    let e = errno_of(&h.open_self("exe", RD | OpenFlags::O_NOFOLLOW));
    ensure!(e == libc::ELOOP, "exe O_RDONLY|O_NOFOLLOW: errno {e}");
    let e = errno_of(&h.open_self("root/etc/hostname", RD));
    ensure!(e == libc::ELOOP, "magic-link inside a path: errno {e}");
    let target = try_ok!(
        h.readlink(ProcBase::ProcSelf, "exe", &mut buf),
        "readlink exe"
    );
    ensure!(target.first() == Some(&b'/'), "exe target not absolute");
    let fd0 = try_ok!(h.open_self("fd/1", OpenFlags::O_PATH), "open fd/1");
    let (d1, i1, _) = fd_stat(1);
    let (d2, i2, _) = fd_stat(fd0.as_raw_fd());
    ensure!((d1, i1) == (d2, i2), "fd/1 is not our stdout");
    try_ok!(
        h.readlink(ProcBase::ProcThreadSelf, "fd/1", &mut buf),
        "readlink thread-self fd/1"
    );

    let e = errno_of(&h.open_self("no-such-file", RD));
    ensure!(e == libc::ENOENT, "missing file: errno {e}");
    let e = errno_of(&h.open_self("status/", RD));
    ensure!(e == libc::ENOTDIR, "status/: errno {e}");
    Ok(())
}

#[test]
fn every_method_and_base_on_the_real_proc() {
    if !require_root("every_method_and_base_on_the_real_proc") {
        return;
    }
    let h = handle();
    in_child(|| api_checks(&h)).unwrap();
    let u = Handle::open(&[unmasked_proc_root]).unwrap();
    assert!(!u.is_cached());
    in_child(|| api_checks(&u)).unwrap();
    u.close().unwrap();
}

#[test]
fn the_same_checks_under_every_fallback_mode() {
    if !require_root("the_same_checks_under_every_fallback_mode") {
        return;
    }
    let qemu = under_qemu();
    for mode in MODES {
        let r = in_child(|| {
            // Probe and cache everything first: the filters arrive later,
            // as a container runtime installs them mid-run.
            let h = try_ok!(Handle::open(&[]), "warm-up open");
            try_ok!(h.open_self("status", RD), "warm-up");
            mode.enter()?;
            let u = try_ok!(Handle::open(&[unmasked_proc_root]), "unmasked open");
            let want = mode.expected_kind(qemu);
            ensure!(
                u.kind() == want,
                "unmasked handle is {:?}, expected {:?}",
                u.kind(),
                want
            );
            api_checks(&u)?;
            api_checks(&h)?;
            let fresh = try_ok!(Handle::open(&[]), "masked open");
            api_checks(&fresh)
        });
        if let Err(e) = r {
            panic!("mode '{}': {e}", mode.name);
        }
        eprintln!("mode '{}': ok", mode.name);
    }
}

/// `Handle::builder()` and `Handle::open(&[..])` are one path: the builder
/// sets the flags its options set, and both give the same handle kind,
/// caching or errno in every fallback mode.
#[test]
fn builder_and_options_open_the_same_handles() {
    use safe_procfs::{HandleBuilder, OpenOption, ProcfsOpenHow, no_host_fallback};
    let cases: [(HandleBuilder, &[OpenOption]); 4] = [
        (Handle::builder(), &[]),
        (Handle::builder().unmasked(), &[unmasked_proc_root]),
        (Handle::builder().no_host_fallback(), &[no_host_fallback]),
        (
            Handle::builder().unmasked().no_host_fallback(),
            &[unmasked_proc_root, no_host_fallback],
        ),
    ];
    for (builder, opts) in &cases {
        let mut how = ProcfsOpenHow::default();
        for opt in *opts {
            opt(&mut how).unwrap();
        }
        assert_eq!(builder.flags(), how.flags, "{opts:?}");
    }
    assert_eq!(
        Handle::builder().no_host_fallback().unmasked(),
        Handle::builder().unmasked().no_host_fallback()
    );
    assert_eq!(Handle::builder(), HandleBuilder::default());

    type Outcome = Result<(HandleKind, bool), i32>;
    fn outcome(r: Result<Handle, Error>) -> Outcome {
        r.map(|h| (h.kind(), h.is_cached()))
            .map_err(|e| e.raw_os_error().unwrap_or(0))
    }
    // Without root there are no filters: the real kernel only.
    let modes = if require_root("builder_and_options_open_the_same_handles (fallback modes)") {
        MODES
    } else {
        &MODES[..1]
    };
    // Computed before forking: the children must not allocate (other
    // tests' threads may hold the allocator's lock at the fork).
    under_qemu();
    for mode in modes {
        let r = in_child(|| {
            mode.enter()?;
            for (builder, opts) in &cases {
                let by_builder = outcome(builder.open());
                let by_options = outcome(Handle::open(opts));
                ensure!(
                    by_builder == by_options,
                    "{:?}: builder {:?}, options {:?}",
                    builder.flags(),
                    by_builder,
                    by_options
                );
            }
            Ok(())
        });
        if let Err(e) = r {
            panic!("mode '{}': {e}", mode.name);
        }
    }
}

#[test]
fn default_handle_is_cached_and_masked() {
    let h = handle();
    if h.kind() == HandleKind::PrivateInstance {
        assert!(h.is_cached());
        let again = handle();
        assert!(again.is_cached());
        again.close().unwrap();
        // The cached handle survives close.
        h.open_self("status", RD).unwrap();
    } else if !has_cap_sys_admin() {
        // Not root: neither fsopen nor open_tree (both EPERM), so the host
        // /proc, checked on every call and never cached.
        assert_eq!(h.kind(), HandleKind::HostMount);
        assert!(!h.is_cached());
    } else {
        // Under qemu-user there is no fsopen: a detached clone of /proc is
        // not subset=pid, so it is not cached.
        assert!(under_qemu(), "no private procfs natively: {:?}", h.kind());
        assert!(!h.is_cached());
    }
    let u = Handle::open(&[unmasked_proc_root]).unwrap();
    assert!(!u.is_cached());
    assert!(u.open_root("uptime", RD).is_ok());
}

#[test]
fn proc_root_retries_on_an_unmasked_instance() {
    let h = handle();
    // Global files are hidden by subset=pid on the cached handle, yet open_root
    // finds them through a temporary unmasked instance.
    let v = read_to_vec(&h.open_root("sys/kernel/ostype", RD).unwrap());
    assert_eq!(v, b"Linux\n");
    assert!(!read_to_vec(&h.open_root("uptime", RD).unwrap()).is_empty());
    assert_errno(
        h.open_root("no-such-global", RD),
        libc::ENOENT,
        "missing global",
    );
}

#[test]
fn magic_link_to_our_own_files() {
    let h = handle();
    let file = std::fs::File::open("Cargo.toml").unwrap();
    use std::os::fd::AsRawFd;
    let n = file.as_raw_fd();
    let path = format!("fd/{n}");
    let fd = h.open_self(&path, RD).unwrap();
    let (d1, i1, _) = fd_stat(n);
    let (d2, i2, _) = fd_stat(fd.as_raw_fd());
    assert_eq!((d1, i1), (d2, i2));
    assert_eq!(read_to_vec(&fd), std::fs::read("Cargo.toml").unwrap());
    let mut buf = [0u8; 4096];
    let target = h.readlink(ProcBase::ProcSelf, &path, &mut buf).unwrap();
    let expected = std::fs::canonicalize("Cargo.toml").unwrap();
    assert_eq!(target, expected.as_os_str().as_encoded_bytes());
    let target = h
        .readlink(ProcBase::ProcThreadSelf, &path, &mut buf)
        .unwrap();
    assert_eq!(target, expected.as_os_str().as_encoded_bytes());

    // exe: the followed fd is the file readlink names.
    let exe = h.open_self("exe", OpenFlags::O_PATH).unwrap();
    let target = h.readlink(ProcBase::ProcSelf, "exe", &mut buf).unwrap();
    let meta = std::fs::metadata(std::str::from_utf8(target).unwrap()).unwrap();
    use std::os::unix::fs::MetadataExt;
    let (d, i, _) = fd_stat(exe.as_raw_fd());
    assert_eq!((d, i), (meta.dev(), meta.ino()));
    // ns/* are magic-links too.
    let ns = h.readlink(ProcBase::ProcSelf, "ns/mnt", &mut buf).unwrap();
    assert!(ns.starts_with(b"mnt:["));
    assert!(h.open_self("ns/mnt", RD).is_ok());
    assert_errno(
        h.open_self("cwd/Cargo.toml", RD),
        libc::ELOOP,
        "magic-link cwd in the middle",
    );
    assert_errno(
        h.open_self("fd/0/x", RD),
        libc::ELOOP,
        "magic-link fd/0 in the middle",
    );
}

#[test]
fn errno_contract() {
    let h = handle();
    for bad in [
        OpenFlags::O_CREAT,
        OpenFlags::O_EXCL,
        OpenFlags::O_TMPFILE,
        OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
    ] {
        let r = h.open_self("status", bad);
        assert_errno(r, libc::EINVAL, "forbidden flag");
    }
    assert_eq!(
        h.open_self("status", OpenFlags::O_CREAT)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_errno(h.open_self("", RD), libc::EINVAL, "empty path");
    // Absolute, or a `..` out of the base: EXDEV, as openat2(RESOLVE_BENEATH)
    // and libpathrs say; a `..` that stays inside: EINVAL.
    assert_errno(h.open_self("/etc/passwd", RD), libc::EXDEV, "absolute path");
    assert_errno(
        h.open_root("/proc/self/status", RD),
        libc::EXDEV,
        "absolute path",
    );
    assert_errno(h.open_self("sta\0tus", RD), libc::EINVAL, "NUL in path");
    assert_errno(
        h.open_self("../1/status", RD),
        libc::EXDEV,
        ".. out of the base",
    );
    assert_errno(
        h.open_root("self/../..", RD),
        libc::EXDEV,
        ".. out of the base",
    );
    assert_errno(h.open_self("fd/../status", RD), libc::EINVAL, ".. inside");
    assert_errno(h.open_self("task/..", RD), libc::EINVAL, ".. at the end");
    let long = "a/".repeat(safe_procfs::PATH_BUF_LEN);
    assert_errno(h.open_self(&long, RD), libc::ENAMETOOLONG, "long path");
    let mut small = [0u8; 3];
    assert_errno(
        h.readlink(ProcBase::ProcSelf, "exe", &mut small),
        libc::ERANGE,
        "small buffer",
    );
    assert_errno(
        h.readlink(ProcBase::ProcRoot, "self", &mut []),
        libc::ERANGE,
        "empty buffer",
    );
    assert_errno(h.open_pid(0, "status", RD), libc::EINVAL, "pid 0");
    assert_errno(h.open_pid(1 << 31, "status", RD), libc::EINVAL, "pid 2^31");
    assert_errno(
        h.open_pid(u32::MAX, "status", RD),
        libc::EINVAL,
        "pid u32::MAX",
    );
    let mut buf = [0u8; 64];
    assert_errno(
        h.readlink(ProcBase::ProcSelf, "status", &mut buf),
        libc::EINVAL,
        "readlink of a file",
    );
    assert_errno(h.open_self("status/", RD), libc::ENOTDIR, "trailing slash");
    assert_errno(h.open_self("does-not-exist", RD), libc::ENOENT, "missing");
    assert_errno(
        h.open_pid(i32::MAX as u32, "status", RD),
        libc::ENOENT,
        "missing pid",
    );
    assert_errno(
        h.open_self("root/etc", RD),
        libc::ELOOP,
        "magic-link inside",
    );
    assert_errno(
        h.open_self("exe", OpenFlags::O_NOFOLLOW),
        libc::ELOOP,
        "O_NOFOLLOW on a symlink",
    );
    // readlink of the regular symlinks works without a thread pin.
    let s = h.readlink(ProcBase::ProcRoot, "self", &mut buf).unwrap();
    assert_eq!(s, getpid().to_string().as_bytes());
    let s = h
        .readlink(ProcBase::ProcRoot, "thread-self", &mut buf)
        .unwrap();
    assert_eq!(s, format!("{}/task/{}", getpid(), gettid()).as_bytes());
    // Errors print their step and errno.
    let e = h.open_self("does-not-exist", RD).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Os);
    assert!(e.to_string().contains("ENOENT"), "{e}");
}

#[test]
fn every_returned_fd_is_cloexec() {
    let h = handle();
    let fds = [
        h.open_self("status", RD).unwrap(),
        h.open_self("status", OpenFlags::O_PATH).unwrap(),
        h.open_self("exe", OpenFlags::O_PATH).unwrap(),
        h.open_self("fd/0", OpenFlags::O_PATH | OpenFlags::O_NOFOLLOW)
            .unwrap(),
        h.open_root("uptime", RD).unwrap(),
        h.open_pid(1, "comm", RD).unwrap(),
        h.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)
            .unwrap()
            .0,
    ];
    for fd in &fds {
        assert!(
            has_cloexec(fd.as_raw_fd()),
            "fd {} lacks FD_CLOEXEC",
            fd.as_raw_fd()
        );
    }
}

struct CountingPin {
    pins: AtomicUsize,
    unpins: AtomicUsize,
}

impl ThreadPin for CountingPin {
    fn pin(&self) {
        self.pins.fetch_add(1, Ordering::SeqCst);
    }
    fn unpin(&self) {
        self.unpins.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn thread_self_from_a_spawned_thread_with_a_counting_pin() {
    let h = handle();
    std::thread::spawn(move || {
        let pin = CountingPin {
            pins: AtomicUsize::new(0),
            unpins: AtomicUsize::new(0),
        };
        let (fd, closer) = h.open_thread_self("status", RD, &pin).unwrap();
        assert_eq!(pin.pins.load(Ordering::SeqCst), 1);
        assert_eq!(pin.unpins.load(Ordering::SeqCst), 0);
        assert_eq!(status_pid(&read_to_vec(&fd)), Some(gettid()));
        assert_ne!(gettid(), getpid());
        drop(fd);
        closer.close();
        assert_eq!(pin.unpins.load(Ordering::SeqCst), 1);

        // Drop unpins too, exactly once.
        let (_fd, closer) = h.open_thread_self("comm", RD, &pin).unwrap();
        drop(closer);
        assert_eq!(
            (
                pin.pins.load(Ordering::SeqCst),
                pin.unpins.load(Ordering::SeqCst)
            ),
            (2, 2)
        );

        // On error the thread is unpinned and no closer is returned.
        assert!(h.open_thread_self("no-such-file", RD, &pin).is_err());
        assert_eq!(
            (
                pin.pins.load(Ordering::SeqCst),
                pin.unpins.load(Ordering::SeqCst)
            ),
            (3, 3)
        );
        assert!(h.open_thread_self("", RD, &pin).is_err());
        assert_eq!(
            (
                pin.pins.load(Ordering::SeqCst),
                pin.unpins.load(Ordering::SeqCst)
            ),
            (4, 4)
        );
    })
    .join()
    .unwrap();
}

/// Thousands of mixed successful and failing calls; the fd count must not move.
fn leak_check(iterations: u32) -> Result<(), Msg> {
    let h = try_ok!(Handle::open(&[]), "open");
    let mut buf = [0u8; 256];
    let before = count_fds();
    for i in 0..iterations {
        let _ = h.open_self("status", RD);
        let _ = h.open_self("no-such", RD);
        let _ = h.open_self("exe", OpenFlags::O_PATH);
        let _ = h.open_self("root/etc", RD);
        let _ = h.readlink(ProcBase::ProcSelf, "exe", &mut buf);
        let _ = h.readlink(ProcBase::ProcSelf, "exe", &mut buf[..2]);
        let _ = h.open_thread_self("comm", RD, &NoPin);
        let _ = h.open_pid(1, "comm", RD);
        if i % 10 == 0 {
            let _ = h.open_root("uptime", RD);
            let _ = h.open_root("nope", RD);
            let _ = Handle::open(&[unmasked_proc_root]);
        }
    }
    let after = count_fds();
    ensure!(before == after, "fds before {before}, after {after}");
    Ok(())
}

#[test]
fn no_fd_leaks_after_thousands_of_calls() {
    if !require_root("no_fd_leaks_after_thousands_of_calls") {
        return;
    }
    // In a child: other tests open fds concurrently in this process.
    in_child(|| leak_check(3000)).unwrap();
}

#[test]
fn no_fd_leaks_in_any_fallback_mode() {
    if !require_root("no_fd_leaks_in_any_fallback_mode") {
        return;
    }
    under_qemu();
    for mode in MODES {
        if let Err(e) = in_child(|| {
            mode.enter()?;
            leak_check(300)
        }) {
            panic!("mode '{}': {e}", mode.name);
        }
    }
}

#[test]
fn a_forked_child_reads_its_own_self() {
    if !require_root("a_forked_child_reads_its_own_self") {
        return;
    }
    let h = handle();
    let parent = getpid();
    // Resolved per call: the child sees itself, not the parent.
    in_child(|| {
        let mut buf = [0u8; 4096];
        let fd = try_ok!(h.open_self("status", RD), "open_self in child");
        let n = try_ok!(read_all(&fd, &mut buf), "read");
        let pid = status_pid(&buf[..n]);
        ensure!(
            pid == Some(getpid()) && pid != Some(parent),
            "child saw {pid:?}"
        );
        let h2 = try_ok!(Handle::open(&[]), "Handle::open in child");
        let fd = try_ok!(h2.open_self("status", RD), "open_self in child");
        let n = try_ok!(read_all(&fd, &mut buf), "read");
        ensure!(
            status_pid(&buf[..n]) == Some(getpid()),
            "child saw the parent"
        );
        Ok(())
    })
    .unwrap();
}

#[test]
fn writes_go_to_the_real_file() {
    let h = handle();
    std::thread::spawn(move || {
        let (fd, closer) = h
            .open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)
            .unwrap();
        fd.write_all(b"safe-procfs-t").unwrap();
        drop(fd);
        closer.close();
        let mut buf = [0u8; 64];
        let (fd, closer) = h.open_thread_self("comm", RD, &NoPin).unwrap();
        let n = read_all(&fd, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"safe-procfs-t\n");
        closer.close();
    })
    .join()
    .unwrap();
}

#[test]
fn open_flags_have_this_architectures_kernel_values() {
    let pairs = [
        (OpenFlags::O_WRONLY, libc::O_WRONLY),
        (OpenFlags::O_RDWR, libc::O_RDWR),
        (OpenFlags::O_CREAT, libc::O_CREAT),
        (OpenFlags::O_EXCL, libc::O_EXCL),
        (OpenFlags::O_NOCTTY, libc::O_NOCTTY),
        (OpenFlags::O_TRUNC, libc::O_TRUNC),
        (OpenFlags::O_APPEND, libc::O_APPEND),
        (OpenFlags::O_NONBLOCK, libc::O_NONBLOCK),
        (OpenFlags::O_DSYNC, libc::O_DSYNC),
        (OpenFlags::O_DIRECT, libc::O_DIRECT),
        (OpenFlags::O_DIRECTORY, libc::O_DIRECTORY),
        (OpenFlags::O_NOFOLLOW, libc::O_NOFOLLOW),
        (OpenFlags::O_NOATIME, libc::O_NOATIME),
        (OpenFlags::O_CLOEXEC, libc::O_CLOEXEC),
        (OpenFlags::O_SYNC, libc::O_SYNC),
        (OpenFlags::O_PATH, libc::O_PATH),
        (OpenFlags::O_TMPFILE, libc::O_TMPFILE),
    ];
    for (ours, libc_value) in pairs {
        assert_eq!(ours.bits(), libc_value as u64, "{ours:?}");
    }
    assert_eq!(OpenFlags::O_RDONLY.bits(), 0);
    // glibc defines O_LARGEFILE as 0 on 64-bit targets; the kernel value is
    // what openat2 sees (and refuses together with O_PATH).
    let largefile = if cfg!(target_arch = "aarch64") {
        0o400000
    } else {
        0o100000
    };
    assert_eq!(OpenFlags::O_LARGEFILE.bits(), largefile);
}

#[test]
fn public_types_have_the_contracts_traits() {
    fn send_sync<T: Send + Sync>() {}
    fn copy_eq_debug<T: Copy + Eq + std::fmt::Debug>() {}
    fn error<T: Copy + std::fmt::Debug + std::fmt::Display + core::error::Error>() {}
    send_sync::<Handle>();
    copy_eq_debug::<ProcBase>();
    copy_eq_debug::<ErrorKind>();
    copy_eq_debug::<HandleKind>();
    error::<Error>();
    let how = safe_procfs::ProcfsOpenHow::default();
    assert!(how.flags.is_empty());
    let mut how = how;
    unmasked_proc_root(&mut how).unwrap();
    assert!(how.flags.contains(safe_procfs::ProcfsOpenFlags::UNMASKED));
}
