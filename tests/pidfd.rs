//! A pidfd names its process, not a pid number: `ProcBase::ProcPidFd`,
//! `Handle::open_pidfd` and `pidfd_open` open that process's files, hand a
//! result out only if the process still existed after the open (a pid
//! recycled before or during the call gives `ESRCH`), refuse a process of
//! another pid namespace and fds that are not pidfds. With the
//! `PIDFD_GET_INFO` ioctl and with the fdinfo fallback (the ioctl taken
//! away by fault injection; qemu-user has no such ioctl at all).

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    BorrowedFd, Error, Handle, OpenFlags, ProcBase, errno, pidfd_open, unmasked_proc_root,
};
use std::sync::atomic::{AtomicI32, Ordering::SeqCst};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// A child that waits until killed; its pid.
fn sleeper() -> Result<i32, Msg> {
    match Sleeper::spawn() {
        Ok(s) => Ok(s.id() as i32),
        Err(e) => fail!("fork: {e}"),
    }
}

/// Makes `pid` the next pid handed out in our pid namespace (we are its
/// init, so no one else forks here) through its procfs on /proc.
fn next_pid_is(pid: i32) -> Result<(), Msg> {
    let path = cpath!("/proc/sys/kernel/ns_last_pid");
    let text = cpath!("{}", pid - 1);
    // SAFETY: valid NUL-terminated path; writing a live buffer.
    unsafe {
        let fd = libc::open(path.ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        ensure!(fd >= 0, "open ns_last_pid: errno {}", errno());
        let n = libc::write(fd, text.ptr().cast(), text.as_str().len());
        libc::close(fd);
        ensure!(n > 0, "write ns_last_pid: errno {}", errno());
    }
    Ok(())
}

fn status_of(h: &Handle, base: ProcBase<'_>, buf: &mut [u8]) -> Result<Option<u32>, Error> {
    let fd = match base {
        ProcBase::ProcPidFd(p) => h.open_pidfd(p, "status", RD)?,
        ProcBase::ProcPid(p) => h.open_pid(p, "status", RD)?,
        _ => h.open_self("status", RD)?,
    };
    Ok(status_pid(fd.read_whole(buf)?))
}

#[test]
fn a_live_child_through_its_pidfd() {
    let h = Handle::open(&[]).unwrap();
    let mut child = Sleeper::spawn().unwrap();
    let pidfd = pidfd_open(child.id()).unwrap();
    assert!(has_cloexec(pidfd.as_raw_fd()));
    let p = pidfd.as_fd();
    let mut buf = [0u8; 4096];
    assert_eq!(
        status_of(&h, ProcBase::ProcPidFd(p), &mut buf).unwrap(),
        Some(child.id())
    );
    let comm = h.open_pidfd(p, "comm", RD).unwrap();
    assert!(has_cloexec(comm.as_raw_fd()));
    assert!(!comm.read_whole(&mut buf).unwrap().is_empty());
    let exe = h.readlink(ProcBase::ProcPidFd(p), "exe", &mut buf).unwrap();
    assert!(exe.starts_with(b"/"), "{exe:?}");
    // Magic-link rules hold under this base too.
    let e = h.open_pidfd(p, "root/etc/hostname", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::ELOOP));
    let e = h.open_pidfd(p, "no-such-file", RD).unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(e.base(), Some(ProcBase::ProcPidFd(p).into()));
    assert!(
        e.to_string().contains(&format!("pidfd {}", p.as_raw_fd())),
        "{e}"
    );
    let e = h.open_pidfd(p, "../1/status", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EXDEV));
    let e = h.open_pidfd(p, "fd/../status", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EINVAL));
    // Our own pidfd, on every handle kind.
    let me = pidfd_open(getpid()).unwrap();
    let u = Handle::open(&[unmasked_proc_root]).unwrap();
    for h in [&h, &u] {
        assert_eq!(
            status_of(h, ProcBase::ProcPidFd(me.as_fd()), &mut buf).unwrap(),
            Some(getpid())
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Reaped: ESRCH on every path, and pidfd_open of the old pid fails too
    // (or names another process, which is why pidfds exist).
    let e = h.open_pidfd(p, "status", RD).unwrap_err();
    assert!(e.is_process_gone(), "{e}");
    let e = h
        .readlink(ProcBase::ProcPidFd(p), "exe", &mut buf)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::ESRCH), "{e}");
}

