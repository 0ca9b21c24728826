//! A system call failing anywhere inside a public call never
//! makes the call hand out a wrong file, a directory of an unmasked
//! procfs, a weaker kind of handle, or a different errno than a resource
//! error it hit; it never panics; and the fds open after the call and the
//! drop of its results are the fds open before.
//!
//! The sweep fails the n-th system call of each call (the crate's fault
//! injection: the same on every architecture, qemu-user included) for
//! every n up to the call's own count, once with an error that says the
//! system is short of something and once with another (the errnos rotate
//! with n, so each meets every call at many places), in three
//! modes (private instance with `openat2` and `statx`; without them; the
//! host `/proc` with nothing but `openat`), with the cached handle cold
//! and warm.
#![cfg(feature = "__fault_injection")]
#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::__fault_injection as fault;
use safe_procfs::{
    Error, ErrorKind, Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase, no_host_fallback,
    unmasked_proc_root,
};

use std::sync::atomic::{AtomicI32, Ordering};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// Errors that say the system is short of something: a call that fails
/// after one of them must fail with it.
const RESOURCE: &[i32] = &[libc::ENOMEM, libc::EMFILE, libc::ENFILE, libc::EAGAIN];
/// Errors that say a facility is missing or refused, and an interrupt.
const OTHER: &[i32] = &[libc::EPERM, libc::EACCES, libc::ENOSYS, libc::EINTR];

#[derive(Clone, Copy, Debug)]
enum Call {
    OpenSelfStatus,
    OpenPidStatus,
    OpenThreadSelfStatus,
    ReadlinkSelfExe,
    /// A global file, looked up on the temporary unmasked procfs.
    OpenRootGlobalFile,
    /// A global directory: must never be handed out.
    OpenRootGlobalDirectory,
    /// The masked root itself.
    OpenRootDot,
    OpenPidfdStatus,
    UnmaskedOpenAndClose,
    NoHostFallbackOpen,
}

const CALLS: &[Call] = &[
    Call::OpenSelfStatus,
    Call::OpenPidStatus,
    Call::OpenThreadSelfStatus,
    Call::ReadlinkSelfExe,
    Call::OpenRootGlobalFile,
    Call::OpenRootGlobalDirectory,
    Call::OpenRootDot,
    Call::OpenPidfdStatus,
    Call::UnmaskedOpenAndClose,
    Call::NoHostFallbackOpen,
];

