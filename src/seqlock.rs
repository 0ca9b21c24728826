//! A sequence-locked cell of one `'static` fd and `N` words, read by any
//! thread without a lock, written by one writer at a time. It decides when
//! a read is whole, how long a reader waits for a writer, and what a write
//! cut short by a fork leaves in the child; not what the words mean. The
//! lock's low 32 bits count writes (0: empty, odd: a writer is storing);
//! its high 32 bits are the writer's fork tag: a reader in a child that
//! sees another process's odd lock empties the cell instead of waiting.

use crate::fd::{AtomicStaticFd, BorrowedFd};
use crate::fork;
use core::sync::atomic::{AtomicU64, Ordering, fence};

pub(crate) struct SeqCell<const N: usize> {
    lock: AtomicU64,
    fd: AtomicStaticFd,
    words: [AtomicU64; N],
}

/// What a cell held when read, and the lock word it was read at.
pub(crate) struct Snapshot<const N: usize> {
    pub(crate) fd: BorrowedFd<'static>,
    pub(crate) words: [u64; N],
    pub(crate) seq: u64,
}

const COUNT: u64 = 0xffff_ffff;

impl<const N: usize> SeqCell<N> {
    pub(crate) const fn new() -> Self {
        let words = [const { AtomicU64::new(0) }; N];
        SeqCell {
            lock: AtomicU64::new(0),
            fd: AtomicStaticFd::empty(),
            words,
        }
    }

    /// What was last published, if anything (no syscalls). A writer of
    /// this process is waited for only a bounded spin (a few loads a round).
    #[inline]
    pub(crate) fn read(&self) -> Option<Snapshot<N>> {
        for _ in 0..1 << 16 {
            let seq = self.lock.load(Ordering::Acquire);
            if seq == 0 {
                return None;
            }
            let writer = seq >> 32;
            if seq % 2 == 1 {
                if writer != 0 && writer != fork::tag() {
                    // The writer is in a parent process: it will never finish here.
                    let _ = self
                        .lock
                        .compare_exchange(seq, 0, Ordering::AcqRel, Ordering::Relaxed);
                    return None;
                }
            } else {
                let fd = self.fd.load(Ordering::Relaxed);
                let words = core::array::from_fn(|i| {
                    self.words.get(i).map_or(0, |w| w.load(Ordering::Relaxed))
                });
                fence(Ordering::Acquire);
                if self.lock.load(Ordering::Relaxed) == seq {
                    // Published entries always have an fd.
                    return fd.map(|fd| Snapshot { fd, words, seq });
                }
            }
            core::hint::spin_loop();
        }
        None
    }

    /// Becomes the writer of what was read at `seen` (0: the empty cell),
    /// if nobody wrote since. Dropping the writer publishes its stores.
    #[inline(always)]
    pub(crate) fn begin(&self, seen: u64) -> Option<Writer<'_, N>> {
        let writer = fork::tag() << 32;
        let count = seen & COUNT;
        let writing = writer | ((count + 1) & COUNT);
        self.lock
            .compare_exchange(seen, writing, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        fence(Ordering::Release);
        // Test-only: a test's function run with the lock held.
        #[cfg(feature = "__fault_injection")]
        crate::__fault_injection::run_hook(crate::__fault_injection::CACHE_WRITE);
        Some(Writer {
            cell: self,
            writer,
            count,
        })
    }
}

pub(crate) struct Writer<'c, const N: usize> {
    cell: &'c SeqCell<N>,
    writer: u64,
    count: u64,
}

impl<const N: usize> Writer<'_, N> {
    pub(crate) fn set_fd(&self, fd: BorrowedFd<'static>) {
        self.cell.fd.store(fd, Ordering::Relaxed);
    }

    /// Stores `word` as word `i` (of fewer than `N`).
    pub(crate) fn set(&self, i: usize, word: u64) {
        if let Some(w) = self.cell.words.get(i) {
            w.store(word, Ordering::Relaxed);
        }
    }
}

impl<const N: usize> Drop for Writer<'_, N> {
    fn drop(&mut self) {
        let published = self.writer | ((self.count + 2) & COUNT);
        self.cell.lock.store(published, Ordering::Release);
    }
}
