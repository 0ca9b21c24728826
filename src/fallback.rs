//! The fallback policy: when a lookup on a handle's own procfs failed,
//! whether and where the same lookup is made again. [`after_failure`]
//! decides it from the errno, the base and what the root hides; `Handle`
//! carries it out. Nothing else in the crate retries a lookup.

use crate::base::ProcBase;
use crate::root::ProcRoot;
use crate::sys::Errno;

/// Where a failed lookup is made again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Nowhere: the error is the answer.
    No,
    /// On a new instance made for this call (closed after it): something
    /// is mounted in our cached procfs (Linux 6.15+ allows it on a detached
    /// tree, for good), and the cached one stays for other threads.
    OnFreshInstance,
    /// On a temporary unmasked procfs: the entry is one the handle's
    /// masking hides. Only files of it are handed out.
    OnUnmasked,
    /// Beneath `self` instead of `thread-self`: kernels before 3.17 have no
    /// `thread-self`, and `self/task/<tid>` did not work either.
    UnderSelf,
}

/// Whether and where a lookup that failed with `errno` on the handle's
/// own procfs is made again. The first row that matches decides:
///
/// | errno    | handle   | base                  | the root hides       | retry             |
/// |----------|----------|-----------------------|----------------------|-------------------|
/// | `EXDEV`  | cached   | any                   | -                    | `OnFreshInstance` |
/// | `ENOENT` | -        | `ProcRoot`            | anything (`masked`)  | `OnUnmasked`      |
/// | `ENOENT` | -        | `ProcPid`             | pids (`hidepid`)     | `OnUnmasked`      |
/// | `ENOENT` | -        | `ProcSelf`, `ProcThreadSelf` | `subset`      | `OnUnmasked`      |
/// | `ENOENT` | -        | `ProcThreadSelf`      | - (kernel < 3.17)    | `UnderSelf`       |
/// | other    | -        | -                     | -                    | `No`              |
///
/// A `ProcPidFd` base was resolved to `ProcPid` before its lookup.
pub(crate) fn after_failure<F>(
    errno: Errno,
    base: ProcBase<'_>,
    root: &ProcRoot<F>,
    cached: bool,
    no_thread_self: bool,
) -> Retry {
    let hidden = match base {
        ProcBase::ProcRoot => root.masked(),
        ProcBase::ProcPid(_) => root.hidepid(),
        ProcBase::ProcSelf | ProcBase::ProcThreadSelf => root.subset(),
        ProcBase::ProcPidFd(_) => false,
    };
    match errno {
        Errno::EXDEV if cached => Retry::OnFreshInstance,
        Errno::ENOENT if hidden => Retry::OnUnmasked,
        Errno::ENOENT if base == ProcBase::ProcThreadSelf && no_thread_self => Retry::UnderSelf,
        _ => Retry::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::BorrowedFd;
    use crate::root::{HandleKind, ROOT_HIDEPID, ROOT_SUBSET};

    /// [`after_failure`]'s table, row by row as in its doc: every
    /// combination of the inputs gets the retry of the first row that
    /// matches it, and every row is the first match of some combination.
    #[test]
    fn after_failure_follows_its_table() {
        use Errno as E;
        use ProcBase as B;
        let bases = [
            B::ProcRoot,
            B::ProcPid(1),
            B::ProcSelf,
            B::ProcThreadSelf,
            B::ProcPidFd(BorrowedFd::number_only(3)),
        ];
        // The row of the table that matches first, and its retry.
        let first_row = |errno, cached, base, root: &ProcRoot<()>, old| match (errno, base) {
            (E::EXDEV, _) if cached => (0, Retry::OnFreshInstance),
            (E::ENOENT, B::ProcRoot) if root.masked() => (1, Retry::OnUnmasked),
            (E::ENOENT, B::ProcPid(_)) if root.hidepid() => (2, Retry::OnUnmasked),
            (E::ENOENT, B::ProcSelf | B::ProcThreadSelf) if root.subset() => (3, Retry::OnUnmasked),
            (E::ENOENT, B::ProcThreadSelf) if old => (4, Retry::UnderSelf),
            _ => (5, Retry::No),
        };
        let mut used = [false; 6];
        for errno in [E::EXDEV, E::ENOENT, E::EACCES, E::EMFILE] {
            for cached in [false, true] {
                for base in bases {
                    for masks in [0, ROOT_HIDEPID, ROOT_SUBSET, ROOT_SUBSET | ROOT_HIDEPID] {
                        let root = ProcRoot::unidentified((), HandleKind::PrivateInstance, masks);
                        for old in [false, true] {
                            let (row, retry) = first_row(errno, cached, base, &root, old);
                            used[row] = true;
                            assert_eq!(
                                after_failure(errno, base, &root, cached, old),
                                retry,
                                "{errno:?} cached {cached} {base:?} masks {masks} old {old}"
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(used, [true; 6], "rows that never match first");
    }
}
