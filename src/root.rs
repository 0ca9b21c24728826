//! Obtaining a procfs root we can trust, verifying it, checking on every
//! use that its fd number still names it, and caching the process-wide
//! masked handle.
//!
//! Acquisition, first that works: a private `fsopen("proc")` instance, a
//! detached `open_tree(OPEN_TREE_CLONE)` copy of `/proc`, a plain open of
//! `/proc`. Each candidate must be a procfs (`fstatfs` magic) and its root
//! directory (inode 1); a copy of `/proc` must also belong to our pid
//! namespace. Its device and mount id are recorded, so that a later call
//! notices when the fd number was closed and reused for something else.

use crate::arch;
use crate::error::{Error, ErrorKind};
use crate::fd::{AtomicStaticFd, BorrowedFd, OwnedFd};
use crate::fork;
use crate::lines::LineReader;
use crate::mount::{self, FileInfo, MountId, ProcRootFd};
use crate::path;
use crate::probe::{self, Feature};
use crate::step::Step;
use crate::sys::{self, Errno, FileId};
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering, fence};

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
    /// The host's `/proc` opened by path, where neither of the above can be
    /// had (kernels before 5.2, or a seccomp filter refusing both). Every
    /// operation checks mounts itself, but this is the weakest kind:
    ///
    /// * an attacker who races a check against a mount of their own can win;
    /// * where the kernel has neither `openat2` (5.6+) nor `statx` mount ids
    ///   (5.8+), the only mount-id oracle is `fdinfo`, read through this same
    ///   `/proc`. An attacker with a process of its own and the right to
    ///   mount in our mount namespace can make it agree with any mount id
    ///   (bind its own `fdinfo` directory, holding the same procfs inodes at
    ///   the same fd numbers, over ours; or bind its `/proc/<pid>` over
    ///   another's) and then be handed its own files.
    ///
    /// Where that attacker is in scope, open the handle with
    /// [`no_host_fallback`](crate::no_host_fallback): it fails closed
    /// (`EOPNOTSUPP`) instead of ever using the host `/proc`.
    HostMount,
}

/// A verified procfs root: its fd, held as `F`, and what was learnt about
/// it. A root is used as a [`Root<'fd>`](Root), which borrows its fd: from
/// the process-wide cache for `'static` (that fd is never closed), from
/// a [`Handle`](crate::Handle) that owns it, or from an [`OwnedRoot`]
/// made for one call, in the caller's frame, closed after the call.
///
/// 32 bytes (it was 40 with an `Option<MountId>` and two bools): the masks
/// and the mount id's presence and kind share one byte, which the cache
/// stores as it is; the 4-byte fd fits beside them. Every acquire and
/// check copies it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProcRoot<F> {
    pub(crate) fd: F,
    pub(crate) kind: HandleKind,
    /// Its masks, and whether `mnt_id` holds a mount id and of which kind
    /// (`ROOT_*`).
    bits: u8,
    /// The root's device: unique to its procfs superblock while it lives.
    pub(crate) dev: u64,
    /// The root inode's change time (ns): when its procfs instance was
    /// made. A device number (and a classic mount id) is reused once its
    /// superblock is gone; a new instance made a clock tick or more later
    /// has a later time. Compared where no unique mount id pins the mount.
    /// (A `chmod`/`chown`/`touch` of the root changes it too: the handle
    /// then counts as replaced, which fails closed. One made within the
    /// same tick passes: code in this process that closes our fd, makes
    /// such an instance at once and `dup2`s it onto the number can
    /// arrange that, as it could overwrite this crate's memory.)
    pub(crate) ctime: u64,
    /// The root's mount id where `ROOT_HAS_MNT` says there is one: from
    /// `statx` where it gives one (checked on every call), else measured
    /// from `fdinfo` for the host /proc (checked on every call) and lazily
    /// for the others (the fallback walk needs it).
    mnt_id: u64,
}

/// A root in use: its fd borrowed for `'fd`.
pub(crate) type Root<'fd> = ProcRoot<BorrowedFd<'fd>>;

/// A root that owns its fd: acquired, not yet published to the cache or
/// kept by a handle, or made for one call.
pub(crate) type OwnedRoot = ProcRoot<OwnedFd>;

