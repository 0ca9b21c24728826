//! A handle whose fd number is taken from under it — closed with
//! `close_range`, `dup2`ed over, or closed and handed out again by the
//! lowest-free-number rule — never opens through the file now at that
//! number: a handle other than the cached one refuses every call (`EXDEV`,
//! or `EBADF` for a number left closed) and does not close the new owner's
//! file; the cached handle is made again and reaches the genuine procfs.
//! In every fallback mode, each case a forked child in a private mount
//! namespace.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{ErrorKind, Handle, NoPin, OpenFlags, OwnedFd, ProcBase, unmasked_proc_root};

const RD: OpenFlags = OpenFlags::O_RDONLY;
const SCRATCH: &str = "/tmp/safe-procfs-fd-substitution";

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

/// An open substitute: its fd and its (dev, ino) (`None` for `Closed`).
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

/// Whether the attacker's `comm` file still has its 9 bytes (an
/// `O_TRUNC` open through the substitute would empty it).
fn attacker_comm_intact() -> bool {
    path_stat(&cpath!("{SCRATCH}/root/self/comm")).is_some_and(|(_, _, size)| size == 9)
}

fn is_genuine_status(f: &OwnedFd, sub_dev: u64) -> bool {
    let mut buf = [0u8; 4096];
    let n = read_all(f, &mut buf).unwrap_or(0);
    fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC
        && status_pid(&buf[..n]) == Some(getpid())
        && fd_stat(f.as_raw_fd()).0 != sub_dev
}

/// Whether the handle in question is the process-wide cached one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cache {
    Cached,
    Uncached,
}

/// What every call on the handle must give once its number was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    /// The handle is made again: each call reaches the genuine procfs, and
    /// `Handle::open` publishes the cache again.
    Genuine,
    /// Each call is a safety violation with this errno; then `close`.
    Refused { errno: i32, close: Close },
}

/// What `close` of a refusing handle must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Close {
    /// Fail: the number is someone else's now, not the handle's to close.
    MustFail,
    /// Nothing to tell: the number was left closed; the handle is dropped.
    Drop,
}

/// The verdict by handle and by what took its number.
const EXPECTED: &[(Cache, Substitute, Expected)] = {
    use Cache::*;
    use Substitute::*;
    const EXDEV: Expected = Expected::Refused {
        errno: libc::EXDEV,
        close: Close::MustFail,
    };
    const EBADF: Expected = Expected::Refused {
        errno: libc::EBADF,
        close: Close::Drop,
    };
    &[
        (Cached, Directory, Expected::Genuine),
        (Cached, Fifo, Expected::Genuine),
        (Cached, OtherProcfs, Expected::Genuine),
        (Cached, Closed, Expected::Genuine),
        (Uncached, Directory, EXDEV),
        (Uncached, Fifo, EXDEV),
        (Uncached, OtherProcfs, EXDEV),
        (Uncached, Closed, EBADF),
    ]
};

fn expected(cache: Cache, s: Substitute) -> Result<Expected, Msg> {
    match EXPECTED.iter().find(|(c, sub, _)| (*c, *sub) == (cache, s)) {
        Some((_, _, e)) => Ok(*e),
        None => fail!("no expected outcome for {cache:?}, {s:?}"),
    }
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
    let other = path_stat(&cpath!("{SCRATCH}/proc")).map_or(0, |(dev, _, _)| dev);
    let victims = procfs_root_fds();
    ensure!(!victims.is_empty(), "no procfs root fd found");
    let victims: heapless::Vec<i32, 64> = victims
        .into_iter()
        .filter(|&fd| fd_stat(fd).0 != other)
        .collect();
    let sub_id = take_numbers(&victims, s, reuse)?;

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
    let cache = if h.is_cached() {
        Cache::Cached
    } else {
        Cache::Uncached
    };
    match expected(cache, s)? {
        Expected::Genuine => {
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
        }
        Expected::Refused { errno, close } => {
            for (what, r) in [
                ("open_self status", status.map(drop)),
                ("open_self comm", comm.map(drop)),
                ("readlink exe", link.map(drop)),
                ("open_thread_self", thread.map(drop)),
            ] {
                match r {
                    Err(e)
                        if e.kind() == ErrorKind::SafetyViolation
                            && e.raw_os_error() == Some(errno) => {}
                    Err(e) => fail!("{what}: expected a safety violation ({errno}), got {e}"),
                    Ok(()) => fail!("{what}: succeeded on a handle whose fd was taken"),
                }
            }
            match close {
                Close::MustFail => {
                    ensure!(h.close().is_err(), "close() of a replaced handle succeeded")
                }
                Close::Drop => drop(h),
            }
        }
    }
    // Nothing of ours closed the number's new owner.
    if s != Substitute::Closed {
        for &n in &victims {
            let (dev, ino, _) = fd_stat(n);
            ensure!(
                (dev, ino) == sub_id,
                "fd {n} no longer holds the file that took its number"
            );
        }
    }
    Ok(())
}

#[test]
fn handle_fd_closed_or_reused() {
    if !require_root("handle_fd_closed_or_reused") {
        return;
    }
    // Computed before forking (the children's block() asks it).
    under_qemu();
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
