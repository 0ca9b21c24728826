//! Noticing a fork since a root was last checked, without a syscall on
//! every call: a forked child may live in another pid namespace
//! (`unshare(CLONE_NEWPID)`, then `fork`, as container runtimes do), where
//! a procfs acquired by its parent numbers pids differently.
//!
//! The generation lives in a wipe-on-fork page: a child reads 0 there and
//! takes a new number, larger than any its parent handed out. A thread
//! reads either 0 (and takes part in choosing the child's number) or the
//! child's number, never its parent's: two threads of a child cannot
//! disagree about whether it was forked. Without such a page (before Linux
//! 4.14, or `madvise` refused) there is no syscall-free way to tell a fork,
//! so every call is a new generation: its root's pid namespace is checked.

use crate::sys::WipeOnForkWord;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicU64};

static SENTINEL_WORD: WipeOnForkWord = WipeOnForkWord::new();

/// The last generation number handed out in this process (a forked child
/// starts from its parent's and counts on).
static LAST: AtomicU64 = AtomicU64::new(1);

/// Whether setting the sentinel up was tried.
static TRIED: AtomicBool = AtomicBool::new(false);

/// This process's generation: never 0 nor a number its parents had, so a
/// root checked under another number checks its pid namespace again.
pub(crate) fn generation() -> u64 {
    SENTINEL_WORD.get().map_or_else(without_sentinel, current)
}

/// Names this process among its parents and children in 32 bits (never 0),
/// or 0 where no fork sentinel can tell them apart.
pub(crate) fn tag() -> u64 {
    let low_bits = |_| (generation() & 0xffff_ffff).max(1);
    SENTINEL_WORD.get().map_or(0, low_bits)
}

/// The word's number; on the first look after a fork (0), a new number for
/// this process, the same for every thread that races here.
fn current(word: &AtomicU64) -> u64 {
    match word.load(Acquire) {
        0 => {
            let new = LAST.fetch_add(1, Relaxed) + 1;
            word.compare_exchange(0, new, AcqRel, Acquire)
                .err()
                .unwrap_or(new)
        }
        g => g,
    }
}

/// Sets the sentinel up on first use (storing the current number in it);
/// where that is impossible, a new number on every call.
fn without_sentinel() -> u64 {
    if !TRIED.load(Acquire) {
        let set_up = SENTINEL_WORD.set_up(LAST.load(Relaxed));
        TRIED.store(true, Release);
        if let (Ok(()), Some(word)) = (set_up, SENTINEL_WORD.get()) {
            return current(word);
        }
    }
    LAST.fetch_add(1, Relaxed) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::tests::in_forked_child;

    /// The number stays without a fork; a child gets a new one, once.
    /// (Threads of a child racing for it: tests/fork.rs.)
    #[test]
    fn a_child_gets_a_new_generation_once() {
        let g = generation();
        assert_ne!(g, 0);
        assert_eq!(generation(), g, "changed without a fork");
        let child_ok = in_forked_child(|| {
            let (a, b) = (generation(), generation());
            a != g && a != 0 && a == b && tag() == (a & 0xffff_ffff).max(1)
        });
        assert!(child_ok, "the child kept its parent's generation");
        assert_eq!(generation(), g, "the parent's generation changed");
    }

    #[test]
    fn fork_sentinel_is_wiped_in_a_child_only() {
        SENTINEL_WORD.set_up(7).unwrap();
        let word = SENTINEL_WORD.get().unwrap();
        let before = word.load(Acquire);
        assert_ne!(before, 0);
        let child_ok = in_forked_child(|| word.load(Acquire) == 0);
        assert!(child_ok, "the child did not see the sentinel wiped");
        assert_eq!(word.load(Acquire), before, "wiped in the parent");
    }
}
