//! Process-wide feature detection, cached in atomics: a syscall that is
//! missing is probed once, not on every call. A cached "works" never stops a
//! fallback: callers still fall back when a working syscall later fails
//! with `ENOSYS`/`EPERM` (a seccomp filter installed mid-run).

use crate::procfs;
use crate::sys::{self, Errno};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

/// A kernel facility with a fallback.
#[derive(Clone, Copy)]
pub(crate) enum Feature {
    /// `openat2(2)` with `RESOLVE_*`.
    Openat2 = 0,
    Statx = 1,
    /// A non-zero mount id from `statx` (qemu-user reports the mask bit
    /// with an id of 0).
    StatxMountId = 2,
    /// `fsopen`/`fsconfig`/`fsmount`.
    NewMountApi = 3,
    /// `open_tree(OPEN_TREE_CLONE)`.
    OpenTree = 4,
}

static MISSING: [AtomicBool; 5] = [const { AtomicBool::new(false) }; 5];

/// True once `f` has been seen to be missing in this process.
pub(crate) fn missing(f: Feature) -> bool {
    MISSING.get(f as usize).is_some_and(|m| m.load(Relaxed))
}

/// Records that `f` is missing: later calls go straight to the fallback.
pub(crate) fn mark_missing(f: Feature) {
    if let Some(m) = MISSING.get(f as usize) {
        m.store(true, Relaxed);
    }
}

/// Whether an errno means "this syscall is not available here" (not built
/// in, or refused by a seccomp filter), so the fallback should run.
pub(crate) fn is_unavailable(e: Errno) -> bool {
    e == Errno::ENOSYS || e == Errno::EPERM
}

/// `(major << 16) | minor` of the running kernel; 0 until read.
static KERNEL: AtomicU32 = AtomicU32::new(0);

/// Whether the running kernel is at least `major.minor` (read once by
/// `uname`). An unreadable version counts as new enough: every feature is
/// still probed and falls back on failure.
pub(crate) fn kernel_at_least(major: u32, minor: u32) -> bool {
    let mut v = KERNEL.load(Relaxed);
    if v == 0 {
        let release = sys::uname_release().ok();
        v = release.and_then(|r| parse_release(&r)).unwrap_or(u32::MAX);
        KERNEL.store(v, Relaxed);
    }
    v >= (major << 16) | minor
}

/// Parses "6.18.44-foo" into `(6 << 16) | 18`.
fn parse_release(release: &[u8]) -> Option<u32> {
    let mut parts = release
        .split(|&b| b == b'.' || b == b'-' || b == 0)
        .map(|p| u32::try_from(procfs::decimal(p)?).ok());
    // Each part: `None` at the end, `Some(None)` if it is not a number.
    let major = parts.next()??;
    let minor = parts.next()??;
    // The UNAME26 personality reports "2.6.<40 + minor>" on any kernel
    // (real 2.6 ended at .39): the true version is unknown, so it counts as
    // new and every feature is probed.
    if (major, minor) == (2, 6) && parts.next().flatten().is_some_and(|p| p >= 40) {
        return None;
    }
    Some((major.min(0xffff) << 16) | minor.min(0xffff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_parsing() {
        assert_eq!(parse_release(b"6.18.44-fc-v669\0\0"), Some((6 << 16) | 18));
        assert_eq!(parse_release(b"5.2\0"), Some((5 << 16) | 2));
        assert_eq!(parse_release(b"4.19.0-rc1"), Some((4 << 16) | 19));
        assert_eq!(parse_release(b"garbage"), None);
        assert_eq!(parse_release(b"2.6.78\0"), None); // UNAME26 on 6.18
        assert_eq!(parse_release(b"2.6.32-754.el6"), Some((2 << 16) | 6));
        assert_eq!(parse_release(b""), None);
        assert!(kernel_at_least(3, 17));
        assert!(!kernel_at_least(999, 0));
    }
}