/// `subset=pid` is in force: global files are hidden.
const ROOT_SUBSET: u8 = 1;
/// `hidepid=ptraceable` is in force: other users' pids are hidden.
const ROOT_HIDEPID: u8 = 2;
/// `mnt_id` holds the mount id.
const ROOT_HAS_MNT: u8 = 4;
/// ... and it is a unique one.
const ROOT_UNIQUE: u8 = 8;

impl<F> ProcRoot<F> {
    /// Records `mnt` as the root's mount id.
    fn set_mount_id(&mut self, mnt: MountId) {
        self.mnt_id = mnt.id;
        self.bits |= ROOT_HAS_MNT;
        if mnt.unique {
            self.bits |= ROOT_UNIQUE;
        }
    }

    /// The same root with its fd held as `fd(self.fd)`.
    fn map_fd<G>(self, fd: impl FnOnce(F) -> G) -> ProcRoot<G> {
        ProcRoot {
            fd: fd(self.fd),
            kind: self.kind,
            bits: self.bits,
            dev: self.dev,
            ctime: self.ctime,
            mnt_id: self.mnt_id,
        }
    }

    /// `subset=pid` is in force: global files are hidden.
    pub(crate) fn subset(&self) -> bool {
        self.bits & ROOT_SUBSET != 0
    }

    /// `hidepid=ptraceable` is in force: other users' pids are hidden.
    pub(crate) fn hidepid(&self) -> bool {
        self.bits & ROOT_HIDEPID != 0
    }

    /// The root's mount id, where it is known.
    pub(crate) fn mnt(&self) -> Option<MountId> {
        (self.bits & ROOT_HAS_MNT != 0).then_some(MountId {
            id: self.mnt_id,
            unique: self.bits & ROOT_UNIQUE != 0,
        })
    }

    /// Whether some entries are hidden, so that a lookup failing with
    /// `ENOENT` is worth retrying on an unmasked procfs.
    pub(crate) fn masked(&self) -> bool {
        self.bits & (ROOT_SUBSET | ROOT_HIDEPID) != 0
    }

    /// Only a masked handle that nobody else can mount on is cached.
    fn cacheable(&self) -> bool {
        self.subset() && self.kind != HandleKind::HostMount
    }

    /// Whether mounts could appear beneath this root behind our back.
    pub(crate) fn attackable(&self) -> bool {
        self.kind == HandleKind::HostMount
    }
}

impl OwnedRoot {
    /// The root, its fd lent while `self` is borrowed.
    pub(crate) fn borrow(&self) -> Root<'_> {
        ProcRoot {
            fd: self.fd.as_fd(),
            kind: self.kind,
            bits: self.bits,
            dev: self.dev,
            ctime: self.ctime,
            mnt_id: self.mnt_id,
        }
    }

    /// Moves the fd into `keep` (in a caller's frame, closed when that
    /// frame ends) and returns the root borrowing it there.
    pub(crate) fn keep_in(self, keep: &mut Option<OwnedFd>) -> Root<'_> {
        // The slot is a fresh one of one call, empty: nothing to drop there
        // (forgotten, not closed, were it not).
        core::mem::forget(keep.take());
        self.map_fd(|fd| keep.insert(fd).as_fd())
    }
}