#[test]
fn an_unreaped_zombie_is_still_there() {
    let h = Handle::open(&[]).unwrap();
    let child = spawn_exiting().unwrap();
    let pidfd = pidfd_open(child).unwrap();
    // Wait until it has exited, without reaping it.
    // SAFETY: waitid on our own child with a zeroed siginfo.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        assert_eq!(
            libc::waitid(libc::P_PID, child, &mut info, libc::WEXITED | libc::WNOWAIT),
            0
        );
    }
    let mut buf = [0u8; 4096];
    let status = h
        .open_pidfd(pidfd.as_fd(), "status", RD)
        .unwrap()
        .read_whole(&mut buf)
        .unwrap()
        .to_vec();
    let text = String::from_utf8_lossy(&status);
    assert!(text.contains("State:\tZ (zombie)"), "{text}");
    let mut status = 0;
    // SAFETY: reaping our own child.
    assert_eq!(
        unsafe { libc::waitpid(child as i32, &mut status, 0) },
        child as i32
    );
    let e = h.open_pidfd(pidfd.as_fd(), "status", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::ESRCH), "{e}");
}

#[test]
fn fds_that_are_not_pidfds() {
    let h = Handle::open(&[]).unwrap();
    let file = std::fs::File::open("Cargo.toml").unwrap();
    use std::os::fd::AsRawFd;
    // SAFETY: `file` stays open until the end of the test. (Without the
    // `std` feature std's BorrowedFd does not convert.)
    let file_fd = unsafe { BorrowedFd::borrow_raw(file.as_raw_fd()) };
    let e = h.open_pidfd(file_fd, "status", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EBADF), "{e}");
    // SAFETY (these two): numbers that are no open fd break `borrow_raw`'s
    // contract on purpose, as a C caller may (the C ABI borrows the int it
    // is given): the crate only hands them to the kernel, never closes them.
    let minus_one = unsafe { BorrowedFd::borrow_raw(-1) };
    let e = h.open_pidfd(minus_one, "status", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EBADF), "{e}");
    let closed = unsafe { BorrowedFd::borrow_raw(lowest_free_fd() + 100) };
    let e = h.open_pidfd(closed, "status", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EBADF), "{e}");
    // A /proc/<pid> directory fd: the kernel takes it for signals, but it
    // is not a pidfd.
    let dir = h.open_self(".", RD | OpenFlags::O_DIRECTORY).unwrap();
    let e = h.open_pidfd(dir.as_fd(), "status", RD).unwrap_err();
    assert!(
        matches!(e.raw_os_error(), Some(errno::EINVAL | errno::EBADF)),
        "{e}"
    );
    // The caller's arguments are checked first.
    let e = h.open_pidfd(minus_one, "", RD).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EINVAL), "{e}");
    let e = h
        .open_pidfd(minus_one, "status", OpenFlags::O_CREAT)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EINVAL), "{e}");
    assert_eq!(
        pidfd_open(0).unwrap_err().raw_os_error(),
        Some(errno::EINVAL)
    );
    assert_eq!(
        pidfd_open(1 << 31).unwrap_err().raw_os_error(),
        Some(errno::EINVAL)
    );
    assert_eq!(
        pidfd_open(i32::MAX as u32).unwrap_err().raw_os_error(),
        Some(errno::ESRCH)
    );
}

// The recycling scenario, in a fresh pid namespace whose init we are.
static VICTIM: AtomicI32 = AtomicI32::new(0);
static SUCCESSOR: AtomicI32 = AtomicI32::new(0);