/// The start of `f`, read by libc: the test's own reads are not system
/// calls of the crate, so they are neither counted nor failed.
fn head(f: &OwnedFd, buf: &mut [u8]) -> usize {
    // SAFETY: a live fd and a buffer of the given length.
    let n = unsafe { libc::pread(f.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    usize::try_from(n).unwrap_or(0)
}

/// Whether `f` is our own genuine `status`.
fn is_our_status(f: &OwnedFd, pid: u32) -> bool {
    let mut buf = [0u8; 4096];
    let n = head(f, &mut buf);
    fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC && status_pid(&buf[..n]) == Some(pid)
}

/// Checks one result of `call`; `Ok(false)` when the call failed.
fn verdict(call: Call, h: &Handle, exe: &[u8], pid: u32) -> Result<bool, Error> {
    match call {
        Call::OpenSelfStatus => Ok(is_our_status(&h.open_self("status", RD)?, getpid())),
        Call::OpenPidStatus => Ok(is_our_status(
            &h.open_pid(getpid(), "status", RD)?,
            getpid(),
        )),
        Call::OpenThreadSelfStatus => {
            let (f, closer) = h.open_thread_self("status", RD, &NoPin)?;
            let ok = is_our_status(&f, getpid());
            drop(f);
            closer.close();
            Ok(ok)
        }
        Call::ReadlinkSelfExe => {
            let mut buf = [0u8; 512];
            Ok(h.readlink(ProcBase::ProcSelf, "exe", &mut buf)? == exe)
        }
        Call::OpenRootGlobalFile => {
            let f = h.open_root("sys/kernel/ostype", RD)?;
            let mut buf = [0u8; 64];
            let n = head(&f, &mut buf);
            Ok(&buf[..n] == b"Linux\n" && fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC)
        }
        Call::OpenRootGlobalDirectory => {
            let dir = OpenFlags::O_PATH | OpenFlags::O_DIRECTORY;
            // On a masked handle (a private instance) any success is a
            // directory of the temporary unmasked instance; an unmasked
            // handle (a copy of /proc) has it itself.
            let f = h.open_root("sys/kernel", dir)?;
            Ok(h.kind() != HandleKind::PrivateInstance
                && fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC)
        }
        Call::OpenRootDot => {
            let dir = OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY;
            let f = h.open_root(".", dir)?;
            // A procfs root; a masked one (a private instance) has no
            // global files.
            let mut buf = [0u8; 8];
            // SAFETY: a live fd, a NUL-terminated name, a buffer of its size.
            let n = unsafe {
                libc::readlinkat(
                    f.as_raw_fd(),
                    c"mounts".as_ptr(),
                    buf.as_mut_ptr().cast(),
                    8,
                )
            };
            let masked = n < 0 && errno() == libc::ENOENT;
            Ok(fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC
                && fd_stat(f.as_raw_fd()).1 == 1
                && (masked || h.kind() != HandleKind::PrivateInstance))
        }
        Call::OpenPidfdStatus => {
            // SAFETY: the pidfd stored there stays open for the whole
            // sweep (dropped after it).
            let pidfd =
                unsafe { safe_procfs::BorrowedFd::borrow_raw(PIDFD.load(Ordering::Relaxed)) };
            Ok(is_our_status(&h.open_pidfd(pidfd, "status", RD)?, pid))
        }
        Call::UnmaskedOpenAndClose => {
            let u = Handle::open(&[unmasked_proc_root])?;
            let ok = is_our_status(&u.open_self("status", RD)?, getpid());
            u.close()?;
            Ok(ok)
        }
        Call::NoHostFallbackOpen => {
            let n = match Handle::open(&[no_host_fallback]) {
                // Where the host /proc is all there is, that is the answer.
                Err(e)
                    if e.kind() == ErrorKind::NotSupported && h.kind() == HandleKind::HostMount =>
                {
                    return Ok(true);
                }
                r => r?,
            };
            if n.kind() == HandleKind::HostMount {
                return Ok(false);
            }
            Ok(is_our_status(&n.open_self("status", RD)?, getpid()))
        }
    }
}

/// The pidfd `OpenPidfdStatus` uses (set in the child before the call).
static PIDFD: AtomicI32 = AtomicI32::new(-1);

/// One case, in a forked child: `call` with its `n`-th system call failing
/// with `errno_` (none if 0). Reports "COUNT FIRED": the system calls it
/// counted and whether the failure fired (1) or the call made fewer.
#[allow(clippy::too_many_arguments)]
fn case(
    mode: &Mode,
    warm: bool,
    call: Call,
    n: usize,
    errno_: i32,
    exe: &[u8],
    other: u32,
    qemu: bool,
) -> Result<Msg, Msg> {
    mode.enter()?;
    let pidfd = try_ok!(safe_procfs::pidfd_open(other), "pidfd_open");
    PIDFD.store(pidfd.as_raw_fd(), Ordering::Relaxed);
    if warm {
        let h = try_ok!(Handle::open(&[]), "warming Handle::open");
        try_ok!(h.open_self("status", RD), "warming open_self");
    }
    let fds_before = count_fds();
    let roots_before = procfs_root_fds().len();
    fault::fail_nth(if errno_ == 0 { usize::MAX - 2 } else { n }, errno_);
    // Whether the failure came before the result was known: one in the
    // drop of the handle only has the fds to answer for.
    let mut fired = false;
    let result = Handle::open(&[]).and_then(|h| {
        let kind = h.kind();
        let r = verdict(call, &h, exe, other).map(|ok| (ok, kind));
        fired = fault::nth_fired();
        r
    });
    fired |= result.is_err() && fault::nth_fired();
    let fired_anywhere = fault::nth_fired();
    let counted = fault::counted();
    fault::disarm();
    let best = mode.expected_kind(qemu);
    match result {
        Ok((false, _)) => fail!("handed out a wrong file"),
        Ok((true, kind)) if fired && RESOURCE.contains(&errno_) && kind != best => {
            fail!("a resource error gave a {kind:?} handle, not {best:?}")
        }
        Ok((true, _)) => {}
        Err(e) if !fired && !matches!(call, Call::OpenRootGlobalDirectory) => {
            fail!("failed without a fault: {e}")
        }
        Err(e) if !fired && e.kind() != ErrorKind::SafetyViolation => {
            fail!("the directory was not refused as a safety violation: {e}")
        }
        Err(e) if fired && RESOURCE.contains(&errno_) && e.raw_os_error() != Some(errno_) => {
            fail!("the injected errno {errno_} came back as {e}")
        }
        Err(_) => {}
    }
    // The one fd a cold call may leave is the cached root it published.
    let fds_after = count_fds();
    let cached_now = procfs_root_fds().len() - roots_before;
    ensure!(
        fds_after == fds_before + cached_now && cached_now <= usize::from(!warm),
        "{fds_before} fds before the call, {fds_after} after it and the drop \
         ({cached_now} more procfs roots)"
    );
    drop(pidfd);
    let mut m = Msg::new();
    let _ = core::fmt::Write::write_fmt(
        &mut m,
        format_args!("{counted} {}", u8::from(fired_anywhere)),
    );
    Ok(m)
}

#[test]
fn failing_any_syscall_of_any_call_is_safe() {
    if !require_root("failing_any_syscall_of_any_call_is_safe") {
        return;
    }
    let mut exe_buf = [0u8; 512];
    // Through a handle of its own: the cached handle must stay cold here,
    // or every child would inherit it.
    let exe = {
        let h = Handle::open(&[unmasked_proc_root]).unwrap();
        let n = h
            .readlink(ProcBase::ProcSelf, "exe", &mut exe_buf)
            .unwrap()
            .len();
        h.close().unwrap();
        &exe_buf[..n]
    };
    assert!(
        procfs_root_fds().is_empty(),
        "the parent holds a procfs root"
    );
    let qemu = under_qemu();
    // Under qemu-user (about ten times slower) and in the VM matrix (full
    // emulation, SAFE_PROCFS_FAULT_SWEEP=short): the mode qemu-user's
    // users meet, no openat2 and no statx, with the cache cold.
    let short = qemu || std::env::var("SAFE_PROCFS_FAULT_SWEEP").as_deref() == Ok("short");
    let modes: &[&Mode] = if short {
        &[&MODE_PRIVATE_NO_OPENAT2_STATX]
    } else {
        &[
            &MODE_PRIVATE,
            &MODE_PRIVATE_NO_OPENAT2_STATX,
            &MODE_HOST_OPENAT_ONLY,
        ]
    };
    let temperatures: &[bool] = if short { &[false] } else { &[false, true] };
    // FAULT_SWEEP_ONE="MODE WARM CALL N ERRNO" (indices) runs one case in
    // a child, for a look with strace.
    if let Ok(one) = std::env::var("FAULT_SWEEP_ONE") {
        let v: Vec<usize> = one.split(' ').map(|x| x.parse().unwrap()).collect();
        let other = Sleeper::spawn().unwrap();
        let r = in_child_report(|| {
            case(
                modes[v[0]],
                v[1] == 1,
                CALLS[v[2]],
                v[3],
                v[4] as i32,
                exe,
                other.id(),
                qemu,
            )
        });
        println!("one case: {r:?}");
        return;
    }
    // The process the pidfd call opens (a child of ours: the forked cases
    // must not own it, or a failing case would leave it holding their pipe).
    let mut other = Sleeper::spawn().unwrap();
    let started = std::time::Instant::now();
    let mut cases = 0usize;
    let mut failures = Vec::new();
    for (mi, &mode) in modes.iter().enumerate() {
        for &warm in temperatures {
            for (ci, &call) in CALLS.iter().enumerate() {
                // Every system call of the call fails once with a resource
                // error and once with another error; the errnos rotate with
                // n, so each errno meets every call at many places.
                let mut n = 0;
                loop {
                    let turn = n + ci + mi;
                    let errnos = [RESOURCE[turn % RESOURCE.len()], OTHER[turn % OTHER.len()]];
                    let mut fired = false;
                    for errno_ in errnos {
                        cases += 1;
                        match in_child_report(|| {
                            case(mode, warm, call, n, errno_, exe, other.id(), qemu)
                        }) {
                            Ok(report) => fired |= report.ends_with(" 1"),
                            Err(e) => {
                                fired = true;
                                failures.push(format!(
                                    "[{}{}] {call:?}, syscall {n} fails with {errno_}: {e}",
                                    mode.name,
                                    if warm { ", warm" } else { "" }
                                ));
                                if failures.len() > 40 {
                                    panic!("{}", failures.join("\n"));
                                }
                            }
                        }
                    }
                    if !fired {
                        break; // the call made fewer than n+1 system calls
                    }
                    n += 1;
                    assert!(n <= 400, "{call:?}: more than 400 system calls");
                }
            }
        }
    }
    other.kill().unwrap();
    other.wait().unwrap();
    println!(
        "fault sweep: {cases} cases in {:.1} s, {} violations",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