impl<'fd> Root<'fd> {
    /// The fd as the procfs root that `mount` reads `fdinfo` through.
    fn proc_fd(&self) -> ProcRootFd<'fd> {
        ProcRootFd(self.fd)
    }

    /// The root's mount id, measuring it if that was not done yet.
    pub(crate) fn mount_id(&self) -> Result<MountId, Error> {
        match self.mnt() {
            Some(m) => Ok(m),
            None => mount::inspect(self.proc_fd(), self.fd).map(|info| info.mnt),
        }
    }

    /// This root with its mount id measured.
    pub(crate) fn with_mount_id(&self) -> Result<Root<'fd>, Error> {
        let mut root = *self;
        if root.bits & ROOT_HAS_MNT == 0 {
            root.set_mount_id(mount::inspect(self.proc_fd(), self.fd)?.mnt);
        }
        Ok(root)
    }

    /// Fails with `EXDEV` unless `fd` is on this root's procfs mount.
    pub(crate) fn check_same_mount(&self, fd: BorrowedFd<'_>) -> Result<FileInfo, Error> {
        mount::check_same_mount(self.proc_fd(), self.mount_id()?, fd)
    }

    /// Checks, before anything is resolved beneath it, that the fd number
    /// still names this procfs root: a process may have closed it
    /// (`close_range`), `dup2`ed over it, and reused the number for a
    /// directory, a FIFO or another procfs. One `statx` where a unique
    /// mount id pins the mount (Linux 6.8+; device, inode and type are
    /// compared too); else those, the instance's creation time and an
    /// `fstatfs`. `EBADF` if the fd is closed, `EXDEV` if it is something
    /// else; both a [`SafetyViolation`](ErrorKind::SafetyViolation).
    #[inline(always)]
    pub(crate) fn check_still_ours(&self) -> Result<(), Error> {
        self.check_identity()
    }

    /// Whether the fd number provably names another file now: another
    /// device or inode, or another mount by its mount id. Not proof: a
    /// closed number (closing it again does nothing), an error of the
    /// check, or a changed creation time alone (a `chmod` of our root).
    pub(crate) fn names_another_file(&self) -> bool {
        match mount::identify(self.fd) {
            Ok((id, mnt)) => {
                !self.is_this_root(&id)
                    || matches!((self.mnt(), mnt), (Some(then), Some(now))
                        if then.unique == now.unique && then.id != now.id)
            }
            Err(_) => false,
        }
    }

    fn check_identity(&self) -> Result<(), Error> {
        // Only a verdict (another file, or closed) is a SafetyViolation: an
        // error of a check itself (ENOMEM, EMFILE, EINTR, a seccomp filter)
        // is returned as it is: the call fails, and nothing is replaced.
        let replaced = || Error::unsafe_path(Step::HandleFdReused);
        let (id, mnt) = match mount::identify(self.fd) {
            Ok(r) => r,
            Err(e) if e.errno() == Errno::EBADF => {
                return Err(Error::new(
                    ErrorKind::SafetyViolation,
                    Errno::EBADF,
                    Step::HandleFdClosed,
                ));
            }
            Err(e) => return Err(e),
        };
        if !self.is_this_root(&id) {
            return Err(replaced());
        }
        let mut compared = None;
        if let (Some(then), Some(now)) = (self.mnt(), mnt)
            && then.unique == now.unique
        {
            if then.id != now.id {
                return Err(replaced());
            }
            compared = Some(then.unique);
        }
        match compared {
            // A unique mount id is never reused: this is our mount (which
            // pins our superblock), whatever else happened to its root.
            Some(true) => Ok(()),
            // Device numbers and classic mount ids are reused once their
            // procfs is gone. A new instance that got ours was made later:
            // its root's creation time differs, unless it was made within
            // the same clock tick (see `ctime`).
            _ if id.ctime != self.ctime => Err(replaced()),
            // Classic ids (kernels 5.8-6.7): make sure it is a procfs.
            Some(false) => mount::check_procfs(self.fd),
            // No mount id at all (statx refused, qemu-user, kernels before
            // 5.8): check what matters about it too: a procfs, of our pid
            // namespace, as masked.
            None => self.check_weakly_identified(),
        }
        .map_err(|e| {
            if e.kind() == ErrorKind::SafetyViolation {
                replaced()
            } else {
                e
            }
        })
    }

    /// The rest of [`check_still_ours`](Root::check_still_ours) where no
    /// mount id could be compared.
    #[cold]
    #[inline(never)]
    fn check_weakly_identified(&self) -> Result<(), Error> {
        mount::check_procfs(self.fd)?;
        if self.subset() {
            // A subset=pid instance has no global files.
            match sys::readlinkat(self.fd, c"uptime", &mut [0u8; 1]) {
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(Error::os(e, Step::ReadlinkUptime)),
                Ok(_) => return Err(Error::unsafe_path(Step::UnmaskedProcfs)),
            }
        }
        check_pid_namespace(self)
    }

    fn is_this_root(&self, id: &FileId) -> bool {
        id.dev == self.dev && id.ino == sys::PROC_ROOT_INO && id.mode & sys::S_IFMT == sys::S_IFDIR
    }
}

