//! Obtaining a procfs root we can trust, verifying it, and caching the
//! process-wide masked handle.
//!
//! Acquisition, first that works: a private `fsopen("proc")` instance, a
//! detached `open_tree(OPEN_TREE_CLONE)` copy of `/proc`, a plain open of
//! `/proc`. Each candidate must be a procfs (`fstatfs` magic) and its root
//! directory (inode 1), and its mount id is recorded.

use crate::arch;
use crate::error::Error;
use crate::fd::OwnedFd;
use crate::mount::{self, MountId};
use crate::probe::{self, Feature};
use crate::sys;
use core::sync::atomic::{AtomicI32, AtomicU8, AtomicU64, Ordering};

/// How a [`Handle`](crate::Handle)'s procfs was obtained.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandleKind {
    /// A new, private procfs instance (`fsopen`/`fsmount`): nobody else can
    /// mount anything on it.
    PrivateInstance,
    /// A detached, non-recursive clone of `/proc` (`open_tree`
    /// `OPEN_TREE_CLONE`): none of the host's overmounts come with it.
    DetachedClone,
    /// The host's `/proc` opened by path: every operation checks mounts
    /// itself, but a racing attacker who controls the mount table can win.
    HostMount,
}

/// A verified procfs root: the fd and what was learnt about it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Root {
    pub(crate) fd: i32,
    pub(crate) kind: HandleKind,
    /// Measured eagerly for the host /proc (checked on every call), lazily
    /// for a private or detached procfs (only the fallback walk needs it).
    pub(crate) mnt: Option<MountId>,
    /// `subset=pid` is in force: global files are hidden.
    pub(crate) subset: bool,
    /// `hidepid=ptraceable` is in force: other users' pids are hidden.
    pub(crate) hidepid: bool,
}

impl Root {
    /// Whether some entries are hidden, so that a lookup failing with
    /// `ENOENT` is worth retrying on an unmasked procfs.
    pub(crate) fn masked(&self) -> bool {
        self.subset || self.hidepid
    }

    /// Only a masked handle that nobody else can mount on is cached.
    fn cacheable(&self) -> bool {
        self.subset && self.kind != HandleKind::HostMount
    }

    /// The root's mount id, measuring it if that was not done yet.
    pub(crate) fn mount_id(&self) -> Result<MountId, Error> {
        match self.mnt {
            Some(m) => Ok(m),
            None => mount::inspect(self.fd, self.fd).map(|info| info.mnt),
        }
    }

    /// This root with its mount id measured.
    pub(crate) fn with_mount_id(&self) -> Result<Root, Error> {
        Ok(Root {
            mnt: Some(self.mount_id()?),
            ..*self
        })
    }

    /// Whether mounts could appear beneath this root behind our back.
    pub(crate) fn attackable(&self) -> bool {
        self.kind == HandleKind::HostMount
    }
}

/// Obtains and verifies a procfs root; `unmasked` skips `subset=pid` and
/// `hidepid`. The caller owns the returned fd.
pub(crate) fn acquire(unmasked: bool) -> Result<(OwnedFd, Root), Error> {
    // The new mount API is skipped on kernels before 5.2 (RHEL 8 carries a
    // broken backport of it).
    if !probe::missing(Feature::NewMountApi) && probe::kernel_at_least(5, 2) {
        match private_instance(unmasked) {
            Ok(r) => return Ok(r),
            Err(e) if probe::is_unavailable(e.errno()) => probe::mark_missing(Feature::NewMountApi),
            Err(_) => {}
        }
    }
    if !probe::missing(Feature::OpenTree) {
        match detached_clone() {
            Ok(r) => return Ok(r),
            Err(e) if probe::is_unavailable(e.errno()) => probe::mark_missing(Feature::OpenTree),
            Err(_) => {}
        }
    }
    host_mount().map_err(Error::into_safety_violation)
}

fn private_instance(unmasked: bool) -> Result<(OwnedFd, Root), Error> {
    let ctx = sys::fsopen(c"proc", sys::FSOPEN_CLOEXEC).map_err(|e| Error::os(e, "fsopen proc"))?;
    let (mut subset, mut hidepid) = (false, false);
    if !unmasked {
        // Either may be unknown to an older kernel: tolerated, the handle is
        // then simply less masked (and not cached without subset).
        subset = sys::fsconfig_set_string(ctx.as_raw_fd(), c"subset", c"pid").is_ok();
        hidepid = sys::fsconfig_set_string(ctx.as_raw_fd(), c"hidepid", c"ptraceable").is_ok();
    }
    sys::fsconfig_create(ctx.as_raw_fd()).map_err(|e| Error::os(e, "fsconfig create"))?;
    let attrs = sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV | sys::MOUNT_ATTR_NOEXEC;
    let fd = sys::fsmount(ctx.as_raw_fd(), sys::FSMOUNT_CLOEXEC, attrs)
        .map_err(|e| Error::os(e, "fsmount"))?;
    drop(ctx);
    verify(fd, HandleKind::PrivateInstance, subset, hidepid)
}