/// Reaps the victim and gives its pid to a new process.
fn recycle() {
    let victim = VICTIM.load(SeqCst);
    let ok = kill_and_reap(victim).is_ok() && next_pid_is(victim).is_ok();
    if ok && let Ok(pid) = sleeper() {
        SUCCESSOR.store(pid, SeqCst);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    /// Reaped and recycled before the call.
    Before,
    /// Reaped and recycled inside the call, between learning the pid and
    /// opening `/proc/<pid>/status` (a `__fault_injection::hook` on that openat2).
    DuringTheCall,
}

/// In a new pid namespace (we are pid 1) with its procfs on /proc.
fn recycled_pid(when: When, no_ioctl: bool) -> Result<(), Msg> {
    mount_proc(&cpath!("/proc"))?;
    let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open");
    let mut buf = [0u8; 4096];
    if no_ioctl {
        fault_inject(&[syscalls::Sysno::ioctl], libc::ENOTTY)?;
    }
    let victim = sleeper()?;
    VICTIM.store(victim, SeqCst);
    let pidfd = try_ok!(pidfd_open(victim as u32), "pidfd_open");
    let p = pidfd.as_fd();
    let seen = try_ok!(status_of(&h, ProcBase::ProcPidFd(p), &mut buf), "victim");
    ensure!(seen == Some(victim as u32), "victim's status says {seen:?}");
    let fds = count_fds();
    match when {
        When::Before => recycle(),
        When::DuringTheCall => {
            #[cfg(feature = "__fault_injection")]
            {
                // The first openat2 of the call opens <pid>/status, unless
                // the pid comes from fdinfo, whose open comes first.
                let skip = usize::from(no_ioctl);
                safe_procfs::__fault_injection::hook(
                    syscalls::Sysno::openat2 as usize,
                    skip,
                    recycle,
                );
            }
        }
    }
    let r = status_of(&h, ProcBase::ProcPidFd(p), &mut buf);
    let successor = SUCCESSOR.load(SeqCst);
    ensure!(
        successor == victim,
        "pid {victim} was not recycled (successor {successor})"
    );
    match r {
        Err(e) if e.raw_os_error() == Some(errno::ESRCH) => {}
        Err(e) => fail!("expected ESRCH, got {e}"),
        Ok(pid) => fail!("got a status file (Pid: {pid:?}) of the process that took the pid"),
    }
    let r = h.readlink(ProcBase::ProcPidFd(p), "exe", &mut buf);
    ensure!(errno_of(&r) == errno::ESRCH, "readlink: {:?}", r.err());
    ensure!(
        count_fds() == fds,
        "an fd leaked: {fds} before, {} after",
        count_fds()
    );
    // The pid is in use, by the successor: open_pid, which cannot know,
    // gets the successor's file.
    let seen = try_ok!(
        status_of(&h, ProcBase::ProcPid(victim as u32), &mut buf),
        "successor"
    );
    ensure!(
        seen == Some(victim as u32),
        "successor's status says {seen:?}"
    );
    Ok(())
}

/// Runs `f` as pid 1 of a new pid namespace, in a private mount namespace.
fn in_new_pid_ns(f: impl FnOnce() -> Result<(), Msg>) -> Result<(), String> {
    in_child(|| {
        private_mount_ns()?;
        in_new_pid_namespace(f)
    })
}

#[test]
fn a_pid_recycled_before_the_call_gives_esrch() {
    if !require_root("a_pid_recycled_before_the_call_gives_esrch") {
        return;
    }
    under_qemu();
    for no_ioctl in [false, true] {
        if no_ioctl
            && !skip_unless(
                cfg!(feature = "__fault_injection"),
                "a_pid_recycled_before_the_call_gives_esrch (fdinfo variant)",
                "needs --features __fault_injection",
            )
        {
            continue;
        }
        in_new_pid_ns(|| recycled_pid(When::Before, no_ioctl))
            .unwrap_or_else(|e| panic!("no_ioctl {no_ioctl}: {e}"));
    }
}

#[test]
fn a_pid_recycled_during_the_call_gives_esrch() {
    if !require_root("a_pid_recycled_during_the_call_gives_esrch") {
        return;
    }
    if !skip_unless(
        cfg!(feature = "__fault_injection"),
        "a_pid_recycled_during_the_call_gives_esrch",
        "needs --features __fault_injection",
    ) {
        return;
    }
    under_qemu();
    for no_ioctl in [false, true] {
        in_new_pid_ns(|| recycled_pid(When::DuringTheCall, no_ioctl))
            .unwrap_or_else(|e| panic!("no_ioctl {no_ioctl}: {e}"));
    }
}

#[test]
fn pidfds_across_pid_namespaces() {
    if !require_root("pidfds_across_pid_namespaces") {
        return;
    }
    under_qemu();
    let h = Handle::open(&[]).unwrap();
    in_child(|| {
        new_pid_namespace()?;
        let init = sleeper()?;
        // Beneath us: visible, with its pid in our namespace.
        let inner = try_ok!(pidfd_open(init as u32), "pidfd_open of the inner init");
        let mut buf = [0u8; 4096];
        let fd = try_ok!(h.open_pidfd(inner.as_fd(), "status", RD), "inner init");
        let text = try_ok!(fd.read_whole(&mut buf), "read");
        ensure!(status_pid(text) == Some(init as u32), "not the inner init");
        let nspid = text
            .split(|&b| b == b'\n')
            .find(|l| l.starts_with(b"NSpid:"))
            .unwrap_or(b"");
        ensure!(nspid.ends_with(b"\t1"), "NSpid: {}", nspid.escape_ascii());
        kill_and_reap(init)
    })
    .unwrap();
    in_child(|| {
        private_mount_ns()?;
        // A pidfd of a process outside the namespace we are about to make.
        let outside = try_ok!(pidfd_open(getpid()), "pidfd_open of ourselves");
        // From inside (as its init): the outside process is not visible.
        in_new_pid_namespace(|| {
            mount_proc(&cpath!("/proc"))?;
            let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open inside");
            let mut buf = [0u8; 4096];
            let r = status_of(&h, ProcBase::ProcPidFd(outside.as_fd()), &mut buf);
            ensure!(
                errno_of(&r) == errno::ESRCH,
                "a process outside our pid namespace: {:?}",
                r.err()
            );
            Ok(())
        })
    })
    .unwrap();
}

#[test]
fn a_hidden_pid_through_its_pidfd_and_a_kernel_without_pidfds() {
    if !require_root("a_hidden_pid_through_its_pidfd_and_a_kernel_without_pidfds") {
        return;
    }
    // pid 1 is hidden by hidepid=ptraceable on the default handle; the
    // lookup is retried on a temporary unmasked procfs, as for ProcPid.
    let h = Handle::open(&[]).unwrap();
    let init = pidfd_open(1).unwrap();
    let mut buf = [0u8; 4096];
    assert_eq!(
        status_of(&h, ProcBase::ProcPidFd(init.as_fd()), &mut buf).unwrap(),
        Some(1)
    );
    if !skip_unless(
        cfg!(feature = "__fault_injection"),
        "kernel without pidfds",
        "needs --features __fault_injection",
    ) {
        return;
    }
    under_qemu();
    in_child(|| {
        // A kernel before 5.1/5.3: no pidfd_send_signal, no pidfd_open.
        fault_inject(
            &[
                syscalls::Sysno::pidfd_send_signal,
                syscalls::Sysno::pidfd_open,
            ],
            libc::ENOSYS,
        )?;
        let r = h.open_pidfd(init.as_fd(), "status", RD);
        let e = match r {
            Ok(_) => fail!("open_pidfd without pidfd_send_signal succeeded"),
            Err(e) => e,
        };
        ensure!(
            e.raw_os_error() == Some(errno::ENOSYS)
                && e.kind() == safe_procfs::ErrorKind::NotSupported,
            "open_pidfd: {e}"
        );
        let e = match pidfd_open(getpid()) {
            Ok(_) => fail!("pidfd_open succeeded"),
            Err(e) => e,
        };
        ensure!(
            e.raw_os_error() == Some(errno::ENOSYS)
                && e.kind() == safe_procfs::ErrorKind::NotSupported,
            "pidfd_open: {e}"
        );
        Ok(())
    })
    .unwrap();
}