/// What [`acquire`] may fall back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Want {
    /// Skip `subset=pid` and `hidepid`.
    pub(crate) unmasked: bool,
    /// Never use the host `/proc`.
    pub(crate) no_host: bool,
    /// The root serves one call and is closed after it: a private
    /// instance then needs no identity recorded (nothing checks it later).
    pub(crate) for_one_call: bool,
}

/// Errors that say the system is short of a resource, not that a kernel
/// facility is missing: returned as they are, never a reason to fall back
/// to a weaker or unmasked kind of procfs.
fn is_resource_error(e: Errno) -> bool {
    matches!(
        e,
        Errno::EMFILE
            | Errno::ENFILE
            | Errno::ENOMEM
            | Errno::ENOSPC
            | Errno::EAGAIN
            | Errno::EINTR
    )
}

/// Obtains and verifies a procfs root, which owns its fd.
#[inline(never)]
pub(crate) fn acquire(want: Want) -> Result<OwnedRoot, Error> {
    // The new mount API is skipped on kernels before 5.2 (RHEL 8 carries a
    // broken backport of it).
    if !probe::missing(Feature::NewMountApi) && probe::kernel_at_least(5, 2) {
        match private_instance(want) {
            Ok(r) => return Ok(r),
            Err(e) => fall_back_after(e, Feature::NewMountApi)?,
        }
    }
    if !probe::missing(Feature::OpenTree) {
        match detached_clone() {
            Ok(r) => return Ok(r),
            Err(e) => fall_back_after(e, Feature::OpenTree)?,
        }
    }
    if want.no_host {
        return Err(Error::new(
            ErrorKind::NotSupported,
            Errno::EOPNOTSUPP,
            Step::NoHostFallback,
        ));
    }
    host_mount().map_err(|e| {
        if is_resource_error(e.errno()) {
            e
        } else {
            e.into_safety_violation()
        }
    })
}

/// Whether [`acquire`] may go on to the next kind of procfs after a
/// candidate failed with `e`: not on a resource error (returned as it is).
/// An unavailable `feature` is remembered as missing.
fn fall_back_after(e: Error, feature: Feature) -> Result<(), Error> {
    if is_resource_error(e.errno()) {
        return Err(e);
    }
    if probe::is_unavailable(e.errno()) {
        probe::mark_missing(feature);
    }
    Ok(())
}

#[inline(never)]
fn private_instance(want: Want) -> Result<OwnedRoot, Error> {
    let ctx =
        sys::fsopen(c"proc", sys::FSOPEN_CLOEXEC).map_err(|e| Error::os(e, Step::FsopenProc))?;
    let mut masks = 0;
    if !want.unmasked {
        // Either may be unknown to an older kernel (EINVAL): tolerated, the
        // handle is then simply less masked (and not cached without
        // subset). Any other error is returned, never a weaker handle.
        let options = [
            (c"subset", c"pid", ROOT_SUBSET),
            (c"hidepid", c"ptraceable", ROOT_HIDEPID),
        ];
        for (key, value, bit) in options {
            match sys::fsconfig_set_string(ctx.as_fd(), key, value) {
                Ok(()) => masks |= bit,
                Err(Errno::EINVAL) => {}
                Err(e) => return Err(Error::os(e, Step::FsconfigCreate)),
            }
        }
    }
    sys::fsconfig_create(ctx.as_fd()).map_err(|e| Error::os(e, Step::FsconfigCreate))?;
    let attrs = sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV | sys::MOUNT_ATTR_NOEXEC;
    let fd = sys::fsmount(ctx.as_fd(), sys::FSMOUNT_CLOEXEC, attrs)
        .map_err(|e| Error::os(e, Step::Fsmount))?;
    drop(ctx);
    if want.for_one_call {
        // fsmount() returns the root of the new instance, of our own pid
        // namespace, and it is closed after this one call: a procfs is all
        // there is to check.
        mount::check_procfs(fd.as_fd())?;
        return Ok(ProcRoot {
            fd,
            kind: HandleKind::PrivateInstance,
            bits: masks,
            dev: 0,
            ctime: 0,
            mnt_id: 0,
        });
    }
    verify(fd, HandleKind::PrivateInstance, masks)
}

