//! The process-wide cached root. It decides what is cached (a masked root
//! nobody else can mount on), when an entry may be used (still ours, its
//! pid namespace checked in this process) and when a root is published.
//! The cached fd is never closed by us (another thread may be using it):
//! when it was closed or replaced behind our back, a new root is published
//! and the old number, no longer ours, is left alone.

use crate::fd::OwnedFd;
use crate::fork;
use crate::root::{HandleKind, OwnedRoot, ProcRoot, Root};
use crate::seqlock::SeqCell;

/// The root's fd and words, then the fork generation its pid namespace
/// was last checked at.
static CACHE: SeqCell<5> = SeqCell::new();
const CHECKED: usize = 4;

/// A published cache entry and the lock word it was read at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cached {
    pub(crate) root: Root<'static>,
    pub(crate) checked: u64,
    seq: u64,
}

/// The cached root, if one is published (no syscalls).
pub(crate) fn cached() -> Option<Cached> {
    let (fd, [a, b, c, d, checked], seq) = CACHE.read()?;
    let root = ProcRoot::unpack(fd, [a, b, c, d]);
    Some(Cached { root, checked, seq })
}

/// Records that the pid namespace of the entry `c` was checked at fork
/// generation `now`, unless the entry changed since.
pub(crate) fn mark_checked(c: &Cached, now: u64) {
    if let Some(writer) = CACHE.begin(c.seq) {
        writer.set(CHECKED, now);
    }
}

/// What [`publish`] made of a root.
pub(crate) enum Published {
    /// The cached root, ours or another thread's: its fd is never closed.
    Cached(Root<'static>),
    /// Not published: the caller owns it still.
    Kept(OwnedRoot),
}

/// Publishes `root` as the cached root, its fd then kept open for the rest
/// of the process, if it may be cached (masked by `subset=pid`, not the
/// host `/proc`) and the cache is still what the caller saw: empty
/// (`stale` is `None`) or the entry `stale` that failed its check. If
/// another thread published a usable root first, ours is closed and theirs
/// returned.
pub(crate) fn publish(root: OwnedRoot, stale: Option<Cached>) -> Published {
    if !root.subset() || root.kind == HandleKind::HostMount {
        return Published::Kept(root);
    }
    let checked = fork::generation();
    if let Some(writer) = CACHE.begin(stale.map_or(0, |c| c.seq)) {
        let root = root.map_fd(OwnedFd::leak);
        writer.set_fd(root.fd);
        for (i, word) in root.pack().into_iter().enumerate() {
            writer.set(i, word);
        }
        writer.set(CHECKED, checked);
        return Published::Cached(root);
    }
    match cached() {
        // Theirs, if still ours and checked in this process.
        Some(c) if c.checked == fork::generation() && c.root.check_still_ours().is_ok() => {
            Published::Cached(c.root)
        }
        _ => Published::Kept(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{arch, root::ROOT_SUBSET, sys};

    /// What the cache publishes it reads back: every combination of masks
    /// and mount-id flags, both cacheable kinds. (The only unit test of
    /// this binary that touches the process-wide cache.)
    #[test]
    fn the_cache_reads_back_what_was_published() {
        let mut stale = None;
        for kind in [HandleKind::PrivateInstance, HandleKind::DetachedClone] {
            for flags in 0..16u64 {
                let fd = sys::openat(sys::AT_FDCWD, c"/", arch::O_PATH | arch::O_CLOEXEC).unwrap();
                let raw = fd.as_raw_fd();
                let head = flags | u64::from(ROOT_SUBSET) | (kind as u64) << 8;
                let facts = ProcRoot::unpack((), [head, 0x1_2345_6789, flags << 40, flags << 33]);
                let Published::Cached(used) = publish(facts.map_fd(|()| fd), stale) else {
                    panic!("{kind:?} {flags:#x}: not published");
                };
                let c = cached().unwrap();
                let got = (c.root.fd.as_raw_fd(), c.root.kind, c.root.pack());
                assert_eq!(got, (raw, kind, facts.pack()), "{flags:#x}");
                assert_eq!((used.pack(), c.checked), (facts.pack(), fork::generation()));
                stale = Some(c);
            }
        }
    }
}
