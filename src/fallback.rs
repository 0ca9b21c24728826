//! The fallback policy: when a lookup on a handle's own procfs failed,
//! whether and where the same lookup is made again. [`after_failure`]
//! decides it from the errno, the base and what the root hides; `Handle`
//! carries it out. Nothing else in the crate retries a lookup.

use crate::base::ProcBase;
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

/// What a handle's procfs hides.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Masking {
    /// Any masking at all (`subset=pid` or `hidepid`).
    pub(crate) masked: bool,
    /// `hidepid=ptraceable`: other processes' directories.
    pub(crate) hidepid: bool,
    /// `subset=pid`: every global file (and, on Linux 5.10, `<pid>/net`).
    pub(crate) subset: bool,
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
pub(crate) fn after_failure(
    errno: Errno,
    base: ProcBase<'_>,
    hides: Masking,
    cached: bool,
    no_thread_self: bool,
) -> Retry {
    let hidden = match base {
        ProcBase::ProcRoot => hides.masked,
        ProcBase::ProcPid(_) => hides.hidepid,
        ProcBase::ProcSelf | ProcBase::ProcThreadSelf => hides.subset,
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

    /// [`after_failure`]'s table, row by row as in its doc: every
    /// combination of the inputs gets the retry of the first row that
    /// matches it, and every row is the first match of some combination.
    #[test]
    fn after_failure_follows_its_table() {
        let pidfd = BorrowedFd::number_only(3);
        let bases = [
            ProcBase::ProcRoot,
            ProcBase::ProcPid(1),
            ProcBase::ProcSelf,
            ProcBase::ProcThreadSelf,
            ProcBase::ProcPidFd(pidfd),
        ];
        type Row = (
            Option<Errno>,
            Option<bool>,
            fn(ProcBase<'_>, Masking, bool) -> bool,
            Retry,
        );
        let any_base = |_: ProcBase<'_>, _: Masking, _: bool| true;
        let rows: [Row; 6] = [
            (
                Some(Errno::EXDEV),
                Some(true),
                any_base,
                Retry::OnFreshInstance,
            ),
            (
                Some(Errno::ENOENT),
                None,
                |b, m, _| b == ProcBase::ProcRoot && m.masked,
                Retry::OnUnmasked,
            ),
            (
                Some(Errno::ENOENT),
                None,
                |b, m, _| matches!(b, ProcBase::ProcPid(_)) && m.hidepid,
                Retry::OnUnmasked,
            ),
            (
                Some(Errno::ENOENT),
                None,
                |b, m, _| matches!(b, ProcBase::ProcSelf | ProcBase::ProcThreadSelf) && m.subset,
                Retry::OnUnmasked,
            ),
            (
                Some(Errno::ENOENT),
                None,
                |b, _, old| b == ProcBase::ProcThreadSelf && old,
                Retry::UnderSelf,
            ),
            (None, None, any_base, Retry::No),
        ];
        let mut used = [false; 6];
        for errno in [Errno::EXDEV, Errno::ENOENT, Errno::EACCES, Errno::EMFILE] {
            for cached in [false, true] {
                for base in bases {
                    for (masked, hidepid, subset) in [
                        (false, false, false),
                        (true, true, false),
                        (true, false, true),
                        (true, true, true),
                    ] {
                        for old in [false, true] {
                            let m = Masking {
                                masked,
                                hidepid,
                                subset,
                            };
                            let (i, row) = rows
                                .iter()
                                .enumerate()
                                .find(|(_, (e, c, when, _))| {
                                    e.is_none_or(|e| e == errno)
                                        && c.is_none_or(|c| c == cached)
                                        && when(base, m, old)
                                })
                                .unwrap();
                            used[i] = true;
                            assert_eq!(
                                after_failure(errno, base, m, cached, old),
                                row.3,
                                "{errno:?} cached {cached} {base:?} {m:?} old {old}"
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(
            used, [true; 6],
            "a row of the table is never the first match"
        );
    }
}
