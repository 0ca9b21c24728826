//! The process-wide cache stays usable while it is written: `AsFd` and
//! `AsRawFd` of the cached handle lend an open fd, never -1 (no panic),
//! while another thread re-publishes the cache, also when that writer is
//! held inside its write; and a write cut short by a fork (the child's copy
//! of the lock left held by its parent) is reset in the child, whose first
//! call gets the cached handle back at once.
//!
//! The writer is held, or the fork made, inside the write by the crate's
//! test hook (`__fault_injection::hook` with `CACHE_WRITE`, feature
//! `__fault_injection`). The tests of this file run one at a time: they
//! replace the cached fd of the test process.

#![cfg(feature = "__fault_injection")]
#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::__fault_injection as fault;
use safe_procfs::{Handle, OpenFlags};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering::SeqCst};
use std::time::{Duration, Instant};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// One test at a time (the cache and the hook are the process's).
static SERIAL: Mutex<()> = Mutex::new(());

/// The cached root's fd: the only procfs root among our fds that is
/// masked (its `uptime` is hidden).
fn cached_fd() -> Option<i32> {
    procfs_root_fds().into_iter().find(|&fd| {
        // SAFETY: a stat of a name beneath one of our fds.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        unsafe { libc::fstatat(fd, c"uptime".as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) != 0 }
    })
}

/// Puts `/dev/null` on the cached fd's number, so that the next call
/// finds it replaced and re-publishes the cache. The old number is left
/// open (a handle opened before may still name it).
fn replace_cached_fd() -> Result<i32, Msg> {
    let Some(fd) = cached_fd() else {
        fail!("no cached procfs root among our fds")
    };
    let null = open_unfaked(&cpath!("/dev/null"), libc::O_RDONLY | libc::O_CLOEXEC);
    ensure!(null >= 0, "open /dev/null: errno {}", errno());
    // SAFETY: dup2 onto a number of ours; closing our own fd.
    unsafe {
        ensure!(libc::dup2(null, fd) == fd, "dup2: errno {}", errno());
        libc::close(null);
    }
    Ok(fd)
}

#[cfg(feature = "std")]
mod as_fd {
    use super::*;
    use std::os::fd::{AsFd, AsRawFd};
    use std::sync::atomic::AtomicBool;

    /// Whether `fd` is an open fd (fstat works).
    fn is_open(fd: i32) -> bool {
        // SAFETY: fstat into a zeroed struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        fd >= 0 && unsafe { libc::fstat(fd, &mut st) } == 0
    }

    /// Set while the hook holds the cache's write lock.
    static HELD: AtomicBool = AtomicBool::new(false);

    /// Set once the hook has let the lock go.
    static RELEASED: AtomicBool = AtomicBool::new(false);

    fn hold_the_lock() {
        HELD.store(true, SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        HELD.store(false, SeqCst);
        RELEASED.store(true, SeqCst);
    }

    /// Readers lend the cached handle's fd while a writer sits inside its
    /// write (the cache unreadable for 200 ms): every lent fd is open.
    #[test]
    fn as_fd_lends_an_open_fd_while_a_writer_holds_the_cache() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        if !require_root("as_fd_lends_an_open_fd_while_a_writer_holds_the_cache") {
            return;
        }
        // In the VMs (one emulated CPU) no reader has yet run inside the
        // writer's hold: not understood; the test runs natively only.
        if std::env::var("SAFE_PROCFS_VM").as_deref() == Ok("1") {
            eprintln!(
                "not run in the VM matrix: no reader met the held writer there (open question)"
            );
            return;
        }
        let h = Handle::open(&[]).expect("Handle::open");
        assert!(h.is_cached(), "no cached handle");
        h.open_self("status", RD).expect("open_self");
        replace_cached_fd().unwrap_or_else(|e| panic!("{e}"));
        RELEASED.store(false, SeqCst);
        fault::hook(fault::CACHE_WRITE, 0, hold_the_lock);
        let writer = std::thread::spawn(|| {
            // Finds the fd replaced, re-acquires and re-publishes: the hook
            // holds it inside the write.
            let h = Handle::open(&[]).expect("Handle::open");
            h.open_self("status", RD).map(drop)
        });
        let lent_while_held = AtomicU32::new(0);
        let bad = AtomicI32::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    // Until the writer has held the lock and let it go (a
                    // slow machine takes long to get there), at most 60 s.
                    let start = Instant::now();
                    while !RELEASED.load(SeqCst) && start.elapsed() < Duration::from_secs(60) {
                        let held = HELD.load(SeqCst);
                        let fd = h.as_fd().as_raw_fd();
                        if !is_open(fd) || h.as_raw_fd() < 0 {
                            bad.store(fd, SeqCst);
                        }
                        if held && HELD.load(SeqCst) {
                            lent_while_held.fetch_add(1, SeqCst);
                        }
                    }
                });
            }
        });
        writer
            .join()
            .expect("writer")
            .expect("open_self after the re-publish");
        assert_eq!(bad.load(SeqCst), 0, "as_fd lent a closed or invalid fd");
        let n = lent_while_held.load(SeqCst);
        assert!(n > 0, "no fd was lent while the writer held the cache");
        eprintln!("{n} fds lent while the writer held the cache");
        h.open_self("status", RD)
            .expect("open_self after the writer");
    }

    /// For a few seconds: threads open the cached handle and lend its fd
    /// while another keeps replacing the cached fd (each replacement makes
    /// the next call re-publish the cache).
    #[test]
    fn as_fd_never_lends_minus_one_while_the_cache_is_republished() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        if !require_root("as_fd_never_lends_minus_one_while_the_cache_is_republished") {
            return;
        }
        Handle::open(&[])
            .and_then(|h| h.open_self("status", RD))
            .expect("warm up");
        let stop = AtomicBool::new(false);
        let (lent, republished) = (AtomicU32::new(0), AtomicU32::new(0));
        let bad = AtomicI32::new(0);
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    while !stop.load(SeqCst) {
                        let Ok(h) = Handle::open(&[]) else { continue };
                        let fd = h.as_fd().as_raw_fd();
                        if !is_open(fd) {
                            bad.store(fd, SeqCst);
                        }
                        lent.fetch_add(1, SeqCst);
                    }
                });
            }
            s.spawn(|| {
                let start = Instant::now();
                // Each round leaves one number (now /dev/null) behind.
                while start.elapsed() < Duration::from_secs(3) && republished.load(SeqCst) < 300 {
                    if replace_cached_fd().is_err() {
                        continue;
                    }
                    let _ = Handle::open(&[]).and_then(|h| h.open_self("status", RD));
                    republished.fetch_add(1, SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                }
                stop.store(true, SeqCst);
            });
        });
        assert_eq!(bad.load(SeqCst), 0, "as_fd lent a closed or invalid fd");
        let (n, r) = (lent.load(SeqCst), republished.load(SeqCst));
        assert!(n > 0 && r > 0, "lent {n}, re-published {r}");
        eprintln!("{n} fds lent, {r} re-publishes");
    }
}

