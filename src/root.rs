//! A procfs root as a value, and its checks. It decides what identifies a
//! root (device, creation time, mount id, its masks), when an fd number
//! still names it ([`check_still_ours`](Root::check_still_ours)) or
//! provably names another file, and what makes an fd a root we can trust
//! ([`verify`]): a procfs (`fstatfs` magic), its root directory (inode 1),
//! of our pid namespace ([`check_pid_namespace`]).

use crate::arch;
use crate::error::{Error, ErrorKind};
use crate::fd::{BorrowedFd, OwnedFd};
use crate::lines::LineReader;
use crate::mount::{self, FileInfo, MountId, ProcRootFd};
use crate::path;
use crate::probe::{self, Feature};
use crate::procfs;
use crate::step::Step;
use crate::sys::{self, Errno, FileId};

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
    /// had (kernels before 5.2, or a seccomp filter refusing both). The
    /// weakest kind: every operation checks mounts itself, but an attacker
    /// who races a check against a mount of their own can win; and without
    /// `openat2` (5.6+) and `statx` mount ids (5.8+) the only mount-id oracle
    /// is `fdinfo`, read through this same `/proc`, which an attacker who may
    /// mount in our mount namespace can make agree with any mount id
    /// (`docs/security.md`). Where that attacker is in scope, use
    /// [`no_host_fallback`](crate::no_host_fallback).
    HostMount,
}

/// A verified procfs root: its fd, held as `F`, and what identifies it.
/// Used as a [`Root<'fd>`](Root) borrowing its fd from the cache (`'static`,
/// never closed), a [`Handle`](crate::Handle) or an [`OwnedRoot`] of one call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProcRoot<F> {
    pub(crate) fd: F,
    pub(crate) kind: HandleKind,
    /// Its masks, and whether `mnt_id` holds a mount id, and a unique one.
    bits: u8,
    /// The root's device: unique to its procfs superblock while it lives.
    pub(crate) dev: u64,
    /// The root inode's change time (ns): when its instance was made. Device
    /// numbers and classic mount ids are reused once their superblock is
    /// gone, but a new instance made a clock tick or more later has a later
    /// time: compared where no unique mount id pins the mount. A `chmod` of
    /// the root changes it too (fails closed); an instance made in the same
    /// tick passes (`docs/security.md`).
    pub(crate) ctime: u64,
    /// The mount id, if `ROOT_HAS_MNT`: from `statx`, else from `fdinfo`,
    /// at once for the host /proc and lazily (for the walk) for the others.
    mnt_id: u64,
}

/// A root in use: its fd borrowed for `'fd`.
pub(crate) type Root<'fd> = ProcRoot<BorrowedFd<'fd>>;

pub(crate) type OwnedRoot = ProcRoot<OwnedFd>;

/// `subset=pid` is in force: global files are hidden.
pub(crate) const ROOT_SUBSET: u8 = 1;
/// `hidepid=ptraceable` is in force: other users' pids are hidden.
pub(crate) const ROOT_HIDEPID: u8 = 2;
const ROOT_HAS_MNT: u8 = 4;
const ROOT_UNIQUE: u8 = 8;

impl<F> ProcRoot<F> {
    /// A root of which only its kind and masks are known yet.
    pub(crate) fn unidentified(fd: F, kind: HandleKind, masks: u8) -> Self {
        ProcRoot::unpack(fd, [u64::from(masks) | (kind as u64) << 8, 0, 0, 0])
    }

    /// All but the fd, as words: bits and kind, device, ctime, mount id.
    pub(crate) fn pack(&self) -> [u64; 4] {
        let head = u64::from(self.bits) | (self.kind as u64) << 8;
        [head, self.dev, self.ctime, self.mnt_id]
    }

    /// The root that [`pack`](Self::pack) gave `words`, its fd `fd`.
    pub(crate) fn unpack(fd: F, [head, dev, ctime, mnt_id]: [u64; 4]) -> Self {
        let kind = match head >> 8 {
            0 => HandleKind::PrivateInstance,
            1 => HandleKind::DetachedClone,
            _ => HandleKind::HostMount,
        };
        ProcRoot {
            fd,
            kind,
            bits: head as u8,
            dev,
            ctime,
            mnt_id,
        }
    }

    fn set_mount_id(&mut self, mnt: MountId) {
        self.mnt_id = mnt.id;
        self.bits |= ROOT_HAS_MNT | if mnt.unique { ROOT_UNIQUE } else { 0 };
    }

    /// The same root with its fd held as `fd(self.fd)`.
    pub(crate) fn map_fd<G>(self, fd: impl FnOnce(F) -> G) -> ProcRoot<G> {
        let facts = self.with_fd(());
        facts.with_fd(fd(self.fd))
    }