fn detached_clone() -> Result<(OwnedFd, Root), Error> {
    let flags = sys::OPEN_TREE_CLONE | arch::O_CLOEXEC as u32;
    let fd = sys::open_tree(sys::AT_FDCWD, c"/proc", flags)
        .map_err(|e| Error::os(e, "open_tree /proc"))?;
    verify(fd, HandleKind::DetachedClone, false, false)
}

fn host_mount() -> Result<(OwnedFd, Root), Error> {
    let flags = arch::O_PATH | arch::O_DIRECTORY | arch::O_CLOEXEC;
    let fd = sys::openat(sys::AT_FDCWD, c"/proc", flags).map_err(|e| Error::os(e, "open /proc"))?;
    verify(fd, HandleKind::HostMount, false, false)
}

/// Checks that `fd` is the root directory of a procfs; records the mount
/// id of the host /proc.
fn verify(
    fd: OwnedFd,
    kind: HandleKind,
    subset: bool,
    hidepid: bool,
) -> Result<(OwnedFd, Root), Error> {
    let raw = fd.as_raw_fd();
    mount::check_procfs(raw)?;
    let mut root = Root {
        fd: raw,
        kind,
        mnt: None,
        subset,
        hidepid,
    };
    match kind {
        // fsmount() returns the root of the new instance by construction.
        HandleKind::PrivateInstance => {}
        // A lookup of "/proc" may give a procfs subdirectory bind-mounted there.
        HandleKind::DetachedClone => {
            if mount::inode(raw)? != sys::PROC_ROOT_INO {
                return Err(Error::unsafe_path("not the root of a procfs"));
            }
        }
        HandleKind::HostMount => {
            let info = mount::inspect(raw, raw)?;
            if info.ino != sys::PROC_ROOT_INO {
                return Err(Error::unsafe_path("not the root of a procfs"));
            }
            root.mnt = Some(info.mnt);
        }
    }
    Ok((fd, root))
}

// The process-wide cached handle. Published once: a racing loser closes its
// own fd and uses the winner's. Never torn down (the fd lives as long as the
// process, like the Go package's cached handle).
const EMPTY: u8 = 0;
const BUSY: u8 = 1;
const READY: u8 = 2;
static CACHE_STATE: AtomicU8 = AtomicU8::new(EMPTY);
static CACHE_FD: AtomicI32 = AtomicI32::new(-1);
static CACHE_MNT: AtomicU64 = AtomicU64::new(0);
static CACHE_META: AtomicU8 = AtomicU8::new(0);

/// The cached root, if one was published.
#[inline]
pub(crate) fn cached() -> Option<Root> {
    if CACHE_STATE.load(Ordering::Acquire) != READY {
        return None;
    }
    let meta = CACHE_META.load(Ordering::Relaxed);
    let kind = if meta & 1 != 0 {
        HandleKind::DetachedClone
    } else {
        HandleKind::PrivateInstance
    };
    let mnt = MountId {
        id: CACHE_MNT.load(Ordering::Relaxed),
        unique: meta & 2 != 0,
    };
    Some(Root {
        fd: CACHE_FD.load(Ordering::Relaxed),
        kind,
        mnt: (meta & 8 != 0).then_some(mnt),
        subset: true,
        hidepid: meta & 4 != 0,
    })
}

/// Caches `root` if it may be cached, consuming `fd`. Returns the root to
/// use and whether it is the (never closed) cached one; otherwise the
/// caller now owns `root.fd`. If another thread won the race, our fd is
/// closed and the winner's root returned.
pub(crate) fn publish(fd: OwnedFd, root: Root) -> (Root, bool) {
    if !root.cacheable() {
        let _ = fd.into_raw_fd();
        return (root, false);
    }
    if CACHE_STATE
        .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Acquire)
        .is_ok()
    {
        let mnt = root.mnt.unwrap_or(MountId {
            id: 0,
            unique: false,
        });
        let meta = u8::from(root.kind == HandleKind::DetachedClone)
            | (u8::from(mnt.unique) << 1)
            | (u8::from(root.hidepid) << 2)
            | (u8::from(root.mnt.is_some()) << 3);
        CACHE_META.store(meta, Ordering::Relaxed);
        CACHE_MNT.store(mnt.id, Ordering::Relaxed);
        CACHE_FD.store(fd.into_raw_fd(), Ordering::Relaxed);
        CACHE_STATE.store(READY, Ordering::Release);
        return (root, true);
    }
    // Another thread is publishing (a few stores away) or has published.
    drop(fd);
    loop {
        if let Some(r) = cached() {
            return (r, true);
        }
        core::hint::spin_loop();
    }
}
