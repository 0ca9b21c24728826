//! The syscall layer's test-only failure injection, compiled only with the hidden
//! feature `__fault_injection` and reachable as
//! `safe_procfs::__fault_injection`: not part of the public API, never
//! enabled on docs.rs, never to be enabled in production. It is the
//! stand-in for seccomp filters where there are none (qemu-user), the
//! means of failing the n-th system call of one library call, and of
//! running a test's function at an exact point inside one. It can only
//! take capabilities away: every injected failure is an errno the kernel
//! could have returned.
//!
//! The raw `call` of `sys` asks `run_hook` and `injected`
//! before every system call. All state is in atomics: a value is published
//! with a `Release` store of the word that arms it, and read after an
//! `Acquire` load of that word.

use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use syscalls::Errno;

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
const CANNOT_FAIL: [usize; 3] = [
    syscalls::Sysno::close as usize,
    syscalls::Sysno::getpid as usize,
    syscalls::Sysno::gettid as usize,
];

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

/// The system calls made (other than `close`) since the last
/// [`fail_nth`], the failed one included.
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

/// Runs `f` once, in this process, right before the call of system call
/// `nr` that comes after `skip` calls of it (that call then proceeds):
/// lets a test change the world at an exact point inside a library call
/// (e.g. reap a process and recycle its pid between two steps).
pub fn hook(nr: usize, skip: usize, f: fn()) {
    HOOK_NR.store(0, Release);
    HOOK_FN.store(f as *mut (), Release);
    HOOK_SKIP.store(skip, Release);
    // Publishes the two stores above to the thread that runs the hook.
    HOOK_NR.store(nr + 1, Release);
}

/// Runs the function armed by [`hook`] if `nr` is its system call and
/// no calls are left to skip, disarming it first.
/// Not a system call: the number [`hook`] takes to run its function
/// inside the process-wide cache's write, while the write lock is held (so
/// that a test can fork there, or hold the lock a while).
pub const CACHE_WRITE: usize = usize::MAX - 1;

pub(crate) fn run_hook(nr: usize) {
    if HOOK_NR.load(Acquire) != nr + 1 {
        return;
    }
    if HOOK_SKIP.load(Acquire) > 0 {
        HOOK_SKIP.fetch_sub(1, AcqRel);
        return;
    }
    // Disarm first: the hook itself may make this syscall.
    if HOOK_NR
        .compare_exchange(nr + 1, 0, AcqRel, Relaxed)
        .is_err()
    {
        return;
    }
    let ptr = HOOK_FN.load(Acquire);
    if ptr.is_null() {
        return;
    }
    // HOOK_FN is only ever null (checked above) or a pointer made from an
    // `fn()` by `hook`, stored with Release and read here with Acquire.
    // SAFETY: a non-null HOOK_FN is an `fn()` (same size and
    // representation as a data pointer on the three supported targets).
    let f = unsafe { core::mem::transmute::<*mut (), fn()>(ptr) };
    f();
}

/// The errno to fail system call `nr` with, if one is armed (counts the
/// call for [`fail_nth`]).
pub(crate) fn injected(nr: usize) -> Option<Errno> {
    if !CANNOT_FAIL.contains(&nr) {
        COUNTED.fetch_add(1, Relaxed);
        let left = NTH_LEFT.load(Acquire);
        if left != usize::MAX {
            if left == 0 {
                NTH_LEFT.store(usize::MAX, Relaxed);
                NTH_FIRED.store(true, Release);
                return Some(Errno::new(NTH_ERRNO.load(Relaxed) as i32));
            }
            NTH_LEFT.store(left - 1, Relaxed);
        }
    }
    NR.iter()
        .zip(&ERRNO)
        .find(|(slot, _)| slot.load(Acquire) == nr + 1)
        .map(|(_, e)| Errno::new(e.load(Relaxed) as i32))
}