    fn with_fd<G>(&self, fd: G) -> ProcRoot<G> {
        ProcRoot {
            fd,
            kind: self.kind,
            bits: self.bits,
            dev: self.dev,
            ctime: self.ctime,
            mnt_id: self.mnt_id,
        }
    }

    pub(crate) fn subset(&self) -> bool {
        self.bits & ROOT_SUBSET != 0
    }

    pub(crate) fn hidepid(&self) -> bool {
        self.bits & ROOT_HIDEPID != 0
    }

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

    /// Whether mounts could appear beneath this root behind our back.
    pub(crate) fn attackable(&self) -> bool {
        self.kind == HandleKind::HostMount
    }
}

impl OwnedRoot {
    /// The root, its fd lent while `self` is borrowed.
    pub(crate) fn borrow(&self) -> Root<'_> {
        self.with_fd(self.fd.as_fd())
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
    /// The root's mount id, measuring it if that was not done yet.
    fn mount_id(&self) -> Result<MountId, Error> {
        let measure = || mount::inspect(ProcRootFd(self.fd), self.fd).map(|info| info.mnt);
        self.mnt().map_or_else(measure, Ok)
    }

    pub(crate) fn with_mount_id(&self) -> Result<Root<'fd>, Error> {
        let mut root = *self;
        root.set_mount_id(self.mount_id()?);
        Ok(root)
    }

    /// Fails with `EXDEV` unless `fd` is on this root's procfs mount.
    pub(crate) fn check_same_mount(&self, fd: BorrowedFd<'_>) -> Result<FileInfo, Error> {
        mount::check_same_mount(ProcRootFd(self.fd), self.mount_id()?, fd)
    }

    /// Checks, before anything is resolved beneath it, that the fd number
    /// still names this procfs root: a process may have closed it, `dup2`ed
    /// over it, or reused the number for a directory, a FIFO or another
    /// procfs. Only a verdict is a [`SafetyViolation`](ErrorKind::SafetyViolation)
    /// (`EBADF`: closed, `EXDEV`: another file); an error of a check itself
    /// (`ENOMEM`, `EMFILE`, `EINTR`, a seccomp filter) is returned as it is:
    /// the call fails, and nothing is replaced.
    pub(crate) fn check_still_ours(&self) -> Result<(), Error> {
        let reused = || Error::unsafe_path(Step::HandleFdReused);
        let (id, mnt) = mount::identify(self.fd).map_err(|e| match e.errno() {
            Errno::EBADF => Error::new(ErrorKind::SafetyViolation, e.errno(), Step::HandleFdClosed),
            _ => e,
        })?;
        if self.is_another_file(&id, mnt) {
            return Err(reused());
        }
        match (self.mnt(), mnt) {
            // A unique mount id is never reused: this is our mount (which
            // pins our superblock), whatever else happened to its root.
            (Some(then), Some(now)) if then.unique && now.unique => Ok(()),
            // A device number or classic mount id reused by a newer
            // instance (see `ctime`).
            _ if id.ctime != self.ctime => Err(reused()),
            // Classic ids (kernels 5.8-6.7): make sure it is a procfs.
            (Some(then), Some(now)) if !then.unique && !now.unique => mount::check_procfs(self.fd),
            // No mount id compared (statx refused, qemu-user, kernels before
            // 5.8): a procfs, of our pid namespace, as masked.
            _ => self.check_weakly_identified(),
        }
        .map_err(|e| if e.is_safety_violation() { reused() } else { e })
    }

    /// Whether the fd number provably names another file now: another
    /// device or inode, or another mount by its mount id. Not proof: a
    /// closed number (closing it again does nothing), an error of the
    /// check, or a changed creation time alone (a `chmod` of our root).
    pub(crate) fn names_another_file(&self) -> bool {
        mount::identify(self.fd).is_ok_and(|(id, mnt)| self.is_another_file(&id, mnt))
    }

    /// The rest of [`check_still_ours`](Root::check_still_ours) where no
    /// mount id could be compared.
    fn check_weakly_identified(&self) -> Result<(), Error> {
        mount::check_procfs(self.fd)?;
        if self.subset() {
            match sys::readlinkat(self.fd, procfs::SUBSET_HIDES, &mut [0u8; 1]) {
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(Error::os(e, Step::ReadlinkUptime)),
                Ok(_) => return Err(Error::unsafe_path(Step::UnmaskedProcfs)),
            }
        }
        check_pid_namespace(self)
    }

    /// Whether `identify`'s answer provably names another file (as in
    /// [`names_another_file`](Root::names_another_file)).
    fn is_another_file(&self, id: &FileId, mnt: Option<MountId>) -> bool {
        let this_root = id.dev == self.dev
            && id.ino == sys::PROC_ROOT_INO
            && id.mode & sys::S_IFMT == sys::S_IFDIR;
        !this_root
            || matches!((self.mnt(), mnt), (Some(then), Some(now))
                if then.unique == now.unique && then.id != now.id)
    }
}