#[inline(never)]
fn detached_clone() -> Result<OwnedRoot, Error> {
    let flags = sys::OPEN_TREE_CLONE | arch::O_CLOEXEC as u32;
    let fd = sys::open_tree(sys::AT_FDCWD, c"/proc", flags)
        .map_err(|e| Error::os(e, Step::OpenTreeProc))?;
    verify(fd, HandleKind::DetachedClone, 0)
}

#[inline(never)]
fn host_mount() -> Result<OwnedRoot, Error> {
    let flags = arch::O_PATH | arch::O_DIRECTORY | arch::O_CLOEXEC;
    let fd =
        sys::openat(sys::AT_FDCWD, c"/proc", flags).map_err(|e| Error::os(e, Step::OpenProc))?;
    verify(fd, HandleKind::HostMount, 0)
}

/// Adopts a caller's fd as a root: it must be the root directory of a
/// procfs of our pid namespace. How it was made cannot be told, so it is
/// treated as the host `/proc` (every result checked for mount crossings),
/// and as unmasked (no retries on another instance).
pub(crate) fn adopt(fd: OwnedFd) -> Result<OwnedRoot, Error> {
    verify(fd, HandleKind::HostMount, 0).map_err(|e| {
        // A short resource is no verdict on the fd: returned as it is.
        if is_resource_error(e.errno()) {
            e
        } else {
            e.into_safety_violation()
        }
    })
}

/// Checks that `fd` is the root directory of a procfs of our pid namespace
/// and records what identifies it.
#[inline(never)]
fn verify(fd: OwnedFd, kind: HandleKind, masks: u8) -> Result<OwnedRoot, Error> {
    let raw = fd.as_fd();
    mount::check_procfs(raw)?;
    // A lookup of "/proc" may give a procfs subdirectory bind-mounted there.
    let (id, mnt) = mount::identify(raw)?;
    if id.ino != sys::PROC_ROOT_INO || id.mode & sys::S_IFMT != sys::S_IFDIR {
        return Err(Error::unsafe_path(Step::NotProcfsRoot));
    }
    let mnt = match mnt {
        // Every call on the host /proc compares mount ids: measure it now.
        None if kind == HandleKind::HostMount => Some(mount::inspect(ProcRootFd(raw), raw)?.mnt),
        mnt => mnt,
    };
    let mut root = ProcRoot {
        fd,
        kind,
        bits: masks,
        dev: id.dev,
        ctime: id.ctime,
        mnt_id: 0,
    };
    if let Some(mnt) = mnt {
        root.set_mount_id(mnt);
    }
    // fsopen() makes an instance of our own active pid namespace; a copy of
    // /proc may be any procfs someone mounted there.
    if kind != HandleKind::PrivateInstance {
        check_pid_namespace(&root.borrow())?;
    }
    Ok(root)
}

/// Fails unless `root` is a procfs of our own pid namespace. A pid number
/// is not an identity: a child forked into a new pid namespace can have
/// the same number there as in its parent's (by chance, or `clone3`'s
/// `set_tid`). So the `NSpid:` line of our own `status` in that procfs is
/// read: it lists our pid in the procfs's namespace and in each one below
/// it down to ours, so it is exactly our `getpid()` only in a procfs of
/// our own namespace. In a procfs where we are not visible, `self` does
/// not resolve. Nothing is looked up across a mount, so a file or symlink
/// mounted over `self` or `status` cannot vouch for the procfs.
#[inline(never)]
pub(crate) fn check_pid_namespace(root: &Root) -> Result<(), Error> {
    // Two frames: the read's buffers are not live during the open.
    let status = open_own_status(root)?;
    nspid_is_ours(&status)
}

