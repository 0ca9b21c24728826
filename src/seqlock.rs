//! A sequence-locked cell of one `'static` fd and `N` words, read without a
//! lock. It decides when a read is whole, how long a reader waits for a
//! writer, and what a write cut short by a fork leaves in the child (the
//! lock's low 32 bits count writes, odd while one is under way; its high 32
//! bits name the writer's process by fork tag); not what the words mean.

use crate::fd::{AtomicStaticFd, BorrowedFd};
use crate::fork;
use core::sync::atomic::{AtomicU64, Ordering, fence};

pub(crate) struct SeqCell<const N: usize> {
    lock: AtomicU64,
    fd: AtomicStaticFd,
    words: [AtomicU64; N],
}

const COUNT: u64 = 0xffff_ffff;

impl<const N: usize> SeqCell<N> {
    pub(crate) const fn new() -> Self {
        SeqCell {
            lock: AtomicU64::new(0),
            fd: AtomicStaticFd::empty(),
            words: [const { AtomicU64::new(0) }; N],
        }
    }

    /// The fd and words last published, and the lock word they were read
    /// at; `None` if nothing was (no syscalls). A writer of this process is
    /// waited for only a bounded spin (a few loads a round).
    pub(crate) fn read(&self) -> Option<(BorrowedFd<'static>, [u64; N], u64)> {
        for _ in 0..1 << 16 {
            let seq = self.lock.load(Ordering::Acquire);
            if seq == 0 {
                return None;
            }
            let writer = seq >> 32;
            if seq % 2 == 1 && writer != 0 && writer != fork::tag() {
                // The writer is in a parent process: it will never finish here.
                let _ = self
                    .lock
                    .compare_exchange(seq, 0, Ordering::AcqRel, Ordering::Relaxed);
                return None;
            } else if seq.is_multiple_of(2) {
                let fd = self.fd.load(Ordering::Relaxed);
                let words = core::array::from_fn(|i| {
                    self.words.get(i).map_or(0, |w| w.load(Ordering::Relaxed))
                });
                fence(Ordering::Acquire);
                if self.lock.load(Ordering::Relaxed) == seq {
                    // Published entries always have an fd.
                    return fd.map(|fd| (fd, words, seq));
                }
            }
            core::hint::spin_loop();
        }
        None
    }

    /// Becomes the writer of what was read at `seen` (0: the empty cell),
    /// if nobody wrote since. Dropping the writer publishes its stores.
    pub(crate) fn begin(&self, seen: u64) -> Option<Writer<'_, N>> {
        let (writer, count) = (fork::tag() << 32, seen & COUNT);
        let writing = writer | ((count + 1) & COUNT);
        self.lock
            .compare_exchange(seen, writing, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        fence(Ordering::Release);
        #[cfg(feature = "__fault_injection")]
        crate::__fault_injection::run_hook(crate::__fault_injection::CACHE_WRITE);
        let done = writer | ((count + 2) & COUNT);
        Some(Writer { cell: self, done })
    }
}

pub(crate) struct Writer<'c, const N: usize> {
    cell: &'c SeqCell<N>,
    /// The lock word that publishes the stores.
    done: u64,
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
        self.cell.lock.store(self.done, Ordering::Release);
    }
}