/// Checks that `fd` is the root directory of a procfs of our pid namespace
/// and records what identifies it.
pub(crate) fn verify(fd: OwnedFd, kind: HandleKind, masks: u8) -> Result<OwnedRoot, Error> {
    mount::check_procfs(fd.as_fd())?;
    // A lookup of "/proc" may give a procfs subdirectory bind-mounted there.
    let (id, mnt) = mount::identify(fd.as_fd())?;
    if id.ino != sys::PROC_ROOT_INO || id.mode & sys::S_IFMT != sys::S_IFDIR {
        return Err(Error::unsafe_path(Step::NotProcfsRoot));
    }
    let mut root = ProcRoot::unidentified(fd, kind, masks);
    (root.dev, root.ctime) = (id.dev, id.ctime);
    if let Some(mnt) = mnt {
        root.set_mount_id(mnt);
    } else if kind == HandleKind::HostMount {
        // Every call on the host /proc compares mount ids: measure it now.
        root.set_mount_id(root.borrow().mount_id()?);
    }
    // fsopen() makes an instance of our own active pid namespace; a copy of
    // /proc may be any procfs someone mounted there.
    if kind != HandleKind::PrivateInstance {
        check_pid_namespace(&root.borrow())?;
    }
    Ok(root)
}

/// Fails unless `root` is a procfs of our own pid namespace. A pid number
/// is no identity (a child in a new pid namespace may have its parent's
/// number there, by chance or by `clone3`'s `set_tid`), so the `NSpid:`
/// line of our `status` there is read: it lists our pid in that namespace
/// and each one below it down to ours, so it is exactly our `getpid()`
/// only in our own. Where we are not visible, `self` does not resolve.
/// Nothing is looked up across a mount: a file or symlink mounted over
/// `self` or `status` cannot vouch for the procfs.
pub(crate) fn check_pid_namespace(root: &Root) -> Result<(), Error> {
    nspid_is_ours(&open_own_status(root)?)
}

/// Whether the `NSpid:` line of our `status` is exactly our pid (apart
/// from [`open_own_status`] so that their frames do not add up).
fn nspid_is_ours(status: &OwnedFd) -> Result<(), Error> {
    // Longer lines (`Groups:` of many groups) are skipped; an `NSpid:`
    // line too long for the buffer lists more than one namespace: not ours.
    let mut buf = [0u8; 128];
    let mut digits = [0u8; 10];
    let mut lines = LineReader::new(status, &mut buf);
    let nspid = loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break None,
            Err(e) if e.is_step(Step::LineTooLong) => continue,
            Err(e) => return Err(e),
        };
        if let Some(value) = line.strip_prefix(b"NSpid:") {
            break Some(value.trim_ascii() == path::fmt_u32(sys::getpid(), &mut digits));
        }
    };
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
    if !probe::missing(Feature::Openat2) {
        match sys::openat2(root.fd, c"self/status", read, mount::RESOLVE) {
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
    let on_root = |fd: Result<OwnedFd, Errno>| -> Result<OwnedFd, Error> {
        let fd = fd.map_err(|e| Error::os(e, Step::OpenSelf))?;
        if root.attackable() {
            root.check_same_mount(fd.as_fd())?;
        } else {
            mount::check_procfs(fd.as_fd())?;
        }
        Ok(fd)
    };
    let link_flags = arch::O_PATH | arch::O_NOFOLLOW | arch::O_CLOEXEC;
    let link = match sys::openat(root.fd, c"self", link_flags) {
        Err(Errno::ENOENT) => return Err(Error::unsafe_path(Step::OtherPidNamespace)),
        fd => on_root(fd)?,
    };
    let mut target = [0u8; 12];
    let n = sys::readlinkat(link.as_fd(), c"", &mut target).map_err(|e| match e {
        Errno::ENOENT => Error::unsafe_path(Step::OtherPidNamespace),
        e => Error::os(e, Step::ReadlinkSelf),
    })?;
    let mut digits = [0u8; 11];
    let ours = path::decimal_cstr(sys::getpid(), &mut digits);
    if target.get(..n) != Some(ours.to_bytes()) {
        return Err(Error::unsafe_path(Step::OtherPidNamespace));
    }
    let dir_flags = arch::O_PATH | arch::O_DIRECTORY | arch::O_NOFOLLOW | arch::O_CLOEXEC;
    let dir = on_root(sys::openat(root.fd, ours, dir_flags))?;
    on_root(sys::openat(dir.as_fd(), c"status", read))
}