/// Whether the `NSpid:` line of `status` (ours, in the procfs checked) is
/// exactly our pid.
#[inline(never)]
fn nspid_is_ours(status: &OwnedFd) -> Result<(), Error> {
    // Longer lines (`Groups:` of many groups) are skipped; an `NSpid:`
    // line too long for the buffer lists more than one namespace: not ours.
    let mut buf = [0u8; 128];
    let mut digits = [0u8; 10];
    let mut lines = LineReader::new(status, &mut buf);
    let mut nspid = None;
    loop {
        match lines.next_line() {
            Ok(Some(line)) => {
                if let Some(value) = line.strip_prefix(b"NSpid:") {
                    nspid = Some(value.trim_ascii() == path::fmt_u32(sys::getpid(), &mut digits));
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if e.is_step(Step::LineTooLong) => {}
            Err(e) => return Err(e),
        }
    }
    match nspid {
        Some(true) => Ok(()),
        // NSpid appeared in Linux 4.1: before that, `self` naming our pid
        // (compared by `open_own_status`) is all there is.
        None if !probe::kernel_at_least(4, 1) => Ok(()),
        _ => Err(Error::unsafe_path(Step::OtherPidNamespace)),
    }
}

/// Opens `self/status` beneath `root` for reading, without crossing a mount.
fn open_own_status(root: &Root) -> Result<OwnedFd, Error> {
    let read = arch::O_RDONLY | arch::O_NOFOLLOW | arch::O_NOCTTY | arch::O_CLOEXEC;
    let resolve = sys::RESOLVE_BENEATH | sys::RESOLVE_NO_MAGICLINKS | sys::RESOLVE_NO_XDEV;
    if !probe::missing(Feature::Openat2) {
        match sys::openat2(root.fd, c"self/status", read, resolve) {
            Ok(fd) => return Ok(fd),
            Err(e) if probe::is_unavailable(e) => probe::mark_missing(Feature::Openat2),
            // `self` of a procfs in which we are not visible does not resolve.
            Err(Errno::ENOENT) => return Err(Error::unsafe_path(Step::OtherPidNamespace)),
            Err(Errno::EXDEV) => return Err(Error::unsafe_path(Step::MountCoversProcSelf)),
            Err(e) => return Err(Error::os(e, Step::OpenSelf)),
        }
    }
    // Step by step: `self` read as a link, its target and `status` opened
    // without following anything, each checked to be on the root's mount.
    let on_root = |fd: OwnedFd| -> Result<OwnedFd, Error> {
        if root.attackable() {
            root.check_same_mount(fd.as_fd())?;
        } else {
            mount::check_procfs(fd.as_fd())?;
        }
        Ok(fd)
    };
    let link_flags = arch::O_PATH | arch::O_NOFOLLOW | arch::O_CLOEXEC;
    let link = match sys::openat(root.fd, c"self", link_flags) {
        Ok(fd) => on_root(fd)?,
        Err(Errno::ENOENT) => return Err(Error::unsafe_path(Step::OtherPidNamespace)),
        Err(e) => return Err(Error::os(e, Step::OpenSelf)),
    };
    let mut target = [0u8; 12];
    let n = match sys::readlinkat(link.as_fd(), c"", &mut target) {
        Ok(n) => n,
        Err(Errno::ENOENT) => return Err(Error::unsafe_path(Step::OtherPidNamespace)),
        Err(e) => return Err(Error::os(e, Step::ReadlinkSelf)),
    };
    let mut digits = [0u8; 11];
    let ours = path::decimal_cstr(sys::getpid(), &mut digits);
    if target.get(..n) != Some(ours.to_bytes()) {
        return Err(Error::unsafe_path(Step::OtherPidNamespace));
    }
    let dir_flags = arch::O_PATH | arch::O_DIRECTORY | arch::O_NOFOLLOW | arch::O_CLOEXEC;
    let dir =
        on_root(sys::openat(root.fd, ours, dir_flags).map_err(|e| Error::os(e, Step::OpenSelf))?)?;
    on_root(sys::openat(dir.as_fd(), c"status", read).map_err(|e| Error::os(e, Step::OpenSelf))?)
}

// The process-wide cached handle, behind a sequence lock. LOCK's low 32
// bits count writes: 0 while empty, odd while a writer stores, even once
// published. Its high 32 bits name the writer's process (its fork
// generation, where there is a fork sentinel): a write that a fork cut
// short leaves the child's copy odd for ever, and a reader of the child
// that sees another process's odd LOCK empties the cache instead of
// waiting. Readers wait for a live writer only a bounded time, then make a
// root of their own. The cached fd is never closed by us: another thread
// may be using it. When it was closed or replaced behind our back, the
// cache is re-published with a new root, and the old number, which is no
// longer ours, is left alone.
static LOCK: AtomicU64 = AtomicU64::new(0);
static CACHE_FD: AtomicStaticFd = AtomicStaticFd::empty();
static CACHE_DEV: AtomicU64 = AtomicU64::new(0);
static CACHE_CTIME: AtomicU64 = AtomicU64::new(0);
static CACHE_MNT: AtomicU64 = AtomicU64::new(0);
static CACHE_BITS: AtomicU8 = AtomicU8::new(0);
/// The fork generation at which the cached root's pid namespace was last
/// checked: published with the root it belongs to.
static CACHE_CHECKED: AtomicU64 = AtomicU64::new(0);
/// In `CACHE_BITS` beside the root's own bits: a detached clone (a cached
/// root is else a private instance).
const CACHE_DETACHED: u8 = 128;
const COUNT: u64 = 0xffff_ffff;

/// A published cache entry and the lock word it was read at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cached {
    pub(crate) root: Root<'static>,
    /// The fork generation at which its pid namespace was last checked.
    pub(crate) checked: u64,
    seq: u64,
}

/// The cached root, if one is published (no syscalls). A writer in the
/// middle of its few stores is waited for, but only for a bounded spin.
#[inline]
pub(crate) fn cached() -> Option<Cached> {
    for _ in 0..SPINS {
        match read_cache() {
            Read::Empty => return None,
            Read::Busy => core::hint::spin_loop(),
            Read::Entry(c) => return Some(c),
        }
    }
    None
}

/// How long a reader waits for a writer (each round a few loads).
const SPINS: u32 = 1 << 16;

enum Read {
    Empty,
    Busy,
    Entry(Cached),
}

fn read_cache() -> Read {
    let seq = LOCK.load(Ordering::Acquire);
    if seq == 0 {
        return Read::Empty;
    }
    if seq % 2 == 1 {
        let writer = seq >> 32;
        if writer != 0 && writer != fork::tag() {
            // The writer is in a parent process: it will never finish here.
            let _ = LOCK.compare_exchange(seq, 0, Ordering::AcqRel, Ordering::Relaxed);
            return Read::Empty;
        }
        return Read::Busy;
    }
    let fd = CACHE_FD.load(Ordering::Relaxed);
    let dev = CACHE_DEV.load(Ordering::Relaxed);
    let ctime = CACHE_CTIME.load(Ordering::Relaxed);
    let mnt = CACHE_MNT.load(Ordering::Relaxed);
    let bits = CACHE_BITS.load(Ordering::Relaxed);
    let checked = CACHE_CHECKED.load(Ordering::Relaxed);
    fence(Ordering::Acquire);
    if LOCK.load(Ordering::Relaxed) != seq {
        return Read::Busy;
    }
    let Some(fd) = fd else {
        // Published entries always have an fd.
        return Read::Empty;
    };
    let kind = if bits & CACHE_DETACHED != 0 {
        HandleKind::DetachedClone
    } else {
        HandleKind::PrivateInstance
    };
    let root = ProcRoot {
        fd,
        kind,
        bits: bits & !CACHE_DETACHED,
        dev,
        ctime,
        mnt_id: mnt,
    };
    Read::Entry(Cached { root, checked, seq })
}

/// The writer's hold on the lock, from [`Writer::begin`] until dropped,
/// which publishes what was stored meanwhile.
struct Writer {
    writer: u64,
    count: u64,
}

impl Writer {
    /// Becomes the writer of the entry last read at `seen` (0: the empty
    /// cache), if nobody wrote since.
    #[inline(always)]
    fn begin(seen: u64) -> Option<Writer> {
        let writer = fork::tag() << 32;
        let count = seen & COUNT;
        let writing = writer | ((count + 1) & COUNT);
        LOCK.compare_exchange(seen, writing, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        fence(Ordering::Release);
        // Test-only: a test's function run with the lock held.
        #[cfg(feature = "__fault_injection")]
        crate::__fault_injection::run_hook(crate::__fault_injection::CACHE_WRITE);
        Some(Writer { writer, count })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        LOCK.store(self.writer | ((self.count + 2) & COUNT), Ordering::Release);
    }
}

/// Records that the pid namespace of the entry `c` was checked at fork
/// generation `now`, unless the entry changed since.
pub(crate) fn mark_checked(c: &Cached, now: u64) {
    if let Some(_writer) = Writer::begin(c.seq) {
        CACHE_CHECKED.store(now, Ordering::Relaxed);
    }
}

/// The published root if it can be used now: still ours, and checked in
/// this process (no syscall while both hold).
fn usable(c: &Cached) -> bool {
    c.checked == fork::generation() && c.root.check_still_ours().is_ok()
}

/// What [`publish`] made of a root.
pub(crate) enum Published {
    /// The cached root, ours or another thread's: its fd is never closed.
    Cached(Root<'static>),
    /// Not published: the caller owns it still.
    Kept(OwnedRoot),
}

/// Publishes `root` as the cached root, its fd then kept open for the rest
/// of the process, if it may be cached and the cache is still what the
/// caller saw: empty (`stale` is `None`) or the entry `stale` that failed
/// its check. If another thread published a usable root first, ours is
/// closed and theirs returned.
pub(crate) fn publish(root: OwnedRoot, stale: Option<Cached>) -> Published {
    if !root.cacheable() {
        return Published::Kept(root);
    }
    let checked = fork::generation();
    let detached = match root.kind {
        HandleKind::DetachedClone => CACHE_DETACHED,
        _ => 0,
    };
    if let Some(_writer) = Writer::begin(stale.map_or(0, |c| c.seq)) {
        let root = root.map_fd(OwnedFd::leak);
        CACHE_FD.store(root.fd, Ordering::Relaxed);
        CACHE_DEV.store(root.dev, Ordering::Relaxed);
        CACHE_CTIME.store(root.ctime, Ordering::Relaxed);
        CACHE_MNT.store(root.mnt_id, Ordering::Relaxed);
        CACHE_BITS.store(root.bits | detached, Ordering::Relaxed);
        CACHE_CHECKED.store(checked, Ordering::Relaxed);
        return Published::Cached(root);
    }
    match cached() {
        Some(c) if usable(&c) => Published::Cached(c.root),
        _ => Published::Kept(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the cache publishes it reads back, field for field: every
    /// combination of masks and mount-id flags, both cacheable kinds. (The
    /// only unit test of this binary that touches the process-wide cache.)
    #[test]
    fn the_cache_reads_back_what_was_published() {
        const {
            assert!(CACHE_DETACHED & (ROOT_SUBSET | ROOT_HIDEPID | ROOT_HAS_MNT | ROOT_UNIQUE) == 0)
        };
        let mut stale = None;
        for kind in [HandleKind::PrivateInstance, HandleKind::DetachedClone] {
            for flags in 0..16u8 {
                let bits = flags | ROOT_SUBSET;
                if bits & ROOT_UNIQUE != 0 && bits & ROOT_HAS_MNT == 0 {
                    continue;
                }
                let fd = sys::openat(sys::AT_FDCWD, c"/", arch::O_PATH | arch::O_CLOEXEC).unwrap();
                let raw = fd.as_raw_fd();
                let facts = ProcRoot {
                    fd: (),
                    kind,
                    bits,
                    dev: 0x1234_5678_9abc,
                    ctime: (u64::from(flags) << 40) | 7,
                    mnt_id: (u64::from(flags) + 1) << 33,
                };
                let used = match publish(facts.map_fd(|()| fd), stale) {
                    Published::Cached(root) => root,
                    Published::Kept(_) => panic!("{kind:?} {bits:#x}: not published"),
                };
                let c = cached().unwrap();
                let r = c.root;
                assert_eq!(
                    (r.fd.as_raw_fd(), r.kind, r.dev, r.ctime),
                    (raw, kind, facts.dev, facts.ctime)
                );
                assert_eq!(r.mnt(), facts.mnt(), "{kind:?} {bits:#x}");
                assert_eq!((r.subset(), r.hidepid()), (facts.subset(), facts.hidepid()));
                assert_eq!(r.masked(), facts.masked());
                assert_eq!(used.mnt(), facts.mnt());
                stale = Some(c);
            }
        }
    }
}
