//! Test-only failure injection: stands in for seccomp filters where there
//! are none (qemu-user), fails the n-th system call of one library call, or
//! runs a test's function at an exact point inside one; every injected
//! failure is an errno the kernel could have returned. `sys`'s `call` asks
//! `injected` before every system call. A value is published by a
//! `Release` store of the word that arms it, read after an `Acquire` load.

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize};
use syscalls::{Errno, Sysno};

const SLOTS: usize = 16;
// Each slot: syscall number + 1 (0 = free) and the errno to return.
static NR: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static ERRNO: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

/// Makes system call `nr` fail with `errno` from now on, in this process.
pub fn block(nr: usize, errno: i32) {
    for (slot, e) in NR.iter().zip(&ERRNO) {
        if slot.load(Acquire) == 0 || slot.load(Acquire) == nr + 1 {
            e.store(errno as usize, Relaxed);
            slot.store(nr + 1, Release);
            return;
        }
    }
}

// Calls the kernel never fails: a real `close` releases the fd even
// when it reports an error.
const CANNOT_FAIL: [Sysno; 3] = [Sysno::close, Sysno::getpid, Sysno::gettid];

// The n-th system call from now fails once: calls still to let pass
// (usize::MAX: none armed), the errno, and the calls counted.
static NTH_LEFT: AtomicUsize = AtomicUsize::new(usize::MAX);
static NTH_ERRNO: AtomicUsize = AtomicUsize::new(0);
static NTH_FIRED: AtomicBool = AtomicBool::new(false);
static COUNTED: AtomicUsize = AtomicUsize::new(0);

/// Makes the `n`-th (from 0) system call from now fail with `errno`,
/// once, and starts counting calls afresh. Calls the kernel never
/// fails (`close`, `getpid`, `gettid`) are neither failed nor counted.
pub fn fail_nth(n: usize, errno: i32) {
    COUNTED.store(0, Relaxed);
    NTH_FIRED.store(false, Relaxed);
    NTH_ERRNO.store(errno as usize, Relaxed);
    NTH_LEFT.store(n, Release);
}

/// Disarms [`fail_nth`] (calls are still counted; [`nth_fired`] keeps
/// its answer).
pub fn disarm() {
    NTH_LEFT.store(usize::MAX, Release);
}

/// The system calls counted since the last [`fail_nth`], the failed one
/// included.
pub fn counted() -> usize {
    COUNTED.load(Acquire)
}

/// Whether the call armed by [`fail_nth`] has failed.
pub fn nth_fired() -> bool {
    NTH_FIRED.load(Acquire)
}

// A function to run once, just before a chosen call of one syscall:
// syscall number + 1 (0 = none), calls still to let pass, and the
// function (null, or an `fn()` cast to a pointer).
static HOOK_NR: AtomicUsize = AtomicUsize::new(0);
static HOOK_SKIP: AtomicUsize = AtomicUsize::new(0);
static HOOK_FN: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Not a system call: the number [`hook`] takes to run its function
/// inside the process-wide cache's write, while the write lock is held (so
/// that a test can fork there, or hold the lock a while).
pub const CACHE_WRITE: usize = usize::MAX - 1;

/// Runs `f` once, in this process, right before the call of system call
/// `nr` that comes after `skip` calls of it (that call then proceeds):
/// lets a test change the world at an exact point inside a library call
/// (e.g. reap a process and recycle its pid between two steps).
pub fn hook(nr: usize, skip: usize, f: fn()) {
    HOOK_NR.store(0, Release);
    HOOK_FN.store(f as *mut (), Release);
    HOOK_SKIP.store(skip, Release);
    HOOK_NR.store(nr + 1, Release);
}

/// Runs the function armed by [`hook`] if `nr` is its system call and
/// no calls are left to skip, disarming it first (the function may make
/// this system call itself).
pub(crate) fn run_hook(nr: usize) {
    let skip = |left: usize| left.checked_sub(1);
    if HOOK_NR.load(Acquire) != nr + 1 || HOOK_SKIP.fetch_update(AcqRel, Acquire, skip).is_ok() {
        return;
    }
    let armed = HOOK_NR.compare_exchange(nr + 1, 0, AcqRel, Relaxed);
    let ptr = HOOK_FN.load(Acquire);
    if armed.is_ok() && !ptr.is_null() {
        // SAFETY: a non-null HOOK_FN is an `fn()` stored by `hook` (same
        // size and representation as a data pointer on the three targets).
        let f = unsafe { core::mem::transmute::<*mut (), fn()>(ptr) };
        f();
    }
}

/// Runs the [`hook`], then the errno to fail system call `nr` with, if one
/// is armed (counts the call for [`fail_nth`]).
pub(crate) fn injected(nr: usize) -> Option<Errno> {
    run_hook(nr);
    if !CANNOT_FAIL.iter().any(|&c| c as usize == nr) {
        COUNTED.fetch_add(1, Relaxed);
        match NTH_LEFT.load(Acquire) {
            usize::MAX => {}
            0 => {
                NTH_LEFT.store(usize::MAX, Relaxed);
                NTH_FIRED.store(true, Release);
                return Some(Errno::new(NTH_ERRNO.load(Relaxed) as i32));
            }
            left => NTH_LEFT.store(left - 1, Relaxed),
        }
    }
    NR.iter()
        .zip(&ERRNO)
        .find(|(slot, _)| slot.load(Acquire) == nr + 1)
        .map(|(_, e)| Errno::new(e.load(Relaxed) as i32))
}