// The fork inside the write: how its child ended, and a warm call's syscalls.
static FORK_STATUS: AtomicI32 = AtomicI32::new(-1);
static WARM_SYSCALLS: AtomicU32 = AtomicU32::new(0);

/// Syscalls of one `open_self("status")` on `h`, which must succeed and
/// give this process's status.
fn counted_open_self(h: &Handle) -> Option<usize> {
    fault::fail_nth(usize::MAX - 2, libc::EIO);
    let f = h.open_self("status", RD);
    let n = fault::counted();
    fault::disarm();
    let mut buf = [0u8; 4096];
    let len = read_all(&f.ok()?, &mut buf).ok()?;
    (status_pid(&buf[..len]) == Some(getpid())).then_some(n)
}

/// In the child forked inside the write: its copy of the lock is held by
/// its parent's write, which will never finish here.
fn child_after_cut_short_write() -> i32 {
    let start = Instant::now();
    let Ok(h) = Handle::open(&[]) else { return 10 };
    if !h.is_cached() {
        return 11; // the cache stayed busy: a root of its own, not published
    }
    if counted_open_self(&h).is_none() {
        return 12;
    }
    // Promptly: a new instance, not two bounded spins on a dead lock.
    if start.elapsed() > Duration::from_millis(100) {
        return 13;
    }
    // The cache is usable again: a warm call costs what it cost before.
    let Ok(again) = Handle::open(&[]) else {
        return 14;
    };
    if !again.is_cached() {
        return 15;
    }
    match counted_open_self(&again) {
        Some(n) if n == WARM_SYSCALLS.load(SeqCst) as usize => 0,
        _ => 16,
    }
}

fn fork_inside_the_write() {
    // SAFETY: this process is single-threaded (a child of the test); the
    // child uses the crate and stack buffers only, and _exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = child_after_cut_short_write();
        // SAFETY: leaving the child at once.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: reaping our own child.
    if pid > 0 && unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
        FORK_STATUS.store(status, SeqCst);
    }
}

/// A write of the cache (a re-publish) with a fork inside it.
fn fork_mid_write_case() -> Result<(), Msg> {
    let h = try_ok!(Handle::open(&[]), "Handle::open");
    ensure!(h.is_cached(), "no cached handle");
    // The first call after the fork checks the root; the next is warm.
    ensure!(counted_open_self(&h).is_some(), "open_self");
    let Some(warm) = counted_open_self(&h) else {
        fail!("open_self")
    };
    WARM_SYSCALLS.store(warm as u32, SeqCst);
    replace_cached_fd()?;
    fault::hook(fault::CACHE_WRITE, 0, fork_inside_the_write);
    // Re-publishes the cache: the hook forks inside that write.
    try_ok!(h.open_self("status", RD), "open_self (re-publishing)");
    let status = FORK_STATUS.load(SeqCst);
    ensure!(status != -1, "the hook never ran: no write, or no fork");
    let code = libc::WEXITSTATUS(status);
    ensure!(
        libc::WIFEXITED(status) && code == 0,
        "the child forked inside a cache write: check {code} failed (wait status {status:#x}; 10: Handle::open failed, 11: not the cached handle, 12: open_self failed, 13: slower than 100 ms, 14/15: the cache not usable again, 16: a warm call is not warm)"
    );
    // And the parent finished its write.
    let again = try_ok!(Handle::open(&[]), "Handle::open after the write");
    ensure!(again.is_cached(), "the parent's cache is not usable");
    ensure!(
        counted_open_self(&again) == Some(warm),
        "the parent's warm call is not warm after its write"
    );
    Ok(())
}

#[test]
fn a_cache_write_cut_short_by_a_fork_is_reset_in_the_child() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !require_root("a_cache_write_cut_short_by_a_fork_is_reset_in_the_child") {
        return;
    }
    in_child(fork_mid_write_case).unwrap_or_else(|e| panic!("{e}"));
}
