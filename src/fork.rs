//! Noticing that the process was forked since a root was last checked,
//! without a syscall on every call. A forked child may live in another pid
//! namespace (`unshare(CLONE_NEWPID)`, then `fork`, as container runtimes
//! do), where a procfs acquired by its parent numbers pids differently.

use crate::sys;
use core::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering::Relaxed};

/// Changes (in the child) whenever the process was forked.
static GENERATION: AtomicU64 = AtomicU64::new(1);

const UNKNOWN: u8 = 0;
const SENTINEL: u8 = 1;
const NO_SENTINEL: u8 = 2;
static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);
/// Without a sentinel: the pid the generation was last computed for.
static LAST_PID: AtomicU32 = AtomicU32::new(0);

/// A number that differs from any earlier one of a parent process: when a
/// root checked at generation `g` sees another number, the process was
/// forked since and the root's pid namespace must be checked again.
#[inline]
pub(crate) fn generation() -> u64 {
    match sys::forked_since_last_look() {
        Some(false) => GENERATION.load(Relaxed),
        Some(true) => GENERATION.fetch_add(1, Relaxed) + 1,
        None => without_sentinel(),
    }
}

/// Sets the sentinel up on first use; where that is impossible (kernels
/// before 4.14, a seccomp filter) compares the pid instead, a syscall per
/// call.
#[cold]
#[inline(never)]
fn without_sentinel() -> u64 {
    if STATE.load(Relaxed) == UNKNOWN {
        if sys::fork_sentinel_set_up().is_ok() {
            STATE.store(SENTINEL, Relaxed);
            LAST_PID.store(sys::getpid(), Relaxed);
            return GENERATION.load(Relaxed);
        }
        STATE.store(NO_SENTINEL, Relaxed);
    }
    let pid = sys::getpid();
    if LAST_PID.swap(pid, Relaxed) == pid {
        GENERATION.load(Relaxed)
    } else {
        GENERATION.fetch_add(1, Relaxed) + 1
    }
}
